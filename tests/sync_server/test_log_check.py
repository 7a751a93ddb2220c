"""``osallistu server verify``: the raw log re-verified from its stored bytes, on SQLite and PostgreSQL.

Each tampering case is what someone with write access to the database could do after dropping
the append-only triggers; the check must name it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from shared_models import Record
from sync_server.admin import verify_log
from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.services.ingest import ingest_lines
from sync_server.settings import Settings
from tests.provisioning.test_cli import osallistu
from tests.sync_server.conftest import enroll
from tests.sync_server.terminal import FakeTerminal


def push(settings: Settings, terminal: FakeTerminal, lines: list[Record]) -> None:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            ingest_lines(session, device_id=terminal.device, lines=[r.raw for r in lines], channel="http", source="t")
    finally:
        engine.dispose()


@pytest.fixture
def held(settings: Settings) -> tuple[FakeTerminal, list[Record]]:
    """Two terminals' worth of sealed records; the first terminal's lines are returned."""
    first, second = enroll(settings, FakeTerminal()), enroll(settings, FakeTerminal(), name="Itäkeskus 1")
    lines = first.batch(seals=2, per_seal=5)
    push(settings, first, lines)
    push(settings, second, second.batch(seals=1, per_seal=5))
    return first, lines


@pytest.fixture
def tamper(engine: Engine) -> Iterator[Callable[[str, dict[str, object]], None]]:
    """Run SQL against the tables with the raw log's append-only triggers dropped."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER records_no_change ON records"))
        else:
            conn.execute(text("DROP TRIGGER records_no_update"))
            conn.execute(text("DROP TRIGGER records_no_delete"))

    def run(sql: str, params: dict[str, object]) -> None:
        with engine.begin() as conn:
            conn.execute(text(sql), params)

    yield run


def raw_of(engine: Engine, record_hash: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT raw FROM records WHERE hash = :h"), {"h": record_hash}).scalar_one())


def test_an_untouched_log_verifies(settings: Settings, held: tuple[FakeTerminal, list[Record]]) -> None:
    result = verify_log(settings)
    assert result.ok, result.to_json()
    ours = [d for d in result.devices if d.records]
    assert sorted((d.records, d.seals, d.head_seq) for d in ours) == [(5, 1, 1), (10, 2, 2)]
    assert result.signatures == 18


def test_a_seal_awaiting_records_is_reported_not_failed(settings: Settings, enrolled: FakeTerminal) -> None:
    records = enrolled.citizen_records(5)
    push(settings, enrolled, [enrolled.seal(records), *records[:3]])
    result = verify_log(settings)
    device = next(d for d in result.devices if d.device == enrolled.device)
    assert result.ok, result.to_json()
    assert (device.records, device.awaited) == (3, 2)


def test_an_awaited_record_nobody_waits_for_is_named(
    settings: Settings, enrolled: FakeTerminal, tamper: Callable[[str, dict[str, object]], None]
) -> None:
    records = enrolled.citizen_records(5)
    push(settings, enrolled, [enrolled.seal(records), *records[:3]])
    tamper("DELETE FROM seal_members WHERE record_hash = :h", {"h": records[4].hash})
    device = next(d for d in verify_log(settings).devices if d.device == enrolled.device)
    assert device.problems == [
        "seal 1: absent records are missing from the seal-member table, so nobody waits for them"
    ]


def _altered(raw: str) -> str:
    return raw.replace('"keskinen"', '"ita"') if '"keskinen"' in raw else raw.replace('"fi"', '"sv"')


def _body_changed(engine: Engine, run: Callable[[str, dict[str, object]], None], ballot: Record) -> str:
    run(
        "UPDATE records SET raw = :raw WHERE hash = :h",
        {"raw": _altered(raw_of(engine, ballot.hash)), "h": ballot.hash},
    )
    return "hash to"


def _body_and_hash_changed(engine: Engine, run: Callable[[str, dict[str, object]], None], ballot: Record) -> str:
    raw = _altered(raw_of(engine, ballot.hash))
    new_hash = hashlib.sha256(raw.encode()).hexdigest()
    run("UPDATE records SET raw = :raw, hash = :new WHERE hash = :h", {"raw": raw, "new": new_hash, "h": ballot.hash})
    return "does not verify"


def _deleted(engine: Engine, run: Callable[[str, dict[str, object]], None], ballot: Record) -> str:
    run("DELETE FROM records WHERE hash = :h", {"h": ballot.hash})
    return "marked complete but 1 of its records are absent"


def _member_forged(engine: Engine, run: Callable[[str, dict[str, object]], None], ballot: Record) -> str:
    run("INSERT INTO seal_members VALUES (:d, 1, :h)", {"d": ballot.device, "h": "f" * 64})
    return "names hashes the seal does not list"


def _count_changed(engine: Engine, run: Callable[[str, dict[str, object]], None], ballot: Record) -> str:
    run("UPDATE seals SET record_count = 4 WHERE seq = 1 AND device = :d", {"d": ballot.device})
    return "the seal table counts 4 records, the seal lists 5"


def _moved_to_other_seal(engine: Engine, run: Callable[[str, dict[str, object]], None], ballot: Record) -> str:
    run("UPDATE records SET seal_seq = 2 WHERE hash = :h", {"h": ballot.hash})
    return "its row names seal 2, seal 1 lists it"


def _day_changed(engine: Engine, run: Callable[[str, dict[str, object]], None], ballot: Record) -> str:
    run("UPDATE records SET day = '2026-12-24' WHERE hash = :h", {"h": ballot.hash})
    return "the row's id, device, kind or day differ"


def _seal_table_prev(engine: Engine, run: Callable[[str, dict[str, object]], None], ballot: Record) -> str:
    run("UPDATE seals SET prev = :p WHERE seq = 2 AND device = :d", {"p": "0" * 64, "d": ballot.device})
    return "seal table's hash or prev differ"


def _ack_forged(engine: Engine, run: Callable[[str, dict[str, object]], None], ballot: Record) -> str:
    run("UPDATE devices SET ack_seq = 3 WHERE id = :d", {"d": ballot.device})
    return "past the verified head"


def _forged_insert(engine: Engine, run: Callable[[str, dict[str, object]], None], ballot: Record) -> str:
    forger = FakeTerminal()
    fake = forger.record("budget.ballot", {**ballot.body, "voter": "e" * 64})
    fake_raw = fake.text.replace(forger.device, ballot.device)
    fake_hash = hashlib.sha256(fake_raw.encode()).hexdigest()
    run(
        "INSERT INTO records (hash, id, device, kind, day, raw, seal_seq, batch_id, received_at)"
        " SELECT :h, :i, device, kind, day, :raw, seal_seq, batch_id, received_at FROM records WHERE hash = :src",
        {"h": fake_hash, "i": fake.id, "raw": fake_raw, "src": ballot.hash},
    )
    return "does not verify"


CASES = [
    _body_changed,
    _body_and_hash_changed,
    _deleted,
    _member_forged,
    _count_changed,
    _moved_to_other_seal,
    _day_changed,
    _seal_table_prev,
    _ack_forged,
    _forged_insert,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__.strip("_") for c in CASES])
