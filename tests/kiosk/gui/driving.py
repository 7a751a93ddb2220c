"""Driving the real app: touches on widget coordinates, the clock advanced by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.tests.common import UnitTestTouch
from kivy.uix.widget import Widget


def settle(frames: int = 4) -> None:
    """Let the clock run scheduled callbacks and the KV bindings settle."""
    for _ in range(frames):
        Clock.tick()
        EventLoop.idle()


def centre(widget: Widget) -> tuple[float, float]:
    x, y = widget.to_window(widget.center_x, widget.center_y)
    return float(x), float(y)


def press(widget: Widget) -> None:
    touch = UnitTestTouch(*centre(widget))
    touch.touch_down()
    touch.touch_up()
    settle()


def tap_at(x: float, y: float) -> None:
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    settle()


def walk(widget: Widget) -> Iterator[Widget]:
    yield widget
    for child in widget.children:
        yield from walk(child)


def visible(widget: Widget) -> bool:
    node: Any = widget
    while isinstance(node, Widget):
        if node.opacity == 0 or node.disabled:
            return False
        node = node.parent
    return bool(widget.height > 0)


def buttons(root: Widget, text: str | None = None) -> list[Any]:
    from kiosk.widgets import CitizenButton

    found = [w for w in walk(root) if isinstance(w, CitizenButton) and visible(w)]
    return [b for b in found if text is None or b.text == text]


def button(root: Widget, text: str) -> Any:
    found = buttons(root, text)
    assert len(found) == 1, f"{len(found)} visible buttons say {text!r}: {[b.text for b in buttons(root)]}"
    return found[0]


def texts(root: Widget) -> str:
    from kivy.uix.label import Label

    return "\n".join(w.text for w in walk(root) if isinstance(w, Label) and w.text and visible(w))
