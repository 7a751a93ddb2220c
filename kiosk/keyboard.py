"""The on-screen keyboard for citizens' texts (Voxit proposals, feedback messages).

Small API, everything else is internal::

    keyboard = OnScreenKeyboard(limit=280)       # the most characters the text may have
    keyboard.bind(text=on_text)                  # called after every key that changes the text
    keyboard.text                                # the text so far (read it; do not assign)
    keyboard.set_text("…")                       # start from a text (going back to edit)
    keyboard.clear()                             # forget the text (idle reset, sent)
    keyboard.final_text()                        # the text to keep: ends trimmed, NFC
    keyboard.max_height = 500                    # optional: keys shrink to fit, never below 20 mm
    OnScreenKeyboard(limit=100, extra="@+")      # optional: more keys on the bottom row (email, phone)

    box = TypedTextBox(keyboard=keyboard)        # shows the text with a caret (optional)

The layout follows ``app.lang`` (``kiosk.keyboard_layouts``: fi and sv with å, ä, ö;
en QWERTY with them on the bottom row). Above the keys, the count against the limit
("12 / 280 characters") and, at the limit, a plain sentence that the text is full.
Keys are about 22 mm high (20 mm at least, also in large text, where the key labels
grow and the keyboard keeps its height), at least 3 mm apart, and the word keys
(Capital, Delete, space) get a font that fits their width, so no word is ever cut.
"""
# mypy: disallow-subclassing-any=False, disallow-untyped-calls=False

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.core.text import Label as CoreLabel
from kivy.lang import Builder
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.keyboard_layouts import ERASE, SHIFT, SPACE, Key, Typing, layout_for
from kiosk.theme import BUTTON_MM, GAP_MM, MIN_BUTTON_MM, MIN_GAP_MM, mm_to_px
from kiosk.widgets import BodyLabel, CitizenButton

__all__ = ["KeyboardKey", "OnScreenKeyboard", "TypedTextBox"]

WORD_KEYS = {SHIFT: "keyboard.shift", ERASE: "keyboard.erase", SPACE: "keyboard.space"}


class KeyboardKey(CitizenButton):
    """One key; ``key`` is its ``keyboard_layouts.Key``."""

    key = ObjectProperty(None)


class OnScreenKeyboard(BoxLayout):
    text = StringProperty("")
    limit = NumericProperty(280)
    shift = BooleanProperty(False)
    count_text = StringProperty("")
    full = BooleanProperty(False)
    max_height = NumericProperty(0)  # 0: no cap
    key_height = NumericProperty(0)  # computed

    def __init__(self, *, limit: int = 280, extra: str = "", **kwargs: Any) -> None:
        self._typing = Typing(limit)
        self._extra = tuple(Key(char) for char in extra)  # more character keys on the bottom row
        self._keys: list[KeyboardKey] = []
        self._built_for = ""
        super().__init__(**kwargs)
        self.limit = limit
        app = App.get_running_app()
        app.bind(lang=self._layout_changed, font_body=self._resize, button_h=self._resize, gap=self._resize)
        self.bind(width=self._resize, max_height=self._resize)
        self._layout_changed()
        self._sync()

    # -- the API ---------------------------------------------------------------------

    def set_text(self, text: str) -> None:
        self._typing.set_text(text)
        self._sync()

    def clear(self) -> None:
        self._typing.clear()
        self._sync()

    def final_text(self) -> str:
        return self._typing.final_text()

    def press(self, key: Key | str) -> bool:
        """A key press (what a touch on a key does)."""
        changed = self._typing.press(key)
        self._sync()
        return changed

    # -- internals -------------------------------------------------------------------

    def on_limit(self, _widget: Any, limit: float) -> None:
        self._typing = Typing(int(limit), self._typing.text)
        self._sync()

    def _sync(self) -> None:
        app = App.get_running_app()
        typing = self._typing
        self.text, self.shift, self.full = typing.text, typing.shift, typing.full
        self.count_text = app.tr("keyboard.count", count=typing.count, limit=typing.limit)
        if typing.full:
            self.count_text += "  " + app.tr("keyboard.full")
        for key in self._keys:
            if not key.key.special:
                key.text = typing.label(key.key)
            elif key.key.value == SHIFT:
                key.kind = "selected" if typing.shift else "secondary"

    def _layout_changed(self, *_args: Any) -> None:
        app = App.get_running_app()
        rows = self.ids.rows
        rows.clear_widgets()
        self._keys = []
        layout = list(layout_for(app.lang))
        if self._extra:
            layout[-1] = (*layout[-1], *self._extra)
        for layout_row in layout:
            row = BoxLayout(size_hint=(None, None), pos_hint={"center_x": 0.5})  # sized in _resize
            for item in layout_row:
                key = KeyboardKey(key=item, kind="secondary", size_hint=(None, 1))
                if item.special:
                    key.text = app.tr(WORD_KEYS[item.value])
                key.bind(on_release=self._pressed)
                row.add_widget(key)
                self._keys.append(key)
            rows.add_widget(row)
        self._built_for = app.lang
        self._sync()
        self._resize()

    def _pressed(self, key: KeyboardKey) -> None:
        App.get_running_app().handle(lambda: self.press(key.key))

    def _resize(self, *_args: Any) -> None:
        app = App.get_running_app()
        rows = list(reversed(self.ids.rows.children))
        if not rows:
            return
        dpi = float(Metrics.dpi)
        gap = max(mm_to_px(MIN_GAP_MM, dpi), min(app.gap, mm_to_px(GAP_MM, dpi)))  # 3-4 mm, also in large text
        floor = mm_to_px(MIN_BUTTON_MM, dpi)
        key_h = mm_to_px(BUTTON_MM, dpi)
        if self.max_height:
            count_h = self.ids.count.height + self.spacing
            fits = (self.max_height - count_h - (len(rows) - 1) * gap) / len(rows)
            key_h = min(key_h, fits)
        key_h = max(floor, key_h)
        self.key_height = key_h
        units = max(sum(k.key.units for k in row.children) for row in rows)
        unit_w = max(floor, min(key_h * 1.6, (self.width - (units - 1) * gap) / units))
        char_font = min(app.font_title, key_h * 0.55)
        for row in rows:
            row.spacing = gap
            row.height = key_h
            for key in row.children:
                # a fixed width (size_hint_x None), so CitizenButton's minimum width plays no part;
                # the height is the row's (size_hint_y 1), so its height rule plays none either
                key.size_hint = (None, 1)
                key.width = key.key.units * unit_w + (key.key.units - 1) * gap
                if key.key.special:
                    key.font_size = _fitting_font(key.text, key.width - 2 * gap, key_h * 0.5, app.font_body)
                else:
                    key.font_size = char_font
            row.width = sum(k.width for k in row.children) + gap * (len(row.children) - 1)
        self.ids.rows.spacing = gap
        self.ids.rows.height = len(rows) * key_h + (len(rows) - 1) * gap


