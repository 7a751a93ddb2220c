"""The participatory-budget vote on the terminal, as a plain-Python presenter.

``BudgetFlow`` holds one voter's way through the steps and says what the screens
show; the screens (``kiosk/screens/budget_vote.py``) only render it and pass touches
in. Messages are catalog keys with fields (``librarian_panel.Message``), so the words
stay in the catalogs.

Steps: code (1 / 5) -> district (2 / 5) -> projects (3 / 5) -> review (4 / 5) ->
thank-you (5 / 5). Confirm on the review step captures the ballot through the
terminal facade (``capture_once``: the record and the "this code was used here" mark
in one transaction); the thank-you is shown only after it returns.

Ballot kinds (``shared_models.budget.BallotRule``): approval within the district budget,
at most N projects whatever they cost, and cumulative points (the voter spreads
``points`` points with + and -; each chosen project holds at least one). Every rule is
asked of ``shared_models.ballot_rules`` (``can_add`` as the voter goes, ``check_choice``
before the review, ``validate_ballot`` on each body before capture), and each
``Problem`` code is worded through :data:`PROBLEM_KEYS`, so what the terminal refuses
and what the server quarantines are the same rules with the same codes.

Voter districts ``one_plus_citywide``: after the chosen district's projects comes a
"citywide" step with the citywide pot's projects (6 steps then); the review shows both.
Confirm captures one ballot per slot (``ballot_rules.ballot_slot``: the district ballot,
and the citywide ballot when the voter chose anything there), both with the same voter
tag, in one store transaction when the terminal has one, so the server counts one
ballot per (voter, slot). The district ballot carries the "code used here" mark; the
citywide one its own (``...:citywide``). With ``one`` and a citywide pot, the pot is
one more area to choose from. Settings the terminal cannot read (not
``shared_models.budget``) cannot be voted on here: the code step says so.

Codes: the code alphabet has no look-alikes (no I, O, 0, 1). A code is
``CODE_LENGTH`` characters; when ``shared_models.voting_codes`` is present its check
character is verified as soon as the code is complete. The voter tag is
``sha256(salt + code)`` (``kiosk.drill.voter_tag``); a tag already used on this
terminal, or not in the process's ``code_tags`` (when the process lists them), is refused.

Class session (design chosen here, the simpler sound one): the librarian or teacher
starts a session for N students; nothing about the class sheet is typed or stored on
the terminal. Each student types their own code from the sheet, so every ballot still
needs a valid, unused code and the terminal never holds a list of codes. After each
thank-you comes a privacy step ("Pass the terminal to the next student") that hides
the last student's choices; the next student's touch clears everything and starts at
the code step. The session ends after N ballots or when the librarian ends it.

Assisted: ``mark_next_assisted()`` sets ``assisted: true`` on the next voter's ballot
only (both slots of that voter when they vote citywide too; no identity is recorded);
an idle reset or a captured ballot clears it.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Protocol

from kiosk.librarian_panel import Message
from shared_models.ballot_rules import Problem, ballot_slot, can_add, check_choice, validate_ballot
from shared_models.bodies import validate_body
from shared_models.budget import (
    BudgetSettings,
    BudgetSettingsError,
    District,
    parse_budget_settings,
    parse_timestamp,
    voter_tag,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "PROBLEM_KEYS",
    "STEPS",
    "BudgetFlow",
    "ClassSession",
    "Part",
    "Project",
    "format_code",
    "format_euros",
    "local_receipt_code",
    "problem_message",
]

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as shared_models.voting_codes.ALPHABET
CODE_LENGTH = 10
STEPS = ("code", "district", "projects", "review", "thanks")
CITYWIDE_STEPS = ("code", "district", "projects", "citywide", "review", "thanks")
STEP_COUNT = len(STEPS)

# Each ballot_rules problem code -> the catalog key that words it for a voter.
PROBLEM_KEYS: dict[str, str] = {
    "process_not_open": "budget.code.not_open",
    "process_closed": "budget.code.closed",
    "unknown_code": "budget.code.unknown",
    "malformed_code": "budget.code.typo",
    "invalid_body": "budget.rule.not_possible",
    "unknown_district": "budget.rule.not_possible",
    "unknown_project": "budget.rule.not_possible",
    "wrong_district": "budget.rule.not_possible",
    "duplicate_project": "budget.rule.not_possible",
    "already_chosen": "budget.rule.not_possible",
    "over_budget": "budget.rule.over_budget",
    "below_min_share": "budget.rule.min_spend",
    "too_many_projects": "budget.rule.too_many",
    "too_few_projects": "budget.rule.too_few",
    "points_missing": "budget.rule.points_missing",
    "points_not_expected": "budget.rule.not_possible",
    "points_total": "budget.rule.points_total",
}


def problem_message(problem: Problem, *, cost: int = 0, left: int = 0) -> Message:
    """A ``ballot_rules.Problem`` as a message for the voter (``cost``/``left``: cents, for
    a project refused as over budget)."""
    key = PROBLEM_KEYS[problem.code]
    fields: dict[str, object] = {}
    if problem.code == "over_budget":
        fields = {"cost": format_euros(cost), "left": format_euros(left)}
    elif problem.code == "below_min_share":
        fields = {"money": format_euros(problem.limit or 0)}
    elif problem.code in ("too_many_projects", "too_few_projects", "points_total"):
        fields = {"count": problem.limit or 0}
    return Message(key, fields, tone="error")


class BallotTerminal(Protocol):
    def capture_once(self, kind: str, body: dict[str, Any], *, once: str) -> Any: ...

    def seen_once(self, once: str) -> bool: ...


def format_euros(cents: int) -> str:
    """Finnish style: ``120 000 €`` (no-break spaces), cents only when there are some."""
    euros, rest = divmod(int(cents), 100)
    whole = f"{euros:,}".replace(",", "\u00a0")
    return f"{whole},{rest:02d}\u00a0€" if rest else f"{whole}\u00a0€"


def format_code(code: str) -> str:
    """Groups of four: ``ABCD-EFGH-JK``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def local_receipt_code(record_id: str) -> str:
    """The receipt rule until ``shared_models.receipts`` lands: the record id's first 10
    base32 characters, upper case, grouped 4-4-2."""
    return format_code(record_id[:10].upper())


