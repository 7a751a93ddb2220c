"""The on-screen keyboard by touch: letters with å, ä and ö, Capital, Delete, the count
against the limit, the layout following the language, and keys of at least 20 mm, 3 mm
apart, whose words fit, in both text sizes."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest

from .driving import buttons, press, settle, texts
from .fakes import FakeTerminal

pytestmark = pytest.mark.gui


@pytest.fixture
def mounted(make_app: Any) -> Iterator[tuple[Any, Any]]:
    """The app with a keyboard (and its text box) laid over the welcome screen."""
    from kivy.uix.boxlayout import BoxLayout

    from kiosk.keyboard import OnScreenKeyboard, TypedTextBox

    app = make_app(FakeTerminal())
    holder = BoxLayout(orientation="vertical", padding=app.pad, spacing=app.gap)
    keyboard = OnScreenKeyboard(limit=12)
    box = TypedTextBox(keyboard=keyboard, hint="…")
    holder.add_widget(box)
    holder.add_widget(keyboard)
    app.root.add_widget(holder)
    settle()
    yield app, keyboard
    app.root.remove_widget(holder)


def key(keyboard: Any, label: str) -> Any:
    (found,) = [k for k in buttons(keyboard) if k.text == label]
    return found


def special(keyboard: Any, value: str) -> Any:
    (found,) = [k for k in buttons(keyboard) if k.key.value == value]
    return found


def test_typing_nordic_letters_by_touch(mounted: tuple[Any, Any]) -> None:
    app, keyboard = mounted
    seen: list[str] = []
    keyboard.bind(text=lambda _k, text: seen.append(text))
    press(key(keyboard, "Ä"))  # the first letter is a capital by itself
    for label in "äå":
        press(key(keyboard, label))
    press(special(keyboard, "space"))
    press(special(keyboard, "shift"))
    press(key(keyboard, "Ö"))
    assert keyboard.text == "Ääå Ö" and seen[-1] == "Ääå Ö"
    assert key(keyboard, "ö")  # Capital was for one letter only
    press(special(keyboard, "erase"))
    assert keyboard.text == "Ääå " and keyboard.final_text() == "Ääå"
    assert app.tr("keyboard.count", count=4, limit=12) in texts(app.root)
    assert "Ääå" in texts(app.root)


def test_the_count_says_when_the_text_is_full(mounted: tuple[Any, Any]) -> None:
    app, keyboard = mounted
    keyboard.set_text("abcdefghijkl")
    settle()
    assert app.tr("keyboard.full") in texts(app.root)
    press(key(keyboard, "m"))
    assert keyboard.text == "abcdefghijkl"
    keyboard.clear()
    settle()
    assert keyboard.text == "" and app.tr("keyboard.full") not in texts(app.root)


def test_the_layout_follows_the_language(mounted: tuple[Any, Any]) -> None:
    app, keyboard = mounted
    rows = keyboard.ids.rows.children
    assert "Å" in [k.text for k in rows[-2].children]  # fi: å after p
    app.set_language("en")
    settle()
    second_row = [k.text for k in reversed(keyboard.ids.rows.children[-2].children)]
    assert second_row == list("QWERTYUIOP")
    assert special(keyboard, "erase").text == "Delete"


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_keys_are_at_least_20_mm_3_mm_apart_and_their_words_fit(
    mounted: tuple[Any, Any], window: Any, large: bool
) -> None:
    from kivy.metrics import Metrics

    from kiosk.theme import MIN_BUTTON_MM, MIN_GAP_MM, px_to_mm

    from .test_text_fits import text_problems

    app, keyboard = mounted
    problems: list[str] = []
    for lang in ("fi", "sv", "en"):
        app.lang, app.large_text = lang, large
        settle(6)
        keys = buttons(keyboard)
        assert len(keys) >= 45
        for k in keys:
            assert px_to_mm(min(k.width, k.height), Metrics.dpi) >= MIN_BUTTON_MM, (lang, k.text)
        for row in keyboard.ids.rows.children:
            ordered = sorted(row.children, key=lambda w: w.x)
            for left, right in pairwise(ordered):
                assert px_to_mm(right.x - left.right, Metrics.dpi) >= MIN_GAP_MM - 0.01, (lang, left.text, right.text)
        rows = sorted(keyboard.ids.rows.children, key=lambda r: r.y)
        for lower, upper in pairwise(rows):
            assert px_to_mm(upper.y - lower.top, Metrics.dpi) >= MIN_GAP_MM - 0.01
        problems += [f"{lang}: {p}" for p in text_problems(keyboard, window)]
    assert not problems, "\n".join(problems)


def test_a_capped_height_shrinks_the_keys_but_never_below_20_mm(mounted: tuple[Any, Any]) -> None:
    from kivy.metrics import Metrics

    from kiosk.theme import MIN_BUTTON_MM, px_to_mm

    _app, keyboard = mounted
    full = keyboard.key_height
    keyboard.max_height = 10
    settle()
    assert px_to_mm(keyboard.key_height, Metrics.dpi) >= MIN_BUTTON_MM - 0.01 and keyboard.key_height <= full
    keyboard.max_height = 0
    settle()
    assert keyboard.key_height == full
