"""The body of each record kind, validated strictly (unknown fields refused).

Lists whose order means nothing (projects on a ballot, hashes in a seal) must be
sorted and unique, so one choice always has exactly one encoding.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from shared_models.errors import InvalidBody

__all__ = [
    "BODY_MODELS",
    "CITIZEN_KINDS",
    "BudgetBallot",
    "FeedbackItem",
    "KioskEvent",
    "KioskSeal",
    "SealedBoxBody",
    "VoxitStatement",
    "VoxitVote",
    "validate_body",
]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
Hash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Token = Annotated[str, StringConstraints(pattern=r"^[a-z2-7]{26}$")]
Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")]
B64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]+={0,2}$", max_length=8192)]

MAX_MESSAGE = 5000
MAX_STATEMENT = 280
MAX_SEAL_RECORDS = 10_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _sorted_unique(values: list[str], what: str) -> list[str]:
    if values != sorted(set(values)):
        raise ValueError(f"{what} must be sorted and unique")
    return values


class BudgetBallot(_Body):
    """One voter's choice in one district of a participatory-budget process."""

    process: Slug
    district: Slug
    voter: Hash  # salted hash of the voting code, as in the manifest; never the code
    projects: list[Slug] = Field(max_length=500)
    points: dict[Slug, Annotated[int, Field(ge=1, le=1000)]] | None = None  # cumulative ballots only
    assisted: bool = False  # a librarian helped; no identity is recorded

    @field_validator("projects")
    @classmethod
    def _projects_sorted(cls, value: list[str]) -> list[str]:
        return _sorted_unique(value, "projects")

    @model_validator(mode="after")
    def _points_match(self) -> BudgetBallot:
        if self.points is not None and sorted(self.points) != self.projects:
            raise ValueError("points must be given for exactly the chosen projects")
        return self


Answer = Literal[-1, 0, 1]  # disagree, pass, agree (as in Polis exports)


class VoxitVote(_Body):
    """One anonymous participant's final answers in one conversation."""

    process: Slug
    participant: Token
    answers: dict[Slug, Answer] = Field(min_length=1, max_length=5000)

    @field_validator("answers", mode="before")
    @classmethod
    def _answers_not_bool(cls, value: Any) -> Any:
        # Literal[1] would otherwise take true (True == 1 in Python), even in strict mode.
        if isinstance(value, dict) and any(isinstance(answer, bool) for answer in value.values()):
            raise ValueError("answers are -1, 0 or 1, not true or false")
        return value


class VoxitStatement(_Body):
    """A statement proposed by a participant, for moderation."""

    process: Slug
    participant: Token
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_STATEMENT)]
    lang: Lang

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


class SealedBoxBody(_Body):
    """Personal data sealed to the server's X25519 key (see sealed_box)."""

    alg: Literal["x25519-hkdf-sha256-chacha20poly1305"]
    epk: B64
    nonce: B64
    ct: B64


class FeedbackItem(_Body):
    process: Slug
    topic: Slug
    message: Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE)]
    lang: Lang
    place: Slug | None = None
    wants_reply: bool = False
    contact: SealedBoxBody | None = None

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message is empty")
        return value

    @model_validator(mode="after")
    def _reply_needs_contact(self) -> FeedbackItem:
        if self.wants_reply and self.contact is None:
            raise ValueError("a reply needs sealed contact details")
        return self


DetailValue = str | int | bool


class KioskEvent(_Body):
    """A staff or system event; unlike citizen records it carries a full UTC time."""

    at: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")]
    event: Annotated[str, StringConstraints(pattern=r"^[a-z]+(\.[a-z_]+)+$")]
    detail: dict[Slug, DetailValue] = Field(default_factory=dict, max_length=32)

    @field_validator("at")
    @classmethod
    def _real_time(cls, value: str) -> str:
        # The pattern checks the shape only; 2026-13-45T99:99:99Z is not a time.
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        return value

    @field_validator("event")
    @classmethod
    def _known_event(cls, value: str) -> str:
        from shared_models.events import EVENTS

        if value not in EVENTS:
            raise ValueError(f"unknown event {value!r}")
        return value


class KioskSeal(_Body):
    """Seals a batch of records into the device's chain."""

    seq: Annotated[int, Field(ge=1)]
    prev: Hash
    records: list[Hash] = Field(min_length=1, max_length=MAX_SEAL_RECORDS)
    reason: Literal["minimum", "forced", "closed"]

    @field_validator("records")
    @classmethod
    def _records_sorted(cls, value: list[str]) -> list[str]:
        return _sorted_unique(value, "records")


BODY_MODELS: dict[str, type[_Body]] = {
    "budget.ballot": BudgetBallot,
    "voxit.vote": VoxitVote,
    "voxit.statement": VoxitStatement,
    "feedback.item": FeedbackItem,
    "kiosk.event": KioskEvent,
    "kiosk.seal": KioskSeal,
}

CITIZEN_KINDS = frozenset({"budget.ballot", "voxit.vote", "voxit.statement", "feedback.item"})


def validate_body(kind: str, body: Any) -> _Body:
    """Validate a body for its kind; raise InvalidBody with the first problem in words."""
    model = BODY_MODELS[kind]
    if not isinstance(body, dict):
        raise InvalidBody(f"{kind} body must be an object")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidBody(f"{kind} body: {where}: {first['msg']}") from None
