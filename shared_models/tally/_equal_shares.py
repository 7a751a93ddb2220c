"""The Method of Equal Shares (MES) with Add1 completion, in exact arithmetic.

Rule: Peters, Pierczyński, Skowron, "Proportional Participatory Budgeting with Additive
Utilities" (NeurIPS 2021), Definition 4 (the Method of Equal Shares, there "Rule X").
Every voter starts with an equal share ``b`` of money. In each round, for every project
``c`` not yet bought, let ``rho_c`` be the smallest price per unit of utility such that
its supporters can pay its cost, each paying ``min(money left, rho * u_i(c))``; buy the
project with the smallest ``rho`` and charge its supporters; stop when no project is
affordable by its supporters.

Utilities: ``cost`` (a supporter of ``c`` gets utility ``cost(c)``; what equalshares.net
and pabulib's ``equalshares`` use, there phrased as the highest "effective vote count"
``cost / payment``) or ``approval`` (utility 1). With either, all supporters of a project
have the same utility, so a round's price is one per-voter ``payment`` cap.

Ties (equal ``rho``): lower cost, then more supporters (equalshares.net, as the shared
data README says), then the project's position in the input (documented fallback: the
published rules leave this case to chance).

Add1 completion (equalshares.net, "Completion: Add1"): MES with the real budget often
leaves money unspent, so the share per voter is raised one currency unit at a time and
MES is run again. Starting point (equalshares.net): the first run uses the exact share
``budget / n``, the next ``floor(budget / n) + 1``, then ``+ 2`` and so on (``ladder=
"floor"``; pabutools' ``voter_budget_increment`` uses ``budget / n + k``: ``ladder=
"exact"``). Stopping, the two variants cities use:

- ``completion="add1"``: stop at the first outcome that is exhaustive (no candidate left
  fits in the money the real budget has left), or keep the current outcome when the
  next step's outcome would cost more than the real budget (equalshares.net, pabutools
  ``exhaustion_by_budget_increase`` with ``exhaustive_stop=True``);
- ``completion="add1_exhaustive"``: ignore exhaustiveness and go on raising the share
  while the next step's outcome still fits the real budget (pabutools
  ``exhaustive_stop=False``): the budget is exhausted as far as Add1 can.

Both also stop once every candidate is bought. "Candidates" are the projects MES can buy:
cost above zero and at least one supporter.

Equal results, fewer runs: a run is done *parametrically* in the share ``b``. Every
voter's money is an affine function ``alpha + beta * b`` (a voter who ran out has 0), so
every comparison the run makes is a comparison of affine functions of ``b``; the run
records the interval of ``b`` where every comparison goes the same way, and the Add1
ladder jumps over all integer steps in that interval: they give the same outcome (the
literal loop, one step at a time, is kept as ``jump=False`` and tested to agree). A run
that keeps its interval costs several plain runs, so an interval is tried only after two
steps in a row repeated the outcome before them, and tries back off while they do not
jump: on Assen 2024 the ladder takes 73 runs instead of 845; on Łódź 2023 (84 steps) the
outcome changes within nearly every step, and one interval is tried.

Arithmetic: exact rationals throughout (``fractions.Fraction``, or gmpy2's ``mpq``, the
same numbers computed in C, when gmpy2 is installed; results are always Fractions).
numpy gathers which kind of money each supporter of a project holds; voters with the
same ballot are one weighted group (they hold the same money throughout), and counts
are whole numbers of voters (exact in float64 below 2**53).
Floats only speed up what exact arithmetic then decides: kinds are ordered by their
correctly rounded values, and since rounding is monotone, ``fl(x) < fl(y)`` implies
``x < y``; kinds whose floats are equal are ordered exactly. Which of a project's
poorest supporters pay all they have is guessed from floats and then checked exactly
(``_plain_split``; a wrong guess falls back to the exact scan). A project is dropped as
unaffordable from floats only when the float sum of its supporters' money plus a
rigorous bound on the rounding error is still below its cost; otherwise the exact scan
decides. So every decision is the one exact arithmetic makes (and the property tests
compare with pabutools, which computes with exact rationals).

Add1 steps without an audit trail are first *screened* (``_screen``): the whole run in
float64 with a proven error bound per kind of money, ``|exact - v| <= e``. The argument:

- Rounding: every float operation on normal numbers is exact times ``(1 + d)``,
  ``|d| <= u = 2**-53``; a sum or dot product of ``n`` non-negative terms is within
  ``2 n u`` of the exact sum of the rounded terms; below the normal range the error is
  absolute, under ``2**-1074`` (each bound adds ``2**-1000``). Bounds are sums of
  non-negative terms, each multiplied by ``1 + 2**-20``, which covers the rounding of
  computing the bound itself (under ``2**30`` terms). Costs and voter counts are integers
  below ``2**53`` (exact). ``float(b)`` is within ``2 u b`` of ``b``, rounded or truncated.
- A price: the floats suggest which poorest kinds pay all they have (``poor``) and the
  payment ``p`` for that split, with a bound ``e_p`` on ``|p' - p|`` where ``p'`` is the
  exact payment *for that split* (errors of the poor kinds' money, of the prefix sum,
  of the subtraction and the division). The split is accepted only when every poor kind
  holds certainly less than ``p'`` (``v + e < p - e_p`` with the comparison's own rounding
  in the slack) and every other kind certainly more. Then ``sum(min(money, p'))`` equals
  the cost exactly, and since that sum strictly grows with the payment, ``p'`` is *the*
  exact payment and the split is the exact split. Otherwise: ``_Uncertain``.
- A project is dropped only when its supporters' money plus its bound is certainly below
  its cost; when the floats find no payment although it is not certainly unaffordable:
  ``_Uncertain``.
- The winner: candidates are priced in order of a lower bound on their price (prices only
  grow as money is spent) until a bound is certainly above a price found; the winner's
  interval must lie certainly below every other price found, or both prices are exact
  rationals (nobody ran out: ``1/supporters`` for cost utilities, ``cost/supporters`` for
  approval), compared exactly, equal ones by the tie rule. Otherwise: ``_Uncertain``.
- Charging: the poor kinds hold exactly 0; every other kind holds ``v - p`` with bound
  ``e + e_p + 2 u (v + p)``.

So a screened run either buys exactly the projects, in the same order, that the exact run
buys, or raises ``_Uncertain`` and the step is run exactly (``_choices``): the outcome
never depends on float rounding. On Łódź 2023 every step is screened (a test checks it);
on small elections with small costs, money that exactly equals a payment is frequent and
those runs are exact. The first run and the kept run are always exact (their audit
trail holds exact payments and money left).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from shared_models.tally._greedy import _check_projects
from shared_models.tally._model import (
    Add1Step,
    Ballot,
    Completion,
    MesResult,
    MesRound,
    MesRun,
    Project,
    TallyError,
    Utilities,
)

try:  # the same exact rationals, computed in C (gmpy2 comes with pabutools; optional)
    from gmpy2 import mpq as _mpq

    Q: Any = _mpq
except ImportError:  # pragma: no cover - depends on the environment
    Q = Fraction

Ladder = Literal["floor", "exact"]
ZERO = Q(0)
ONE = Q(1)


def _floor(value: Any) -> int:
    return int(value.numerator // value.denominator)


@dataclass
class _Interval:
    """The shares ``b`` (lo < b < hi, or equal where ``*_closed``) where a run stays the same."""

    lo: Fraction | None = None
    lo_closed: bool = True
    hi: Fraction | None = None
    hi_closed: bool = True

    def keep(self, a: Fraction, c: Fraction, relation: str) -> None:
        """Record that ``a * b + c`` relation 0 held (relation is ``<``, ``<=``, ``==``) at the current b."""
        if a == 0:
            return  # a constant: it held at the current b, so it holds everywhere
        root = -c / a
        if relation == "==":
            self._above(root, True)
            self._below(root, True)
        elif a > 0:  # a * b + c < 0  <=>  b < root
            self._below(root, relation == "<=")
        else:
            self._above(root, relation == "<=")

    def _below(self, value: Fraction, closed: bool) -> None:
        if self.hi is None or value < self.hi or (value == self.hi and not closed):
            self.hi, self.hi_closed = value, closed

    def _above(self, value: Fraction, closed: bool) -> None:
        if self.lo is None or value > self.lo or (value == self.lo and not closed):
            self.lo, self.lo_closed = value, closed

    def last_step(self, start: Fraction, increment: int) -> Fraction:
        """The largest ``start + k * increment`` (k >= 0) inside the interval (``start`` is inside)."""
        if self.hi is None:
            return start  # unbounded: the caller stops on "all candidates bought"
        steps = _floor((self.hi - start) / increment)
        last = start + steps * increment
        if last == self.hi and not self.hi_closed:
            last -= increment
        return last if last > start else start


class _Election:
    """The static part: projects, supporters as integer index arrays."""

    def __init__(self, projects: Sequence[Project], ballots: Sequence[Ballot], budget: int, utilities: Utilities):
        _check_projects(projects, budget)
        if utilities not in ("cost", "approval"):
            raise TallyError(f"unknown utilities {utilities!r}")
        self.projects = list(projects)
        self.budget = budget
        self.utilities = utilities
        self.n = len(ballots)
        if self.n == 0:
            raise TallyError("Equal Shares needs at least one ballot")
        index = {p.id: i for i, p in enumerate(self.projects)}
        # Voters with the same ballot hold the same money throughout: one group each, weighted.
        groups: dict[frozenset[str], int] = {}
        for ballot in ballots:
            key = frozenset(ballot)
            groups[key] = groups.get(key, 0) + 1
        members: list[list[int]] = [[] for _ in self.projects]
        for group, ballot in enumerate(groups):
            for project_id in ballot:
                if project_id not in index:
                    raise TallyError(f"a ballot approves unknown project {project_id!r}")
                members[index[project_id]].append(group)
        self.groups = len(groups)
        weights = np.array(list(groups.values()), dtype=np.int64)
        self.supporters: list[npt.NDArray[np.int32]] = [np.array(m, dtype=np.int32) for m in members]
        # Weights as float64 for np.bincount: sums of at most n < 2**53 whole voters are exact.
        self.weights: list[npt.NDArray[np.float64]] = [weights[m].astype(np.float64) for m in self.supporters]
        self.counts = [int(weights[m].sum()) for m in self.supporters]
        self.candidates = [i for i, p in enumerate(self.projects) if p.cost > 0 and self.counts[i] > 0]

    def tie_key(self, i: int) -> tuple[int, int, int]:
        return (self.projects[i].cost, -self.counts[i], i)

    def rho(self, i: int, payment: Fraction) -> Fraction:
        return payment / self.projects[i].cost if self.utilities == "cost" else payment

    def exhaustive(self, chosen: Sequence[int]) -> bool:
        left = self.budget - sum(self.projects[i].cost for i in chosen)
        taken = set(chosen)
        return all(self.projects[i].cost > left for i in self.candidates if i not in taken)


def _run(election: _Election, b: Fraction, interval: _Interval | None = None, *, audit: bool = True) -> MesRun:
    """One MES run with share ``b``; narrows ``interval`` to the shares that give the same choices.

    Money comes in kinds, each an affine function ``alpha + beta * b``; every voter holds one
    kind (``voter_kind``). A project's price ``rho`` is then affine in ``b`` as well, so each
    comparison below is "an affine function of b is <0, <=0 or ==0", which ``interval`` keeps.
    """
    projects = election.projects
    # Without an interval to keep, money need not be affine in b: (b, 0) is plain value b.
    start = (ZERO, ONE) if interval is not None else (b, ZERO)
    kinds: list[tuple[Fraction, Fraction]] = [start]
    values: list[Fraction] = [b]
    values_f: list[float] = [float(b)]  # each value correctly rounded, to order kinds quickly
    floats = np.empty(1024, dtype=np.float64)
    floats[0] = values_f[0]
    voter_kind = np.zeros(election.groups, dtype=np.int32)
    # rho of each remaining candidate as (alpha, beta): exact when evaluated this round, a lower
    # bound otherwise (voters only lose money, so rho only grows). Start: everyone pays cost/count.
    # Its value at b is kept exactly and as a float (to order the candidates quickly).
    bound: dict[int, tuple[Fraction, Fraction]] = {}
    bound_value: dict[int, Fraction] = {}
    bound_float: dict[int, float] = {}

    def set_bound(i: int, rho: tuple[Fraction, Fraction]) -> None:
        bound[i] = rho
        bound_value[i] = rho[0] + rho[1] * b
        bound_float[i] = float(bound_value[i])

    for i in election.candidates:
        set_bound(i, (election.rho(i, Q(projects[i].cost, election.counts[i])), ZERO))
    chosen: list[int] = []
    rounds: list[MesRound] = []
    money_left = b * election.n  # what all voters hold; each round takes exactly its cost

    def keep(a: Fraction, c: Fraction, relation: str) -> None:
        if interval is not None:
            interval.keep(a, c, relation)

    while bound:
        order = sorted(bound, key=lambda j: (bound_float[j], election.tie_key(j)))
        best: tuple[Fraction, tuple[int, int, int]] | None = None
        best_float = 0.0
        best_pick: tuple[int, Fraction, Fraction, set[int], int] | None = None
        for i in order:
            tie = election.tie_key(i)
            if best is not None:
                if bound_float[i] > best_float:
                    # fl(x) > fl(y) implies x > y: neither i nor any later one (floats sorted) can
                    # win, not even on a tie; checked for the interval below.
                    break
                if (bound_value[i], tie) > best:
                    continue
            price = _price(election, i, voter_kind, kinds, values, floats, b, keep, interval)
            if price is None:
                del bound[i], bound_value[i], bound_float[i]
                continue
            pay_a, pay_b, exhausted, broke = price
            set_bound(i, (election.rho(i, pay_a), election.rho(i, pay_b)))
            if best is None or (bound_value[i], tie) < best:
                best = (bound_value[i], tie)
                best_float = bound_float[i]
                best_pick = (i, pay_a, pay_b, exhausted, broke)
        if best_pick is None:
            break
        winner, pay_a, pay_b, exhausted, broke = best_pick
        win_rho = bound.pop(winner)
        del bound_value[winner], bound_float[winner]
        if interval is not None:
            for j, rho_j in bound.items():  # the winner beats every other remaining project
                gap_a, gap_b = rho_j[0] - win_rho[0], rho_j[1] - win_rho[1]
                keep(-gap_b, -gap_a, "==" if bound_value[j] == best[0] else "<")  # type: ignore[index]
        chosen.append(winner)
        payment = pay_a + pay_b * b
        filled = len(values_f)
        _charge(election, winner, voter_kind, kinds, values, values_f, (pay_a, pay_b), exhausted, b)
        if len(values_f) > len(floats):
            floats = np.concatenate([floats, np.empty(max(len(floats), len(values_f)), dtype=np.float64)])
        floats[filled : len(values_f)] = values_f[filled:]
        money_left -= projects[winner].cost
        if audit:
            rounds.append(
                MesRound(
                    project=projects[winner].id,
                    cost=projects[winner].cost,
                    supporters=election.counts[winner],
                    payment=Fraction(payment),
                    rho=Fraction(election.rho(winner, payment)),
                    exhausted=broke,
                    money_left=Fraction(money_left),
                )
            )
    return MesRun(
        voter_budget=Fraction(b),
        selected=tuple(projects[i].id for i in chosen),
        rounds=tuple(rounds),
        spent=sum(projects[i].cost for i in chosen),
        exhaustive=election.exhaustive(chosen),
    )


def _price(
    election: _Election,
    i: int,
    voter_kind: npt.NDArray[np.int32],
    kinds: list[tuple[Fraction, Fraction]],
    values: list[Fraction],
    floats: npt.NDArray[np.float64],
    b: Fraction,
    keep: Callable[[Fraction, Fraction, str], None],
    interval_kept: _Interval | None,
) -> tuple[Fraction, Fraction, set[int], int] | None:
    """The per-supporter payment cap of project ``i`` as ``(alpha, beta)``, the kinds of money
    that pay all they have and how many voters hold them; ``None`` when its supporters cannot
    afford it (then they never can: money only goes down)."""
    held = np.bincount(voter_kind[election.supporters[i]], weights=election.weights[i])
    present = np.flatnonzero(held)
    counts = held[present].astype(np.int64)  # whole numbers of voters (exact, see _Election)
    approx = floats[present]
    cost = election.projects[i].cost
    if interval_kept is None:
        # Certainly unaffordable? float(x) is x correctly rounded, money is never negative, and
        # the sum's rounding error is below (terms + 4) * 2**-52 * the sum: only a clear
        # shortfall is taken from floats.
        total = float(approx @ counts)
        if total * (1 + (len(counts) + 4) * 2.0**-52) < cost:
            return None
    # Poorest first. Floats order the kinds: fl(x) < fl(y) implies x < y (rounding is monotone);
    # kinds whose floats are equal are ordered by exact value, so no decision rests on a float.
    order = np.argsort(approx, kind="stable")
    sorted_f = approx[order]
    ties = bool(np.any(sorted_f[1:] == sorted_f[:-1]))
    if interval_kept is None and not ties:
        found = _plain_split(election.counts[i], cost, present[order], counts[order], sorted_f, values)
        if found is not None:
            return found
    groups = list(zip(present[order].tolist(), counts[order].tolist(), strict=True))
    if ties:
        groups.sort(key=lambda g: (floats[g[0]], values[g[0]]))
    if interval_kept is None:  # plain values (beta is 0 throughout): the same scan, fewer operations
        rest, payers, broke = Q(cost), election.counts[i], 0
        poor: set[int] = set()
        for k, m in groups:
            value = values[k]
            if rest <= value * payers:
                return rest / payers, ZERO, poor, broke
            poor.add(k)
            broke += m
            rest -= value * m
            payers -= m
        return None
    rest_a, rest_b, payers, broke = Q(cost), ZERO, election.counts[i], 0
    exhausted: set[int] = set()
    for k, m in groups:
        if rest_a + rest_b * b <= values[k] * payers:
            break
        exhausted.add(k)
        broke += m
        rest_a -= kinds[k][0] * m
        rest_b -= kinds[k][1] * m
        payers -= m
    if payers == 0:  # everybody pays all they have and the cost is still not covered
        keep(-rest_b, -rest_a, "<")
        return None
    pay_a, pay_b = rest_a / payers, rest_b / payers
    if interval_kept is None:
        return pay_a, pay_b, exhausted, broke
    # Characterise the split, not the scan: exhausted kinds hold less than the payment, the others at least it.
    for k, _ in groups:
        gap_a, gap_b = kinds[k][0] - pay_a, kinds[k][1] - pay_b
        if k in exhausted:
            keep(gap_b, gap_a, "<")
        else:
            keep(-gap_b, -gap_a, "<=")
    return pay_a, pay_b, exhausted, broke


def _plain_split(
    supporters: int,
    cost: int,
    kinds: npt.NDArray[np.intp],
    counts: npt.NDArray[np.int64],
    floats: npt.NDArray[np.float64],
    values: list[Fraction],
) -> tuple[Fraction, Fraction, set[int], int] | None:
    """The scan of ``_price`` for plain values, guessed with floats and checked exactly.

    Kinds come poorest first. The poorest ``j`` pay all they have exactly when kind ``j`` is
    the first that can pay an equal split of the rest (this is monotone: the test fails,
    then holds). Floats guess ``j``; the exact rest is then summed once and the test is
    checked exactly at ``j`` (holds) and ``j - 1`` (fails). ``None``: the guess was wrong
    (or nobody can pay), and the caller scans exactly.
    """
    spent = np.concatenate(([0.0], np.cumsum(floats * counts)))[:-1]
    left = supporters - np.concatenate(([0], np.cumsum(counts)))[:-1]
    can = (cost - spent) <= floats * left
    if not can.any():
        return None
    j = int(np.argmax(can))
    poor_kinds = kinds[:j].tolist()
    poor_counts = counts[:j].tolist()
    rest = Q(cost) - sum((values[k] * m for k, m in zip(poor_kinds, poor_counts, strict=True)), ZERO)
    broke = sum(poor_counts)
    payers = supporters - broke
    if not rest <= values[int(kinds[j])] * payers:
        return None
    if j > 0:
        last, m = poor_kinds[-1], poor_counts[-1]
        if not rest + values[last] * m > values[last] * (payers + m):
            return None
    return rest / payers, ZERO, set(poor_kinds), broke


def _charge(
    election: _Election,
    i: int,
    voter_kind: npt.NDArray[np.int32],
    kinds: list[tuple[Fraction, Fraction]],
    values: list[Fraction],
    values_f: list[float],
    pay: tuple[Fraction, Fraction],
    exhausted: set[int],
    b: Fraction,
) -> None:
    """Each supporter of ``i`` pays the cap, or all they have (their kind is in ``exhausted``)."""
    supporters = election.supporters[i]
    held_kinds = voter_kind[supporters]
    # Kinds hold distinct money, so after paying the same amount they stay distinct: only
    # "nothing left" is shared. Kind 1 is that (made on the first charge).
    if len(values) == 1:
        kinds.append((ZERO, ZERO))
        values.append(ZERO)
        values_f.append(0.0)
    new = np.zeros(len(values), dtype=np.int32)
    pay_a, pay_b = pay
    present = np.flatnonzero(np.bincount(held_kinds)).tolist()
    paying = [k for k in present if k not in exhausted and k != 1]
    new[[k for k in present if k in exhausted or k == 1]] = 1
    new[paying] = np.arange(len(values), len(values) + len(paying), dtype=np.int32)
    if kinds[0][1] == 0:  # no interval kept: plain values, ``kinds`` is not needed any more
        after = [values[k] - pay_a for k in paying]
    else:
        pairs = [(kinds[k][0] - pay_a, kinds[k][1] - pay_b) for k in paying]
        kinds.extend(pairs)
        after = [alpha + beta * b for alpha, beta in pairs]
    values.extend(after)
    values_f.extend([float(value) for value in after])
    voter_kind[supporters] = new[held_kinds]


# --- Screening in floats, certified: one run's choices without exact arithmetic --------------

_U = 2.0**-53  # unit roundoff of float64: fl(x op y) = (x op y)(1 + d), |d| <= _U (normal range)
_SAFE = 1.0 + 2.0**-20  # covers the rounding of computing a bound (at most 2**30 non-negative terms)
_TINY = 2.0**-1000  # covers the absolute rounding error below the normal range (subnormals)


class _Uncertain(Exception):
    """A float decision of ``_screen`` was too close to call; the exact run decides."""


class _Split:
    """A certified price: payment ``pay`` within ``err`` of the exact one, kinds poorest first."""

    __slots__ = ("err", "exact", "hi", "kinds", "lo", "pay", "pay_err", "poor", "rho", "values")

    def __init__(self) -> None:
        self.kinds: npt.NDArray[np.intp]
        self.values: npt.NDArray[np.float64]
        self.err: npt.NDArray[np.float64]
        self.poor = 0  # kinds[:poor] pay all they have
        self.pay = 0.0
        self.pay_err = 0.0
        self.rho = 0.0
        self.lo = 0.0
        self.hi = 0.0
        self.exact: tuple[int, int] | None = None  # rho as numerator, denominator when nobody runs out


def _screen(election: _Election, b: Any) -> list[int]:
    """The projects one MES run with share ``b`` buys, in order, decided in floats with proof.

    Every kind of money holds a float ``v`` and a bound ``e`` with ``|exact - v| <= e``. A
    project's price is computed in floats for the split the floats suggest, with a bound on
    the exact payment for that split; the split is then proven to be the exact one (every
    kind that pays all it has holds certainly less than the payment, every other certainly
    more; then that payment solves the exact equation, whose solution is unique). The
    winner's price interval lies certainly below every other price's, or both prices are
    exact rationals (nobody ran out: ``1/supporters`` or ``cost/supporters``) compared
    exactly, ties by the tie rule. A project is dropped only when its supporters' money,
    plus its bound, is certainly below its cost. Any decision that cannot be proven raises
    ``_Uncertain`` and the caller runs the exact ``_run`` instead.
    """
    projects = election.projects
    cost_utility = election.utilities == "cost"
    start = float(b)  # b correctly rounded or truncated (gmpy2): within 2 * _U * b either way
    values = np.empty(1024, dtype=np.float64)
    errors = np.empty(1024, dtype=np.float64)
    values[:2] = (start, 0.0)  # kind 0: the share; kind 1: nothing left (exact)
    errors[:2] = (start * 4 * _U + _TINY, 0.0)
    size = 2
    voter_kind = np.zeros(election.groups, dtype=np.int32)
    lower: dict[int, float] = {}  # a lower bound on each remaining candidate's rho (rho only grows)
    for i in election.candidates:
        rho = 1 / election.counts[i] if cost_utility else projects[i].cost / election.counts[i]
        lower[i] = rho * (1 - 2.0**-40)
    chosen: list[int] = []
    while lower:
        order = sorted(lower, key=lower.__getitem__)
        best_hi = float("inf")
        priced: list[tuple[int, _Split]] = []
        for i in order:
            if lower[i] > best_hi:
                break  # certainly above a price already found: it cannot win, not even on a tie
            split = _screen_price(election, i, voter_kind, values[:size], errors[:size])
            if split is None:
                del lower[i]
                continue
            lower[i] = max(lower[i], split.lo)
            best_hi = min(best_hi, split.hi)
            priced.append((i, split))
        if not priced:
            break
        winner, split = min(priced, key=lambda pair: (pair[1].rho, election.tie_key(pair[0])))
        for j, other in priced:
            if j != winner and not _certainly_first(election, winner, split, j, other):
                raise _Uncertain
        del lower[winner]
        chosen.append(winner)
        # Charge: the poor kinds hold nothing now, every other kind pays the cap (a new kind).
        paying = split.kinds[split.poor :]
        if size + len(paying) > len(values):
            grow = max(len(values), len(paying))
            values = np.concatenate([values, np.empty(grow, dtype=np.float64)])
            errors = np.concatenate([errors, np.empty(grow, dtype=np.float64)])
        before = split.values[split.poor :]
        values[size : size + len(paying)] = before - split.pay
        errors[size : size + len(paying)] = (
            split.err[split.poor :] + split.pay_err + 2 * _U * (before + split.pay)
        ) * _SAFE + _TINY
        new = np.ones(size, dtype=np.int32)  # kinds of the poor (and kind 1) go to kind 1
        new[paying] = np.arange(size, size + len(paying), dtype=np.int32)
        supporters = election.supporters[winner]
        voter_kind[supporters] = new[voter_kind[supporters]]
        size += len(paying)
    return chosen


def _certainly_first(election: _Election, i: int, a: _Split, j: int, c: _Split) -> bool:
    """Proven: project ``i`` comes before ``j`` (lower rho, or the same rho and the tie rule)."""
    if a.exact is not None and c.exact is not None:
        left, right = a.exact[0] * c.exact[1], c.exact[0] * a.exact[1]
        return left < right or (left == right and election.tie_key(i) < election.tie_key(j))
    return a.hi < c.lo


def _screen_price(
    election: _Election,
    i: int,
    voter_kind: npt.NDArray[np.int32],
    values: npt.NDArray[np.float64],
    errors: npt.NDArray[np.float64],
) -> _Split | None:
    """Project ``i``'s certified split and price, ``None`` when its supporters certainly cannot pay."""
    held = np.bincount(voter_kind[election.supporters[i]], weights=election.weights[i])
    present = held.nonzero()[0]
    v, counts = values[present], held[present]  # counts: whole voters, exact in float64
    cost = float(election.projects[i].cost)  # an integer below 2**53: exact
    total = float(v @ counts)
    terms = len(present) + 2  # a sum of n terms is within n * _U * sum (products: one more rounding)
    total_err = (float(errors[present] @ counts) + 2 * terms * _U * total) * _SAFE + _TINY
    if cost - total > (total_err + 4 * _U * (cost + total)) * _SAFE + _TINY:
        return None  # certainly unaffordable
    order = v.argsort(kind="stable")
    kinds = present[order]
    v, e, counts = v[order], errors[kinds], counts[order]
    supporters = election.counts[i]
    money = v * counts
    spent = money.cumsum()  # spent[k]: kinds 0..k pay all they have
    voters = counts.cumsum()
    # Guess the split: the first kind that can pay an equal share of what the poorer kinds leave.
    can = cost - spent + money <= v * (supporters - voters + counts)
    j = int(can.argmax())
    if not can[j]:
        raise _Uncertain  # not certainly unaffordable, yet the floats find no payment
    poor = float(spent[j - 1]) if j else 0.0
    payers = float(supporters - voters[j - 1]) if j else float(supporters)
    rest = cost - poor
    pay = rest / payers
    # |exact rest - rest|: the poor kinds' errors, the prefix sum's rounding, the subtraction's.
    rest_err = float(e[:j] @ counts[:j]) + 2 * terms * _U * poor + 2 * _U * (cost + poor)
    pay_err = (rest_err / payers + 2 * _U * pay) * _SAFE + _TINY
    # Proof of the split: poor kinds certainly below the payment, the others certainly above.
    # The slack is e + 4 _U (v + pay) + pay_err rounded up: each factor _SAFE covers the
    # rounding of the products and sums that compute it (as in _SAFE's definition).
    gap = pay - v
    gap[j:] *= -1
    if not bool((e * _SAFE + v * (4 * _U * _SAFE) + ((pay_err + 4 * _U * pay) * _SAFE + _TINY) < gap).all()):
        raise _Uncertain
    split = _Split()
    split.kinds, split.values, split.err, split.poor = kinds, v, e, j
    split.pay, split.pay_err = pay, pay_err
    if election.utilities == "cost":
        split.rho = pay / cost
        rho_err = (pay_err / cost + 8 * _U * split.rho) * _SAFE + _TINY
    else:
        split.rho = pay
        rho_err = (pay_err + 8 * _U * pay) * _SAFE + _TINY
    split.lo, split.hi = split.rho - rho_err, split.rho + rho_err
    if j == 0:  # nobody runs out: the payment is cost / supporters, exactly
        split.exact = (1, supporters) if election.utilities == "cost" else (election.projects[i].cost, supporters)
    return split


