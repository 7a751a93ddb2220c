"""Inputs and audit results of the counting rules (plain data, exact numbers)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, TypeAlias

from shared_models.errors import OsallistuError

Ballot: TypeAlias = Collection[str] | Mapping[str, int]
"""An approval ballot (the chosen project ids) or a cumulative one (project id -> points)."""


class TallyError(OsallistuError):
    """Inputs a rule cannot count (the message says which); ``reason`` says what kind."""

    reason = "bad_tally_input"


class UnknownRule(TallyError):
    """A count rule name (pabulib META ``rule``) this module does not implement."""

    reason = "unknown_rule"


@dataclass(frozen=True, order=True)
class Project:
    """A project to count: its id and cost, an integer in the election's currency units
    (cents for Osallistu processes, whole units for pabulib files)."""

    id: str
    cost: int

    def __post_init__(self) -> None:
        if isinstance(self.cost, bool) or not isinstance(self.cost, int) or self.cost < 0:
            raise TallyError(f"project {self.id!r}: cost must be a non-negative integer, not {self.cost!r}")


GreedyVariant: TypeAlias = Literal["standard", "helsinki"]
GreedyDecision: TypeAlias = Literal["selected", "does_not_fit", "below_threshold", "not_reached"]


@dataclass(frozen=True)
class GreedyStep:
    """One project in ranking order and what the rule decided for it."""

    rank: int
    project: str
    score: int
    cost: int
    remaining_before: int
    decision: GreedyDecision


@dataclass(frozen=True)
class GreedyResult:
    """Greedy outcome; ``steps`` lists every project in ranking order with its decision."""

    variant: GreedyVariant
    budget: int
    selected: tuple[str, ...]  # in selection order
    scores: Mapping[str, int]
    steps: tuple[GreedyStep, ...]
    min_score: int
    stopped_at: int | None  # Helsinki: the rank at which the remaining money fell below the cheapest remaining

    @property
    def spent(self) -> int:
        return sum(step.cost for step in self.steps if step.decision == "selected")

    @property
    def remaining(self) -> int:
        return self.budget - self.spent


Completion: TypeAlias = Literal["add1", "add1_exhaustive"]
Utilities: TypeAlias = Literal["cost", "approval"]


@dataclass(frozen=True)
class MesRound:
    """One project bought by Equal Shares.

    ``payment`` is what each supporter pays at most (supporters with less money pay all they
    have: ``exhausted`` of them); ``rho`` is the price per unit of utility the rule minimised
    (``payment / cost`` for cost utilities, ``payment`` for approval utilities).
    """

    project: str
    cost: int
    supporters: int
    payment: Fraction
    rho: Fraction
    exhausted: int
    money_left: Fraction  # all voters' money after this round


@dataclass(frozen=True)
class MesRun:
    """One run of Equal Shares with a fixed share per voter."""

    voter_budget: Fraction
    selected: tuple[str, ...]  # in selection order
    rounds: tuple[MesRound, ...]
    spent: int
    exhaustive: bool  # no unselected candidate fits in what the real budget has left


@dataclass(frozen=True)
class Add1Step:
    """Voter shares from ``first`` to ``last`` (inclusive, ``increment`` apart) that give the same outcome."""

    first: Fraction
    last: Fraction
    selected: tuple[str, ...]
    spent: int
    exhaustive: bool


@dataclass(frozen=True)
class MesResult:
    """Equal Shares outcome with the run that produced it and, for Add1, every step tried."""

    budget: int
    voters: int
    utilities: Utilities
    completion: Completion | None
    selected: tuple[str, ...]  # in selection order (greedy completion, if any, last)
    run: MesRun  # the run whose outcome was kept
    add1_steps: tuple[Add1Step, ...]  # empty without completion; the last one may be the overspending step
    greedy_added: tuple[str, ...]  # projects a final greedy completion added (in ``selected`` too)
    spent: int
