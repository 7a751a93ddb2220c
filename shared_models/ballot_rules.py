"""The rules a budget ballot must keep, as pure checks.

The terminal asks them as the voter goes (:func:`can_add`, :func:`money_left`) and
before confirming (:func:`check_choice`); the server asks :func:`validate_ballot` of
every ballot it ingests and quarantines the ballot with the problem's ``code`` as
its reason. A :class:`Problem` carries a stable code and the numbers a message needs;
the terminal words it through its catalogs, :meth:`Problem.describe` gives English
for logs and the quarantine table.

Codes (:data:`PROBLEM_CODES`):

==========================  ==========================================================
``process_not_open``        before ``opens`` (``value``/``limit``: none)
``process_closed``          at or after ``closes``
``unknown_code``            a voter tag not among the process's code tags
``malformed_code``          a typed code with a wrong length, character or check character
``unknown_district``        no district (nor citywide pot) with that id
``unknown_project``         a project in no district of the process (``project``)
``wrong_district``          a project of another district (``project``)
``duplicate_project``       a project chosen twice (``project``)
``already_chosen``          adding a project already on the ballot (``project``)
``over_budget``             costs over the district budget (``value`` cents, ``limit`` cents)
``below_min_share``         costs under the minimum share (``value`` cents, ``limit`` cents)
``too_many_projects``       more than ``max_projects`` (``value``, ``limit``)
``too_few_projects``        fewer than ``min_projects`` (``value``, ``limit``)
``points_missing``          a cumulative ballot without points
``points_not_expected``     points on an approval or at-most ballot
``points_total``            more points given than the process allows (``value``, ``limit``)
==========================  ==========================================================

The voting period: the terminal knows the moment and checks it exactly (``now``). A record
carries only its day, in the terminal's local time (the time is left out so a ballot cannot
be traced to the moment someone was seen voting), so the server checks the day
(``day``): a ballot is refused only when every moment that day can stand for, in any time
zone (UTC-12 to UTC+14, :func:`day_window`), lies outside the period. Reading the day as
one fixed hour instead would refuse honest ballots cast before a midday closing or after a
midday opening.

Cumulative ballots spread at most ``points`` points; each chosen project gets at least
one (the body guarantees that). Approval ballots are bound by the district budget;
at-most and cumulative ballots are not bound by cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, get_args

from shared_models.bodies import BudgetBallot, validate_body
from shared_models.budget import BudgetSettings, District, parse_timestamp, voter_tag
from shared_models.errors import InvalidBody
from shared_models.voting_codes import is_well_formed

__all__ = [
    "PROBLEM_CODES",
    "Problem",
    "ProblemCode",
    "ballot_slot",
    "can_add",
    "check_choice",
    "check_code",
    "day_window",
    "money_left",
    "validate_ballot",
]

ProblemCode = Literal[
    "process_not_open",
    "process_closed",
    "unknown_code",
    "malformed_code",
    "invalid_body",
    "unknown_district",
    "unknown_project",
    "wrong_district",
    "duplicate_project",
    "already_chosen",
    "over_budget",
    "below_min_share",
    "too_many_projects",
    "too_few_projects",
    "points_missing",
    "points_not_expected",
    "points_total",
]
PROBLEM_CODES: tuple[str, ...] = get_args(ProblemCode)

_WORDS: dict[str, str] = {
    "process_not_open": "voting has not opened yet",
    "process_closed": "voting has closed",
    "unknown_code": "the voting code is not one of this process's codes",
    "malformed_code": "the voting code is mistyped",
    "invalid_body": "the ballot is not a valid budget ballot",
    "unknown_district": "there is no such district",
    "unknown_project": "project {project} is not in this process",
    "wrong_district": "project {project} belongs to another district",
    "duplicate_project": "project {project} is chosen twice",
    "already_chosen": "project {project} is already chosen",
    "over_budget": "the projects cost {value} cents, over the budget of {limit} cents",
    "below_min_share": "the projects cost {value} cents, less than the minimum of {limit} cents",
    "too_many_projects": "{value} projects chosen, at most {limit} allowed",
    "too_few_projects": "{value} projects chosen, at least {limit} needed",
    "points_missing": "a cumulative ballot needs points",
    "points_not_expected": "this ballot takes no points",
    "points_total": "{value} points given, at most {limit} allowed",
}


@dataclass(frozen=True)
class Problem:
    """Why a choice or a ballot is not possible: a stable code and its numbers."""

    code: ProblemCode
    project: str | None = None  # the project concerned
    value: int | None = None  # what the choice has (cents, projects or points)
    limit: int | None = None  # what the rule allows or needs

    def describe(self) -> str:
        """The problem in English, for logs and quarantine reasons."""
        return _WORDS[self.code].format(project=self.project, value=self.value, limit=self.limit)


def _district(settings: BudgetSettings, district: str | District) -> District | None:
    return settings.district(district) if isinstance(district, str) else district


def _cost(district: District, chosen: Sequence[str]) -> int:
    costs = district.costs
    return sum(costs.get(project, 0) for project in chosen)


def money_left(settings: BudgetSettings, district: str | District, chosen: Sequence[str]) -> int:
    """The district budget minus the cost of the chosen projects (negative when over)."""
    found = _district(settings, district)
    if found is None:
        return 0
    return found.budget - _cost(found, chosen)


def _min_share_cents(settings: BudgetSettings, district: District) -> int:
    # Rounded up: "at least 50 %" of 99 cents is 50 cents.
    return -(-district.budget * settings.ballot.min_share_percent // 100)


def _project_problem(settings: BudgetSettings, district: District, project: str) -> Problem | None:
    if district.project(project) is not None:
        return None
    if any(d.project(project) is not None for d in settings.all_districts):
        return Problem("wrong_district", project=project)
    return Problem("unknown_project", project=project)


def check_choice(
    settings: BudgetSettings,
    district: str | District,
    chosen: Sequence[str],
    points: Mapping[str, int] | None = None,
) -> list[Problem]:
    """Every problem of a finished choice (empty: the voter may confirm)."""
    found = _district(settings, district)
    if found is None:
        return [Problem("unknown_district")]
    rule = settings.ballot
    problems: list[Problem] = []
    seen: set[str] = set()
    for project in chosen:
        if project in seen:
            problems.append(Problem("duplicate_project", project=project))
        seen.add(project)
        wrong = _project_problem(settings, found, project)
        if wrong is not None:
            problems.append(wrong)
    count = len(seen)
    if rule.max_projects is not None and count > rule.max_projects:
        problems.append(Problem("too_many_projects", value=count, limit=rule.max_projects))
    if count < rule.min_projects:
        problems.append(Problem("too_few_projects", value=count, limit=rule.min_projects))
    if rule.type == "approval":
        spent = _cost(found, sorted(seen))
        if spent > found.budget:
            problems.append(Problem("over_budget", value=spent, limit=found.budget))
        needed = _min_share_cents(settings, found)
        if spent < needed:
            problems.append(Problem("below_min_share", value=spent, limit=needed))
    if rule.type == "cumulative":
        if points is None:
            problems.append(Problem("points_missing"))
        elif rule.points is not None and sum(points.values()) > rule.points:
            problems.append(Problem("points_total", value=sum(points.values()), limit=rule.points))
    elif points is not None:
        problems.append(Problem("points_not_expected"))
    return problems


def can_add(
    settings: BudgetSettings,
    district: str | District,
    chosen: Sequence[str],
    project: str,
    *,
    points: Mapping[str, int] | None = None,
) -> Problem | None:
    """Why ``project`` cannot join the choice now (None: it can).

    For cumulative ballots the project would take one point; ``points`` is what the
    voter has given so far.
    """
    found = _district(settings, district)
    if found is None:
        return Problem("unknown_district")
    wrong = _project_problem(settings, found, project)
    if wrong is not None:
        return wrong
    if project in chosen:
        return Problem("already_chosen", project=project)
    rule = settings.ballot
    count = len(set(chosen)) + 1
    if rule.max_projects is not None and count > rule.max_projects:
        return Problem("too_many_projects", project=project, value=count, limit=rule.max_projects)
    if rule.type == "approval":
        spent = _cost(found, sorted({*chosen, project}))
        if spent > found.budget:
            return Problem("over_budget", project=project, value=spent, limit=found.budget)
    if rule.type == "cumulative" and rule.points is not None:
        given = sum((points or {}).values()) + 1
        if given > rule.points:
            return Problem("points_total", project=project, value=given, limit=rule.points)
    return None


def check_code(settings: BudgetSettings, code: str) -> Problem | None:
    """Why a typed voting code cannot vote (None: it can, if the terminal has not used it)."""
    if not is_well_formed(code):
        return Problem("malformed_code")
    if not settings.accepts_tag(voter_tag(settings.voter_salt, code)):
        return Problem("unknown_code")
    return None


def ballot_slot(settings: BudgetSettings, district: str) -> Literal["district", "citywide"]:
    """Which of a voter's ballots this is: one counted ballot per (voter tag, slot).

    With ``voter_districts = "one"`` every ballot is the voter's one ``district`` ballot;
    with ``"one_plus_citywide"`` a ballot for the citywide pot is a second slot.
    """
    citywide = settings.citywide
    if settings.voter_districts == "one_plus_citywide" and citywide is not None and district == citywide.id:
        return "citywide"
    return "district"


def day_window(day: date) -> tuple[datetime, datetime]:
    """The UTC moments ``[start, end)`` that a local calendar day can stand for, whatever the
    terminal's time zone: from midnight at UTC+14 to the next midnight at UTC-12."""
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    return midnight - timedelta(hours=14), midnight + timedelta(days=1, hours=12)


