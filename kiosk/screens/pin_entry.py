"""The librarian's PIN keypad, reached only by the corner gesture.

The keypad fills the height below the top bar (four rows of keys, each well above
20 mm) and stands beside the title and messages. Its keys are as wide as the widest
of the Delete / Sign-in words needs in the chosen language and text size, so no word
is ever broken inside a key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.core.text import Label as CoreLabel
from kivy.lang import Builder
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.librarian_panel import Message, PinPad, describe_pin_result

__all__ = ["PinEntryScreen"]


class PinEntryScreen(Screen):
    masked = StringProperty("")
    message = ObjectProperty(None, allownone=True)  # a librarian_panel.Message next to the keypad

    key_w = NumericProperty(100)
    key_h = NumericProperty(100)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pad = PinPad()
        app = App.get_running_app()
        self.ids.body.bind(size=self._size_keys)
        app.bind(lang=self._size_keys, font_body=self._size_keys, button_h=self._size_keys, gap=self._size_keys)
        self._size_keys()

    def _size_keys(self, *_args: Any) -> None:
        """Keys share the body's height; wide enough for the longest word on a key, plus its inset."""
        app = App.get_running_app()
        gap, body = app.gap, self.ids.body
        self.key_h = max(app.button_h, (body.height - 3 * gap) / 4)
        words = [app.tr("pin.erase"), app.tr("pin.sign_in")]
        widest = max(_text_width(word, app.font_body, bold=True) for word in words)
        self.key_w = max(self.key_h * 1.2, widest + 2 * gap + 2 * app.outline)

    def clear(self) -> None:
        self.pad.clear()
        self.masked = ""
        self.message = None

    def press(self, digit: str) -> None:
        self.pad.press(digit)
        self.masked = self.pad.masked

    def erase(self) -> None:
        self.pad.erase()
        self.masked = self.pad.masked

    def back(self) -> None:
        App.get_running_app().handle(App.get_running_app().close_librarian)

    def submit(self) -> None:
        App.get_running_app().handle(self._submit)

    def _submit(self) -> None:
        app = App.get_running_app()
        pin = self.pad.take()
        self.masked = ""
        if not pin:
            self.message = Message("pin.empty", tone="error")
            return
        ok, message = describe_pin_result(app.terminal.check_pin(pin))
        if ok:
            self.clear()
            app.signed_in()
            return
        assert message is not None  # the terminal logged pin_failed / locked_out in check_pin
        self.message = message


def _text_width(text: str, font_size: float, *, bold: bool) -> float:
    """Width in px of one line of text as a label draws it."""
    label = CoreLabel(text=text, font_size=font_size, bold=bold)
    label.refresh()
    return float(label.texture.size[0])


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
