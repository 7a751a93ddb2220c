"""Participatory budgeting on the server: counted ballots, anomalies, invalid ballots, tally, exports."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pytest

from shared_models import Record, make_record, sign_record
from shared_models.pabulib import parse_pb
from sync_server.budget_admin import (
    add_process_file,
    ballot_anomalies,
    export_csv_file,
    export_pb_files,
    import_pb,
    tally,
)
from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.services.ballots import BallotRecord, load_ballots, project_ballots
from sync_server.services.ingest import ingest_lines
from sync_server.settings import Settings
from tests.sync_server.conftest import enroll
from tests.sync_server.terminal import FakeTerminal

VOTER = hashlib.sha256(b"code-1").hexdigest()


def deliver(settings: Settings, terminal: FakeTerminal, records: list[Record]) -> dict[str, int]:
    seal = terminal.seal(records)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            report = ingest_lines(
                session,
                device_id=terminal.device,
                lines=[r.raw for r in [*records, seal]],
                channel="http",
                source="test",
            )
    finally:
        engine.dispose()
    return report.counts


def ballot(terminal: FakeTerminal, *, day: str = "2026-11-28", **body: Any) -> Record:
    content = {"process": "demo", "district": "keskinen", "voter": VOTER, "projects": ["kallio-benches"], **body}
    return sign_record(make_record("budget.ballot", content, device=terminal.device, day=day), terminal.key)


def ballots_of(settings: Settings, process: str = "demo") -> list[Any]:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            return load_ballots(session, process)
    finally:
        engine.dispose()


def test_one_code_at_two_offline_terminals_counts_once(settings: Settings) -> None:
    one = enroll(settings, FakeTerminal(), name="Kallio library 1")
    two = enroll(settings, FakeTerminal(), name="Malmi library 1")
    first, second = ballot(one), ballot(two, projects=["toolo-bay-lights"])
    assert deliver(settings, two, [second])["accepted"] == 2
    assert deliver(settings, one, [first])["accepted"] == 2
    statuses = {b.record_hash: b.status for b in ballots_of(settings)}
    expected = min(first.hash, second.hash)  # same day: the lowest record hash is counted
    assert statuses == {expected: "counted", max(first.hash, second.hash): "superseded"}
    report = ballot_anomalies(settings, "demo")
    [reused] = report["reused_codes"]
    assert reused["ballots"] == 2
    assert reused["devices"] == sorted([one.device, two.device])
    assert reused["channels"] == ["terminal"]
    assert reused["counted"] == expected
    result = tally(settings, "demo")
    assert result["ballots"] == {"counted": 1, "superseded": 1, "invalid": 0}


def test_the_earliest_day_is_counted_whatever_the_hashes() -> None:
    terminal = FakeTerminal()
    early = ballot(terminal, day="2026-11-20")
    lates = [ballot(terminal, day="2026-11-28", projects=[p]) for p in ("kallio-benches", "toolo-bay-lights")]
    process = {"id": "demo", "activities": ["budget"], "settings": {"budget": _settings_demo()}}
    records = [BallotRecord(r.id, r.hash, r.device, r.day, r.body) for r in [early, *lates]]
    outcomes = set()
    for seed in range(6):  # arrival order does not matter
        random.Random(seed).shuffle(records)
        result = project_ballots(records, {"demo": process})
        outcomes.add(tuple((b.record_hash, b.status) for b in result))
        assert [b.record_hash for b in result if b.status == "counted"] == [early.hash]
    assert len(outcomes) == 1


def _settings_demo() -> dict[str, Any]:
    from sync_server.services.demo import demo_process

    budget: dict[str, Any] = demo_process().settings["budget"]
    return budget


def add_budget_process(settings: Settings, tmp_path: Path, process_id: str, **changes: Any) -> None:
    """A budget process like the demo's, with ``changes`` to its budget settings, from a definition file."""
    path = tmp_path / f"{process_id}.json"
    definition = {
        "id": process_id,
        "title": {"fi": process_id, "sv": process_id, "en": process_id},
        "activities": ["budget"],
        "settings": {"budget": {**_settings_demo(), **changes}},
    }
    path.write_text(json.dumps(definition))
    assert add_process_file(settings, path) == process_id


