"""The whole flow, with the real pieces: two terminals (real SQLite stores) capture
offline; one syncs over HTTP (to a real server process), twice; the other exports
to a USB bundle that is imported twice; a tampered bundle is quarantined; the
server ends up holding exactly the honest records. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from kiosk.enroll import enroll_terminal
from kiosk.errors import SyncFailed
from kiosk.terminal import Terminal
from provisioning.demo import free_port
from shared_models import CITIZEN_KINDS, parse_record
from sync_server.admin import create_enrollment_token, import_bundle, init_data_dir, load_settings
from tests.servers import fresh_postgres_database, server_process


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
    else:
        with fresh_postgres_database() as url:
            yield url


def server_hashes(server_dir: Path, database_url: str | None) -> dict[str, str]:
    """hash -> kind of every record in the server's raw log."""
    engine = sa.create_engine(load_settings(server_dir, database_url=database_url).database_url)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(sa.text("SELECT hash, kind FROM records")).all())
    finally:
        engine.dispose()


def quarantine_reasons(server_dir: Path, database_url: str | None) -> list[tuple[str, str | None]]:
    engine = sa.create_engine(load_settings(server_dir, database_url=database_url).database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text("SELECT reason, kind FROM quarantine")).all()]
    finally:
        engine.dispose()


def acknowledged_hashes(terminal: Terminal) -> dict[str, str]:
    """hash -> kind of every seal the server acknowledged and every record those seals cover."""
    held: dict[str, str] = {}
    for seal in terminal.store.seals():
        if seal.seq <= terminal.store.acked_seq():
            held[seal.hash] = "kiosk.seal"
            held.update({record.hash: record.kind for record in terminal.store.records_of_seal(seal.seq)})
    return held


def citizen(hashes: dict[str, str]) -> set[str]:
    return {h for h, kind in hashes.items() if kind in CITIZEN_KINDS}


def tamper_one_ballot(bundle: bytes, held: set[str]) -> bytes:
    """Change the district of the first ballot that the server does not hold yet, keeping its signature."""
    lines = bundle.split(b"\n")
    for index, line in enumerate(lines):
        if b'"kind":"budget.ballot"' in line and hashlib.sha256(line).hexdigest() not in held:
            record = json.loads(line)
            districts = ["kallio", "vuosaari", "kannelmaki", "malmi"]
            record["body"]["district"] = next(d for d in districts if d != record["body"]["district"])
            lines[index] = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
            return b"\n".join(lines)
    raise AssertionError("no ballot in the bundle")


def test_two_offline_terminals_reach_the_server_exactly_once(tmp_path: Path, database_url: str | None) -> None:
    server_dir = tmp_path / "server"
    init_data_dir(server_dir, demo=True, database_url=database_url)
    settings = load_settings(server_dir, database_url=database_url)
    port = free_port()

    with server_process(server_dir, database_url=database_url, port=port) as url:
        library = enroll_terminal(
            tmp_path / "library",
            server_url=url,
            token=create_enrollment_token(settings, name="Kallio library 1"),
            pin="2468",
        )
        school = enroll_terminal(
            tmp_path / "school",
            server_url=url,
            token=create_enrollment_token(settings, name="Vuosaari school"),
            pin="1357",
        )

    # Offline: both capture through the same path as the screens.
    library.drill("demo", 23, seed=1)
    school.drill("demo", 17, seed=2)
    with pytest.raises(SyncFailed):
        library.sync()
    assert library.status()["pending"] + library.status()["sealed"] >= 23  # nothing lost by the failed sync

    # The library terminal comes back online and syncs twice.
    with server_process(server_dir, database_url=database_url, port=port):
        first = library.sync()
        second = library.sync()
    assert first.push.statuses["accepted"] >= 23
    assert second.push.statuses.get("accepted", 0) <= 2  # only the staff events logged by the first sync
    assert second.push.statuses.get("quarantined", 0) == 0

    # The school terminal has no network: a USB bundle, imported twice.
    usb = tmp_path / "usb"
    usb.mkdir()
    school.export(usb / "school.osb")
    bundle = (usb / "school.osb").read_bytes()
    once = import_bundle(settings, bundle, source="usb/school.osb")
    twice = import_bundle(settings, bundle, source="usb/school.osb (copied again)")
    assert once.counts["quarantined"] == 0 and once.counts["accepted"] > 17
    assert twice.counts["accepted"] == 0 and twice.counts["duplicate"] == once.counts["accepted"]

    # More votes at the school; this bundle is tampered with on the way.
    school.drill("demo", 12, seed=3)
    school.export(usb / "school-2.osb")
    tampered = tamper_one_ballot((usb / "school-2.osb").read_bytes(), set(server_hashes(server_dir, database_url)))
    report = import_bundle(settings, tampered, source="usb/school-2.osb")
    assert report.bundle is not None and report.bundle.status == "quarantined"
    assert report.bundle.reason == "bundle_altered"
    assert [line.reason for line in report.lines if line.status == "quarantined"] == ["bad_signature"]
    reasons = quarantine_reasons(server_dir, database_url)
    assert ("bad_signature", "budget.ballot") in reasons
    assert sorted(r for r, _ in reasons) == ["bad_signature", "bundle_altered"]

    # The honest copy of the tampered ballot comes with the next, untampered bundle.
    school.export(usb / "school-3.osb")
    final = import_bundle(settings, (usb / "school-3.osb").read_bytes(), source="usb/school-3.osb")
    assert final.counts["quarantined"] == 0 and final.ack.seq == school.store.head()[0]
    school.store.mark_acked(final.ack.seq)  # what the next HTTP sync would tell the terminal

    held = server_hashes(server_dir, database_url)
    on_terminals = acknowledged_hashes(library) | acknowledged_hashes(school)
    assert held == on_terminals
    all_citizen = {r.hash for t in (library, school) for r in t.store.records() if r.kind in CITIZEN_KINDS}
    assert citizen(held) == all_citizen
    assert len(all_citizen) == 23 + 17 + 12
    # Every held record is exactly the bytes the terminal signed.
    by_hash = {r.hash: r.raw for t in (library, school) for r in t.store.records()}
    engine = sa.create_engine(settings.database_url)
    with engine.connect() as connection:
        for hash_, raw in connection.execute(sa.text("SELECT hash, raw FROM records WHERE kind <> 'kiosk.seal'")):
            assert parse_record(raw.encode()).hash == hash_ and by_hash[hash_] == raw.encode()
    engine.dispose()
