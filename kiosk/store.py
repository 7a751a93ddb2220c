"""The terminal's local store: one SQLite file in WAL mode, fsync'd on every commit.

Tables (created by the named migrations below, recorded in ``migrations``):

- ``meta``: key/value settings and state (device id, server url, pinned server
  key, sealing key, PIN hash, lockout state, clock offset, last sync).
- ``records``: citizen records and ``kiosk.event`` records, keyed by hash in a
  ``WITHOUT ROWID`` table so that even the order on disk is hash order, not
  capture order. ``raw`` holds the exact canonical bytes (UTF-8 text);
  ``seal_seq`` is NULL while the record is pending.
- ``seals``: the device's seal chain, ``acked`` once the server holds it whole.
- ``manifests``: every verified manifest applied, by serial.

Nothing here deletes a record or a seal: there is no delete path, and triggers
refuse DELETE and any change of a stored record's bytes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from shared_models import Manifest, Record, parse_canonical, parse_record

__all__ = ["MIGRATIONS", "LocalStore", "StoredSeal"]


# ---------------------------------------------------------------- migrations


def m001_create_tables(db: sqlite_utils.Database) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE records (
               hash TEXT PRIMARY KEY,
               id TEXT NOT NULL UNIQUE,
               kind TEXT NOT NULL,
               process TEXT,
               raw TEXT NOT NULL,
               seal_seq INTEGER
           ) WITHOUT ROWID"""
    )
    db.execute("CREATE INDEX records_seal_seq ON records (seal_seq)")
    db.execute(
        """CREATE TABLE seals (
               seq INTEGER PRIMARY KEY,
               hash TEXT NOT NULL UNIQUE,
               raw TEXT NOT NULL,
               acked INTEGER NOT NULL DEFAULT 0 CHECK (acked IN (0, 1))
           )"""
    )
    db.execute("CREATE TABLE manifests (serial INTEGER PRIMARY KEY, raw TEXT NOT NULL, applied_at TEXT NOT NULL)")


