"""Every text on every screen, in every language and both text sizes, fits its widget:
no word is cut or split across lines, and nothing a person needs lies outside the window."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kiosk.i18n import load_catalogs

from .driving import settle, walk
from .fakes import FakeTerminal, SyncOutcome, make_manifest, make_process

pytestmark = pytest.mark.gui

LANGUAGES = load_catalogs().languages
SIZES = {"normal": False, "large": True}


def _registry() -> Any:
    from kiosk.activity_registry import ActivityRegistry

    registry = ActivityRegistry()
    for activity in ("budget", "voxit", "feedback"):
        registry.register(activity, lambda app, process: None)
    return registry


def _shown(widget: Any) -> bool:
    from kivy.uix.widget import Widget

    node: Any = widget
    while isinstance(node, Widget):
        if node.opacity == 0 or node.height <= 0 or node.width <= 0:
            return False
        node = node.parent
    return True


def _in_scroll_view(widget: Any) -> bool:
    from kivy.uix.scrollview import ScrollView

    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            return True
        node = node.parent
    return False


def _line_words(label: Any) -> list[str]:
    """The words of the rendered lines, as the texture shows them."""
    lines = label._label._cached_lines
    return [word for line in lines for word in "".join(w.text for w in line.words).split()]


def text_problems(root: Any, window: Any) -> list[str]:
    """Every visible label whose rendered text does not fit, or whose words were split."""
    from kivy.uix.label import Label

    problems: list[str] = []
    for widget in walk(root):
        if not isinstance(widget, Label) or not widget.text.strip() or not _shown(widget):
            continue
        widget.texture_update()
        name = f"{type(widget).__name__} {widget.text!r}"
        tw, th = widget.texture_size
        if tw > widget.width + 1 or th > widget.height + 1:
            problems.append(f"{name}: text {tw:.0f}x{th:.0f} px in a {widget.width:.0f}x{widget.height:.0f} widget")
        if _line_words(widget) != widget.text.split():
            problems.append(f"{name}: a word is split across lines: {_line_words(widget)}")
        if not _in_scroll_view(widget):
            x, y = widget.to_window(widget.x, widget.y)
            if x < -1 or y < -1 or x + widget.width > window.width + 1 or y + widget.height > window.height + 1:
                size = f"{widget.width:.0f}x{widget.height:.0f}"
                problems.append(f"{name}: outside the window at ({x:.0f}, {y:.0f}) {size}")
    return problems


def every_screen(app: Any, terminal: FakeTerminal, clock: Any) -> Iterator[str]:
    """Drives the app through each screen state; yields the state's name once it shows."""
    welcome = app.manager.get_screen("welcome")
    app.error_message = "error.unexpected"
    welcome.refresh()
    yield "welcome with activities and an error"
    app.error_message = ""
    terminal.held = None
    welcome.refresh()
    yield "welcome, not set up"

    app.open_librarian()
    pin = app.manager.get_screen("pin")
    for digit in "99":
        pin.press(digit)
    pin.submit()
    yield "pin, wrong"
    from kiosk.librarian_panel import Message

    pin.message = Message("pin.locked", {"time": "12:45"}, tone="error")
    yield "pin, locked"
    pin.clear()
    for digit in "1234":
        pin.press(digit)
    pin.submit()
    panel = app.manager.get_screen("librarian")
    panel.sync_now()
    settle()
    yield "panel, synced"
    panel.syncing = True
    panel.synced(SyncOutcome(False, None, "unreachable"))
    yield "panel, sync failed"
    panel.ask_seal()
    yield "panel, confirm seal"
    panel.cancel_seal()
    app.close_librarian()
    clock.advance(app.idle.idle_seconds + 3)
    yield "idle warning"


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
@pytest.mark.parametrize("lang", LANGUAGES, ids=LANGUAGES)
def test_every_text_fits_its_widget_without_splitting_a_word(
    make_app: Callable[..., Any], window: Any, clock: Any, lang: str, size: str
) -> None:
    terminal = FakeTerminal(
        held=make_manifest([make_process(), make_process("demo", ("voxit", "feedback"), test=True)]), max_tries=5
    )
    app = make_app(terminal, registry=_registry())
    problems: list[str] = []
    for state in every_screen(app, terminal, clock):
        app.lang, app.large_text = lang, SIZES[size]
        settle(6)
        problems += [f"{state}: {problem}" for problem in text_problems(app.root, window)]
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_word_split_in_a_narrow_button(make_app: Callable[..., Any], window: Any) -> None:
    from kiosk.widgets import CitizenButton

    app = make_app(FakeTerminal())
    narrow = CitizenButton(text="Kirjaudu", size_hint=(None, None), width=app.button_h, pos=(100, 100))
    app.root.add_widget(narrow)
    settle()
    try:
        assert any("split" in problem for problem in text_problems(app.root, window))
    finally:
        app.root.remove_widget(narrow)


def _whole_on_screen(widget: Any, window: Any) -> bool:
    """Inside the window and, when in a scroll view, inside its visible part."""
    from kivy.uix.scrollview import ScrollView

    x, y = widget.to_window(widget.x, widget.y)
    box = (0.0, 0.0, float(window.width), float(window.height))
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            sx, sy = node.to_window(node.x, node.y)
            box = (max(box[0], sx), max(box[1], sy), min(box[2], sx + node.width), min(box[3], sy + node.height))
        node = node.parent
    return bool(
        x >= box[0] - 1 and y >= box[1] - 1 and x + widget.width <= box[2] + 1 and y + widget.height <= box[3] + 1
    )


@pytest.mark.parametrize("lang", LANGUAGES, ids=LANGUAGES)
def test_large_text_keeps_the_essential_controls_whole_on_a_1080p_screen(
    make_app: Callable[..., Any], window: Any, lang: str
) -> None:
    """Two activities, the whole PIN keypad and every panel action, without scrolling."""
    from kiosk.widgets import CitizenButton

    terminal = FakeTerminal(held=make_manifest([make_process(activities=("budget", "voxit"))]), max_tries=5)
    app = make_app(terminal, registry=_registry())
    app.lang, app.large_text, app.high_contrast = lang, True, True
    settle(6)

    def cut(root: Any) -> list[str]:
        shown = [w for w in walk(root) if isinstance(w, CitizenButton) and _shown(w) and not w.disabled]
        return [w.text for w in shown if not _whole_on_screen(w, window)]

    welcome = app.manager.get_screen("welcome")
    assert len(welcome.ids.activities.children) == 2
    assert cut(welcome) == []
    app.open_librarian()
    settle(6)
    pin = app.manager.get_screen("pin")
    assert len(pin.ids.keypad.children) == 12 and cut(pin) == []
    for digit in "1234":
        pin.press(digit)
    pin.submit()
    settle(6)
    panel = app.manager.get_screen("librarian")
    assert cut(panel) == [] and {"sync", "seal", "export", "close"} <= set(panel.ids)
    panel.ask_seal()
    settle(6)
    assert cut(panel) == []
