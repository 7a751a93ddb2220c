"""SQLite writers take turns in a queue before BEGIN IMMEDIATE (sync_server.db.engine)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from sync_server.db import engine as engine_module
from sync_server.db.engine import make_engine


@pytest.fixture
def url(tmp_path: Path) -> str:
    database = tmp_path / "queue.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (n INTEGER)")
    return f"sqlite:///{database}"


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM t")).scalar_one())


def test_writers_of_several_engines_take_turns_and_all_commit(url: str) -> None:
    engines = [make_engine(url) for _ in range(3)]
    errors: list[BaseException] = []

    def write(engine: Engine) -> None:
        try:
            for n in range(20):
                with engine.begin() as connection:
                    connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(engine,)) for engine in engines for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert _count(engines[0]) == 120
    for engine in engines:
        engine.dispose()


def test_the_turn_is_handed_over_after_commit_and_after_rollback(url: str) -> None:
    first, second = make_engine(url), make_engine(url)
    with first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(RuntimeError), first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (2)"))
        raise RuntimeError("roll back")
    started = time.monotonic()
    with second.begin() as connection:  # would wait out the busy timeout if the turn were still held
        connection.execute(text("INSERT INTO t VALUES (3)"))
    assert time.monotonic() - started < 5
    assert _count(second) == 2
    first.dispose()
    second.dispose()


def test_a_writer_that_waits_too_long_is_told_the_database_is_locked(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)
    first, second = make_engine(url), make_engine(url)
    with first.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(OperationalError, match="database is locked"), second.begin() as other:
            other.execute(text("INSERT INTO t VALUES (2)"))
    with second.begin() as other:  # and the turn is free again afterwards
        other.execute(text("INSERT INTO t VALUES (3)"))
    assert _count(first) == 2
    first.dispose()
    second.dispose()


def test_checkpoints_run_after_the_turn_and_keep_the_data(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "CHECKPOINT_ROWS", 2)
    engine = make_engine(url)
    statements: list[str] = []

    @event.listens_for(engine, "connect")
    def _trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    for n in range(4):
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
    checkpoints = [i for i, sql in enumerate(statements) if sql == "PRAGMA wal_checkpoint(PASSIVE)"]
    assert len(checkpoints) == 2  # after every second row, each after its COMMIT
    assert all(statements[i - 1] == "COMMIT" for i in checkpoints)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 0
    assert _count(engine) == 4
    engine.dispose()
