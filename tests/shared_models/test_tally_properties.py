"""Property tests on small random elections: budgets hold, the rules' invariants hold, and
our counts equal pabutools' (the reference implementation of the pabulib authors)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_models.tally import Project, tally_equal_shares, tally_greedy

pabutools = pytest.importorskip("pabutools", reason="pabutools (dev extra) is the oracle")

from pabutools.election import (  # noqa: E402
    ApprovalBallot,
    ApprovalProfile,
    Cardinality_Sat,
    Cost_Sat,
    Instance,
)
from pabutools.election import Project as PabuProject  # noqa: E402
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares  # noqa: E402
from pabutools.tiebreaking import TieBreakingRule  # noqa: E402

Election = tuple[list[Project], list[frozenset[str]], int]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw: st.DrawFn, *, voters: int = 10) -> Election:
    """Up to 6 projects with small costs (ties are frequent), up to ``voters`` approval ballots."""
    costs = draw(st.lists(st.integers(1, 12), min_size=1, max_size=6))
    projects = [Project(f"p{i}", cost) for i, cost in enumerate(costs)]
    ids = [p.id for p in projects]
    ballots = draw(st.lists(st.frozensets(st.sampled_from(ids)), min_size=1, max_size=voters))
    budget = draw(st.integers(0, sum(costs) + 5))
    return projects, ballots, budget


def to_pabutools(election: Election) -> tuple[Any, Any, dict[str, Any]]:
    projects, ballots, budget = election
    mapping = {p.id: PabuProject(p.id, p.cost) for p in projects}
    instance = Instance(mapping.values(), budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot(mapping[i] for i in ballot) for ballot in ballots], instance=instance)
    return instance, profile, mapping


def mes_ties(profile: Any) -> TieBreakingRule:
    """Our Equal Shares tie rule for pabutools: lower cost, more votes, input order (names are p0, p1...)."""
    return TieBreakingRule(lambda inst, prof, proj: (proj.cost, -profile.approval_score(proj), proj.name))


def names(outcome: Any) -> set[str]:
    return {p.name for p in outcome}


@PROPERTY
@given(elections())
def test_no_outcome_exceeds_the_budget(election: Election) -> None:
    projects, ballots, budget = election
    assert tally_greedy(projects, ballots, budget).spent <= budget
    assert tally_greedy(projects, ballots, budget, variant="helsinki").spent <= budget
    for completion in (None, "add1", "add1_exhaustive"):
        assert tally_equal_shares(projects, ballots, budget, completion=completion).spent <= budget


@PROPERTY
@given(elections())
def test_greedy_leaves_out_only_what_did_not_fit_when_its_turn_came(election: Election) -> None:
    projects, ballots, budget = election
    for variant in ("standard", "helsinki"):
        result = tally_greedy(projects, ballots, budget, variant=variant)
        remaining = budget
        for step in result.steps:
            assert step.remaining_before == remaining
            if step.decision == "selected":
                remaining -= step.cost
                assert remaining >= (1 if variant == "helsinki" else 0)
            elif step.decision == "does_not_fit":
                assert step.cost > remaining or (variant == "helsinki" and step.cost == remaining)
            elif step.decision == "not_reached":
                assert variant == "helsinki" and result.stopped_at is not None and step.rank >= result.stopped_at
        if result.stopped_at is not None:
            later = [s.cost for s in result.steps if s.rank >= result.stopped_at]
            assert result.steps[result.stopped_at - 1].remaining_before < min(later)


@PROPERTY
@given(elections())
def test_equal_shares_supporters_pay_each_cost_and_nobody_overspends(election: Election) -> None:
    projects, ballots, budget = election
    for completion in (None, "add1"):
        result = tally_equal_shares(projects, ballots, budget, completion=completion)
        share = result.run.voter_budget
        money = [share] * len(ballots)
        for round_ in result.run.rounds:
            supporters = [v for v, ballot in enumerate(ballots) if round_.project in ballot]
            paid = [min(money[v], round_.payment) for v in supporters]
            assert sum(paid) == round_.cost  # the cost is fully paid by its supporters
            for v, amount in zip(supporters, paid, strict=True):
                money[v] -= amount
                assert money[v] >= 0  # nobody pays more than their share
            assert sum(money) == round_.money_left
        assert all(isinstance(m, Fraction) for m in money)


@PROPERTY
@given(elections())
def test_greedy_equals_pabutools_greedy_with_cost_satisfaction(election: Election) -> None:
    # pabutools' greedy ranks by satisfaction gained per cost; with cost satisfaction that is
    # the number of votes, which is our ranking. Ties: lower cost, then project id (as ours).
    projects, ballots, budget = election
    instance, profile, _ = to_pabutools(election)
    ties = TieBreakingRule(lambda inst, prof, proj: (proj.cost, proj.name))
    theirs = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=ties)
    assert set(tally_greedy(projects, ballots, budget).selected) == names(theirs)


@PROPERTY
@given(elections(), st.sampled_from(["cost", "approval"]))
def test_equal_shares_equals_pabutools(election: Election, utilities: Literal["cost", "approval"]) -> None:
    projects, ballots, budget = election
    instance, profile, _ = to_pabutools(election)
    sat = Cost_Sat if utilities == "cost" else Cardinality_Sat
    theirs = method_of_equal_shares(instance, profile, sat_class=sat, tie_breaking=mes_ties(profile))
    ours = tally_equal_shares(projects, ballots, budget, completion=None, utilities=utilities)
    assert list(ours.selected) == [p.name for p in theirs]


@PROPERTY
@given(elections())
def test_equal_shares_with_add1_equals_pabutools(election: Election) -> None:
    # pabutools raises the share from budget/n by whole units ("exact" ladder); stops at the
    # first exhaustive outcome or before one that overspends, as our "add1".
    projects, ballots, budget = election
    instance, profile, _ = to_pabutools(election)
    theirs = method_of_equal_shares(
        instance, profile, sat_class=Cost_Sat, tie_breaking=mes_ties(profile), voter_budget_increment=1
    )
    ours = tally_equal_shares(projects, ballots, budget, completion="add1", ladder="exact")
    assert set(ours.selected) == names(theirs)


@PROPERTY
@given(elections(voters=6))
def test_add1_jumps_equal_the_one_unit_loop(election: Election) -> None:
    projects, ballots, budget = election
    for completion in ("add1", "add1_exhaustive"):
        for ladder in ("floor", "exact"):
            kwargs: dict[str, Any] = {"completion": completion, "ladder": ladder}
            jumping = tally_equal_shares(projects, ballots, budget, **kwargs)
            literal = tally_equal_shares(projects, ballots, budget, jump=False, **kwargs)
            assert jumping.selected == literal.selected
            assert jumping.run == literal.run


@PROPERTY
@given(elections())
def test_add1_exhaustive_equals_pabutools_budget_increase_without_the_exhaustive_stop(election: Election) -> None:
    # The second stopping variant: go on raising the share (total budget + n: one unit per
    # voter) while the outcome fits the real budget.
    from pabutools.rules import exhaustion_by_budget_increase

    projects, ballots, budget = election
    instance, profile, _ = to_pabutools(election)
    theirs = exhaustion_by_budget_increase(
        instance,
        profile,
        method_of_equal_shares,
        {"sat_class": Cost_Sat, "tie_breaking": mes_ties(profile)},
        exhaustive_stop=False,
        budget_step=len(ballots),
    )
    ours = tally_equal_shares(projects, ballots, budget, completion="add1_exhaustive", ladder="exact")
    assert set(ours.selected) == names(theirs)
