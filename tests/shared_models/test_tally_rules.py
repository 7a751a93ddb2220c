"""Greedy (both variants), Equal Shares tie-breaking and the rule names, on constructed elections."""

from __future__ import annotations

from fractions import Fraction

import pytest

from shared_models.tally import (
    RULES,
    Project,
    TallyError,
    UnknownRule,
    tally_by_rule,
    tally_equal_shares,
    tally_greedy,
)


def make_projects(**costs: int) -> list[Project]:
    return [Project(project_id, cost) for project_id, cost in costs.items()]


def test_greedy_ranks_by_votes_not_votes_per_cost() -> None:
    projects = make_projects(big=90, small=10)
    ballots = [{"big"}, {"big"}, {"small"}]
    assert tally_greedy(projects, ballots, 95).selected == ("big",)


def test_greedy_skips_what_does_not_fit_and_goes_on() -> None:
    projects = make_projects(a=60, b=50, c=30)
    result = tally_greedy(projects, [{"a", "b", "c"}, {"a", "b"}, {"a"}], 100)
    assert result.selected == ("a", "c")
    assert [s.decision for s in result.steps] == ["selected", "does_not_fit", "selected"]
    assert result.remaining == 10


def test_greedy_ties_go_to_the_cheaper_project_then_the_lower_id() -> None:
    projects = make_projects(z=40, y=40, x=30)
    result = tally_greedy(projects, [{"x", "y", "z"}], 75)
    assert [s.project for s in result.steps] == ["x", "y", "z"]
    assert result.selected == ("x", "y")


def test_cumulative_points_rank_the_projects() -> None:
    projects = make_projects(a=10, b=10)
    result = tally_greedy(projects, [{"a": 1}, {"a": 1}, {"b": 3}], 10)
    assert result.scores == {"a": 2, "b": 3}
    assert result.selected == ("b",)


def test_projects_below_the_score_threshold_are_not_eligible() -> None:
    projects = make_projects(a=10, b=10)
    result = tally_greedy(projects, [{"a", "b"}, {"a"}], 100, min_score=2)
    assert result.selected == ("a",)
    assert result.steps[1].decision == "below_threshold"


def test_helsinki_takes_a_project_only_if_money_remains_after_it() -> None:
    projects = make_projects(a=60, b=40, c=30)
    ballots = [{"a", "b", "c"}, {"a", "b"}, {"a"}]
    assert tally_greedy(projects, ballots, 100).selected == ("a", "b")
    helsinki = tally_greedy(projects, ballots, 100, variant="helsinki")
    assert helsinki.selected == ("a", "c")  # b would leave nothing: skipped
    assert helsinki.steps[1].decision == "does_not_fit"


def test_helsinki_stops_when_the_money_left_is_below_the_cheapest_remaining_project() -> None:
    projects = make_projects(a=70, b=40, c=35, d=5)
    ballots = [{"a", "b", "c", "d"}, {"a", "b", "c"}, {"a", "b"}, {"a"}]
    result = tally_greedy(projects, ballots, 100, variant="helsinki")
    assert result.selected == ("a", "d")
    assert result.stopped_at is None  # d (5) still fitted after b and c were skipped
    tight = tally_greedy(make_projects(a=70, b=40, c=35), [{"a", "b", "c"}, {"a", "b"}, {"a"}], 100, variant="helsinki")
    assert tight.selected == ("a",)
    assert tight.stopped_at == 2  # 30 left, the cheapest of b and c costs 35: the count stops
    assert [s.decision for s in tight.steps] == ["selected", "not_reached", "not_reached"]


def test_equal_shares_breaks_ties_by_lower_cost() -> None:
    # Nobody runs out: each supporter pays half of either project, the same price per unit.
    projects = make_projects(b=40, a=20)
    result = tally_equal_shares(projects, [{"a", "b"}, {"a", "b"}], 60, completion=None)
    assert [r.project for r in result.run.rounds] == ["a", "b"]
    assert result.run.rounds[0].rho == result.run.rounds[1].rho == Fraction(1, 2)


