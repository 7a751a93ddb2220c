"""The Voxit conversation definition: the shape of ``settings["voxit"]``, and what a terminal computes with it.

Strict models (unknown fields refused, no type coercion). Every number is an integer (the
manifest is canonical JSON, which has no floats): values of the analysis are scaled by
``SCALE`` = 1,000,000 and rounded. A process made before this module (``allow_proposals``
and ``statements`` with ``id`` and ``text`` only, as the demo) stays valid: every other
field has a default.

JSON format of ``settings["voxit"]``::

    {
      "topic": {"fi": "...", "sv": "...", "en": "..."},        # optional; if given, all three
      "intro": {"fi": "...", "sv": "...", "en": "..."},        # optional; if given, all three
      "allow_proposals": true,                                 # default false
      "opens": "2026-05-01T06:00:00Z",                         # optional, UTC
      "closes": "2026-05-31T21:00:00Z",                        # optional, UTC, after opens
      "statements": [                                          # shown ones only, in id order
        {"id": "12",                                           # slug; the server uses the Polis comment id
         "text": {"fi": "...", "sv": "...", "en": "..."},      # a seed: fi, sv and en;
                                                               # a participant's: one language or more
         "origin": "seed",                                     # "seed" | "participant" (default "seed")
         "meta": false}                                        # meta statement (default false)
      ],
      "priorities": {"12": 5062500, ...},                      # optional: Polis comment priority * SCALE
      "opinion_map": {                                         # optional: the last analysis
        "run": 3,                                              # analysis run number
        "columns": 40,                                         # statements in the vote matrix
        "moderated": 2,                                        # of those, moderated out (always answered)
        "statements": ["0", "1", ...],                         # the other matrix columns, in order
        "center": [412000, ...],                               # column mean * SCALE, per statement
        "components": [[...], [...]],                          # two PCA axes * SCALE, per statement
        "groups": [{"id": 0, "x": -1234567, "y": 345678, "size": 120}, ...]  # centres * SCALE
      }
    }

A statement missing from ``priorities`` (approved after the last analysis) weighs
``NEW_STATEMENT_PRIORITY``: the Polis priority of a statement nobody has seen.

Placement of a participant (:func:`place_participant`) is Polis's sparsity-aware
projection (Polis ``math/src/polismath/math/pca.clj`` ``sparsity-aware-project-ptpt``;
red-dwarf ``reddwarf.sklearn.transformers.SparsityAwareScaler``), as the server computes
it in ``sync_server/analysis/pca.py``: over the answered statements only,
``(vote - center) . component``, times ``sqrt(columns / answered)``, where moderated-out
columns count as answered (they were zeroed for everyone). The nearest group centre
(Euclidean, lower id on a tie) is the participant's group.

The draw (:func:`draw_next`, :func:`weighted_order`) is Polis's comment routing: the next
statement is drawn at random among the unanswered ones with probability proportional to
its priority (Polis ``server/src/nextComment.ts`` ``getNextPrioritizedComment`` weighting
by ``comment-priorities``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from shared_models.errors import OsallistuError
from shared_models.texts import LANGUAGES

__all__ = [
    "LANGUAGES",
    "NEW_STATEMENT_PRIORITY",
    "SCALE",
    "MapGroup",
    "OpinionMap",
    "Placement",
    "Statement",
    "VoxitSettings",
    "VoxitSettingsError",
    "draw_next",
    "parse_timestamp",
    "parse_voxit_settings",
    "place_participant",
    "statement_priorities",
    "text_for",
    "weighted_order",
]

SCALE = 1_000_000
# Polis priority of a statement nobody has seen: ((1 - 1/2) * (0 + 1) * 1/2 * (1 + 8))^2 = 5.0625.
NEW_STATEMENT_PRIORITY = 5_062_500
MAX_STATEMENTS = 5000

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")]
Timestamp = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Scaled = Annotated[int, Field(ge=-(10**15), le=10**15)]


class VoxitSettingsError(OsallistuError):
    """Voxit settings that do not describe a conversation (``reason`` = ``invalid_voxit_settings``)."""

    reason = "invalid_voxit_settings"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def parse_timestamp(value: str) -> datetime:
    """A ``YYYY-MM-DDTHH:MM:SSZ`` string as an aware UTC datetime."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _all_languages(value: dict[str, str], what: str) -> dict[str, str]:
    if not value:
        return value
    if set(value) - set(LANGUAGES):
        raise ValueError(f"{what} has texts only in {', '.join(LANGUAGES)}")
    missing = [lang for lang in LANGUAGES if not value.get(lang, "").strip()]
    if missing:
        raise ValueError(f"{what} needs a text in {', '.join(missing)}")
    return value


