"""Drills cast synthetic records into test processes only, reproducibly."""

from __future__ import annotations

from typing import Any

import pytest
from kiosk_factories import DEMO_SETTINGS, FakeServer, make_manifest, make_process

from kiosk.errors import NotATestProcess
from kiosk.terminal import Terminal
from shared_models import parse_record, verify_record


def test_a_drill_refuses_a_real_process(enrolled_kiosk: Terminal, server: FakeServer) -> None:
    processes = [make_process("real", test=False), make_process()]
    server.manifest_raw = make_manifest(server.signing, server.sealing, processes, serial=2)
    with server.client() as http:
        enrolled_kiosk.sync(http)
    before = enrolled_kiosk.status()["pending"]
    with pytest.raises(NotATestProcess, match="real process"):
        enrolled_kiosk.drill("real", 5, seed=1)
    assert enrolled_kiosk.status()["pending"] == before


def test_the_same_seed_makes_the_same_choices(enrolled_kiosk: Terminal) -> None:
    first = enrolled_kiosk.drill("demo", 40, seed=7)
    second = enrolled_kiosk.drill("demo", 40, seed=7)
    other = enrolled_kiosk.drill("demo", 40, seed=8)
    assert first.choices == second.choices
    assert first.choices != other.choices
    assert set(first.record_ids).isdisjoint(second.record_ids)


def test_drill_records_validate_and_cover_every_activity(enrolled_kiosk: Terminal) -> None:
    progress: list[tuple[int, int]] = []
    report = enrolled_kiosk.drill("demo", 60, seed=3, progress=lambda done, total: progress.append((done, total)))
    assert progress[-1] == (60, 60) and sum(report.cast.values()) == 60
    assert {"budget.ballot", "voxit.vote", "feedback.item"} <= set(report.cast)
    for record_id in report.record_ids:
        record = enrolled_kiosk.store.record(record_id)
        assert record is not None
        assert parse_record(record.raw) == record
        verify_record(record, enrolled_kiosk.key.public_key())
        if record.kind == "budget.ballot":
            district = next(d for d in _districts() if d["id"] == record.body["district"])
            costs = {p["id"]: p["cost"] for p in district["projects"]}
            assert sum(costs[p] for p in record.body["projects"]) <= district["budget"]
        if record.kind == "feedback.item" and record.body.get("wants_reply"):
            assert record.body["contact"]["alg"].startswith("x25519")


def _districts() -> list[dict[str, Any]]:
    return list(DEMO_SETTINGS["budget"]["districts"])
