"""Small keyword-only repository functions: every query the services make.

Queries over many hashes take one ``IN`` list per chunk, never one SELECT per record.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Dialect, Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sync_server.db.models import Base, Device, ManifestRow, RawRecord, Seal, SealMember

__all__ = [
    "ack_for",
    "chain_head",
    "get_device",
    "hashes_for_ids",
    "held_hashes",
    "incomplete_seals",
    "insert_ignore",
    "latest_manifest",
    "lock_device",
    "mark_complete",
    "missing_counts",
    "seal_hashes_for_seqs",
    "sealed_in",
]

CHUNK = 5000
T = TypeVar("T")


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def insert_ignore(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Bulk insert; a row that collides with a unique key is skipped (the last line of defence)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    table = model.__table__
    assert isinstance(table, Table)
    if dialect == "postgresql":
        session.execute(postgresql.insert(table).on_conflict_do_nothing(), rows)
    elif dialect == "sqlite":
        if not _sqlite_executemany(session, table, rows):
            session.execute(sqlite.insert(table).on_conflict_do_nothing(), rows)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database {dialect}")


def _sqlite_executemany(session: Session, table: Table, rows: list[dict[str, Any]]) -> bool:
    """The same INSERT ... ON CONFLICT DO NOTHING as the ORM would send, handed to the driver's
    ``executemany`` as tuples (the ORM builds and type-processes a dict per row, which on a
    1,000-line batch costs more than SQLite's own work). Each column's bind processor still
    runs, once per distinct value object. False when the rows need the ORM's handling
    (missing columns with defaults, rows with other keys)."""
    keys = tuple(rows[0])
    if any(len(row) != len(keys) or row.keys() != rows[0].keys() for row in rows):
        return False
    missing = [column for column in table.columns if column.key not in keys]
    if any(column.default is not None or not (column.nullable or column.autoincrement is True) for column in missing):
        return False
    connection = session.connection()
    sql, order, processors = _compiled_insert(connection.dialect, table, keys)
    values = operator.itemgetter(*order)
    if len(order) == 1:
        params: list[Any] = [(values(row),) for row in rows]
    else:
        params = [values(row) for row in rows]
    for i, process in enumerate(processors):
        if process is None:
            continue
        last: Any = object()
        done: Any = None
        for n, row_values in enumerate(params):
            value = row_values[i]
            if value is None:
                continue
            if value is not last:  # rows of a batch share values (its time): process each object once
                last, done = value, process(value)
            params[n] = (*row_values[:i], done, *row_values[i + 1 :])
    connection.exec_driver_sql(sql, params)
    return True


@functools.cache
def _compiled_insert(
    dialect: Dialect, table: Table, keys: tuple[str, ...]
) -> tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
    compiled = sqlite.insert(table).on_conflict_do_nothing().compile(dialect=dialect, column_keys=list(keys))
    order = tuple(compiled.positiontup or ())
    if sorted(order) != sorted(keys):
        raise RuntimeError(f"unexpected parameters {order} for {table.name}")
    processors = tuple(table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in order)
    return compiled.string, order, processors


def get_device(session: Session, *, device_id: str) -> Device | None:
    return session.get(Device, device_id)


def lock_device(session: Session, *, device_id: str) -> Device | None:
    """The device row, locked until the transaction ends (SQLite: the IMMEDIATE transaction already is)."""
    return session.scalars(
        select(Device).where(Device.id == device_id).with_for_update().execution_options(populate_existing=True)
    ).first()


def held_hashes(session: Session, *, hashes: Sequence[str]) -> set[str]:
    held: set[str] = set()
    for chunk in _chunks(hashes):
        held.update(session.scalars(select(RawRecord.hash).where(RawRecord.hash.in_(chunk))))
    return held


def hashes_for_ids(session: Session, *, ids: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(ids):
        found.update(
            (row.id, row.hash)
            for row in session.execute(select(RawRecord.id, RawRecord.hash).where(RawRecord.id.in_(chunk)))
        )
    return found


def seal_hashes_for_seqs(session: Session, *, device: str, seqs: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in _chunks(seqs):
        rows = session.execute(select(Seal.seq, Seal.hash).where(Seal.device == device, Seal.seq.in_(chunk)))
        found.update((row.seq, row.hash) for row in rows)
    return found


def chain_head(session: Session, *, device: str) -> tuple[int, str | None]:
    """The highest seal held for the device (held seals are always 1..n without gaps)."""
    row = session.execute(
        select(Seal.seq, Seal.hash).where(Seal.device == device).order_by(Seal.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, None)


def sealed_in(session: Session, *, device: str, hashes: Sequence[str]) -> dict[str, int]:
    """record hash -> seq of a held seal of the device that lists it."""
    found: dict[str, int] = {}
    for chunk in _chunks(hashes):
        rows = session.execute(
            select(SealMember.record_hash, func.min(SealMember.seal_seq).label("seq"))
            .where(SealMember.device == device, SealMember.record_hash.in_(chunk))
            .group_by(SealMember.record_hash)
        )
        found.update((row.record_hash, row.seq) for row in rows)
    return found


def incomplete_seals(session: Session, *, device: str) -> list[int]:
    """The seqs of the device's seals not yet complete."""
    return list(session.scalars(select(Seal.seq).where(Seal.device == device, Seal.complete.is_(False))))


def missing_counts(session: Session, *, device: str, seqs: Sequence[int]) -> dict[int, int]:
    """seq -> how many hashes that seal waits for (``seal_members``) are still not in the raw log."""
    counts: dict[int, int] = {}
    for chunk in _chunks(sorted(seqs)):
        rows = session.execute(
            select(SealMember.seal_seq, func.count().label("missing"))
            .select_from(SealMember)
            .outerjoin(RawRecord, RawRecord.hash == SealMember.record_hash)
            .where(SealMember.device == device, SealMember.seal_seq.in_(chunk), RawRecord.hash.is_(None))
            .group_by(SealMember.seal_seq)
        )
        counts.update((row.seal_seq, row.missing) for row in rows)
    return counts


def mark_complete(session: Session, *, device: str, seqs: Sequence[int]) -> None:
    for chunk in _chunks(seqs):
        session.execute(update(Seal).where(Seal.device == device, Seal.seq.in_(chunk)).values(complete=True))


def ack_for(session: Session, *, device: str) -> tuple[int, str | None]:
    """The highest seq n such that seals 1..n are held and complete, and the hash of seal n."""
    first_open = session.scalar(select(func.min(Seal.seq)).where(Seal.device == device, Seal.complete.is_(False)))
    if first_open is None:
        return chain_head(session, device=device)
    if first_open == 1:
        return 0, None
    seal_hash = session.scalar(select(Seal.hash).where(Seal.device == device, Seal.seq == first_open - 1))
    return first_open - 1, seal_hash


def latest_manifest(session: Session) -> ManifestRow | None:
    return session.scalars(select(ManifestRow).order_by(ManifestRow.serial.desc()).limit(1)).first()
