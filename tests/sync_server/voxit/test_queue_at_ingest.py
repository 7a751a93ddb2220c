"""Participants' statements enter the moderation queue at ingest, in the transaction that stores
them (``voxit.project_records``), on SQLite and PostgreSQL: pending right after the push, once
however often the batch arrives, never for a refused record; ``collect_statements`` catches up
the records that were stored without a row; two server processes never queue one twice."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from shared_models.records import parse_record
from sync_server.db.models import RawRecord, VoxitParticipant, VoxitStatementRow
from sync_server.services import voxit
from sync_server.services.ingest import ingest_lines
from sync_server.services.pb_import import process_from_file
from sync_server.services.processes import save_process
from sync_server.settings import Settings
from tests.sync_server.client import PUSH, Client, tampered
from tests.sync_server.conftest import enroll
from tests.sync_server.servers import server_process
from tests.sync_server.terminal import FakeTerminal, body_of
from tests.sync_server.voxit.helpers import push, session_for, statement, vote

SEEDS = 8  # the demo conversation's seeds are numbers 0-7


def queued(settings: Settings) -> dict[str, tuple[int, str, str]]:
    """Participants' statement rows as stored (no catch-up): record hash -> (number, text, state)."""
    with session_for(settings) as session, session.begin():
        rows = session.scalars(select(VoxitStatementRow).where(VoxitStatementRow.origin == "participant"))
        return {r.record_hash or "": (r.number, next(iter(r.text.values())), r.state) for r in rows}


def collect(settings: Settings) -> int:
    with session_for(settings) as session, session.begin():
        return voxit.collect_statements(session)


def ingest(settings: Settings, terminal: FakeTerminal, lines: list[bytes]) -> dict[str, tuple[str, str | None]]:
    """Lines through the real ingest service; record hash (of the line) -> (status, reason)."""
    with session_for(settings) as session, session.begin():
        report = ingest_lines(session, device_id=terminal.device, lines=lines, channel="http", source="test")
    return {line.hash: (line.status, line.reason) for line in report.lines}


def test_a_pushed_statement_is_pending_right_after_the_push_and_queued_once(settings: Settings, client: Client) -> None:
    terminal = client.enroll()
    records = [
        statement(terminal, "Lisää penkkejä Käpylään."),
        vote(terminal, {"0": 1}),
        statement(terminal, "Mer skugga i parkerna.", lang="sv"),
    ]
    first = client.push_ok(terminal, [terminal.seal(records), *records])
    assert {r["status"] for r in first["results"]} == {"accepted"}

    rows = queued(settings)  # straight from the table: neither the page nor collect_statements ran
    assert rows == {
        records[0].hash: (SEEDS, "Lisää penkkejä Käpylään.", "pending"),
        records[2].hash: (SEEDS + 1, "Mer skugga i parkerna.", "pending"),
    }
    with session_for(settings) as session, session.begin():
        rows_of = {r.number: r for r in voxit.statement_rows(session, "demo")}
        tokens = {n: t for n, t in session.execute(select(VoxitParticipant.number, VoxitParticipant.token))}
        authors = [tokens.get(rows_of[n].author or 0) for n in (SEEDS, SEEDS + 1)]
    assert authors == [records[0].body["participant"], records[2].body["participant"]]

    again = client.push_ok(terminal, [terminal.seal(records, seq=1, prev=first["ack"]["hash"]), *records])
    assert {r["status"] for r in again["results"][1:]} == {"duplicate"}
    assert queued(settings) == rows
    assert collect(settings) == 0  # nothing was left for the catch-up
    with session_for(settings) as session, session.begin():
        assert [r.number for r in voxit.moderation_queue(session, "demo")] == [SEEDS, SEEDS + 1]


def test_the_same_batch_through_the_ingest_service_twice_is_queued_once(settings: Settings) -> None:
    terminal = enroll(settings, FakeTerminal())
    records = [statement(terminal, "Enemmän valoa alikulkuihin.")]
    lines = [terminal.seal(records).raw, records[0].raw]
    assert set(ingest(settings, terminal, lines).values()) == {("accepted", None)}
    assert set(ingest(settings, terminal, lines).values()) == {("duplicate", None)}
    assert queued(settings) == {records[0].hash: (SEEDS, "Enemmän valoa alikulkuihin.", "pending")}
    assert collect(settings) == 0
    assert len(queued(settings)) == 1


def test_refused_statements_and_other_processes_are_not_queued(settings: Settings) -> None:
    terminal = enroll(settings, FakeTerminal())
    honest = statement(terminal, "Hyvä ehdotus.")
    elsewhere = statement(terminal, "Väärä keskustelu.", process="no-such-conversation")
    original = statement(terminal, "Alkuperäinen.")
    altered = tampered(original, body={"text": "Muutettu."})
    unsealed = statement(terminal, "Ei sinetissä.")
    foreign = statement(FakeTerminal(), "Toisen laitteen.")
    seal = terminal.seal([honest, elsewhere, original])
    results = ingest(settings, terminal, [seal.raw, honest.raw, elsewhere.raw, altered, unsealed.raw, foreign.raw])

    assert results[honest.hash] == ("accepted", None)
    assert results[elsewhere.hash] == ("accepted", None)
    assert results[unsealed.hash] == ("quarantined", "not_in_seal")
    assert results[foreign.hash] == ("quarantined", "wrong_device")
    assert results[parse_record(altered).hash] == ("quarantined", "bad_signature")
    assert queued(settings) == {honest.hash: (SEEDS, "Hyvä ehdotus.", "pending")}
    assert collect(settings) == 0  # the refused ones are not in the raw log; the other process is not Voxit
    assert list(queued(settings)) == [honest.hash]


