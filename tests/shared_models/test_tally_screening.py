"""Equal Shares screened in floats decides exactly what exact arithmetic decides (or hands the
run to exact arithmetic), and the pure-Python rationals give what gmpy2's give."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_models.pabulib import parse_pb
from shared_models.tally import Project, pb_inputs, tally_equal_shares
from shared_models.tally import _equal_shares as mes
from tests.shared_models.pabulib_data import FILES, require_data

Election = tuple[list[Project], list[frozenset[str]], int]
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw: st.DrawFn) -> Election:
    """Small costs (exact ties and money that exactly pays are frequent) or large ones (rarely)."""
    top = draw(st.sampled_from([12, 10**6]))
    costs = draw(st.lists(st.integers(1, top), min_size=1, max_size=7))
    projects = [Project(f"p{i}", cost) for i, cost in enumerate(costs)]
    ids = [p.id for p in projects]
    ballots = draw(st.lists(st.frozensets(st.sampled_from(ids)), min_size=1, max_size=25))
    budget = draw(st.integers(0, sum(costs) + 5))
    return projects, ballots, budget


def lodz() -> Path:
    require_data()
    path = next((p for p in FILES if p.name == "Poland_Lodz_2023.pb"), None)
    if path is None:
        pytest.skip("Poland_Lodz_2023.pb is absent")
    return path


@PROPERTY
@given(elections(), st.sampled_from(["cost", "approval"]), st.integers(0, 40), st.booleans())
def test_a_screened_run_buys_what_the_exact_run_buys_or_defers_to_it(
    election: Election, utilities: str, raise_by: int, whole: bool
) -> None:
    projects, ballots, budget = election
    el = mes._Election(projects, ballots, budget, utilities)  # type: ignore[arg-type]
    share = mes.Q(budget, el.n) + raise_by
    if whole:
        share = mes.Q(mes._floor(share))
    exact = mes._run(el, share, audit=False)
    try:
        chosen = mes._screen(el, share)
    except mes._Uncertain:
        return
    assert tuple(projects[i].id for i in chosen) == exact.selected


def test_money_that_exactly_pays_is_left_to_exact_arithmetic() -> None:
    # One voter with 7 and a project of cost 7: the payment equals all the voter holds, a
    # decision no float bound can prove, so the exact run decides (and buys it).
    projects, ballots = [Project("a", 7), Project("b", 3)], [frozenset({"a"}), frozenset({"b"})]
    el = mes._Election(projects, ballots, 14, "cost")
    with pytest.raises(mes._Uncertain):
        mes._screen(el, mes.Q(7))
    assert mes._choices(el, mes.Q(7)).selected == mes._run(el, mes.Q(7), audit=False).selected == ("b", "a")


def test_an_exact_tie_of_prices_follows_the_tie_rule_without_exact_runs() -> None:
    # Nobody runs out: both prices are exactly 1/2 (cost utilities), so screening compares
    # them exactly and the tie rule (lower cost) decides.
    projects = [Project("dear", 10), Project("cheap", 4)]
    ballots = [frozenset({"dear", "cheap"}), frozenset({"dear", "cheap"})]
    el = mes._Election(projects, ballots, 100, "cost")
    assert [projects[i].id for i in mes._screen(el, mes.Q(50))] == ["cheap", "dear"]


def test_every_add1_step_on_lodz_is_decided_by_screening(monkeypatch: pytest.MonkeyPatch) -> None:
    projects, ballots, budget = pb_inputs(parse_pb(lodz().read_text(encoding="utf-8")))
    deferred: list[Any] = []
    screen = mes._screen

    def counted(election: Any, b: Any) -> list[int]:
        try:
            return screen(election, b)
        except mes._Uncertain:
            deferred.append(b)
            raise

    monkeypatch.setattr(mes, "_screen", counted)
    result = tally_equal_shares(projects, ballots, budget, completion="add1", ladder="exact")
    assert len(result.add1_steps) > 50 and deferred == []


def rationals(patch: pytest.MonkeyPatch, kind: Any) -> None:
    """Count with ``kind`` as the exact rationals (``Fraction``: the fallback when gmpy2 is absent)."""
    patch.setattr(mes, "Q", kind)
    patch.setattr(mes, "ZERO", kind(0))
    patch.setattr(mes, "ONE", kind(1))


def test_gmpy2_is_used_when_installed() -> None:
    gmpy2 = pytest.importorskip("gmpy2")
    assert mes.Q is gmpy2.mpq


@settings(max_examples=60, deadline=None)
@given(elections(), st.sampled_from(["add1", "add1_exhaustive"]))
def test_pure_python_rationals_give_the_same_result(election: Election, completion: str) -> None:
    projects, ballots, budget = election
    default = tally_equal_shares(projects, ballots, budget, completion=completion)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as patch:
        rationals(patch, Fraction)
        with_fractions = tally_equal_shares(projects, ballots, budget, completion=completion)  # type: ignore[arg-type]
    assert with_fractions == default


def test_pure_python_rationals_give_the_same_audit_trail_on_swiecie() -> None:
    require_data()
    path = next((p for p in FILES if p.name == "Poland_Swiecie_2023.pb"), None)
    if path is None:
        pytest.skip("Poland_Swiecie_2023.pb is absent")
    projects, ballots, budget = pb_inputs(parse_pb(path.read_text(encoding="utf-8")))
    default = tally_equal_shares(projects, ballots, budget, completion="add1")
    with pytest.MonkeyPatch.context() as patch:
        rationals(patch, Fraction)
        with_fractions = tally_equal_shares(projects, ballots, budget, completion="add1")
    assert with_fractions == default
    assert with_fractions.run.voter_budget == 646 and len(with_fractions.run.rounds) == len(default.selected)