def _shared(name: str) -> ModuleType | None:
    """A ``shared_models`` module that other work adds (receipts, voting codes), if present."""
    try:
        return importlib.import_module(f"shared_models.{name}")
    except ImportError:
        return None


def receipt_code(record_id: str) -> str:
    receipts = _shared("receipts")
    if receipts is None:
        return local_receipt_code(record_id)
    return format_code(str(receipts.receipt_code(record_id)).replace("-", ""))


def check_ok(code: str) -> bool:
    """The code's check character, when ``shared_models.voting_codes`` is present."""
    codes = _shared("voting_codes")
    check = getattr(codes, "is_well_formed", None)
    return bool(check(code)) if callable(check) else True


def _text(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("fi") or next(iter(texts.values()), "")


@dataclass(frozen=True)
class Project:
    id: str
    cost: int  # cents
    title: dict[str, str]
    summary: dict[str, str]

    def title_in(self, lang: str) -> str:
        return _text(self.title, lang)

    def summary_in(self, lang: str) -> str:
        return _text(self.summary, lang) if self.summary else ""


@dataclass
class ClassSession:
    students: int
    done: int = 0

    @property
    def left(self) -> int:
        return max(0, self.students - self.done)


@dataclass(frozen=True)
class Part:
    """One ballot of the voter as the review shows it: a district (or the citywide pot)."""

    district: dict[str, Any]
    projects: list[Project]
    points: dict[str, int]  # cumulative ballots: project id -> points (else empty)
    spent: int  # cents

    @property
    def budget(self) -> int:
        return int(self.district["budget"])


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _parse(settings: Mapping[str, Any]) -> BudgetSettings | None:
    try:
        return parse_budget_settings(settings)
    except BudgetSettingsError:
        return None


class BudgetFlow:
    """One voter's ballot, step by step; ``reset()`` forgets everything about them."""

    def __init__(self, process: Any, terminal: BallotTerminal, *, now: Callable[[], datetime] = _utc_now) -> None:
        self.process = process
        self.terminal = terminal
        self.now = now
        self.settings: dict[str, Any] = dict(process.settings.get("budget", {}))
        self.rules: BudgetSettings | None = _parse(self.settings)
        citywide = self.settings.get("citywide") or None
        self.citywide: dict[str, Any] | None = dict(citywide) if citywide else None
        self.plus_citywide = bool(
            self.rules is not None and self.rules.voter_districts == "one_plus_citywide" and self.citywide
        )
        self.districts: list[dict[str, Any]] = list(self.settings.get("districts", []))
        if self.citywide is not None and not self.plus_citywide:
            self.districts.append(self.citywide)  # one area of the voter's choice, the pot among them
        self.class_session: ClassSession | None = None
        self.assisted_next = False
        self.session_ended = False  # the last finish() ended a class session (the screen logs it)
        self.reset()

    # -- state -------------------------------------------------------------------

    def reset(self) -> None:
        """A new voter: nothing of the last voter's choices stays (the session and the assisted
        mark, set by the librarian, are kept; ``idle_reset`` clears those too)."""
        self.step = "code"
        self.code = ""
        self.code_message: Message | None = None
        self.voter: str | None = None
        self.district_id: str | None = None
        self.choices: dict[str, list[str]] = {}  # district id -> chosen project ids, in order
        self.given: dict[str, dict[str, int]] = {}  # cumulative: district id -> project id -> points
        self.notes: dict[str, Message] = {}  # project id -> why it cannot be chosen now
        self.error: Message | None = None
        self.receipt = ""
        self.receipts: list[tuple[str, str]] = []  # (district id, receipt code) per captured ballot

    @property
    def steps(self) -> tuple[str, ...]:
        return CITYWIDE_STEPS if self.plus_citywide else STEPS

    @property
    def step_number(self) -> int:
        return self.steps.index(self.step) + 1 if self.step in self.steps else 0

    @property
    def step_text(self) -> str:
        return f"{self.step_number} / {len(self.steps)}" if self.step_number else ""

    def back(self) -> bool:
        """One step back; False on the first step (the screen then leaves the vote)."""
        if self.step in ("code", "thanks", "privacy"):
            return False
        self.error = None
        self.notes = {}
        self.step = self.steps[self.steps.index(self.step) - 1]
        return True

    # -- code --------------------------------------------------------------------

    def press_key(self, char: str) -> None:
        char = char.upper()
        if char in CODE_ALPHABET and len(char) == 1 and len(self.code) < CODE_LENGTH:
            self.code += char
        self.code_message = self._code_problem() if len(self.code) == CODE_LENGTH else None

    def erase(self) -> None:
        self.code = self.code[:-1]
        self.code_message = None

    @property
    def shown_code(self) -> str:
        return format_code(self.code + "_" * (CODE_LENGTH - len(self.code)))

    def _code_problem(self) -> Message | None:
        rules = self.rules
        if rules is None:
            return Message("budget.unavailable", tone="error")
        if not check_ok(self.code):
            return Message("budget.code.typo", tone="error")
        now = self.now()
        if not rules.is_open(now):
            opened = rules.opens is None or now >= parse_timestamp(rules.opens)
            return problem_message(Problem("process_closed" if opened else "process_not_open"))
        tag = voter_tag(rules.voter_salt, self.code)
        if not rules.accepts_tag(tag):  # no code tags: any code
            return Message("budget.code.unknown", tone="error")
        if self.terminal.seen_once(self._once(tag)):
            return Message("budget.code.used", tone="error")
        return None

    def _once(self, tag: str, district: str | None = None) -> str:
        """The "used here" mark: the voter tag for the district ballot, ``...:citywide`` for the pot."""
        once = f"budget:{self.process.id}:{tag}"
        if district is not None and self.rules is not None and ballot_slot(self.rules, district) == "citywide":
            return once + ":citywide"
        return once

    def submit_code(self) -> bool:
        if len(self.code) < CODE_LENGTH:
            self.code_message = Message("budget.code.short", {"count": CODE_LENGTH}, tone="error")
            return False
        self.code_message = self._code_problem()
        if self.code_message is not None:
            return False
        self.voter = voter_tag(self.settings["voter_salt"], self.code)
        self.code = ""  # the code itself is not kept once its tag is known
        self.step = "district"
        return True

    # -- district ----------------------------------------------------------------

    def district_name(self, district: Mapping[str, Any], lang: str) -> str:
        name = district.get("name")
        return _text(name, lang) if isinstance(name, Mapping) else str(name or district["id"])

    def choose_district(self, district_id: str) -> None:
        if district_id != self.district_id and self.district_id is not None:
            self.choices.pop(self.district_id, None)
            self.given.pop(self.district_id, None)
        self.notes = {}
        self.district_id = district_id
        self.step = "projects"

    @property
    def current_id(self) -> str | None:
        """The district whose projects the voter is choosing (the citywide pot on its step)."""
        if self.step == "citywide" and self.citywide is not None:
            return str(self.citywide["id"])
        return self.district_id

    def _district_dict(self, district_id: str | None) -> dict[str, Any]:
        if self.citywide is not None and district_id == self.citywide["id"]:
            return self.citywide
        return next(d for d in self.districts if d["id"] == district_id)

    @property
    def district(self) -> dict[str, Any]:
        return self._district_dict(self.current_id)

    @property
    def budget(self) -> int:
        return int(self.district["budget"])

    def _projects_of(self, district: Mapping[str, Any]) -> list[Project]:
        return [
            Project(p["id"], int(p["cost"]), dict(p.get("title", {})), dict(p.get("summary", {})))
            for p in district.get("projects", [])
        ]

    def projects(self) -> list[Project]:
        return self._projects_of(self.district)

    def _cost(self, project_id: str) -> int:
        return next(p.cost for p in self.projects() if p.id == project_id)

    # -- projects ----------------------------------------------------------------

    @property
    def chosen(self) -> list[str]:
        """The projects chosen in the current district (a live list)."""
        current = self.current_id
        return self.choices.setdefault(current, []) if current is not None else []

    @property
    def points(self) -> dict[str, int]:
        """Cumulative ballots: the points given in the current district (a live dict)."""
        current = self.current_id
        return self.given.setdefault(current, {}) if current is not None else {}

    @property
    def spent(self) -> int:
        return sum(self._cost(pid) for pid in self.chosen)

    @property
    def money_left(self) -> int:
        return self.budget - self.spent

    @property
    def rule(self) -> dict[str, Any]:
        """The process's ballot rule (``shared_models.budget.BallotRule`` as a dict)."""
        return self.rules.ballot.model_dump() if self.rules is not None else dict(self.settings.get("ballot") or {})

    @property
    def kind(self) -> str:
        """``approval``, ``at_most`` or ``cumulative``."""
        return str(self.rule.get("type") or "approval")

    @property
    def counts_money(self) -> bool:
        return self.kind == "approval"

    @property
    def cumulative(self) -> bool:
        return self.kind == "cumulative"

    @property
    def max_projects(self) -> int | None:
        value = self.rule.get("max_projects")
        return int(value) if value is not None else None

    @property
    def min_projects(self) -> int:
        return int(self.rule.get("min_projects") or 0)

    @property
    def min_spend(self) -> int:
        """The least a ballot must spend (an approval rule's minimum share of the budget)."""
        share = int(self.rule.get("min_share_percent") or 0) if self.counts_money else 0
        return -(-self.budget * share // 100)

    @property
    def points_total(self) -> int:
        """Cumulative ballots: the points a voter may give in one district (0 otherwise)."""
        return int(self.rule.get("points") or 0)

    @property
    def points_left(self) -> int:
        return self.points_total - sum(self.points.values())

    def _model(self) -> District:
        assert self.rules is not None and self.current_id is not None
        found = self.rules.district(self.current_id)
        assert found is not None
        return found

    def _refusal(self, problem: Problem, project_id: str | None = None) -> Message:
        cost = self._cost(project_id) if project_id is not None else problem.value or 0
        left = self.money_left if project_id is not None else problem.limit or 0
        return problem_message(problem, cost=cost, left=left)

    def toggle(self, project_id: str) -> bool:
        """Select or unselect; a choice that breaks the rule is refused with a note by its card.
        On a cumulative ballot selecting gives the project one point, unselecting takes all."""
        self.notes = {}
        self.error = None
        chosen = self.chosen
        if project_id in chosen:
            chosen.remove(project_id)
            self.points.pop(project_id, None)
            return True
        assert self.rules is not None
        points = self.points if self.cumulative else None
        problem = can_add(self.rules, self._model(), chosen, project_id, points=points)
        if problem is not None:
            self.notes[project_id] = self._refusal(problem, project_id)
            return False
        chosen.append(project_id)
        if self.cumulative:
            self.points[project_id] = 1
        return True

    def add_point(self, project_id: str) -> bool:
        """Cumulative: one more point for the project (choosing it with its first point)."""
        if project_id not in self.chosen:
            return self.toggle(project_id)
        self.notes = {}
        self.error = None
        if self.points_left <= 0:
            given = sum(self.points.values()) + 1
            problem = Problem("points_total", project=project_id, value=given, limit=self.points_total)
            self.notes[project_id] = self._refusal(problem, project_id)
            return False
        self.points[project_id] += 1
        return True

    def remove_point(self, project_id: str) -> bool:
        """Cumulative: one point less; the project leaves the ballot with its last point."""
        self.notes = {}
        self.error = None
        if project_id not in self.chosen:
            return False
        self.points[project_id] -= 1
        if self.points[project_id] <= 0:
            self.chosen.remove(project_id)
            del self.points[project_id]
        return True

    def _part_problem(self, district_id: str) -> Problem | None:
        assert self.rules is not None
        chosen = self.choices.get(district_id, [])
        points = dict(self.given.get(district_id, {})) if self.cumulative else None
        problems = check_choice(self.rules, district_id, chosen, points)
        return problems[0] if problems else None

    def to_review(self) -> bool:
        """The projects step's button: the part's rules, then the next step (the citywide
        projects, or the review). The citywide part may stay empty: then no citywide ballot."""
        self.notes = {}
        current = self.current_id
        assert current is not None
        skipped = self.step == "citywide" and not self.chosen
        if not self.chosen and not skipped:
            self.error = Message("budget.rule.none", tone="error")
            return False
        problem = None if skipped else self._part_problem(current)
        if problem is not None:
            self.error = self._refusal(problem)
            return False
        self.error = None
        self.step = "citywide" if self.step == "projects" and self.plus_citywide else "review"
        return True

    def chosen_projects(self) -> list[Project]:
        return [p for p in self.projects() if p.id in self.chosen]

    def _ballot_districts(self) -> list[str]:
        """The districts the voter's ballots are for: theirs, and the pot when chosen there."""
        assert self.district_id is not None
        ids = [self.district_id]
        if self.plus_citywide and self.citywide is not None and self.choices.get(self.citywide["id"]):
            ids.append(str(self.citywide["id"]))
        return ids

    def parts(self) -> list[Part]:
        """What the review shows: one part per ballot the confirm will capture."""
        parts = []
        for district_id in self._ballot_districts():
            district = self._district_dict(district_id)
            chosen = self.choices.get(district_id, [])
            projects = [p for p in self._projects_of(district) if p.id in chosen]
            points = dict(self.given.get(district_id, {})) if self.cumulative else {}
            parts.append(Part(district, projects, points, sum(p.cost for p in projects)))
        return parts

    # -- confirm -----------------------------------------------------------------

    def bodies(self) -> list[dict[str, Any]]:
        """The ``budget.ballot`` bodies the confirm captures: the district's, then the pot's."""
        assert self.voter is not None
        bodies = []
        for district_id in self._ballot_districts():
            chosen = sorted(self.choices.get(district_id, []))
            body: dict[str, Any] = {
                "process": self.process.id,
                "district": district_id,
                "voter": self.voter,
                "projects": chosen,
            }
            if self.cumulative:
                given = self.given.get(district_id, {})
                body["points"] = {pid: given[pid] for pid in chosen}
            if self.assisted_next:
                body["assisted"] = True
            bodies.append(body)
        return bodies

    def body(self) -> dict[str, Any]:
        """The district ballot's body."""
        return self.bodies()[0]

    def _together(self) -> contextlib.AbstractContextManager[Any]:
        """One store transaction for all of the voter's ballots, when the terminal has a store."""
        atomic = getattr(getattr(self.terminal, "store", None), "atomic", None)
        return atomic() if callable(atomic) else contextlib.nullcontext()

    def confirm(self) -> bool:
        """Capture the ballot(s); on failure a plain error and every choice kept."""
        bodies = self.bodies()
        assert self.rules is not None
        for body in bodies:
            validate_body("budget.ballot", body)
            problem = validate_ballot(self.rules, body, now=self.now())
            if problem is not None:  # e.g. the voting closed while the voter was choosing
                self.error = self._refusal(problem)
                return False
        try:
            with self._together():
                records = [
                    (
                        body["district"],
                        self.terminal.capture_once(
                            "budget.ballot", body, once=self._once(body["voter"], body["district"])
                        ),
                    )
                    for body in bodies
                ]
        except Exception:
            self.error = Message("budget.confirm.failed", tone="error")
            return False
        self.error = None
        self.assisted_next = False
        self.receipts = [(district, receipt_code(record.id)) for district, record in records]
        self.receipt = self.receipts[0][1]
        self.choices, self.given, self.notes = {}, {}, {}
        self.step = "thanks"
        if self.class_session is not None:
            self.class_session.done += 1
        return True

    def receipt_lines(self) -> list[tuple[dict[str, Any], str]]:
        """(district, receipt code) for each captured ballot, for the thank-you."""
        return [(self._district_dict(district), code) for district, code in self.receipts]

    # -- after the thank-you -------------------------------------------------------

    def finish(self) -> str:
        """The thank-you's button: "privacy" in a class session with students left, else
        "welcome" (``session_ended`` then says whether a class session just ended)."""
        if self.class_session is not None and self.class_session.left > 0:
            self._forget_voter()
            self.step = "privacy"
            return "privacy"
        self.idle_reset()
        return "welcome"

    def pass_on(self) -> None:
        """Back on the code step in a class session: this student gives up; the privacy step
        hands the terminal to the next one (the session keeps its count)."""
        self._forget_voter()
        self.step = "privacy"

    def next_student(self) -> None:
        self._forget_voter()
        self.step = "code"

    def _forget_voter(self) -> None:
        self.reset()

    # -- librarian ---------------------------------------------------------------

    def start_class_session(self, students: int) -> None:
        if students < 1:
            raise ValueError("a class session needs at least one student")
        self.class_session = ClassSession(students)
        self.session_ended = False
        self.reset()

    def end_class_session(self) -> None:
        self.session_ended = self.class_session is not None
        self.class_session = None
        self.reset()

    def mark_next_assisted(self) -> None:
        self.assisted_next = True

    def idle_reset(self) -> None:
        """The idle reset: everything goes, the class session and the assisted mark too."""
        self.session_ended = self.class_session is not None
        self.class_session = None
        self.assisted_next = False
        self.reset()
