"""The on-screen keyboard's layouts and typing rules, in plain Python (no Kivy).

``kiosk/keyboard.py`` draws a layout and passes key presses to a ``Typing``; the rules
live here so they are tested without a window.

Layouts (one per catalog language; an unknown language gets the English one):

- ``fi`` and ``sv``: the Finnish-Swedish keyboard people know from their own machines
  (å after p, ö and ä after l), so both have å, ä and ö where they expect them.
- ``en``: plain QWERTY, with ä, ö and å on the bottom row: an English-speaking resident
  of Helsinki still writes Mäkelänkatu or Töölö.

Every layout has a digit row with Delete, a Capital key (one-shot shift), a wide space
bar and basic punctuation (``, . - ? ! ' : / %``).

Typing rules, chosen for people who rarely type:

- the first letter of the text and of each sentence is a capital by itself (the Capital
  key lights up); Capital makes only the next letter a capital, then turns off;
- a space is refused at the start and after another space (a stray double tap does
  not leave gaps); ``final_text()`` trims the ends;
- nothing is taken beyond ``limit`` characters; the count shows how many are used;
- the text is kept in Unicode NFC, as records carry it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["ERASE", "LAYOUTS", "SHIFT", "SPACE", "Key", "Typing", "layout_for"]

SHIFT, ERASE, SPACE = "shift", "erase", "space"  # the keys that are not characters
SPECIAL = (SHIFT, ERASE, SPACE)
SENTENCE_ENDS = (". ", "! ", "? ")


@dataclass(frozen=True)
class Key:
    """One key: ``value`` is the character it types, or one of ``SHIFT``, ``ERASE``, ``SPACE``;
    ``units`` is its width in key widths."""

    value: str
    units: float = 1.0

    @property
    def special(self) -> bool:
        return self.value in SPECIAL


Layout = tuple[tuple[Key, ...], ...]


def _row(chars: str, *, before: tuple[Key, ...] = (), after: tuple[Key, ...] = ()) -> tuple[Key, ...]:
    return (*before, *(Key(c) for c in chars), *after)


_DIGITS = _row("1234567890", after=(Key(ERASE, 2.0),))
_NORDIC: Layout = (
    _DIGITS,
    _row("qwertyuiopå"),
    _row("asdfghjklöä"),
    _row("zxcvbnm,.-", before=(Key(SHIFT, 2.0),)),
    (Key("?"), Key("!"), Key("'"), Key(SPACE, 5.0), Key(":"), Key("/"), Key("%")),
)
_ENGLISH: Layout = (
    _DIGITS,
    _row("qwertyuiop"),
    _row("asdfghjkl"),
    _row("zxcvbnm,.-", before=(Key(SHIFT, 2.0),)),
    (Key("ä"), Key("ö"), Key("å"), Key("?"), Key(SPACE, 4.0), Key("!"), Key("'"), Key(":")),
)
LAYOUTS: dict[str, Layout] = {"fi": _NORDIC, "sv": _NORDIC, "en": _ENGLISH}


def layout_for(lang: str) -> Layout:
    return LAYOUTS.get(lang, _ENGLISH)


class Typing:
    """The text being typed on the keyboard and whether the next letter is a capital."""

    def __init__(self, limit: int, text: str = "") -> None:
        if limit < 1:
            raise ValueError("a text limit is at least one character")
        self.limit = limit
        self.text = ""
        self.shift = False
        self.set_text(text)

    # -- what the keyboard shows ------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self.text)

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    def label(self, key: Key) -> str:
        """What a character key shows now: upper case while Capital is on."""
        return key.value.upper() if self.shift and not key.special else key.value

    def final_text(self) -> str:
        """The text to send: ends trimmed, NFC."""
        return unicodedata.normalize("NFC", self.text.strip())

    # -- presses ---------------------------------------------------------------------

    def press(self, key: Key | str) -> bool:
        """One key press; False when nothing changed (full, or a refused space)."""
        value = key.value if isinstance(key, Key) else key
        if value == SHIFT:
            self.shift = not self.shift
            return True
        if value == ERASE:
            return self.erase()
        char = " " if value == SPACE else value
        if len(char) != 1:
            raise ValueError(f"not a key: {value!r}")
        if char == " " and (not self.text or self.text.endswith(" ")):
            return False
        if self.full:
            return False
        if self.shift and char.isalpha():
            char = char.upper()
        self.text = unicodedata.normalize("NFC", self.text + char)
        if char.isalpha():
            self.shift = False
        self._auto_capital()
        return True

    def erase(self) -> bool:
        if not self.text:
            return False
        self.text = self.text[:-1]
        self.shift = False
        self._auto_capital()
        return True

    def set_text(self, text: str) -> None:
        """Start from ``text`` (cut to the limit), e.g. when the person goes back to edit."""
        self.text = unicodedata.normalize("NFC", text)[: self.limit]
        self.shift = False
        self._auto_capital()

    def clear(self) -> None:
        self.set_text("")

    def _auto_capital(self) -> None:
        if not self.text or self.text.endswith(SENTENCE_ENDS):
            self.shift = True
