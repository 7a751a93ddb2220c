"""Which citizen activities the welcome screen offers.

An activity ("budget", "voxit", "feedback") is offered when the held manifest enables
it in an open process *and* a screen for it is registered here. The screens arrive in
later issues; each registers a factory ``(app, process) -> Screen``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from shared_models.manifest import ACTIVITIES, Manifest

__all__ = ["ActivityRegistry", "OfferedActivity", "ScreenFactory", "offered_activities"]

ScreenFactory = Callable[[Any, Any], Any]  # (app, ManifestProcess) -> kivy Screen


class ActivityRegistry:
    def __init__(self) -> None:
        self._factories: dict[str, ScreenFactory] = {}

    def register(self, activity: str, factory: ScreenFactory) -> None:
        if activity not in ACTIVITIES:
            raise ValueError(f"unknown activity {activity!r}; known: {', '.join(ACTIVITIES)}")
        self._factories[activity] = factory

    def factory(self, activity: str) -> ScreenFactory:
        return self._factories[activity]

    def __contains__(self, activity: object) -> bool:
        return activity in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)


@dataclass(frozen=True)
class OfferedActivity:
    process_id: str
    activity: str
    title: dict[str, str]  # the process title per language
    test: bool

    def process_title(self, lang: str, default: str = "fi") -> str:
        return self.title.get(lang) or self.title.get(default) or next(iter(self.title.values()), self.process_id)


def offered_activities(manifest: Manifest | None, registry: ActivityRegistry) -> list[OfferedActivity]:
    """Open processes' enabled activities that have a screen, in manifest order."""
    if manifest is None:
        return []
    return [
        OfferedActivity(process.id, activity, dict(process.title), process.test)
        for process in manifest.processes
        if process.status == "open"
        for activity in process.activities
        if activity in registry
    ]
