"""Golden: every shared pabulib file, counted with the rule its META names, selects exactly
the official winners (the PROJECTS ``selected`` column)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from shared_models.pabulib import parse_pb
from shared_models.tally import MesResult, pb_inputs, tally_equal_shares, tally_pb
from tests.shared_models.pabulib_data import FILES, require_data

_PARAMS: list[Path | None] = [*FILES] or [None]  # None: the data is absent, require_data says so


@pytest.fixture(params=_PARAMS, ids=[p.name for p in FILES] or ["no-data"])
def pb_file(request: pytest.FixtureRequest) -> Path:
    require_data()
    path: Path = request.param
    return path


def test_the_rule_meta_names_selects_the_official_winners(pb_file: Path) -> None:
    election = parse_pb(pb_file.read_text(encoding="utf-8"))
    started = time.perf_counter()
    result = tally_pb(election)
    assert time.perf_counter() - started < 20
    assert set(result.selected) == election.official_selected()
    assert result.spent <= election.budget


@pytest.mark.parametrize("name", ["Netherlands_Assen_2024.pb", "Poland_Swiecie_2023.pb"], ids=["assen", "swiecie"])
def test_add1_jumps_give_what_the_one_unit_loop_gives(name: str) -> None:
    require_data()
    path = next((p for p in FILES if p.name == name), None)
    if path is None:
        pytest.skip(f"{name} is absent")
    projects, ballots, budget = pb_inputs(parse_pb(path.read_text(encoding="utf-8")))
    for completion in ("add1", "add1_exhaustive"):
        jumping = tally_equal_shares(projects, ballots, budget, completion=completion)
        literal = tally_equal_shares(projects, ballots, budget, completion=completion, jump=False)
        assert (jumping.selected, jumping.run.voter_budget) == (literal.selected, literal.run.voter_budget)
        assert jumping.run.rounds == literal.run.rounds


def test_swiecie_needs_add1_and_its_audit_trail_adds_up() -> None:
    require_data()
    path = next((p for p in FILES if p.name == "Poland_Swiecie_2023.pb"), None)
    if path is None:
        pytest.skip("Poland_Swiecie_2023.pb is absent")
    election = parse_pb(path.read_text(encoding="utf-8"))
    projects, ballots, budget = pb_inputs(election)
    plain = tally_equal_shares(projects, ballots, budget, completion=None)
    assert set(plain.selected) != election.official_selected()
    result = tally_pb(election)
    assert isinstance(result, MesResult)
    run = result.run
    assert run.voter_budget == 646  # the share per voter where Add1 stopped
    total = run.voter_budget * len(ballots)
    assert total - sum(r.cost for r in run.rounds) == run.rounds[-1].money_left
