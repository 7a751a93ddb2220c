"""Widgets shared by every screen: the root that takes one finger at a time and
notices the librarian's corner gesture, big citizen buttons, wrapping labels and
the language bar. Their look is in ``widgets.kv``.
"""
# mypy: disallow-subclassing-any=False, disallow-untyped-calls=False

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label

__all__ = ["AppRoot", "BodyLabel", "CitizenButton", "FitButton", "LanguageBar"]

CORNER_HOLD_SECONDS = 2.0


class AppRoot(FloatLayout):
    """The window's root: one finger at a time, any touch counts as activity.

    A class crowding a terminal puts several fingers on it at once. While one touch
    is down, every other touch is swallowed here before any button sees it, so two
    fingers make one action. A touch held ``CORNER_HOLD_SECONDS`` in the top-left
    corner fires ``on_corner_hold`` (the librarian's discreet way in).
    """

    corner_size = NumericProperty(80)
    corner_enabled = BooleanProperty(True)

    __events__ = ("on_activity", "on_corner_hold")

    def __init__(self, now: Callable[[], float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._now = now
        self._active: Any = None
        self._ignored: set[int] = set()
        self._corner_touch: Any = None
        self._corner_since = 0.0

    def _busy(self, touch: Any) -> bool:
        active = self._active
        if active is None or active is touch:
            return False
        if getattr(active, "time_end", -1) >= 0:  # its touch-up was lost: not busy
            self._active = None
            return False
        return True

    def on_touch_down(self, touch: Any) -> bool:
        if self._busy(touch):
            self._ignored.add(touch.uid)
            return True
        self._active = touch
        self.dispatch("on_activity")
        if self.corner_enabled and touch.x <= self.corner_size and touch.y >= self.top - self.corner_size:
            self._corner_touch, self._corner_since = touch, self._now()
        return bool(super().on_touch_down(touch))

    def on_touch_move(self, touch: Any) -> bool:
        if touch.uid in self._ignored:
            return True
        if touch is self._corner_touch and (
            touch.x > self.corner_size * 1.5 or touch.y < self.top - self.corner_size * 1.5
        ):
            self._corner_touch = None
        return bool(super().on_touch_move(touch))

    def on_touch_up(self, touch: Any) -> bool:
        if touch.uid in self._ignored:
            self._ignored.discard(touch.uid)
            return True
        if touch is self._active:
            self._active = None
        if touch is self._corner_touch:
            self._corner_touch = None
        return bool(super().on_touch_up(touch))

    def check_corner(self) -> None:
        """Called from the app's poll: fires once when the corner touch has been held long enough."""
        if self._corner_touch is not None and self._now() - self._corner_since >= CORNER_HOLD_SECONDS:
            self._corner_touch = None
            self.dispatch("on_corner_hold")

    def on_activity(self) -> None:
        pass

    def on_corner_hold(self) -> None:
        pass


class CitizenButton(Button):
    """A button a citizen presses: at least ``app.sizes.button_h`` (>= 20 mm) each way,
    text wrapped inside it rather than cut."""

    kind = OptionProperty("secondary", options=["primary", "secondary", "selected"])
    wrap = BooleanProperty(True)  # wrap words inside the button's width


class FitButton(CitizenButton):
    """A one-line button as wide as its words (language names, Back): never wraps mid-word."""

    wrap = BooleanProperty(False)


class BodyLabel(Label):
    """Text that wraps to its width and grows to its height."""

    tone = OptionProperty("text", options=["text", "muted", "error", "success", "panel"])


class LanguageBar(BoxLayout):
    """One button per catalog, each named in its own language; the chosen one marked."""

    lang = StringProperty("fi")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        app = App.get_running_app()
        for code in app.catalogs.languages:
            button = FitButton(text=app.catalogs.language_name(code))
            button.lang_code = code
            button.bind(on_release=self._choose, width=self._fit)
            self.add_widget(button)
        app.bind(lang=self._mark)
        self._mark(app, app.lang)

    def _fit(self, *_args: Any) -> None:
        self.width = sum(c.width for c in self.children) + self.spacing * max(0, len(self.children) - 1)

    def _mark(self, _app: Any, lang: str) -> None:
        for button in self.children:
            button.kind = "selected" if button.lang_code == lang else "secondary"

    def _choose(self, button: Any) -> None:
        App.get_running_app().handle(lambda: App.get_running_app().set_language(button.lang_code))


Builder.load_file(str(Path(__file__).with_name("widgets.kv")))