def test_collect_statements_catches_up_a_record_stored_without_a_row(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = enroll(settings, FakeTerminal())
    old = statement(terminal, "Tallennettu ennen jonoa.")
    with monkeypatch.context() as patched:  # the ingest as it was before statements were queued there
        patched.setattr(voxit, "project_records", lambda session, rows: 0)
        assert push(settings, terminal, [old])["accepted"] == 2
    assert queued(settings) == {}

    new = statement(terminal, "Jonoon heti.")
    push(settings, terminal, [new])
    assert queued(settings) == {new.hash: (SEEDS, "Jonoon heti.", "pending")}

    assert collect(settings) == 1
    assert queued(settings) == {
        new.hash: (SEEDS, "Jonoon heti.", "pending"),
        old.hash: (SEEDS + 1, "Tallennettu ennen jonoa.", "pending"),
    }
    assert collect(settings) == 0
    with session_for(settings) as session, session.begin():
        assert len(voxit.moderation_queue(session, "demo")) == 2


def test_a_statement_that_fails_to_queue_does_not_stop_the_ingest(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = enroll(settings, FakeTerminal())
    records = [statement(terminal, "Ensimmäinen."), statement(terminal, "Toinen.")]
    real = voxit.participant_number
    failing = records[0].body["participant"]

    def participant_number(session: Any, process_id: str, token: str, cache: Any = None) -> int:
        if token == failing:
            raise RuntimeError("simulated failure")
        return real(session, process_id, token, cache)

    with monkeypatch.context() as patched:
        patched.setattr(voxit, "participant_number", participant_number)
        assert push(settings, terminal, records)["accepted"] == 3
    assert queued(settings) == {records[1].hash: (SEEDS, "Toinen.", "pending")}
    with session_for(settings) as session, session.begin():
        assert session.scalar(select(func.count()).select_from(RawRecord)) == 3  # all stored
    assert collect(settings) == 1
    assert queued(settings)[records[0].hash] == (SEEDS + 1, "Ensimmäinen.", "pending")


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_an_ingest_does_not_wait_long_for_a_busy_conversation(settings: Settings) -> None:
    terminal = enroll(settings, FakeTerminal())
    record = statement(terminal, "Kesken analyysin.")
    with session_for(settings) as holder, holder.begin():
        holder.execute(text("SELECT id FROM processes WHERE id = 'demo' FOR UPDATE"))  # as a running analysis
        started = time.monotonic()
        assert push(settings, terminal, [record])["accepted"] == 2
        waited = time.monotonic() - started
    assert voxit.INGEST_LOCK_WAIT_MS / 1000 <= waited < 10
    assert queued(settings) == {}
    assert collect(settings) == 1
    assert list(queued(settings)) == [record.hash]


def _second_conversation(settings: Settings, tmp_path: Path) -> None:
    text_of = {"fi": "Katu", "sv": "Gata", "en": "Street"}
    definition = {
        "id": "aa-katu",  # sorts before "demo": batches lock both conversations
        "title": text_of,
        "activities": ["voxit"],
        "settings": {"voxit": {"topic": text_of, "intro": text_of, "allow_proposals": True, "statements": []}},
    }
    path = tmp_path / "aa-katu.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    with session_for(settings) as session:
        save_process(session, settings.load_keys(), process_from_file(path))


@pytest.mark.slow
def test_two_server_processes_ingesting_at_once_queue_every_statement_once(
    settings: Settings, server_dir: Path, tmp_path: Path
) -> None:
    _second_conversation(settings, tmp_path)
    terminals = [enroll(settings, FakeTerminal(), name=f"Library {i}") for i in range(4)]
    bodies: list[tuple[FakeTerminal, bytes]] = []
    expected: set[str] = set()
    for i, terminal in enumerate(terminals):
        # "demo" first in one half, "aa-katu" first in the other: the locks are still taken in id order
        order = ["demo", "aa-katu"] if i % 2 else ["aa-katu", "demo"]
        records = [statement(terminal, f"Laite {i}, ehdotus {n}", process=order[n % 2]) for n in range(6)]
        expected |= {r.hash for r in records}
        bodies.append((terminal, body_of([terminal.seal(records), *records])))
    with server_process(server_dir) as first, server_process(server_dir) as second:
        # every terminal's batch to both servers at the same moment: eight pushes, four batches
        jobs = [(url, terminal, body) for terminal, body in bodies for url in (first, second)]
        barrier = threading.Barrier(len(jobs))
        answers: list[httpx.Response] = []

        def send(url: str, terminal: FakeTerminal, body: bytes) -> None:
            headers = terminal.headers("POST", PUSH, body)
            with httpx.Client(timeout=60) as http:
                barrier.wait()
                answers.append(http.post(f"{url}{PUSH}", content=body, headers=headers))

        threads = [threading.Thread(target=send, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [a.status_code for a in answers] == [200] * len(jobs), [a.text for a in answers if a.status_code != 200]
    rows = queued(settings)
    assert set(rows) == expected and all(state == "pending" for _, _, state in rows.values())
    with session_for(settings) as session, session.begin():
        per_process = {
            pid: sorted(
                n
                for (n,) in session.execute(
                    select(VoxitStatementRow.number).where(
                        VoxitStatementRow.process_id == pid, VoxitStatementRow.origin == "participant"
                    )
                )
            )
            for pid in ("demo", "aa-katu")
        }
    assert per_process == {"demo": list(range(SEEDS, SEEDS + 12)), "aa-katu": list(range(12))}
    assert collect(settings) == 0