def _period_problem(settings: BudgetSettings, now: datetime | None, day: date | None) -> Problem | None:
    if now is not None:
        earliest = latest = now
    elif day is not None:
        earliest, end = day_window(day)
        latest = end - timedelta(microseconds=1)
    else:
        raise TypeError("validate_ballot needs now (the terminal) or day (the server)")
    if settings.opens is not None and latest < parse_timestamp(settings.opens):
        return Problem("process_not_open")
    if settings.closes is not None and earliest >= parse_timestamp(settings.closes):
        return Problem("process_closed")
    return None


def validate_ballot(
    settings: BudgetSettings,
    body: BudgetBallot | Mapping[str, Any],
    *,
    now: datetime | None = None,
    day: date | None = None,
) -> Problem | None:
    """The first reason a ``budget.ballot`` body is not countable in these settings (None: it is).

    Checked in order: the body's shape, the voting period, the voter tag (when the process
    has code tags), the district, then the choice. The period is checked at ``now`` (aware;
    the terminal) or, given only the record's ``day`` (the server), refused only when the
    whole of that day, in any time zone, lies outside it.
    """
    if not isinstance(body, BudgetBallot):
        try:
            checked = validate_body("budget.ballot", dict(body))
        except InvalidBody:
            return Problem("invalid_body")
        assert isinstance(checked, BudgetBallot)
        body = checked
    if (period := _period_problem(settings, now, day)) is not None:
        return period
    if not settings.accepts_tag(body.voter):
        return Problem("unknown_code")
    problems = check_choice(settings, body.district, body.projects, body.points)
    return problems[0] if problems else None