def _greedy_fill(election: _Election, chosen: Sequence[str]) -> tuple[str, ...]:
    """Projects a greedy pass by votes adds to ``chosen`` within the real budget (ties as greedy)."""
    left = election.budget - sum(p.cost for p in election.projects if p.id in chosen)
    added: list[str] = []
    order = sorted(range(len(election.projects)), key=lambda i: (-election.counts[i], *election.tie_key(i)))
    for i in order:
        project = election.projects[i]
        if project.id not in chosen and election.counts[i] > 0 and project.cost <= left:
            added.append(project.id)
            left -= project.cost
    return tuple(added)


def tally_equal_shares(
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    budget: int,
    *,
    completion: Completion | None = "add1",
    utilities: Utilities = "cost",
    increment: int = 1,
    ladder: Ladder = "floor",
    greedy_completion: bool = False,
    jump: bool = True,
) -> MesResult:
    """Count with the Method of Equal Shares (see the module docstring for every option).

    ``ballots`` are approval ballots (collections of project ids). ``increment`` is the
    Add1 step per voter in currency units. ``greedy_completion`` adds, after MES (and Add1),
    the projects a greedy pass by votes still fits in the real budget.
    """
    if completion not in (None, "add1", "add1_exhaustive"):
        raise TallyError(f"unknown completion {completion!r}")
    if ladder not in ("floor", "exact"):
        raise TallyError(f"unknown Add1 ladder {ladder!r}")
    if isinstance(increment, bool) or not isinstance(increment, int) or increment <= 0:
        raise TallyError("the Add1 increment must be a positive integer")
    if any(isinstance(ballot, dict) for ballot in ballots):
        raise TallyError("Equal Shares counts approval ballots, not points")
    election = _Election(projects, ballots, budget, utilities)
    share = Q(budget, election.n)
    kept = _run(election, share)
    steps: list[Add1Step] = []
    if completion is not None:
        kept, steps = _add1(election, kept, completion, increment, ladder, jump)
    added = _greedy_fill(election, kept.selected) if greedy_completion else ()
    costs = {p.id: p.cost for p in projects}
    return MesResult(
        budget=budget,
        voters=election.n,
        utilities=utilities,
        completion=completion,
        selected=kept.selected + added,
        run=kept,
        add1_steps=tuple(steps),
        greedy_added=added,
        spent=kept.spent + sum(costs[p] for p in added),
    )