def m002_refuse_deletes(db: sqlite_utils.Database) -> None:
    """A terminal never deletes a record or seal, and never rewrites one."""
    for table in ("records", "seals"):
        db.execute(
            f"""CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} are never deleted on a terminal'); END"""
        )
    db.execute(
        """CREATE TRIGGER records_never_rewritten BEFORE UPDATE OF hash, id, kind, process, raw ON records
           BEGIN SELECT RAISE(ABORT, 'a stored record is never rewritten'); END"""
    )
    db.execute(
        """CREATE TRIGGER seals_never_rewritten BEFORE UPDATE OF seq, hash, raw ON seals
           BEGIN SELECT RAISE(ABORT, 'a stored seal is never rewritten'); END"""
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [m001_create_tables, m002_refuse_deletes]


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- the store


class StoredSeal:
    """A seal as held on the terminal: its record and whether the server acknowledged it."""

    __slots__ = ("acked", "record", "seq")

    def __init__(self, seq: int, record: Record, acked: bool) -> None:
        self.seq = seq
        self.record = record
        self.acked = acked

    @property
    def hash(self) -> str:
        return self.record.hash


class LocalStore:
    """The terminal's SQLite store. Build it with :meth:`open` or :meth:`in_memory`.

    A connection belongs to the thread that opened it; a worker thread opens its
    own with ``LocalStore.open(store.path)``.
    """

    def __init__(self, db: sqlite_utils.Database, path: Path | None) -> None:
        self.db = db
        self.path = path
        self._manifest_cache: tuple[int, Manifest] | None = None
        self._configure()
        self.migrate()

    @classmethod
    def open(cls, path: str | Path) -> LocalStore:
        """Open (creating if needed) the store file at ``path``."""
        path = Path(path)
        conn = sqlite3.connect(str(path), timeout=30.0)
        return cls(sqlite_utils.Database(conn), path)

    @classmethod
    def in_memory(cls) -> LocalStore:
        """A store that lives only as long as this object (for tests and drills)."""
        return cls(sqlite_utils.Database(memory=True), None)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ setup

    def _configure(self) -> None:
        with self.db.ensure_autocommit_on():
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")

    def pragma(self, name: str) -> Any:
        return self.db.execute(f"PRAGMA {name}").fetchone()[0]

    def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded; returns the names applied now."""
        applied: list[str] = []
        with self.atomic():
            self.db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {row[0] for row in self.db.execute("SELECT name FROM migrations")}
            for migration in MIGRATIONS:
                if migration.__name__ in done:
                    continue
                migration(self.db)
                self.db.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", [migration.__name__, _utc_now()]
                )
                applied.append(migration.__name__)
        return applied

    def applied_migrations(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM migrations ORDER BY name")]

    @contextmanager
    def atomic(self) -> Iterator[LocalStore]:
        """One transaction: everything inside is committed (and fsync'd) together or not at all.

        The outermost block takes the write lock at once (``BEGIN IMMEDIATE``), so a
        read-then-write inside it never races another connection; nested blocks are
        savepoints.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield self
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # ------------------------------------------------------------ meta

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return default if row is None else str(row[0])

    def set_meta(self, key: str, value: str | int | float) -> None:
        with self.atomic():
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, str(value)],
            )

    def meta(self) -> dict[str, str]:
        return {row[0]: row[1] for row in self.db.execute("SELECT key, value FROM meta")}

    # ------------------------------------------------------------ records

    def insert_record(self, record: Record) -> None:
        """Store a signed record as pending. Its process is taken from the body, if any."""
        process = record.body.get("process") if isinstance(record.body.get("process"), str) else None
        self.db.execute(
            "INSERT INTO records (hash, id, kind, process, raw, seal_seq) VALUES (?, ?, ?, ?, ?, NULL)",
            [record.hash, record.id, record.kind, process, record.text],
        )

    def pending(self) -> list[tuple[Record, str | None]]:
        """Every record not yet sealed, with its process (None for events), in hash order."""
        rows = self.db.execute("SELECT raw, process FROM records WHERE seal_seq IS NULL ORDER BY hash")
        return [(parse_record(raw.encode("utf-8")), process) for raw, process in rows]

    def record(self, record_id: str) -> Record | None:
        row = self.db.execute("SELECT raw FROM records WHERE id = ?", [record_id]).fetchone()
        return None if row is None else parse_record(row[0].encode("utf-8"))

    def records(self) -> list[Record]:
        """Every record held, in hash order."""
        return [parse_record(row[0].encode("utf-8")) for row in self.db.execute("SELECT raw FROM records")]

    def record_ids(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT id FROM records")}

    def records_of_seal(self, seq: int) -> list[Record]:
        rows = self.db.execute("SELECT raw FROM records WHERE seal_seq = ? ORDER BY hash", [seq])
        return [parse_record(row[0].encode("utf-8")) for row in rows]

    def counts(self) -> dict[str, int]:
        """Records pending (unsealed), sealed but unacknowledged, and acknowledged."""
        row = self.db.execute(
            """SELECT
                 SUM(CASE WHEN r.seal_seq IS NULL THEN 1 ELSE 0 END),
                 SUM(CASE WHEN r.seal_seq IS NOT NULL AND s.acked = 0 THEN 1 ELSE 0 END),
                 SUM(CASE WHEN s.acked = 1 THEN 1 ELSE 0 END)
               FROM records r LEFT JOIN seals s ON s.seq = r.seal_seq"""
        ).fetchone()
        return {"pending": row[0] or 0, "sealed": row[1] or 0, "acknowledged": row[2] or 0}

    # ------------------------------------------------------------ seals

    def head(self) -> tuple[int, str | None]:
        """(seq, hash) of the newest seal, or (0, None) before the first."""
        row = self.db.execute("SELECT seq, hash FROM seals ORDER BY seq DESC LIMIT 1").fetchone()
        return (0, None) if row is None else (int(row[0]), str(row[1]))

    def insert_seal(self, seal: Record) -> None:
        """Store a seal and mark the records it lists as sealed by it (call inside ``atomic``)."""
        seq = seal.body["seq"]
        self.db.execute("INSERT INTO seals (seq, hash, raw, acked) VALUES (?, ?, ?, 0)", [seq, seal.hash, seal.text])
        hashes = seal.body["records"]
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            marks = ",".join("?" * len(chunk))
            cursor = self.db.execute(
                f"UPDATE records SET seal_seq = ? WHERE seal_seq IS NULL AND hash IN ({marks})", [seq, *chunk]
            )
            if cursor.rowcount != len(chunk):
                raise ValueError(f"seal {seq} lists records that are not pending on this terminal")

    def seals(self, *, unacked_only: bool = False, after: int = 0) -> list[StoredSeal]:
        where = "seq > ?" + (" AND acked = 0" if unacked_only else "")
        rows = self.db.execute(f"SELECT seq, raw, acked FROM seals WHERE {where} ORDER BY seq", [after])
        return [StoredSeal(int(seq), parse_record(raw.encode("utf-8")), bool(acked)) for seq, raw, acked in rows]

    def seal_hash(self, seq: int) -> str | None:
        row = self.db.execute("SELECT hash FROM seals WHERE seq = ?", [seq]).fetchone()
        return None if row is None else str(row[0])

    def mark_acked(self, upto_seq: int) -> int:
        """Mark every seal up to ``upto_seq`` acknowledged; returns how many changed."""
        with self.atomic():
            cursor = self.db.execute("UPDATE seals SET acked = 1 WHERE seq <= ? AND acked = 0", [upto_seq])
        return int(cursor.rowcount)

    def acked_seq(self) -> int:
        row = self.db.execute("SELECT MAX(seq) FROM seals WHERE acked = 1").fetchone()
        return int(row[0] or 0)

    def seal_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM seals").fetchone()[0])

    # ------------------------------------------------------------ manifests

    def add_manifest(self, raw: bytes, manifest: Manifest) -> None:
        """Store a manifest that the caller has verified (signature and serial)."""
        with self.atomic():
            self.db.execute(
                "INSERT INTO manifests (serial, raw, applied_at) VALUES (?, ?, ?)",
                [manifest.serial, raw.decode("utf-8"), _utc_now()],
            )

    def manifest_raw(self) -> bytes | None:
        row = self.db.execute("SELECT raw FROM manifests ORDER BY serial DESC LIMIT 1").fetchone()
        return None if row is None else str(row[0]).encode("utf-8")

    def manifest_serial(self) -> int:
        row = self.db.execute("SELECT MAX(serial) FROM manifests").fetchone()
        return int(row[0] or 0)

    def manifest(self) -> Manifest | None:
        """The newest manifest held (verified when it was applied), or None."""
        serial = self.manifest_serial()
        if serial == 0:
            return None
        if self._manifest_cache is not None and self._manifest_cache[0] == serial:
            return self._manifest_cache[1]
        raw = self.manifest_raw()
        assert raw is not None
        manifest = Manifest.model_validate(parse_canonical(raw))
        self._manifest_cache = (serial, manifest)
        return manifest
