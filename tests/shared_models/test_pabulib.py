from __future__ import annotations

from pathlib import Path

import pytest

from shared_models.pabulib import PabulibError, parse_pb, write_pb
from tests.shared_models.pabulib_data import FILES, PABULIB

SMALL = (
    "META\r\nkey;value\r\nbudget;100\r\nvote_type;cumulative\r\nrule;greedy\r\ncurrency;EUR\r\n"
    "PROJECTS\r\nproject_id;cost;votes;score;name;selected\r\n"
    'a;60;2;5;"Puisto; uusi";1\r\nb;50.00;1;1;"Sanoi ""hei""";0\r\n'
    "VOTES\r\nvoter_id;vote;points;age\r\nv1;a,b;4,1;30\r\nv2;a;1;\r\n"
)


def test_a_file_parses_into_typed_sections() -> None:
    election = parse_pb(SMALL)
    assert (election.budget, election.vote_type, election.rule, election.currency) == (
        100,
        "cumulative",
        "greedy",
        "EUR",
    )
    a, b = election.projects
    assert (a.id, a.cost, a.name, a.votes, a.score, a.selected) == ("a", 60, "Puisto; uusi", 2, 5, True)
    assert (b.cost, b.name, b.selected) == (50, 'Sanoi "hei"', False)
    assert election.votes[0].vote == ("a", "b") and election.votes[0].points == (4, 1)
    assert election.votes[1].extra == ("",)
    assert election.official_selected() == {"a"}


def test_written_text_parses_back_to_the_same_election() -> None:
    election = parse_pb(SMALL)
    text = write_pb(election)
    assert '"Puisto; uusi"' in text
    assert parse_pb(text) == election


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_shared_file_round_trips(path: Path) -> None:
    election = parse_pb(path.read_text(encoding="utf-8"))
    assert parse_pb(write_pb(election)) == election
    assert len(election.votes) == int(election.meta["num_votes"])
    assert len(election.projects) == int(election.meta["num_projects"])


def test_the_shared_data_folder_is_where_the_tests_look() -> None:
    if not FILES:
        pytest.skip(f"the shared pabulib data is absent ({PABULIB.resolve()})")
    assert {p.name for p in FILES} >= {"Poland_Lodz_2023.pb", "Netherlands_Assen_2024.pb"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("PROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n", "META section is missing"),
        ("budget;1\nMETA\n", "before the META"),
        ("META\nkey;value\nbudget;1\nPROJECTS\nproject_id;cost\na;1.5\nVOTES\nvoter_id;vote\n", "whole"),
        ("META\nkey;value\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote\nv;b\n", "unknown project"),
        ("META\nkey;value\nPROJECTS\nproject_id;cost\na;1\na;2\nVOTES\nvoter_id;vote\n", "twice"),
        ("META\nkey;value\nPROJECTS\nproject_id;cost\na;1\n", "VOTES section is missing"),
        ("META\nkey;value\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote;points\nv;a;x\n", "integers"),
        ("META\nkey;value\nPROJECTS\nproject_id;cost\na;1\nVOTES\nvoter_id;vote;points\nv;a;1,2\n", "2 points"),
        ("META\nkey;value\nPROJECTS\nproject;cost\n", "lacks project_id"),
        ("META\nkey;value\nPROJECTS\nproject_id;cost\na;1;2\n", "3 fields"),
    ],
    ids=[
        "no-meta",
        "text-first",
        "fractional-cost",
        "unknown-project",
        "duplicate-project",
        "missing-votes",
        "bad-points",
        "points-mismatch",
        "bad-header",
        "ragged-row",
    ],
)
def test_a_malformed_file_is_refused_with_a_reason(text: str, words: str) -> None:
    with pytest.raises(PabulibError) as caught:
        parse_pb(text)
    assert words in caught.value.message
    assert caught.value.reason == "bad_pabulib"
