"""The idle warning laid over any screen: a countdown and a Continue button."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import NumericProperty
from kivy.uix.floatlayout import FloatLayout

__all__ = ["IdleWarning"]


class IdleWarning(FloatLayout):
    seconds_left = NumericProperty(30)

    __events__ = ("on_continue",)

    def on_touch_down(self, touch: Any) -> bool:
        super().on_touch_down(touch)
        return True  # modal: nothing behind the warning is pressed

    def on_touch_up(self, touch: Any) -> bool:
        super().on_touch_up(touch)
        return True

    def on_continue(self) -> None:
        pass


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
