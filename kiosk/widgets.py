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
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView

__all__ = [
    "AppRoot",
    "BesideRow",
    "BodyLabel",
    "CitizenButton",
    "CueScrollView",
    "FitButton",
    "LanguageBar",
    "ReadAloudButton",
    "ScrollHint",
    "ShownBox",
]

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
    # space between the text and the button's sides; -1: ``app.pad``. (Not set in the KV rule:
    # a subclass rule setting it too would leave both bindings alive, and the last to fire wins.)
    inset = NumericProperty(-1)


class FitButton(CitizenButton):
    """A one-line button as wide as its words (language names, Back): never wraps mid-word."""

    wrap = BooleanProperty(False)


class BodyLabel(Label):
    """Text that wraps to its width and grows to its height."""

    tone = OptionProperty("text", options=["text", "muted", "error", "success", "panel"])


class CueScrollView(ScrollView):
    """A vertical scroll area whose bar is always drawn, and which says when there is more below
    (``more_below``, shown by a ``ScrollHint``): people who rarely use touch screens do not
    guess that a page goes on past its bottom edge."""

    more_below = BooleanProperty(False)
    # the height the hint takes while shown (set by the ScrollHint): once the hint is up, the
    # content is measured against the room it would have without it, or the hint would stay
    # up for good on content that fits once it is gone
    hint_room = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(scroll_y=self._update, height=self._update, hint_room=self._update)

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        super().add_widget(widget, *args, **kwargs)
        widget.bind(height=self._update)
        self._update()

    def _update(self, *_args: Any) -> None:
        content = self.children[0] if self.children else None
        scroll_y = float(getattr(self, "scroll_y", 1.0))
        room = self.height + (self.hint_room if self.more_below else 0)
        self.more_below = content is not None and content.height > room + 1 and scroll_y > 0.001

    def page_down(self) -> None:
        content = self.children[0] if self.children else None
        if content is None or content.height <= self.height:
            return
        step = self.height * 0.8 / (content.height - self.height)
        scroll_y = float(getattr(self, "scroll_y", 1.0))
        self.scroll_y = max(0.0, scroll_y - step)


class ScrollHint(CitizenButton):
    """ "More below" under a ``CueScrollView``: shown only while there is more; a touch scrolls on."""

    scroll = ObjectProperty(None, allownone=True, rebind=True)

    def on_height(self, _hint: Any, height: float) -> None:
        if self.scroll is not None and height > 0:
            self.scroll.hint_room = height + float(getattr(self.parent, "spacing", 0) or 0)

    def on_release(self) -> None:
        if self.scroll is not None:
            self.scroll.page_down()


class ShownBox(BoxLayout):
    """A group of controls that is either there or not at all: when ``shown`` is false it takes
    no room, is not drawn, and takes no touch (a disabled Kivy widget would still swallow the
    touches that land on where its children were last laid out)."""

    shown = BooleanProperty(True)

    def on_touch_down(self, touch: Any) -> bool:
        return bool(super().on_touch_down(touch)) if self.shown else False

    def on_touch_move(self, touch: Any) -> bool:
        return bool(super().on_touch_move(touch)) if self.shown else False

    def on_touch_up(self, touch: Any) -> bool:
        return bool(super().on_touch_up(touch)) if self.shown else False


class BesideRow(BoxLayout):
    """A text with a button to its right, both centred on the row, as tall as the taller."""

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        widget.pos_hint = {"center_y": 0.5}
        super().add_widget(widget, *args, **kwargs)
        widget.bind(height=self._fit)
        self._fit()

    def remove_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        super().remove_widget(widget, *args, **kwargs)
        widget.unbind(height=self._fit)
        self._fit()

    def _fit(self, *_args: Any) -> None:
        self.height = max((float(child.height) for child in self.children), default=0.0)


class ReadAloudButton(CitizenButton):
    """ "Read aloud": reads ``speech`` (the words on the screen) in ``voice_lang`` (the screen's
    language when empty) with ``app.read_aloud``; while reading it says "Stop", and a press stops.

    Made only where the terminal has a speech engine (``ReadAloudButton.offered``); should the
    engine fail, the button takes itself off the screen, leaving no gap. As wide as the longer
    of its two texts, so the bar it sits in does not shift when it changes."""

    speech = StringProperty("")
    voice_lang = StringProperty("")
    speaking = BooleanProperty(False)
    widest = NumericProperty(0)  # the wider of "Read aloud" and "Stop" in the current language

    @staticmethod
    def offered() -> bool:
        return bool(App.get_running_app().read_aloud.available())

    @classmethod
    def place(
        cls, screen: Any, paragraphs: list[str], voice_lang: str = "", *, beside: Any = None
    ) -> ReadAloudButton | None:
        """A button reading these paragraphs: to the right of ``beside`` (a label on the screen,
        which is given a row with the button), else in the screen's top bar (``ids.top``) just
        before the language buttons. Nothing when there is no engine or nothing to read. Any
        reading and button of the step before are ended first (``remove``)."""
        cls.remove(screen)
        from kiosk.read_aloud import spoken

        speech = spoken(paragraphs)
        if not speech or not cls.offered():
            return None
        button = cls(speech=speech, voice_lang=voice_lang)
        screen.ids["read_aloud"] = button
        if beside is None:
            screen.ids.top.add_widget(button, index=1)  # index 0 is the language bar, on the right
            return button
        parent = beside.parent
        index = parent.children.index(beside)
        parent.remove_widget(beside)
        row = BesideRow()
        row.add_widget(beside)
        row.add_widget(button)
        parent.add_widget(row, index=index)
        return button

    @staticmethod
    def remove(screen: Any) -> None:
        """The screen's button off its bar, its reading stopped (a new step, or no button here)."""
        App.get_running_app().read_aloud.stop()
        button = screen.ids.pop("read_aloud", None)
        if button is not None and button.parent is not None:
            button.parent.remove_widget(button)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._watch: Any = None
        app = App.get_running_app()
        app.bind(lang=self._measure, font_body=self._measure)
        self._measure()

    def _measure(self, *_args: Any) -> None:
        from kivy.core.text import Label as CoreLabel

        app, widest = App.get_running_app(), 0.0
        for key in ("read_aloud.start", "read_aloud.stop"):
            label = CoreLabel(text=app.tr(key), font_size=app.font_body, bold=self.bold)
            label.refresh()
            widest = max(widest, float(label.texture.size[0]))
        self.widest = widest

    def on_release(self) -> None:
        app = App.get_running_app()
        app.handle(lambda: self._toggle(app))

    def _toggle(self, app: Any) -> None:
        self.speaking = bool(app.read_aloud.toggle(self.speech, self.voice_lang or app.lang))
        if self.speaking and self._watch is None:
            self._watch = Clock.schedule_interval(self._check, 0.25)
        self._check()

    def _check(self, *_args: Any) -> None:
        """Back to "Read aloud" when the reading ends (or was stopped elsewhere); gone if the engine failed."""
        reader = App.get_running_app().read_aloud
        if self.speaking and reader.speaking():
            return
        self.speaking = False
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if not reader.available() and self.parent is not None:
            self.parent.remove_widget(self)


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
