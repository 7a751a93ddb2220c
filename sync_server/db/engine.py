"""Engines and sessions. SQLite runs in WAL mode and begins every transaction
IMMEDIATE (the write lock up front), so two server processes on one file
serialise their batches instead of failing on a lock upgrade.

Before ``BEGIN IMMEDIATE`` a writer on a SQLite file first waits its turn in a
queue (a thread lock within the process, an ``flock`` on ``<database>.writers``
between processes) and keeps it until its transaction ends. SQLite's own busy
handler would also serialise them, but it sleeps in growing steps (up to 100 ms)
and so leaves the database idle after most commits; the queue hands over at once
(within a process) or within a millisecond (between processes).
A writer that has waited ``BUSY_TIMEOUT_MS`` in the queue goes on to ``BEGIN
IMMEDIATE`` without its turn, so SQLite's own locking (and its "database is
locked") still has the last word.

SQLite's automatic WAL checkpoint runs inside the COMMIT that crosses its threshold,
so it would be done while holding the turn; instead a writer that has written
``CHECKPOINT_ROWS`` rows since its process last checkpointed runs the same PASSIVE
checkpoint just after it hands over. The page cache is large enough
(``CACHE_KIB``) that a batch does not spill dirty pages to the WAL mid-transaction.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["BUSY_TIMEOUT_MS", "make_engine", "make_sessionmaker"]

BUSY_TIMEOUT_MS = 60_000
CHECKPOINT_ROWS = 5_000
CACHE_KIB = 64 * 1024


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000, "factory": _Connection},
        )
        _sqlite_immediate(engine)
        return engine
    return create_engine(database_url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class _WriterQueue:
    """The writers of one SQLite file take turns: a thread lock, then an exclusive ``flock``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.Lock()
        self.unchecked = 0  # rows this process wrote since its last checkpoint (guarded by ``local``)

    def acquire(self) -> int | None:
        """Wait for the turn; returns the file descriptor that holds the ``flock``, or None
        when the wait timed out (then SQLite's own locking decides, as without the queue)."""
        timeout = BUSY_TIMEOUT_MS / 1000
        deadline = time.monotonic() + timeout
        if not self.local.acquire(timeout=timeout):
            return None
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                delay = 0.0001
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        return fd
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            os.close(fd)
                            self.local.release()
                            return None
                        time.sleep(delay)  # another process writes; one waiter per process polls
                        delay = min(delay * 2, 0.001)
            except BaseException:
                os.close(fd)
                raise
        except BaseException:
            self.local.release()
            raise

    def release(self, fd: int, written: int) -> bool:
        """Hand over the turn; True when this process is due to checkpoint the WAL."""
        self.unchecked += written
        due = self.unchecked >= CHECKPOINT_ROWS
        if due:
            self.unchecked = 0
        os.close(fd)  # closing the descriptor drops the flock
        self.local.release()
        return due


_queues: dict[str, _WriterQueue] = {}
_queues_lock = threading.Lock()


def _writer_queue(database: str | None) -> _WriterQueue | None:
    """One queue per database file and process; none for in-memory databases and URIs."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = os.path.abspath(database) + ".writers"
    with _queues_lock:
        return _queues.setdefault(path, _WriterQueue(path))


class _Connection(sqlite3.Connection):
    """A sqlite3 connection that leaves the writer queue when its transaction ends."""

    writers: _WriterQueue | None = None
    _turn: int | None = None
    _changes = 0

    def take_turn(self) -> None:
        if self.writers is not None and self._turn is None:
            self._turn = self.writers.acquire()
            self._changes = self.total_changes

    def leave(self) -> bool:
        """Leave the queue if in it; True when a checkpoint is due."""
        turn, self._turn = self._turn, None
        if turn is None or self.writers is None:
            return False
        try:
            written = self.total_changes - self._changes
        except sqlite3.ProgrammingError:  # closed
            written = 0
        return self.writers.release(turn, written)

    def commit(self) -> None:
        due = False
        try:
            super().commit()
        finally:
            if self._over():
                due = self.leave()
        if due:
            with contextlib.suppress(sqlite3.Error):  # housekeeping: the commit stands, a later one catches up
                self.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if self._over():
                self.leave()

    def _over(self) -> bool:
        try:
            return not self.in_transaction
        except sqlite3.ProgrammingError:  # closed
            return True

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave()


def _sqlite_immediate(engine: Engine) -> None:
    queue = _writer_queue(engine.url.database)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.writers = queue
        dbapi_connection.isolation_level = None  # the driver must not begin transactions itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        if queue is not None:
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # see CHECKPOINT_ROWS
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        dbapi_connection.take_turn()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.leave()
            raise
