"""Kivy under Xvfb: environment set before kivy is imported, one 1920x1080 window
for the whole session, and an ``app`` factory that mounts ``OsallistuApp`` on it."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .fakes import FakeClock, FakeTerminal, ImmediateJobs

WIDTH, HEIGHT = 1920, 1080


@pytest.fixture(scope="session")
def window() -> Any:
    from kivy.config import Config

    Config.set("graphics", "width", str(WIDTH))
    Config.set("graphics", "height", str(HEIGHT))
    Config.set("input", "mouse", "mouse,disable_multitouch")
    from kivy.core.window import Window

    Window.size = (WIDTH, HEIGHT)
    return Window


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def terminal() -> FakeTerminal:
    return FakeTerminal()


@pytest.fixture
def make_app(window: Any, clock: FakeClock, tmp_path: Any) -> Iterator[Callable[..., Any]]:
    from kivy.app import App

    from kiosk.activity_registry import ActivityRegistry
    from kiosk.app import OsallistuApp

    mounted: list[Any] = []

    def make(terminal: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("registry", ActivityRegistry())
        kwargs.setdefault("jobs", ImmediateJobs())
        kwargs.setdefault("export_dir", tmp_path / "exports")
        kwargs.setdefault("media_roots", (tmp_path / "media",))
        kwargs.setdefault("poll_seconds", 0)  # check idle and the corner every frame
        app = OsallistuApp(terminal, clock=clock, **kwargs)
        app.root = app.build()
        window.add_widget(app.root)
        app.dispatch("on_start")
        mounted.append(app)
        from .driving import settle

        settle()
        return app

    yield make
    for app in mounted:
        app.dispatch("on_stop")
        window.remove_widget(app.root)
    App._running_app = None
