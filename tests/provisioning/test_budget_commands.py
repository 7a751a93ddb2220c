"""The participatory-budget commands end to end: import-pb --paper, tally --json, export-pb, export-csv, ballots."""

from __future__ import annotations

import json
from pathlib import Path

from shared_models.pabulib import parse_pb
from tests.provisioning.test_cli import osallistu

PB = """META
key;value
description;Tiny test
budget;100
vote_type;approval
rule;greedy
currency;EUR
PROJECTS
project_id;cost;votes;name;selected
A1;60;3;Park;1
B2;50;2;Bench;0
C3;40;1;Lights;1
VOTES
voter_id;vote
v1;A1,B2
v2;A1,C3
v3;A1,B2
"""


def test_import_pb_paper_then_tally_and_exports(tmp_path: Path) -> None:
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory))
    source = tmp_path / "tiny.pb"
    source.write_text(PB)
    process = osallistu("server", "import-pb", str(directory), str(source), "--paper").stdout.splitlines()[-1]
    assert process == "tiny"
    result = json.loads(osallistu("server", "tally", str(directory), process, "--json").stdout)
    [district] = result["districts"]
    assert district["budget"] == 10000
    assert district["selected"] == ["a1", "c3"]
    assert {p["id"]: p["votes"] for p in district["projects"]} == {"a1": 3, "b2": 2, "c3": 1}
    assert result["ballots"] == {"counted": 3, "superseded": 0, "invalid": 0}
    assert "a1" in osallistu("server", "tally", str(directory), process).stdout
    helsinki = json.loads(
        osallistu("server", "tally", str(directory), process, "--rule", "greedy_helsinki", "--json").stdout
    )
    assert helsinki["rule"] == "greedy-helsinki"
    out = tmp_path / "out.pb"
    osallistu("server", "export-pb", str(directory), process, str(out))
    election = parse_pb(out.read_text())
    assert {p.id: (p.cost, p.votes, p.selected) for p in election.projects} == {
        "A1": (60, 3, True),
        "B2": (50, 2, False),
        "C3": (40, 1, True),
    }
    assert sorted(v.vote for v in election.votes) == [("A1", "B2"), ("A1", "B2"), ("A1", "C3")]
    csv_path = tmp_path / "out.csv"
    osallistu("server", "export-csv", str(directory), process, str(csv_path))
    assert "tiny,a1,6000,3,3,yes" in csv_path.read_text()
    report = json.loads(osallistu("server", "ballots", str(directory), process, "--json").stdout)
    assert report["reused_codes"] == [] and report["invalid"] == []


def test_process_add_prints_the_id_last(tmp_path: Path) -> None:
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory))
    definition = tmp_path / "p.json"
    district = {
        "id": "d1",
        "name": {"fi": "A", "sv": "A", "en": "A"},
        "budget": 100000,
        "projects": [{"id": "p1", "cost": 50000, "title": {"fi": "P", "sv": "P", "en": "P"}}],
    }
    definition.write_text(
        json.dumps(
            {
                "id": "kallio-2027",
                "title": {"fi": "Kallio", "sv": "Berghäll", "en": "Kallio"},
                "activities": ["budget"],
                "test": True,
                "min_seal": 5,
                "settings": {"budget": {"districts": [district]}},
            }
        )
    )
    assert (
        osallistu("server", "process", "add", str(directory), str(definition)).stdout.splitlines()[-1] == "kallio-2027"
    )
