"""The on-screen keyboard's layouts and typing rules, without a window."""

from __future__ import annotations

import unicodedata

import pytest

from kiosk.i18n import load_catalogs
from kiosk.keyboard_layouts import ERASE, LAYOUTS, SHIFT, SPACE, Typing, layout_for


def chars(lang: str) -> set[str]:
    return {key.value for row in layout_for(lang) for key in row}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_layout_has_the_nordic_letters_and_the_special_keys(lang: str) -> None:
    assert {"å", "ä", "ö", SHIFT, ERASE, SPACE, ",", ".", "?", "!", "-"} <= chars(lang)
    assert set("abcdefghijklmnopqrstuvwxyz0123456789") <= chars(lang)


def test_every_catalog_language_has_a_layout() -> None:
    assert set(load_catalogs().languages) <= set(LAYOUTS)


def test_finnish_and_swedish_have_a_and_o_where_their_keyboards_have_them() -> None:
    rows = ["".join(k.value for k in row if not k.special) for row in layout_for("sv")]
    assert rows[1].endswith("på") and rows[2].endswith("lö" + "ä")


def test_an_unknown_language_gets_the_english_layout() -> None:
    assert layout_for("de") == layout_for("en")


def test_the_first_letter_of_a_sentence_is_a_capital_by_itself() -> None:
    typing = Typing(50)
    assert typing.shift
    for key in "lisää valoa. ":
        typing.press(SPACE if key == " " else key)
    assert typing.shift and typing.text == "Lisää valoa. "
    typing.press("t")
    assert typing.text.endswith(". T") and not typing.shift


def test_capital_makes_only_the_next_letter_upper_case() -> None:
    typing = Typing(50, "Asun ")
    typing.press(SHIFT)
    typing.press("ö")
    typing.press("ö")
    assert typing.text == "Asun Öö"


def test_capital_is_shown_on_the_keys_while_it_is_on() -> None:
    typing = Typing(50)
    (key,) = [k for row in layout_for("fi") for k in row if k.value == "å"]
    assert typing.label(key) == "Å"
    typing.press("a")
    assert typing.label(key) == "å"


def test_spaces_are_refused_at_the_start_and_twice_in_a_row() -> None:
    typing = Typing(50)
    assert typing.press(SPACE) is False
    typing.press("a")
    assert typing.press(SPACE) and typing.press(SPACE) is False
    assert typing.text == "A " and typing.final_text() == "A"


def test_nothing_is_taken_beyond_the_limit() -> None:
    typing = Typing(3)
    for key in "abcd":
        typing.press(key)
    assert typing.text == "Abc" and typing.full and typing.count == 3
    assert typing.press("e") is False
    typing.press(ERASE)
    assert typing.text == "Ab" and not typing.full


def test_erase_on_nothing_changes_nothing_and_set_text_is_cut_to_the_limit() -> None:
    typing = Typing(5)
    assert typing.erase() is False
    typing.set_text("abcdefgh")
    assert typing.text == "abcde"


def test_text_is_kept_in_nfc() -> None:
    typing = Typing(20, unicodedata.normalize("NFD", "Töölö"))
    assert typing.text == "Töölö" and unicodedata.is_normalized("NFC", typing.final_text())


def test_a_limit_below_one_is_refused_and_an_unknown_key_too() -> None:
    with pytest.raises(ValueError):
        Typing(0)
    with pytest.raises(ValueError):
        Typing(5).press("ab")
