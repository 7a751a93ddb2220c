"""The terminals overview and the anomalies summary: status rules with an injected ``now``,
and what the services read from a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from shared_models import Record
from sync_server.admin import revoke_device
from sync_server.db.engine import make_sessionmaker
from sync_server.services.ingest import Observation, ingest_lines
from sync_server.services.terminals_overview import (
    anomalies_summary,
    terminal_status,
    terminals_overview,
)
from sync_server.settings import Settings
from tests.sync_server.conftest import enroll
from tests.sync_server.terminal import FakeTerminal

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ENROLLED = NOW - timedelta(days=10)
HOUR = timedelta(hours=1)

STATUS_CASES = [
    # id, revoked_at, last_seen, pending, ack_at, expected
    ("never pushed", None, None, None, None, ("never_synced", None)),
    ("seen an hour ago, nothing pending", None, NOW - HOUR, 0, NOW - 5 * 24 * HOUR, ("ok", None)),
    ("seen 23 h ago", None, NOW - 23 * HOUR, 0, NOW - 23 * HOUR, ("ok", None)),
    ("seen 25 h ago", None, NOW - 25 * HOUR, 0, NOW - 25 * HOUR, ("behind", "not_seen")),
    ("pending, ack moved an hour ago", None, NOW - HOUR, 3, NOW - HOUR, ("ok", None)),
    ("pending, ack stuck for two days", None, NOW - HOUR, 3, NOW - 48 * HOUR, ("behind", "pending_without_ack")),
    ("pending, nothing ever acknowledged", None, NOW - HOUR, 3, None, ("behind", "pending_without_ack")),
    ("pending unknown (old terminal)", None, NOW - HOUR, None, None, ("ok", None)),
    ("revoked and long gone", NOW - HOUR, NOW - 99 * HOUR, 7, None, ("revoked", None)),
    ("revoked before any push", NOW - HOUR, None, None, None, ("revoked", None)),
]


@pytest.mark.parametrize(
    ("revoked_at", "last_seen", "pending", "ack_at", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in STATUS_CASES],
)
def test_status_rules(
    revoked_at: datetime | None,
    last_seen: datetime | None,
    pending: int | None,
    ack_at: datetime | None,
    expected: tuple[str, str | None],
) -> None:
    status = terminal_status(
        revoked_at=revoked_at,
        last_seen=last_seen,
        pending_reported=pending,
        ack_at=ack_at,
        enrolled_at=ENROLLED,
        now=NOW,
    )
    assert status == expected


def test_behind_threshold_is_a_parameter() -> None:
    seen = NOW - 3 * HOUR
    common: dict[str, Any] = {
        "revoked_at": None,
        "last_seen": seen,
        "pending_reported": 0,
        "ack_at": seen,
        "enrolled_at": ENROLLED,
    }
    assert terminal_status(**common, now=NOW, behind_after=2 * HOUR) == ("behind", "not_seen")
    assert terminal_status(**common, now=NOW, behind_after=4 * HOUR) == ("ok", None)


def test_naive_stamps_from_sqlite_are_read_as_utc() -> None:
    seen = (NOW - 25 * HOUR).replace(tzinfo=None)
    status = terminal_status(
        revoked_at=None, last_seen=seen, pending_reported=0, ack_at=None, enrolled_at=ENROLLED, now=NOW
    )
    assert status == ("behind", "not_seen")


def test_behind_hours_setting_defaults_to_a_day(settings: Settings) -> None:
    assert settings.terminal_behind_hours == 24


def push(engine: Engine, terminal: FakeTerminal, lines: list[Record], *, pending: int | None = 0) -> None:
    with make_sessionmaker(engine)() as session, session.begin():
        ingest_lines(
            session,
            device_id=terminal.device,
            lines=[record.raw for record in lines],
            channel="http",
            source="test",
            observation=Observation(clock_offset_s=-4, pending=pending),
        )


def test_overview_and_anomalies_read_what_the_server_holds(settings: Settings, engine: Engine) -> None:
    synced = enroll(settings, FakeTerminal(), name="Kallio library 1")
    silent = enroll(settings, FakeTerminal(), name="Arabia school")
    revoked = enroll(settings, FakeTerminal(), name="Töölö library")
    push(engine, synced, synced.batch(2, 5), pending=3)
    first = synced.sealed(5)
    synced.sealed(5)  # seal 4 is never sent: seal 5 arrives after a gap
    push(engine, synced, [*first, *synced.sealed(5)])
    held = first[1]
    push(engine, synced, [synced.record(held.kind, {**held.body, "district": "other"}, record_id=held.id)])
    revoke_device(settings, revoked.device)
    push(engine, revoked, revoked.batch(1, 5))

    sessions = make_sessionmaker(engine)
    with sessions() as session:
        rows = {row.name: row for row in terminals_overview(session)}
    assert list(rows) == ["Arabia school", "Kallio library 1", "Töölö library"]
    kallio = rows["Kallio library 1"]
    assert (kallio.status, kallio.ack_seq, kallio.pending_reported, kallio.clock_offset_s) == ("ok", 3, 0, -4)
    assert kallio.ack_at is not None and kallio.last_seen is not None and kallio.last_seen.tzinfo is not None
    assert kallio.quarantine_reasons == {"equivocation": 1}
    assert rows["Arabia school"].status == "never_synced" and rows["Arabia school"].last_seen is None
    gone = rows["Töölö library"]
    assert (gone.status, gone.revoked, gone.quarantined) == ("revoked", True, 6)
    assert gone.quarantine_reasons == {"device_revoked": 6}

    with sessions() as session:
        later = {
            row.name: row for row in terminals_overview(session, now=datetime.now(UTC) + 2 * HOUR, behind_after=HOUR)
        }
    assert later["Kallio library 1"].status == "behind" and later["Kallio library 1"].why == "not_seen"
    assert silent.device == later["Arabia school"].id

    with sessions() as session:
        summary = anomalies_summary(session)
    assert summary.anomalies == {"equivocation": 1, "gap": 1}
    assert summary.quarantine_reasons == {"device_revoked": 6, "equivocation": 1}
    assert summary.quarantined == 7
    by_device = {entry.device: entry for entry in summary.devices}
    assert by_device[synced.device].name == "Kallio library 1"
    assert by_device[synced.device].anomalies == {"equivocation": 1, "gap": 1}
    assert by_device[synced.device].total == 3
    kinds = [item.kind for item in by_device[synced.device].items]
    assert sorted(kinds) == ["equivocation", "gap", "quarantine"]
    assert [item.at for item in by_device[synced.device].items] == sorted(
        (item.at for item in by_device[synced.device].items), reverse=True
    )
    gap = next(item for item in by_device[synced.device].items if item.kind == "gap")
    assert gap.detail["rejected_seqs"] == [5]
    assert summary.devices[0].device == revoked.device  # newest activity first
    assert {item.reason for item in by_device[revoked.device].items} == {"device_revoked"}


def test_anomalies_list_is_capped_per_device_but_counts_are_not(settings: Settings, engine: Engine) -> None:
    revoked = enroll(settings, FakeTerminal(), name="Töölö library")
    revoke_device(settings, revoked.device)
    push(engine, revoked, revoked.batch(2, 5))
    with make_sessionmaker(engine)() as session:
        summary = anomalies_summary(session, items_per_device=4)
    (entry,) = summary.devices
    assert entry.quarantine_reasons == {"device_revoked": 12}
    assert len(entry.items) == 4
