"""The participatory-budget vote on the terminal, as a plain-Python presenter.

``BudgetFlow`` holds one voter's way through the steps and says what the screens
show; the screens (``kiosk/screens/budget_vote.py``) only render it and pass touches
in. Messages are catalog keys with fields (``librarian_panel.Message``), so the words
stay in the catalogs.

Steps: code (1 / 5) -> district (2 / 5) -> projects (3 / 5) -> review (4 / 5) ->
thank-you (5 / 5). Confirm on the review step captures the ballot through the
terminal facade (``capture_once``: the record and the "this code was used here" mark
in one transaction); the thank-you is shown only after it returns.

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

Assisted: ``mark_next_assisted()`` sets ``assisted: true`` on the next captured ballot
only (no identity is recorded); a reset or a captured ballot clears it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from kiosk.librarian_panel import Message
from shared_models.bodies import validate_body
from shared_models.budget import voter_tag

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "STEPS",
    "BudgetFlow",
    "ClassSession",
    "Project",
    "format_code",
    "format_euros",
    "local_receipt_code",
]

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as shared_models.voting_codes.ALPHABET
CODE_LENGTH = 10
STEPS = ("code", "district", "projects", "review", "thanks")
STEP_COUNT = len(STEPS)


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


class BudgetFlow:
    """One voter's ballot, step by step; ``reset()`` forgets everything about them."""

    def __init__(self, process: Any, terminal: BallotTerminal) -> None:
        self.process = process
        self.terminal = terminal
        self.settings: dict[str, Any] = dict(process.settings.get("budget", {}))
        self.districts: list[dict[str, Any]] = list(self.settings.get("districts", []))
        self.class_session: ClassSession | None = None
        self.assisted_next = False
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
        self.chosen: list[str] = []
        self.notes: dict[str, Message] = {}  # project id -> why it cannot be chosen now
        self.error: Message | None = None
        self.receipt = ""

    @property
    def step_number(self) -> int:
        return STEPS.index(self.step) + 1 if self.step in STEPS else 0

    @property
    def step_text(self) -> str:
        return f"{self.step_number} / {STEP_COUNT}" if self.step_number else ""

    def back(self) -> bool:
        """One step back; False on the first step (the screen then leaves the vote)."""
        if self.step in ("code", "thanks", "privacy"):
            return False
        self.error = None
        self.step = STEPS[STEPS.index(self.step) - 1]
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
        if not check_ok(self.code):
            return Message("budget.code.typo", tone="error")
        tag = voter_tag(self.settings["voter_salt"], self.code)
        tags = self.settings.get("code_tags")
        if tags and tag not in set(tags):  # no tags: any code
            return Message("budget.code.unknown", tone="error")
        if self.terminal.seen_once(self._once(tag)):
            return Message("budget.code.used", tone="error")
        return None

    def _once(self, tag: str) -> str:
        return f"budget:{self.process.id}:{tag}"

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
        if district_id != self.district_id:
            self.chosen, self.notes = [], {}
        self.district_id = district_id
        self.step = "projects"

    @property
    def district(self) -> dict[str, Any]:
        return next(d for d in self.districts if d["id"] == self.district_id)

    @property
    def budget(self) -> int:
        return int(self.district["budget"])

    def projects(self) -> list[Project]:
        return [
            Project(p["id"], int(p["cost"]), dict(p.get("title", {})), dict(p.get("summary", {})))
            for p in self.district.get("projects", [])
        ]

    def _cost(self, project_id: str) -> int:
        return next(p.cost for p in self.projects() if p.id == project_id)

    # -- projects ----------------------------------------------------------------

    @property
    def spent(self) -> int:
        return sum(self._cost(pid) for pid in self.chosen)

    @property
    def money_left(self) -> int:
        return self.budget - self.spent

    @property
    def rule(self) -> dict[str, Any]:
        """The process's ballot rule (``shared_models.budget.BallotRule`` as a dict)."""
        return dict(self.settings.get("ballot") or {})

    @property
    def counts_money(self) -> bool:
        return bool(self.rule.get("type", "approval") == "approval")

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

    def toggle(self, project_id: str) -> bool:
        """Select or unselect; a choice that breaks the rule is refused with a note by its card."""
        self.notes = {}
        self.error = None
        if project_id in self.chosen:
            self.chosen.remove(project_id)
            return True
        limit = self.max_projects
        if limit is not None and len(self.chosen) >= limit:
            self.notes[project_id] = Message("budget.rule.too_many", {"count": limit}, tone="error")
            return False
        cost = self._cost(project_id)
        if self.counts_money and cost > self.money_left:
            self.notes[project_id] = Message(
                "budget.rule.over_budget",
                {"cost": format_euros(cost), "left": format_euros(self.money_left)},
                tone="error",
            )
            return False
        self.chosen.append(project_id)
        return True

    def to_review(self) -> bool:
        if not self.chosen:
            self.error = Message("budget.rule.none", tone="error")
            return False
        if len(self.chosen) < self.min_projects:
            self.error = Message("budget.rule.too_few", {"count": self.min_projects}, tone="error")
            return False
        if self.spent < self.min_spend:
            self.error = Message("budget.rule.min_spend", {"money": format_euros(self.min_spend)}, tone="error")
            return False
        self.error = None
        self.step = "review"
        return True

    def chosen_projects(self) -> list[Project]:
        return [p for p in self.projects() if p.id in self.chosen]

    # -- confirm -----------------------------------------------------------------

    def body(self) -> dict[str, Any]:
        assert self.voter is not None and self.district_id is not None
        body: dict[str, Any] = {
            "process": self.process.id,
            "district": self.district_id,
            "voter": self.voter,
            "projects": sorted(self.chosen),
        }
        if self.assisted_next:
            body["assisted"] = True
        return body

    def confirm(self) -> bool:
        """Capture the ballot; on failure a plain error and every choice kept."""
        body = self.body()
        validate_body("budget.ballot", body)
        try:
            record = self.terminal.capture_once("budget.ballot", body, once=self._once(body["voter"]))
        except Exception:
            self.error = Message("budget.confirm.failed", tone="error")
            return False
        self.error = None
        self.assisted_next = False
        self.receipt = receipt_code(record.id)
        self.chosen, self.notes = [], {}
        self.step = "thanks"
        if self.class_session is not None:
            self.class_session.done += 1
        return True

    # -- after the thank-you -------------------------------------------------------

    def finish(self) -> str:
        """The thank-you's button: "privacy" in a class session with students left, else "welcome"."""
        if self.class_session is not None and self.class_session.left > 0:
            self._forget_voter()
            self.step = "privacy"
            return "privacy"
        self.idle_reset()
        return "welcome"

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
        self.reset()

    def end_class_session(self) -> None:
        self.class_session = None
        self.reset()

    def mark_next_assisted(self) -> None:
        self.assisted_next = True

    def idle_reset(self) -> None:
        """The idle reset: everything goes, the class session and the assisted mark too."""
        self.class_session = None
        self.assisted_next = False
        self.reset()
