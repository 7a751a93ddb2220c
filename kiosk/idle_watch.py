"""When to warn and when to reset after nobody has touched the screen.

Plain Python with an injected time source, so tests move time by hand. The app polls
``phase()`` from the Kivy clock; ``touched()`` is called for every touch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["MIN_WARNING_SECONDS", "IdleWatch", "Phase"]

MIN_WARNING_SECONDS = 20.0  # shared/UX.md: at least 20 s to answer the warning


@dataclass(frozen=True)
class Phase:
    name: Literal["active", "warning", "expired"]
    seconds_left: int = 0  # while warning: whole seconds until the reset


class IdleWatch:
    def __init__(self, idle_seconds: float, warning_seconds: float, now: Callable[[], float]) -> None:
        if warning_seconds < MIN_WARNING_SECONDS:
            raise ValueError(f"the idle warning must give at least {MIN_WARNING_SECONDS:.0f} seconds to answer")
        if idle_seconds <= 0:
            raise ValueError("idle_seconds must be positive")
        self.idle_seconds = idle_seconds
        self.warning_seconds = warning_seconds
        self._now = now
        self._last = now()

    def touched(self) -> None:
        self._last = self._now()

    def phase(self, *, at_rest: bool) -> Phase:
        """``at_rest``: the welcome screen with default settings, nothing to clear."""
        if at_rest:
            self._last = self._now()
            return Phase("active")
        quiet = self._now() - self._last
        if quiet < self.idle_seconds:
            return Phase("active")
        left = self.idle_seconds + self.warning_seconds - quiet
        if left <= 0:
            return Phase("expired")
        return Phase("warning", int(left + 0.999))