class Statement(_Model):
    id: Slug
    text: dict[Lang, Text] = Field(min_length=1)
    origin: Literal["seed", "participant"] = "seed"
    meta: bool = False

    @model_validator(mode="after")
    def _texts(self) -> Statement:
        if any(not t.strip() for t in self.text.values()):
            raise ValueError("a statement text is empty")
        if self.origin == "seed":
            _all_languages(self.text, "a seed statement")
        return self


class MapGroup(_Model):
    id: Annotated[int, Field(ge=0, le=1000)]
    x: Scaled
    y: Scaled
    size: Annotated[int, Field(ge=0)]


class OpinionMap(_Model):
    run: Annotated[int, Field(ge=1)]
    columns: Annotated[int, Field(ge=0)]
    moderated: Annotated[int, Field(ge=0)] = 0
    statements: list[Slug] = Field(max_length=MAX_STATEMENTS)
    center: list[Scaled]
    components: list[list[Scaled]] = Field(min_length=2, max_length=2)
    groups: list[MapGroup] = Field(max_length=1000)

    @model_validator(mode="after")
    def _consistent(self) -> OpinionMap:
        n = len(self.statements)
        if len(set(self.statements)) != n:
            raise ValueError("opinion_map statements must be unique")
        if len(self.center) != n or any(len(row) != n for row in self.components):
            raise ValueError("opinion_map center and components need one value per statement")
        if self.columns != n + self.moderated:
            raise ValueError("opinion_map columns must be statements + moderated")
        if len({g.id for g in self.groups}) != len(self.groups):
            raise ValueError("opinion_map group ids must be unique")
        return self


