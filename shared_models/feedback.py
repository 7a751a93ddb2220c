"""Feedback settings: the shape of ``settings["feedback"]`` of a process, read by the terminal
(topics with pictures, places) and by the server (teams, the reply promise, routing).

The JSON (every field but ``topics`` optional)::

    {
      "topics": [{"id": "streets", "name": {"fi": "Kadut", "sv": "Gator", "en": "Streets"},
                  "team": "street-maintenance", "icon": "streets.png"}],
      "places": [{"id": "kallio", "name": {"fi": "Kallio", "sv": "Berghäll", "en": "Kallio"}}],
      "teams":  [{"id": "street-maintenance", "name": {"fi": "Katujen kunnossapito",
                                                       "sv": "Gatuunderhåll", "en": "Street maintenance"}}],
      "reply_days": 7,
      "route_min_confidence_percent": 60
    }

- ``topics`` (1 to 200): ids unique; ``name`` in fi, sv and en; ``team`` the team that answers
  feedback on this topic (default: a team with the topic's own id); ``icon`` a picture file
  name or URL for the terminal (optional).
- ``places`` (0 to 500): ids unique; ``name`` in fi, sv and en. Feedback may name no place.
- ``teams``: ids unique; ``name`` a plain string or ``{fi, sv, en}``. Every team a topic names
  must be listed; without ``teams`` one team per topic is assumed, named as the topic.
- ``reply_days`` (1 to 60, default 7): a reply is promised within this many days of the day
  the feedback was given, when the citizen asks for one (``reply_due``).
- ``route_min_confidence_percent`` (0 to 100, default 60): the server sends feedback straight
  to the team the trained router suggests only when its confidence is at least this; below
  it, or without a trained router, feedback waits in the triage queue.

Integers only (manifests are canonical JSON). ``parse_feedback_settings`` is strict
(unknown keys refused) and raises ``FeedbackSettingsError`` with the first problem in words;
``check_feedback_body`` says what is wrong with one feedback body against the settings
(``unknown_topic``, ``unknown_place``). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from shared_models.errors import OsallistuError
from shared_models.texts import LANGUAGES
from shared_models.texts import require_all_languages as _all_languages

__all__ = [
    "DEFAULT_REPLY_DAYS",
    "DEFAULT_ROUTE_MIN_CONFIDENCE",
    "LANGUAGES",
    "MARKUP",
    "FeedbackSettings",
    "FeedbackSettingsError",
    "Place",
    "Team",
    "Topic",
    "check_feedback_body",
    "looks_like_markup",
    "parse_feedback_settings",
    "reply_due",
]

DEFAULT_REPLY_DAYS = 7
DEFAULT_ROUTE_MIN_CONFIDENCE = 60  # percent
MARKUP = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style|img|svg|a|on\w+)\b|javascript:", re.IGNORECASE)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
Texts = dict[Literal["fi", "sv", "en"], Annotated[str, StringConstraints(min_length=1, max_length=200)]]


class FeedbackSettingsError(OsallistuError):
    """Feedback settings that do not describe a feedback activity (``invalid_feedback_settings``)."""

    reason = "invalid_feedback_settings"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Topic(_Model):
    id: Slug
    name: Texts
    team: Slug | None = None  # None: the team with the topic's id
    icon: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None

    @field_validator("name")
    @classmethod
    def _name_in_all_languages(cls, value: dict[str, str]) -> dict[str, str]:
        return _all_languages(value, "name")

    @property
    def team_id(self) -> str:
        return self.team or self.id


class Place(_Model):
    id: Slug
    name: Texts

    @field_validator("name")
    @classmethod
    def _name_in_all_languages(cls, value: dict[str, str]) -> dict[str, str]:
        return _all_languages(value, "name")


class Team(_Model):
    id: Slug
    name: Texts

    @field_validator("name", mode="before")
    @classmethod
    def _one_name_for_all(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            return dict.fromkeys(LANGUAGES, value.strip())
        return value

    @field_validator("name")
    @classmethod
    def _name_in_all_languages(cls, value: dict[str, str]) -> dict[str, str]:
        return _all_languages(value, "name")


class FeedbackSettings(_Model):
    topics: list[Topic] = Field(min_length=1, max_length=200)
    places: list[Place] = Field(default_factory=list, max_length=500)
    teams: list[Team] = Field(default_factory=list, max_length=1000)
    reply_days: Annotated[int, Field(ge=1, le=60)] = DEFAULT_REPLY_DAYS
    route_min_confidence_percent: Annotated[int, Field(ge=0, le=100)] = DEFAULT_ROUTE_MIN_CONFIDENCE

    @model_validator(mode="after")
    def _consistent(self) -> FeedbackSettings:
        for what, ids in (
            ("topic", [t.id for t in self.topics]),
            ("place", [p.id for p in self.places]),
            ("team", [t.id for t in self.teams]),
        ):
            if len(set(ids)) != len(ids):
                raise ValueError(f"{what} ids must be unique")
        if self.teams:
            known = {t.id for t in self.teams}
            unknown = sorted({t.team_id for t in self.topics} - known)
            if unknown:
                raise ValueError(f"topics name teams that are not listed: {', '.join(unknown)}")
        return self

    @property
    def all_teams(self) -> list[Team]:
        """The listed teams, or (without ``teams``) one per topic named as the topic."""
        if self.teams:
            return list(self.teams)
        return [Team(id=t.id, name=dict(t.name)) for t in self.topics]

    def topic(self, topic_id: str | None) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def place(self, place_id: str | None) -> Place | None:
        return next((p for p in self.places if p.id == place_id), None)

    def team(self, team_id: str | None) -> Team | None:
        return next((t for t in self.all_teams if t.id == team_id), None)

    def team_of_topic(self, topic_id: str | None) -> str | None:
        topic = self.topic(topic_id)
        return topic.team_id if topic is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The plain dict for the manifest (defaults included, so the terminal sees them)."""
        return self.model_dump(mode="json", exclude_none=True)


def parse_feedback_settings(value: Mapping[str, Any]) -> FeedbackSettings:
    """Validate ``settings["feedback"]``; raise FeedbackSettingsError with the first problem in words."""
    if not isinstance(value, Mapping):
        raise FeedbackSettingsError("feedback settings must be an object")
    try:
        return FeedbackSettings.model_validate(dict(value))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "feedback"
        raise FeedbackSettingsError(f"feedback settings: {where}: {first['msg']}") from None


def check_feedback_body(settings: FeedbackSettings, *, topic: str, place: str | None) -> str | None:
    """The problem code of a feedback body's topic and place against the settings, or None."""
    if settings.topic(topic) is None:
        return "unknown_topic"
    if place is not None and settings.place(place) is None:
        return "unknown_place"
    return None


def reply_due(day: date, reply_days: int = DEFAULT_REPLY_DAYS) -> date:
    """The last day a reply is promised by, for feedback given on ``day``."""
    return day + timedelta(days=reply_days)


def looks_like_markup(text: str) -> bool:
    """Whether ``text`` holds HTML or script that a careless page would run (it is stored and shown as text)."""
    return MARKUP.search(text) is not None
