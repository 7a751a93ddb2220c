"""The participatory-budget process definition: the shape of ``settings["budget"]``.

Strict models (unknown fields refused, no type coercion), money in cents. A process
made before this module (only ``voter_salt`` and ``districts``, as the demo) stays
valid: every other field has a default (approval ballots within the district budget,
one district per voter, greedy by votes, no voting codes, no voting period).

The count rule maps onto :mod:`shared_models.tally` by name (:meth:`CountRule.tally_rule`):

==================  ==================  ================================
``rule``            ``completion``      tally rule name
==================  ==================  ================================
``greedy``          none                ``greedy``
``greedy_helsinki`` none                ``greedy-helsinki``
``equal_shares``    none                ``equalshares``
``equal_shares``    ``add1``            ``equalshares/add1``
``equal_shares``    ``add1_exhaustive`` ``equalshares/add1-exhaustive``
==================  ==================  ================================

Ties are broken as the tally module documents: greedy by lower cost, then project id
(string order); Equal Shares by lower cost, then more supporters, then the project's
position in the district's list.

A voter tag is ``sha256(bytes.fromhex(voter_salt) + normalise_code(code).encode())`` in
hex (docs/design.md), where the normalised code is upper case without spaces or dashes,
so ``abcd-efgh-jk`` and ``ABCDEFGHJK`` give the same tag.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from shared_models.errors import OsallistuError
from shared_models.texts import LANGUAGES
from shared_models.texts import require_all_languages as _all_languages

__all__ = [
    "LANGUAGES",
    "BallotRule",
    "BudgetSettings",
    "BudgetSettingsError",
    "CountRule",
    "District",
    "Project",
    "normalise_code",
    "parse_budget_settings",
    "parse_timestamp",
    "voter_tag",
]


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Timestamp = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")]
Cents = Annotated[int, Field(ge=1, le=10**15)]
Texts = dict[Literal["fi", "sv", "en"], Annotated[str, StringConstraints(min_length=1, max_length=2000)]]


class BudgetSettingsError(OsallistuError):
    """Budget settings that do not describe a process (``reason`` = ``invalid_budget_settings``)."""

    reason = "invalid_budget_settings"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def normalise_code(code: str) -> str:
    """A typed voting code as it is hashed: upper case, spaces and dashes removed."""
    return "".join(code.split()).replace("-", "").upper()


def voter_tag(salt: str, code: str) -> str:
    """The voter tag of a code: hex sha256 of the salt bytes and the normalised code."""
    return hashlib.sha256(bytes.fromhex(salt) + normalise_code(code).encode()).hexdigest()


def parse_timestamp(value: str) -> datetime:
    """A ``YYYY-MM-DDTHH:MM:SSZ`` string as an aware UTC datetime."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class Project(_Model):
    id: Slug
    cost: Cents
    title: Texts
    summary: Texts = Field(default_factory=dict)  # any of fi, sv, en
    picture: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None  # file name or URL

    @field_validator("title")
    @classmethod
    def _title_in_all_languages(cls, value: dict[str, str]) -> dict[str, str]:
        return _all_languages(value, "title")


class District(_Model):
    id: Slug
    name: Texts
    budget: Cents
    projects: list[Project] = Field(max_length=500)

    @field_validator("name")
    @classmethod
    def _name_in_all_languages(cls, value: dict[str, str]) -> dict[str, str]:
        return _all_languages(value, "name")

    @field_validator("projects")
    @classmethod
    def _unique_projects(cls, value: list[Project]) -> list[Project]:
        ids = [p.id for p in value]
        if len(set(ids)) != len(ids):
            raise ValueError("project ids must be unique within a district")
        return value

    def project(self, project_id: str) -> Project | None:
        return next((p for p in self.projects if p.id == project_id), None)

    @property
    def costs(self) -> dict[str, int]:
        return {p.id: p.cost for p in self.projects}


