"""What the feedback pages (staff lists, dashboard, public list) share: names in the page's
language, and bringing the cases up to date before a list is shown."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from shared_models.feedback import FeedbackSettings
from sync_server.services import feedback
from sync_server.services.feedback_router import router_for

__all__ = ["CATCH_UP_EVERY", "Names", "all_teams", "refresh", "text_in"]

CATCH_UP_EVERY = timedelta(minutes=10)


def text_in(texts: Mapping[Any, str] | None, lang: str, fallback: str) -> str:
    """``texts`` in ``lang``, else Finnish, else any, else ``fallback``."""
    if not texts:
        return fallback
    return texts.get(lang) or texts.get("fi") or next(iter(texts.values()), fallback)


def refresh(request: Request, session: Session, now: datetime) -> None:
    """Route what is pending; every ``CATCH_UP_EVERY`` also look for feedback records without a case
    (the ingest makes cases as records arrive; this catches any it could not)."""
    state = request.app.state
    last: datetime | None = getattr(state, "feedback_caught_up", None)
    catch_up = last is None or not (timedelta(0) <= now - last < CATCH_UP_EVERY)
    feedback.refresh_cases(session, router_for(state.settings.data_dir), now=now, catch_up=catch_up)
    if catch_up:
        state.feedback_caught_up = now


class Names:
    """Topic, place and team names of a process in the page's language (ids when unknown)."""

    def __init__(self, session: Session, lang: str) -> None:
        self.session, self.lang = session, lang
        self.settings: dict[str, FeedbackSettings | None] = {}

    def of(self, process: str) -> FeedbackSettings | None:
        if process not in self.settings:
            self.settings[process] = feedback.feedback_settings_of(self.session, process)
        return self.settings[process]

    def topic(self, process: str, topic: str | None) -> str:
        found = self.of(process)
        item = found.topic(topic) if found and topic else None
        return text_in(item.name, self.lang, topic or "") if item else (topic or "")

    def place(self, process: str, place: str | None) -> str:
        found = self.of(process)
        item = found.place(place) if found and place else None
        return text_in(item.name, self.lang, place or "") if item else (place or "")

    def team(self, process: str | None, team: str | None) -> str:
        if team is None:
            return ""
        found = self.of(process) if process else None
        item = found.team(team) if found else None
        return text_in(item.name, self.lang, team) if item else team


def all_teams(session: Session, lang: str) -> list[tuple[str, str]]:
    """(team id, name) of every team in any process's feedback settings, by name."""
    from sync_server.services.processes import list_processes

    seen: dict[str, str] = {}
    for process in list_processes(session):
        found = feedback.feedback_settings_of(session, process["id"])
        for team in found.all_teams if found else []:
            seen.setdefault(team.id, text_in(team.name, lang, team.id))
    return sorted(seen.items(), key=lambda item: item[1].casefold())
