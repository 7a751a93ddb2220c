"""The librarian's PIN keypad, reached only by the corner gesture."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.librarian_panel import Message, PinPad, describe_pin_result

__all__ = ["PinEntryScreen"]


class PinEntryScreen(Screen):
    masked = StringProperty("")
    message = ObjectProperty(None, allownone=True)  # a librarian_panel.Message next to the keypad

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pad = PinPad()

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


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