def _fitting_font(text: str, width: float, height: float, start: float) -> float:
    """The largest font up to ``start`` (and ``height``) at which ``text`` is one line within ``width``."""
    size = min(start, height)
    while size > 12:
        label = CoreLabel(text=text, font_size=size, bold=False)
        label.refresh()
        if label.texture.size[0] <= width:
            return size
        size *= 0.92
    return size


class TypedTextBox(BoxLayout):
    """The text typed so far on ``keyboard``, in a framed box, with a caret after the last
    character; a hint in muted words while it is empty. With ``max_text_height`` set, a
    text taller than that shows its end ("… last words"), so the caret stays in sight."""

    keyboard = ObjectProperty(None, allownone=True)
    hint = StringProperty("")
    shown_text = StringProperty("")
    max_text_height = NumericProperty(0)  # 0: grow with the text
    caret_x = NumericProperty(0)
    caret_y = NumericProperty(0)
    empty = BooleanProperty(True)

    def on_keyboard(self, _box: Any, keyboard: OnScreenKeyboard | None) -> None:
        if keyboard is not None:
            keyboard.bind(text=self._show)
            self._show()

    def on_max_text_height(self, *_args: Any) -> None:
        self._show()

    def on_width(self, *_args: Any) -> None:
        self._show()

    def _show(self, *_args: Any) -> None:
        text = self.keyboard.text if self.keyboard is not None else ""
        self.empty = not text
        self.shown_text = text
        label = self.ids.get("typed")  # None while the KV rule is still being applied
        if label is None or not text or not self.max_text_height or label.width <= 1:
            return
        label.text = text
        label.texture_update()
        words = text.split(" ")
        while len(words) > 1 and label.texture_size[1] > self.max_text_height:
            words = words[1:]
            label.text = "… " + " ".join(words)
            label.texture_update()
        self.shown_text = label.text

    def place_caret(self, label: BodyLabel) -> None:
        """After the label's last rendered line (the label wraps left-aligned from the top)."""
        label.texture_update()
        lines = getattr(label._label, "_cached_lines", None) if not self.empty else None
        line_h = label.font_size * 1.2
        if not lines:
            self.caret_x, self.caret_y = label.x, label.top - line_h
            return
        top_of_last = sum(line.h for line in lines[:-1])
        self.caret_x = label.x + lines[-1].w + 2
        self.caret_y = label.top - top_of_last - lines[-1].h


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
