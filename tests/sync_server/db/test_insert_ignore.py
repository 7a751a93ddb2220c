"""``repo.insert_ignore`` on SQLite hands tuples to the driver; it must store exactly what
SQLAlchemy's own bulk insert stores, and skip rows that collide just the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Table, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from sync_server.db import repo
from sync_server.db.engine import make_engine
from sync_server.db.migrate import upgrade
from sync_server.db.models import Base, Quarantine, RawRecord, Seal, SealMember


@pytest.fixture
def sqlite_engines(tmp_path: Path) -> Iterator[list[Engine]]:
    engines = [make_engine(f"sqlite:///{tmp_path / name}.db") for name in ("fast", "orm")]
    for engine in engines:
        upgrade(engine)
    yield engines
    for engine in engines:
        engine.dispose()


NOW = datetime(2026, 11, 28, 12, 30, 5, 123456, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 13, 0, 0, tzinfo=UTC)


def _rows() -> dict[type[Base], list[dict[str, Any]]]:
    return {
        RawRecord: [
            {
                "hash": f"{i:064x}",
                "id": f"{i:026d}",
                "device": "tabcdefghijklmnop",
                "kind": "budget.ballot",
                "day": "2026-11-28",
                "raw": '{"t":"Hämeentie"}',
                "seal_seq": i % 3 or None,
                "batch_id": "b1",
                "received_at": NOW if i % 2 else LATER,
            }
            for i in range(7)
        ]
        + [  # collides with the first row (same hash): skipped
            {
                "hash": f"{0:064x}",
                "id": "x" * 26,
                "device": "tabcdefghijklmnop",
                "kind": "budget.ballot",
                "day": "2026-11-28",
                "raw": "{}",
                "seal_seq": None,
                "batch_id": "b2",
                "received_at": NOW,
            }
        ],
        Seal: [
            {
                "device": "tabcdefghijklmnop",
                "seq": seq,
                "hash": f"{seq + 100:064x}",
                "prev": f"{seq + 99:064x}",
                "record_count": 3,
                "complete": seq % 2 == 0,
                "received_at": NOW,
            }
            for seq in (1, 2, 3, 2)
        ],
        SealMember: [{"device": "tabcdefghijklmnop", "seal_seq": 1, "record_hash": f"{i:064x}"} for i in (1, 2, 2, 3)],
        Quarantine: [
            {
                "received_at": NOW,
                "device": None,
                "batch_id": "b1",
                "channel": "http",
                "reason": reason,
                "message": "why",
                "record_hash": None,
                "kind": None,
                "raw": b"\x00\xffraw",
                "raw_sha256": "0" * 64,
                "raw_length": 6,
            }
            for reason in ("malformed", "float")
        ],
    }


def _dump(engine: Engine, model: type[Base]) -> list[tuple[Any, ...]]:
    table = model.__table__
    assert isinstance(table, Table)
    with engine.connect() as connection:
        raw = connection.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY 1, 2").all()
        typed = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
    return [tuple(row) for row in raw] + [tuple(row) for row in typed]


def test_sqlite_fast_insert_stores_what_the_orm_insert_stores(sqlite_engines: list[Engine]) -> None:
    fast, orm = sqlite_engines
    for model, rows in _rows().items():
        with Session(fast) as session, session.begin():
            repo.insert_ignore(session, model, rows)
        table = model.__table__
        assert isinstance(table, Table)
        with Session(orm) as session, session.begin():
            session.execute(sqlite.insert(table).on_conflict_do_nothing(), rows)
        assert _dump(fast, model) == _dump(orm, model)
        assert _dump(fast, model)


def test_rows_with_other_keys_still_go_through_the_orm(sqlite_engines: list[Engine]) -> None:
    fast, _ = sqlite_engines
    rows = [
        {
            "device": "tabcdefghijklmnop",
            "seq": 1,
            "hash": "a" * 64,
            "prev": "b" * 64,
            "record_count": 1,
            "received_at": NOW,
        },  # no "complete": the column default applies
    ]
    with Session(fast) as session, session.begin():
        repo.insert_ignore(session, Seal, rows)
    with Session(fast) as session:
        assert session.scalars(select(Seal.complete)).all() == [False]