_REPEATS = 2  # steps in a row with an unchanged outcome before an interval run is tried


def _add1(
    election: _Election, first: MesRun, completion: Completion, increment: int, ladder: Ladder, jump: bool
) -> tuple[MesRun, list[Add1Step]]:
    """Raise the share per voter until the stopping rule of ``completion`` says stop.

    Returns the kept run (recomputed with its audit rounds) and the steps tried; with
    ``jump`` one step stands for every share of its interval (same outcome throughout).
    """
    everything = len(election.candidates)
    steps = [Add1Step(first.voter_budget, first.voter_budget, first.selected, first.spent, first.exhaustive)]
    kept: MesRun | None = None  # None: the first run (already audited)
    current = first
    share = Q(first.voter_budget.numerator, first.voter_budget.denominator)
    b = Q(_floor(share)) + increment if ladder == "floor" else share + increment
    # An interval run costs several screened runs: tried only after two steps in a row repeated
    # the outcome before them (then a jump over many steps may pay), and backed off while tries
    # do not jump.
    repeats = backoff = skip = 0
    while not (len(current.selected) == everything or (completion == "add1" and current.exhaustive)):
        interval = _Interval() if jump and repeats >= _REPEATS and skip == 0 else None
        skip = max(skip - 1, 0)
        run = _run(election, b, interval, audit=False) if interval is not None else _choices(election, b)
        last = interval.last_step(b, increment) if interval is not None else b
        if interval is not None:
            backoff = 0 if last > b else min(2 * backoff + 1, 64)
            skip = backoff
        repeats = repeats + 1 if run.selected == current.selected else 0
        steps.append(Add1Step(Fraction(b), Fraction(last), run.selected, run.spent, run.exhaustive))
        if run.spent > election.budget:
            break
        if len(run.selected) == everything or (completion == "add1" and run.exhaustive):
            kept = current = run  # the literal loop stops at the first share of this step
            break
        kept = current = _replace_share(run, last)
        if interval is not None and interval.hi is None:
            break  # the same outcome for every larger share
        b = last + increment
    return (
        first if kept is None else _run(election, Q(kept.voter_budget.numerator, kept.voter_budget.denominator))
    ), steps


def _choices(election: _Election, b: Any) -> MesRun:
    """A run without its audit rounds: screened in floats with proof, exact where that cannot decide."""
    try:
        chosen = _screen(election, b)
    except _Uncertain:
        return _run(election, b, audit=False)
    return MesRun(
        voter_budget=Fraction(b),
        selected=tuple(election.projects[i].id for i in chosen),
        rounds=(),
        spent=sum(election.projects[i].cost for i in chosen),
        exhaustive=election.exhaustive(chosen),
    )


def _replace_share(run: MesRun, share: Fraction) -> MesRun:
    return MesRun(Fraction(share), run.selected, run.rounds, run.spent, run.exhaustive)