def test_bad_ballots_are_not_counted_and_listed_with_their_reason(settings: Settings, tmp_path: Path) -> None:
    add_budget_process(settings, tmp_path, "kallio-2026", opens="2026-10-01T00:00:00Z", closes="2026-10-31T18:00:00Z")
    add_budget_process(settings, tmp_path, "coded", code_tags=[hashlib.sha256(b"other").hexdigest()])
    terminal = enroll(settings, FakeTerminal())
    bad = {
        "over_budget": ballot(terminal, projects=["kallio-benches", "sornainen-skatepark", "toolo-bay-lights"]),
        "unknown_project": ballot(terminal, projects=["no-such-project"]),
        "unknown_district": ballot(terminal, district="nowhere"),
        "process_closed": ballot(terminal, process="kallio-2026"),
    }
    bad["unknown_code"] = ballot(terminal, process="coded")
    wrong_district = ballot(terminal, district="itainen", projects=["kallio-benches"], voter="b" * 64)
    deliver(settings, terminal, [*bad.values(), wrong_district])
    found = {b.record_hash: b.reason for p in ("demo", "kallio-2026", "coded") for b in ballots_of(settings, p)}
    for reason, record in bad.items():
        assert found[record.hash] == reason
    assert found[wrong_district.hash] == "wrong_district"
    report = ballot_anomalies(settings, "demo")
    assert report["invalid_by_reason"] == {
        "over_budget": 1,
        "unknown_district": 1,
        "unknown_project": 1,
        "wrong_district": 1,
    }
    assert tally(settings, "demo")["ballots"]["counted"] == 0


def test_a_ballot_from_the_closing_day_of_a_midday_closing_is_counted(settings: Settings, tmp_path: Path) -> None:
    """The terminal let the voter in before 12:00 Helsinki time; the record says only the day."""
    add_budget_process(settings, tmp_path, "midday-2026", opens="2026-11-01T00:00:00Z", closes="2026-11-28T10:00:00Z")
    terminal = enroll(settings, FakeTerminal())
    on_closing_day = ballot(terminal, process="midday-2026")  # FakeTerminal's day is 2026-11-28
    deliver(settings, terminal, [on_closing_day])
    found = {b.record_hash: (b.status, b.reason) for b in ballots_of(settings, "midday-2026")}
    assert found[on_closing_day.hash] == ("counted", None)


