"""The real app under Xvfb, driven by touches on widget coordinates with the clock moved by hand."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.theme import MIN_BUTTON_MM, MIN_GAP_MM, px_to_mm

from .driving import button, buttons, press, settle, texts
from .fakes import FakeTerminal, HeldSyncWorker, make_manifest, make_process

pytestmark = pytest.mark.gui


def registry_with(*activities: str, factory: Any = None) -> Any:
    from kiosk.activity_registry import ActivityRegistry

    registry = ActivityRegistry()
    for activity in activities:
        registry.register(activity, factory or make_form_screen)
    return registry


def make_form_screen(app: Any, process: Any) -> Any:
    """A stand-in citizen activity: a screen with a text input, as later issues will add."""
    from kivy.uix.screenmanager import Screen
    from kivy.uix.textinput import TextInput

    screen = Screen()
    screen.add_widget(TextInput(text=""))
    return screen


def hold_corner(app: Any, clock: Any, seconds: float = 2.2) -> None:
    from kivy.tests.common import UnitTestTouch

    touch = UnitTestTouch(5, app.root.height - 5)
    touch.touch_down()
    settle()
    clock.advance(seconds)
    settle()
    touch.touch_up()
    settle()


def type_pin(app: Any, pin: str) -> None:
    screen = app.manager.get_screen("pin")
    for digit in pin:
        press(button(screen, digit))
    press(button(screen, app.tr("pin.sign_in")))


# -- welcome ---------------------------------------------------------------------------


def test_welcome_offers_only_registered_activities_that_an_open_process_enables(make_app: Any) -> None:
    manifest = make_manifest(
        [make_process("kallio", ("budget", "voxit")), make_process("old", ("feedback",), status="closed")]
    )
    app = make_app(FakeTerminal(held=manifest), registry=registry_with("budget", "feedback"))
    welcome = app.manager.get_screen("welcome")
    offered = [b.text.splitlines()[0] for b in buttons(welcome.ids.activities)]
    assert offered == [app.tr("activity.budget")]
    assert app.tr("welcome.nothing_open") not in texts(welcome)


def test_welcome_says_nothing_is_open_when_no_activity_has_a_screen(make_app: Any) -> None:
    app = make_app(FakeTerminal(), registry=registry_with())
    welcome = app.manager.get_screen("welcome")
    assert buttons(welcome.ids.activities) == []
    assert app.tr("welcome.nothing_open") in texts(welcome)
    assert app.tr("welcome.ask_librarian") in texts(welcome)


def test_welcome_says_plainly_when_the_terminal_holds_no_manifest(make_app: Any) -> None:
    app = make_app(FakeTerminal(held=None), registry=registry_with("budget"))
    assert app.tr("welcome.no_manifest") in texts(app.manager.get_screen("welcome"))


def test_choosing_an_activity_opens_its_screen(make_app: Any) -> None:
    app = make_app(FakeTerminal(), registry=registry_with("voxit"))
    press(buttons(app.manager.get_screen("welcome").ids.activities)[0])
    assert app.manager.current == "activity:kallio-2026:voxit"


def test_language_switch_changes_every_text_live(make_app: Any) -> None:
    app = make_app(FakeTerminal(), registry=registry_with("budget"))
    welcome = app.manager.get_screen("welcome")
    assert "Tervetuloa!" in texts(welcome)
    press(button(welcome, "Svenska"))
    assert app.lang == "sv"
    shown = texts(welcome)
    assert "Välkommen!" in shown and "Tervetuloa!" not in shown
    assert "Rösta om hur staden använder pengar\nBerghälls stadsdel 2026" in [b.text for b in buttons(welcome)]
    press(button(welcome, "English"))
    assert "Welcome!" in texts(welcome)


def test_display_switches_toggle_large_text_and_high_contrast(make_app: Any) -> None:
    app = make_app(FakeTerminal())
    welcome = app.manager.get_screen("welcome")
    body = app.font_body
    press(welcome.ids.large_text)
    press(welcome.ids.high_contrast)
    assert app.large_text and app.high_contrast
    assert app.font_body == 2 * body
    assert app.palette.name == "high_contrast"


# -- touches -----------------------------------------------------------------------------


def test_two_fingers_at_once_make_one_action(make_app: Any) -> None:
    from kivy.tests.common import UnitTestTouch

    from .driving import centre

    app = make_app(FakeTerminal())
    welcome = app.manager.get_screen("welcome")
    first = UnitTestTouch(*centre(welcome.ids.large_text))
    second = UnitTestTouch(*centre(welcome.ids.high_contrast))
    first.touch_down()
    second.touch_down()
    second.touch_up()
    first.touch_up()
    settle()
    assert (app.large_text, app.high_contrast) == (True, False)

    same_a = UnitTestTouch(*centre(welcome.ids.high_contrast))
    same_b = UnitTestTouch(*centre(welcome.ids.high_contrast))
    same_a.touch_down()
    same_b.touch_down()
    same_a.touch_up()
    same_b.touch_up()
    settle()
    assert app.high_contrast is True  # toggled once, not on and off again


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_every_citizen_button_is_at_least_20_mm_and_3_mm_apart(make_app: Any, large: bool) -> None:
    from kivy.metrics import Metrics

    app = make_app(FakeTerminal(), registry=registry_with("budget", "voxit", "feedback"))
    app.large_text = large
    settle()
    for name in ("welcome", "pin"):
        app.manager.current = name
        settle()
        shown = [b for b in buttons(app.manager.current_screen) if _on_screen(app, b)]
        assert shown
        for b in shown:
            assert px_to_mm(min(b.width, b.height), Metrics.dpi) >= MIN_BUTTON_MM, b.text
        rects = [(*_visible_rect(app, b), b.text) for b in shown]
        for i, (x1, y1, w1, h1, t1) in enumerate(rects):
            for x2, y2, w2, h2, t2 in rects[i + 1 :]:
                gap = max(x2 - (x1 + w1), x1 - (x2 + w2), y2 - (y1 + h1), y1 - (y2 + h2))
                assert px_to_mm(gap, Metrics.dpi) >= MIN_GAP_MM - 0.01, (t1, t2)


def _visible_rect(app: Any, widget: Any) -> tuple[float, float, float, float]:
    """x, y, width, height of the part of the widget that shows: inside the window and
    inside any scroll view it is in (a button half scrolled away is cut at the view's edge)."""
    from kivy.uix.scrollview import ScrollView

    x, y = widget.to_window(widget.x, widget.y)
    left, bottom, right, top = x, y, x + widget.width, y + widget.height
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            sx, sy = node.to_window(node.x, node.y)
            left, bottom = max(left, sx), max(bottom, sy)
            right, top = min(right, sx + node.width), min(top, sy + node.height)
        node = node.parent
    bottom, top = max(bottom, 0), min(top, app.root.height)
    return left, bottom, max(0.0, right - left), max(0.0, top - bottom)


def _on_screen(app: Any, widget: Any) -> bool:
    _x, _y, width, height = _visible_rect(app, widget)
    return width > 0 and height > 0


# -- librarian ---------------------------------------------------------------------------


def test_the_librarian_panel_is_hidden_until_the_corner_is_held(make_app: Any, clock: Any) -> None:
    app = make_app(FakeTerminal())
    assert app.tr("panel.title") not in texts(app.root)
    hold_corner(app, clock, seconds=0.5)
    assert app.manager.current == "welcome"
    hold_corner(app, clock)
    assert app.manager.current == "pin"


def test_wrong_pins_say_tries_left_then_lock_with_the_time(make_app: Any, clock: Any) -> None:
    terminal = FakeTerminal(max_tries=3)
    app = make_app(terminal)
    hold_corner(app, clock)
    pin_screen = app.manager.get_screen("pin")
    type_pin(app, "0000")
    assert "Yrityksiä jäljellä: 2." in texts(pin_screen)
    type_pin(app, "1111")
    type_pin(app, "2222")
    shown = texts(pin_screen)
    assert "Kirjautuminen on lukittu. Yritä uudelleen kello" in shown
    type_pin(app, "1234")  # even the right PIN waits out the lockout
    assert app.manager.current == "pin"
    assert not app.librarian_signed_in


def test_correct_pin_opens_the_panel_and_sync_runs_on_the_worker(make_app: Any, clock: Any) -> None:
    terminal = FakeTerminal()
    worker = HeldSyncWorker(terminal)
    app = make_app(terminal, sync_worker=worker)
    worker.on_result = app.post_sync_outcome
    hold_corner(app, clock)
    type_pin(app, "1234")
    assert app.manager.current == "librarian"
    panel = app.manager.get_screen("librarian")
    assert "Odottaa sinetöintiä: 7" in texts(panel)
    assert "Yhteys palvelimeen toimii." in texts(panel)  # checked in the background

    press(button(panel, app.tr("panel.sync")))
    assert worker.requests == 1
    assert panel.ids.sync.disabled and panel.ids.sync.text == app.tr("panel.syncing")
    press(panel.ids.sync)  # disabled while running: no second request
    assert worker.requests == 1

    worker.finish()  # the worker thread posts the outcome; the clock brings it to the UI thread
    settle()
    shown = texts(panel)
    assert "Odottaa sinetöintiä: 0" in shown and "Sinetöity: 17" in shown
    assert "Lähetys onnistui. Lähetettiin 7, palvelin hyväksyi 7." in shown
    assert not panel.ids.sync.disabled


def test_a_failed_sync_is_said_in_plain_words(make_app: Any, clock: Any) -> None:
    terminal = FakeTerminal()
    worker = HeldSyncWorker(terminal)
    app = make_app(terminal, sync_worker=worker)
    worker.on_result = app.post_sync_outcome
    hold_corner(app, clock)
    type_pin(app, "1234")
    panel = app.manager.get_screen("librarian")
    press(panel.ids.sync)
    worker.finish(fail=True)
    settle()
    assert app.tr("panel.sync_failed") in texts(panel)


def test_seal_now_asks_first_then_forces_a_seal(make_app: Any, clock: Any) -> None:
    terminal = FakeTerminal()
    app = make_app(terminal)
    hold_corner(app, clock)
    type_pin(app, "1234")
    panel = app.manager.get_screen("librarian")
    press(button(panel, app.tr("panel.seal")))
    assert terminal.pending == 7
    assert app.tr("panel.seal_confirm") in texts(panel)
    press(button(panel, app.tr("panel.seal_yes")))
    assert terminal.pending == 0
    assert "Sinetöitiin. Uusia sinettejä: 1." in texts(panel)


def test_export_without_a_usb_stick_writes_to_the_export_folder_and_names_the_file(
    make_app: Any, clock: Any, tmp_path: Any
) -> None:
    terminal = FakeTerminal()
    app = make_app(terminal)
    hold_corner(app, clock)
    type_pin(app, "1234")
    panel = app.manager.get_screen("librarian")
    press(button(panel, app.tr("panel.export")))
    [written] = terminal.exports
    assert written.parent == tmp_path / "exports" and written.suffix == ".osb"
    assert written.name in texts(panel)


def test_close_returns_to_welcome_and_logs_sign_out(make_app: Any, clock: Any) -> None:
    terminal = FakeTerminal()
    app = make_app(terminal)
    hold_corner(app, clock)
    type_pin(app, "1234")
    press(button(app.manager.get_screen("librarian"), app.tr("panel.close")))
    assert app.manager.current == "welcome"
    assert "librarian.signed_out" in terminal.event_names()


# -- idle and errors -----------------------------------------------------------------------


def test_idle_warning_continue_keeps_state_and_timeout_clears_everything(make_app: Any, clock: Any) -> None:
    terminal = FakeTerminal()
    app = make_app(terminal, registry=registry_with("feedback"), idle_seconds=90, warning_seconds=30)
    welcome = app.manager.get_screen("welcome")
    press(button(welcome, "Svenska"))
    press(welcome.ids.large_text)
    press(buttons(welcome.ids.activities)[0])
    activity = app.manager.current_screen
    activity.children[0].text = "Gatan är full av hål"

    clock.advance(89)
    settle()
    assert app.warning is None
    clock.advance(1)
    settle()
    assert app.warning is not None
    assert "30 sekunder" in texts(app.warning)
    press(app.warning.ids.keep)
    assert app.warning is None
    assert app.manager.current_screen is activity and app.lang == "sv" and app.large_text

    clock.advance(91)
    settle()
    assert app.warning is not None
    clock.advance(20)
    settle()
    assert "9 sekunder" in texts(app.warning)
    clock.advance(10)
    settle()
    assert app.warning is None
    assert app.manager.current == "welcome"
    assert not any(s.name.startswith("activity:") for s in app.manager.screens)
    assert (app.lang, app.large_text, app.high_contrast) == ("fi", False, False)
    assert "idle.reset" in terminal.event_names()


def test_idle_reset_closes_the_librarian_panel(make_app: Any, clock: Any) -> None:
    terminal = FakeTerminal()
    app = make_app(terminal)
    hold_corner(app, clock)
    type_pin(app, "1234")
    clock.advance(121)
    settle()
    clock.advance(1)
    settle()
    assert app.manager.current == "welcome" and not app.librarian_signed_in
    assert app.tr("panel.title") not in texts(app.root)


def test_the_idle_warning_gives_at_least_20_seconds() -> None:
    from kiosk.idle_watch import IdleWatch

    with pytest.raises(ValueError, match="20 seconds"):
        IdleWatch(90, 10, lambda: 0.0)


def test_an_unexpected_error_resets_to_welcome_in_plain_words(make_app: Any) -> None:
    def broken(app: Any, process: Any) -> Any:
        raise RuntimeError("boom")

    terminal = FakeTerminal()
    app = make_app(terminal, registry=registry_with("budget", factory=broken))
    welcome = app.manager.get_screen("welcome")
    press(button(welcome, "English"))
    press(buttons(welcome.ids.activities)[0])
    assert app.manager.current == "welcome" and app.lang == "fi"
    assert ("error.unexpected", {"error": "RuntimeError"}) in terminal.events
    shown = texts(welcome)
    assert app.tr("error.unexpected") in shown
    assert "RuntimeError" not in shown and "boom" not in shown