def test_tampering_is_found_and_named(
    settings: Settings,
    engine: Engine,
    held: tuple[FakeTerminal, list[Record]],
    tamper: Callable[[str, dict[str, object]], None],
    case: Callable[[Engine, Callable[[str, dict[str, object]], None], Record], str],
) -> None:
    terminal, lines = held
    ballot = next(r for r in lines if r.kind == "budget.ballot")
    assert verify_log(settings).ok
    expected = case(engine, tamper, ballot)
    result = verify_log(settings)
    assert not result.ok
    device = next(d for d in result.devices if d.device == terminal.device)
    assert any(expected in p for p in device.problems), device.problems
    others = [d for d in result.devices if d.device != terminal.device]
    assert all(not d.problems for d in others)  # the other terminal is untouched


def test_rows_of_an_unknown_device_are_named(
    settings: Settings, engine: Engine, held: tuple[FakeTerminal, list[Record]], tamper: Callable[..., None]
) -> None:
    _, lines = held
    tamper("UPDATE records SET device = 'zzzzzzzzzzzzzzzz' WHERE hash = :h", {"h": lines[1].hash})
    result = verify_log(settings)
    assert "1 stored record(s) name device zzzzzzzzzzzzzzzz, which is not enrolled" in result.problems


def test_the_command_says_it_verifies_and_exits_1_when_not(
    server_dir: Path, settings: Settings, engine: Engine, held: tuple[FakeTerminal, list[Record]]
) -> None:
    terminal, lines = held
    clean = osallistu("server", "verify", str(server_dir))
    assert clean.stdout.rstrip().endswith("The raw log verifies.")
    assert "Checked 18 signatures." in clean.stdout
    as_json = json.loads(osallistu("server", "verify", str(server_dir), "--json").stdout)
    assert as_json["ok"] is True and as_json["records"] == 15 and as_json["seals"] == 3

    with engine.begin() as conn:
        _drop_triggers(conn)
        conn.execute(text("DELETE FROM records WHERE hash = :h"), {"h": lines[1].hash})
    broken = osallistu("server", "verify", str(server_dir), check=False)
    assert broken.returncode == 1
    assert "seal 1 is marked complete but 1 of its records are absent" in broken.stdout
    assert "The raw log does not verify" in broken.stderr
    assert "Traceback" not in broken.stderr
    assert terminal.device in broken.stdout


def _drop_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER records_no_change ON records"))
    else:
        conn.execute(text("DROP TRIGGER records_no_delete"))