def test_equal_shares_breaks_ties_of_equal_cost_by_more_votes() -> None:
    # Share 20 each. f (80) takes all of v5..v8's money first. Then c (v1, v2) and d (v3, v4
    # and the broke v5) both cost 30 and charge 15 a head: equal price, equal cost; d has
    # more votes and wins although c comes first in the input.
    projects = make_projects(c=30, d=30, f=80)
    ballots = [{"c"}, {"c"}, {"d"}, {"d"}, {"d", "f"}, {"f"}, {"f"}, {"f"}]
    rounds = tally_equal_shares(projects, ballots, 160, completion=None).run.rounds
    assert [r.project for r in rounds] == ["f", "d", "c"]
    assert rounds[1].rho == rounds[2].rho and rounds[1].exhausted == 1


def test_equal_shares_falls_back_to_input_order_on_a_full_tie() -> None:
    projects = make_projects(y=30, x=30)
    rounds = tally_equal_shares(projects, [{"x", "y"}, {"x", "y"}], 60, completion=None).run.rounds
    assert [r.project for r in rounds] == ["y", "x"]


def test_equal_shares_cost_utilities_prefer_the_project_that_pays_per_unit_least() -> None:
    projects = make_projects(cheap=10, dear=90)
    ballots = [{"cheap", "dear"}] * 3 + [{"dear"}] * 7
    result = tally_equal_shares(projects, ballots, 100, completion=None)
    assert result.run.rounds[0].project == "dear"  # 10 supporters pay 9 each: 1/10 per unit
    assert result.run.rounds[0].rho == Fraction(1, 10)
    approval = tally_equal_shares(projects, ballots, 100, completion=None, utilities="approval")
    assert approval.run.rounds[0].project == "cheap"  # 10/3 each, less than 9


def test_add1_variants_can_differ() -> None:
    # With share 100/3 nobody can buy x (60, two supporters): Add1 raises the share.
    projects = make_projects(x=60, y=35, z=5)
    ballots = [{"x"}, {"x", "y"}, {"z"}]
    plain = tally_equal_shares(projects, ballots, 100, completion=None)
    add1 = tally_equal_shares(projects, ballots, 100, completion="add1")
    assert plain.spent <= add1.spent <= 100
    assert add1.add1_steps[0].first == Fraction(100, 3)


def test_rule_names_from_pabulib_meta_are_dispatched() -> None:
    projects = make_projects(a=60, b=50, c=30)
    ballots = [{"a", "b", "c"}, {"a", "b"}, {"a"}]
    assert tally_by_rule("greedy", projects, ballots, 100).selected == ("a", "c")
    threshold = tally_by_rule("greedy-threshold", projects, ballots, 100, meta={"min_project_score_threshold": "2"})
    assert threshold.selected == ("a",)
    for rule in RULES:
        assert tally_by_rule(rule, projects, ballots, 100).spent <= 100


@pytest.mark.parametrize(
    "rule", ["phragmen", "equalshares/add2", "", "greedy/"], ids=["phragmen", "add2", "empty", "slash"]
)
def test_an_unknown_rule_is_refused(rule: str) -> None:
    with pytest.raises(UnknownRule) as caught:
        tally_by_rule(rule, make_projects(a=1), [{"a"}], 1)
    assert caught.value.reason == "unknown_rule"


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(TallyError):
        Project("a", -1)
    with pytest.raises(TallyError):
        tally_greedy(make_projects(a=1), [{"b"}], 1)
    with pytest.raises(TallyError):
        tally_equal_shares(make_projects(a=1), [], 1)
    with pytest.raises(TallyError):
        tally_equal_shares(make_projects(a=1), [{"a": 2}], 1)


def test_the_counting_modules_import_no_io_library_and_shared_models_no_numpy() -> None:
    import json
    import subprocess
    import sys

    code = (
        "import json, sys, shared_models\n"
        "bare = 'numpy' in sys.modules\n"
        "import shared_models.pabulib, shared_models.tally\n"
        "bad = ['fastapi', 'httpx', 'kivy', 'psycopg', 'sklearn', 'sqlalchemy', 'sqlite3', 'sqlite_utils']\n"
        "print(json.dumps([bare, sorted(m for m in sys.modules if m.split('.')[0] in bad)]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == [False, []]