class BallotRule(_Model):
    """What one ballot may hold.

    - ``approval``: any projects whose costs fit in the district budget, at least
      ``min_share_percent`` of the budget spent, between ``min_projects`` and
      ``max_projects`` projects;
    - ``at_most``: at most ``max_projects`` projects (and at least ``min_projects``),
      whatever they cost;
    - ``cumulative``: ``points`` points spread over projects (all of them given).
    """

    type: Literal["approval", "at_most", "cumulative"] = "approval"
    min_share_percent: Annotated[int, Field(ge=0, le=100)] = 0
    min_projects: Annotated[int, Field(ge=0, le=500)] = 0
    max_projects: Annotated[int, Field(ge=1, le=500)] | None = None
    points: Annotated[int, Field(ge=1, le=1000)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> BallotRule:
        if self.type == "at_most" and self.max_projects is None:
            raise ValueError("an at_most ballot needs max_projects")
        if self.type == "cumulative" and self.points is None:
            raise ValueError("a cumulative ballot needs points")
        if self.type != "cumulative" and self.points is not None:
            raise ValueError("points are only for cumulative ballots")
        if self.type != "approval" and self.min_share_percent:
            raise ValueError("min_share_percent is only for approval ballots")
        if self.max_projects is not None and self.min_projects > self.max_projects:
            raise ValueError("min_projects is more than max_projects")
        return self


class CountRule(_Model):
    """How the ballots of a district are counted (see the module docstring)."""

    rule: Literal["greedy", "greedy_helsinki", "equal_shares"] = "greedy"
    completion: Literal["add1", "add1_exhaustive"] | None = None
    compare_greedy: bool = False  # also count greedy by votes, for comparison

    @model_validator(mode="after")
    def _completion_for_equal_shares(self) -> CountRule:
        if self.completion is not None and self.rule != "equal_shares":
            raise ValueError("a completion is only for equal_shares")
        return self

    def tally_rule(self) -> str:
        """The rule's name in :data:`shared_models.tally.RULES`."""
        if self.rule == "greedy":
            return "greedy"
        if self.rule == "greedy_helsinki":
            return "greedy-helsinki"
        return {None: "equalshares", "add1": "equalshares/add1", "add1_exhaustive": "equalshares/add1-exhaustive"}[
            self.completion
        ]


class BudgetSettings(_Model):
    voter_salt: Hex32
    currency: Literal["EUR"] = "EUR"
    districts: list[District] = Field(min_length=1, max_length=200)
    citywide: District | None = None  # a citywide pot beside the districts
    ballot: BallotRule = Field(default_factory=BallotRule)
    voter_districts: Literal["one", "one_plus_citywide"] = "one"
    count_rule: CountRule = Field(default_factory=CountRule)
    code_tags: list[Hex64] = Field(default_factory=list)  # sorted voter tags of the codes; empty: any code
    opens: Timestamp | None = None
    closes: Timestamp | None = None

    @field_validator("code_tags")
    @classmethod
    def _tags_sorted(cls, value: list[str]) -> list[str]:
        if value != sorted(set(value)):
            raise ValueError("code_tags must be sorted and unique")
        return value

    @field_validator("opens", "closes")
    @classmethod
    def _real_time(cls, value: str | None) -> str | None:
        if value is not None:
            parse_timestamp(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> BudgetSettings:
        every = self.all_districts
        ids = [d.id for d in every]
        if len(set(ids)) != len(ids):
            raise ValueError("district ids must be unique (the citywide pot included)")
        projects = [p.id for d in every for p in d.projects]
        if len(set(projects)) != len(projects):
            raise ValueError("project ids must be unique across the process")
        if self.voter_districts == "one_plus_citywide" and self.citywide is None:
            raise ValueError("one_plus_citywide needs a citywide pot")
        if self.opens is not None and self.closes is not None and self.opens >= self.closes:
            raise ValueError("opens must be before closes")
        return self

    @property
    def all_districts(self) -> list[District]:
        """The districts, then the citywide pot if there is one."""
        return [*self.districts, *([self.citywide] if self.citywide is not None else [])]

    def district(self, district_id: str) -> District | None:
        """The district (or the citywide pot) with this id."""
        return next((d for d in self.all_districts if d.id == district_id), None)

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` (aware) lies in the voting period [opens, closes)."""
        if self.opens is not None and now < parse_timestamp(self.opens):
            return False
        return not (self.closes is not None and now >= parse_timestamp(self.closes))

    def accepts_tag(self, tag: str) -> bool:
        """Whether a voter tag may vote: any tag when the process has no code tags."""
        if not self.code_tags:
            return True
        at = bisect_left(self.code_tags, tag)
        return at < len(self.code_tags) and self.code_tags[at] == tag

    def with_code_tags(self, tags: list[str]) -> BudgetSettings:
        """These settings with ``tags`` added to the code tags (kept sorted and unique)."""
        return self.model_validate({**self.to_dict(), "code_tags": sorted({*self.code_tags, *tags})})

    def to_dict(self) -> dict[str, Any]:
        """The plain dict for the manifest (defaults included, so the terminal sees them)."""
        return self.model_dump(mode="json")


def parse_budget_settings(value: Mapping[str, Any]) -> BudgetSettings:
    """Validate ``settings["budget"]``; raise BudgetSettingsError with the first problem in words."""
    if not isinstance(value, Mapping):
        raise BudgetSettingsError("budget settings must be an object")
    try:
        return BudgetSettings.model_validate(dict(value))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "budget"
        raise BudgetSettingsError(f"budget settings: {where}: {first['msg']}") from None