def test_tally_export_pb_round_trip_and_csv(settings: Settings, tmp_path: Path) -> None:
    terminal = enroll(settings, FakeTerminal())
    votes = [
        ballot(terminal, voter=hashlib.sha256(f"v{i}".encode()).hexdigest(), projects=projects)
        for i, projects in enumerate(
            [["kallio-benches"], ["kallio-benches", "toolo-bay-lights"], ["sornainen-skatepark"]]
        )
    ]
    deliver(settings, terminal, votes)
    for rule in ("greedy", "greedy_helsinki", "equal_shares", "equal_shares/add1", "equal_shares/add1_exhaustive"):
        result = tally(settings, "demo", rule=rule)
        district = next(d for d in result["districts"] if d["id"] == "keskinen")
        assert set(district) >= {"id", "budget", "selected", "projects"}
        assert sum(p["cost"] for p in district["projects"] if p["selected"]) <= district["budget"]
    result = tally(settings, "demo", rule="greedy")
    keskinen = next(d for d in result["districts"] if d["id"] == "keskinen")
    assert {p["id"]: p["votes"] for p in keskinen["projects"]} == {
        "kallio-benches": 2,
        "toolo-bay-lights": 1,
        "sornainen-skatepark": 1,
    }
    assert keskinen["selected"] == ["kallio-benches", "toolo-bay-lights"]
    paths = export_pb_files(settings, "demo", tmp_path / "demo")
    assert len(paths) == 4
    election = parse_pb((tmp_path / "demo" / "keskinen.pb").read_text())
    assert {p.id: (p.cost, p.votes, p.selected) for p in election.projects} == {
        p["id"]: (p["cost"] // 100, p["votes"], p["selected"]) for p in keskinen["projects"]
    }
    assert sorted(tuple(v.vote) for v in election.votes) == sorted(tuple(v.body["projects"]) for v in votes)
    text = export_csv_file(settings, "demo", tmp_path / "demo.csv").read_text()
    assert "keskinen,kallio-benches,12000000,2,2,yes" in text


PABULIB = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "pabulib"
FILES = sorted(PABULIB.glob("*.pb")) if PABULIB.is_dir() else []


@pytest.mark.parametrize("name", [f.name for f in FILES] or ["(no files)"])
def test_golden_import_paper_ballots_and_count_selects_the_official_winners(name: str, settings: Settings) -> None:
    if not FILES:
        pytest.skip(f"the pabulib data folder {PABULIB} is absent")
    path = PABULIB / name
    election = parse_pb(path.read_text(encoding="utf-8"))
    info = import_pb(settings, path, paper=True)
    assert info["ingest"]["quarantined"] == 0
    result = tally(settings, info["process"])
    assert result["ballots"] == {"counted": len(election.votes), "superseded": 0, "invalid": 0}
    [district] = result["districts"]
    assert {p["pb_id"] for p in district["projects"] if p["selected"]} == set(election.official_selected())
    paper = ballots_of(settings, info["process"])
    assert {b.channel for b in paper} == {"paper"}


def test_process_from_toml(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        'id = "toml-pb"\nactivities = ["budget"]\ntest = true\nmin_seal = 3\n'
        '[title]\nfi = "Kokeilu"\nsv = "Test"\nen = "Trial"\n'
        '[[settings.budget.districts]]\nid = "d1"\nbudget = 100000\nname = { fi = "A", sv = "A", en = "A" }\n'
        '[[settings.budget.districts.projects]]\nid = "p1"\ncost = 50000\ntitle = { fi = "P", sv = "P", en = "P" }\n'
    )
    assert add_process_file(settings, path) == "toml-pb"
    result = tally(settings, "toml-pb")
    assert result["districts"][0]["projects"] == [
        {
            "id": "p1",
            "pb_id": "p1",
            "title": {"fi": "P", "sv": "P", "en": "P"},
            "cost": 50000,
            "votes": 0,
            "score": 0,
            "selected": False,
        }
    ]


def test_receipt_check_over_http(settings: Settings, live_server: str) -> None:
    import httpx

    from shared_models.receipts import normalize_receipt, receipt_code

    one = enroll(settings, FakeTerminal(), name="Kallio library 1")
    two = enroll(settings, FakeTerminal(), name="Malmi library 1")
    first, second = ballot(one), ballot(two, projects=["toolo-bay-lights"])
    bad = ballot(one, voter="c" * 64, projects=["no-such-project"])
    deliver(settings, one, [first, bad])
    deliver(settings, two, [second])
    counted, superseded = sorted([first, second], key=lambda r: r.hash)
    code = receipt_code(counted.id)
    assert len(code) == 12 and code[4] == code[9] == "-"
    assert normalize_receipt(code.lower().replace("-", " ")) == code.replace("-", "")

    def status(text: str) -> str:
        answer = httpx.get(f"{live_server}/api/v1/receipts/{text}")
        assert answer.status_code == 200
        assert "projects" not in answer.text and "kallio-benches" not in answer.text
        return str(answer.json()["status"])

    assert status(code) == "counted"
    assert status(receipt_code(superseded.id).lower()) == "superseded"
    assert status(receipt_code(bad.id)) == "not_counted"
    assert status("AAAA-AAAA-AA") == "not_found"
    assert status("nonsense") == "bad_code"
    page = httpx.get(f"{live_server}/receipt", params={"code": receipt_code(superseded.id)})
    assert page.status_code == 200
    assert "superseded by another ballot with the same code" in page.text
    assert "toolo-bay-lights" not in page.text
    assert "not found yet" in httpx.get(f"{live_server}/receipt", params={"code": "AAAA-AAAA-AA"}).text.lower()
    assert "<form" in httpx.get(f"{live_server}/receipt").text