class VoxitSettings(_Model):
    topic: dict[Lang, Text] = Field(default_factory=dict)  # fi, sv and en (or none)
    intro: dict[Lang, Text] = Field(default_factory=dict)
    allow_proposals: bool = False
    opens: Timestamp | None = None
    closes: Timestamp | None = None
    statements: list[Statement] = Field(default_factory=list, max_length=MAX_STATEMENTS)
    priorities: dict[Slug, Annotated[int, Field(ge=0, le=10**15)]] | None = None
    opinion_map: OpinionMap | None = None

    @field_validator("topic", "intro")
    @classmethod
    def _in_all_languages(cls, value: dict[str, str]) -> dict[str, str]:
        return _all_languages(value, "topic and intro")

    @field_validator("opens", "closes")
    @classmethod
    def _real_time(cls, value: str | None) -> str | None:
        if value is not None:
            parse_timestamp(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> VoxitSettings:
        ids = [s.id for s in self.statements]
        if len(set(ids)) != len(ids):
            raise ValueError("statement ids must be unique")
        if self.opens is not None and self.closes is not None and self.opens >= self.closes:
            raise ValueError("opens must be before closes")
        return self

    def statement(self, statement_id: str) -> Statement | None:
        return next((s for s in self.statements if s.id == statement_id), None)

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` (aware) lies in the conversation period [opens, closes)."""
        if self.opens is not None and now < parse_timestamp(self.opens):
            return False
        return not (self.closes is not None and now >= parse_timestamp(self.closes))

    def to_dict(self) -> dict[str, Any]:
        """The plain dict for the manifest (defaults included; absent priorities / map left out)."""
        return self.model_dump(mode="json", exclude_none=True)


def parse_voxit_settings(value: Mapping[str, Any]) -> VoxitSettings:
    """Validate ``settings["voxit"]``; raise VoxitSettingsError with the first problem in words."""
    if not isinstance(value, Mapping):
        raise VoxitSettingsError("voxit settings must be an object")
    try:
        return VoxitSettings.model_validate(dict(value))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "voxit"
        raise VoxitSettingsError(f"voxit settings: {where}: {first['msg']}") from None


def text_for(statement: Statement, lang: str) -> str:
    """The statement's text in ``lang``, else in Finnish, Swedish, English, else its first text."""
    for candidate in (lang, *LANGUAGES):
        if candidate in statement.text:
            return statement.text[candidate]
    return next(iter(statement.text.values()))


def statement_priorities(settings: VoxitSettings) -> dict[str, int]:
    """Every shown statement's draw weight: its analysed priority, else ``NEW_STATEMENT_PRIORITY``."""
    known = settings.priorities or {}
    return {s.id: known.get(s.id, NEW_STATEMENT_PRIORITY) for s in settings.statements}


def draw_next(priorities: Mapping[str, int], answered: Collection[str], rng: random.Random) -> str | None:
    """The next statement: drawn among the unanswered ones with probability proportional to priority.

    Integer arithmetic only (same draw on every platform for the same ``rng`` state). A
    statement of priority 0 is drawn only when every remaining one has priority 0 (then
    uniformly). ``None`` when every statement is answered.
    """
    remaining = sorted(sid for sid in priorities if sid not in answered)
    if not remaining:
        return None
    weights = [max(int(priorities[sid]), 0) for sid in remaining]
    total = sum(weights)
    if total == 0:
        return remaining[rng.randrange(len(remaining))]
    pick = rng.randrange(total)
    for sid, weight in zip(remaining, weights, strict=True):
        if pick < weight:
            return sid
        pick -= weight
    raise AssertionError("unreachable: the pick lies below the total weight")


def weighted_order(priorities: Mapping[str, int], rng: random.Random) -> list[str]:
    """Every statement in a drawn order: repeated :func:`draw_next` without replacement."""
    order: list[str] = []
    answered: set[str] = set()
    while (sid := draw_next(priorities, answered, rng)) is not None:
        order.append(sid)
        answered.add(sid)
    return order


class Placement(NamedTuple):
    """Where a participant stands: coordinates * SCALE in the map's plane, and the nearest group."""

    x: int
    y: int
    group: int | None


def place_participant(answers: Mapping[str, int], opinion_map: OpinionMap) -> Placement:
    """Project a participant's answers (statement id -> -1/0/1) onto the last analysis's plane.

    Answers to statements outside the map (new, or moderated out) are ignored.
    """
    sums = [0.0, 0.0]
    answered = opinion_map.moderated
    for j, sid in enumerate(opinion_map.statements):
        vote = answers.get(sid)
        if vote is None:
            continue
        answered += 1
        offset = vote * SCALE - opinion_map.center[j]
        sums[0] += offset * opinion_map.components[0][j]
        sums[1] += offset * opinion_map.components[1][j]
    scale = math.sqrt(opinion_map.columns / max(answered, 1)) if opinion_map.columns else 0.0
    # offset and component are both scaled: divide once by SCALE to keep coordinates * SCALE.
    x = round(sums[0] * scale / SCALE)
    y = round(sums[1] * scale / SCALE)
    nearest = min(
        opinion_map.groups,
        key=lambda g: ((g.x - x) ** 2 + (g.y - y) ** 2, g.id),
        default=None,
    )
    return Placement(x, y, nearest.id if nearest is not None else None)
