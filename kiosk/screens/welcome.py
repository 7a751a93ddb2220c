"""The welcome screen: greeting, language, display switches, and what is open here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.activity_registry import OfferedActivity, offered_activities
from kiosk.widgets import CitizenButton

__all__ = ["WelcomeScreen"]


class WelcomeScreen(Screen):
    # which sentence explains the list: "welcome.choose", "welcome.nothing_open", "welcome.no_manifest"
    state_key = StringProperty("welcome.no_manifest")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.offered: list[OfferedActivity] = []
        App.get_running_app().bind(lang=lambda *_: self.refresh())

    def on_pre_enter(self, *_args: Any) -> None:
        self.refresh()

    def clear(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = App.get_running_app()
        manifest = app.manifest()
        self.offered = offered_activities(manifest, app.registry)
        self.state_key = (
            "welcome.no_manifest" if manifest is None else "welcome.choose" if self.offered else "welcome.nothing_open"
        )
        box = self.ids.activities
        box.clear_widgets()
        for offered in self.offered:
            title = offered.process_title(app.lang)
            if offered.test:
                title = app.tr("welcome.practice", title=title)
            button = CitizenButton(text=f"{app.tr('activity.' + offered.activity)}\n{title}", kind="primary")
            button.offered = offered
            button.bind(on_release=self._open)
            box.add_widget(button)

    def _open(self, button: Any) -> None:
        app = App.get_running_app()
        app.handle(lambda: app.open_activity(button.offered))

    def press(self, action: str) -> None:
        app = App.get_running_app()
        app.handle(getattr(app, action))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
