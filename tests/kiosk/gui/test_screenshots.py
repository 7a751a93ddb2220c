"""Every screen in normal, large-text and high-contrast modes, saved as PNG to look at."""

from __future__ import annotations

from typing import Any

import pytest

from .driving import settle
from .fakes import FakeTerminal, make_manifest, make_process
from .screenshots import save

pytestmark = pytest.mark.gui

MODES = {"normal": (False, False), "large": (True, False), "contrast": (False, True), "large-contrast": (True, True)}


def _registry() -> Any:
    from kiosk.activity_registry import ActivityRegistry

    registry = ActivityRegistry()
    for activity in ("budget", "voxit", "feedback"):
        registry.register(activity, lambda app, process: None)
    return registry


def _modes(app: Any, mode: str) -> None:
    app.large_text, app.high_contrast = MODES[mode]
    settle()


@pytest.mark.parametrize("mode", list(MODES), ids=list(MODES))
def test_screenshot_every_screen(make_app: Any, clock: Any, mode: str) -> None:
    terminal = FakeTerminal(
        held=make_manifest([make_process(), make_process("demo", ("voxit",), test=True)]), max_tries=5
    )
    app = make_app(terminal, registry=_registry())
    _modes(app, mode)
    assert save(app, f"welcome-activities-{mode}").exists()

    app.lang = "sv"
    save(app, f"welcome-activities-sv-{mode}")
    app.lang = "fi"

    terminal.held = make_manifest([make_process(status="closed")])
    app.manager.get_screen("welcome").refresh()
    save(app, f"welcome-nothing-open-{mode}")
    terminal.held = None
    app.manager.get_screen("welcome").refresh()
    save(app, f"welcome-no-manifest-{mode}")

    app.open_librarian()
    pin = app.manager.get_screen("pin")
    for digit in "99":
        pin.press(digit)
    pin.submit()
    pin.press("1")
    _modes(app, mode)
    save(app, f"pin-wrong-{mode}")

    pin.clear()
    for digit in "1234":
        pin.press(digit)
    pin.submit()
    _modes(app, mode)
    panel = app.manager.get_screen("librarian")
    panel.sync_now()
    settle()
    save(app, f"librarian-synced-{mode}")
    panel.ask_seal()
    save(app, f"librarian-confirm-seal-{mode}")
    panel.cancel_seal()

    app.close_librarian()
    app.lang = "en"
    _modes(app, mode)
    clock.advance(app.idle.idle_seconds + 3)
    settle()
    assert app.warning is not None
    save(app, f"idle-warning-{mode}")
