"""Voxit conversations on the server: statements and their moderation, votes from the raw log,
the analysis runs and what they put into the manifest (docs/design.md, "Voxit conversations").

Statements (``voxit_statements``): every statement of a conversation has a *number* (the Polis
comment id; an imported statement keeps its export's id) and a *slug* (its id in the manifest
and in ``voxit.vote`` answers: the number as text, or a seed's own slug from the process file).
Seeds come from the process file (approved at once); a participant's ``voxit.statement`` record
enters the queue as ``pending`` at ingest, in the transaction that stores it
(:func:`project_records`, called by ``services.ingest``). :func:`collect_statements` (on the
moderation page and in the worker) is the catch-up for records that have no row yet: stored
before queueing at ingest existed, or whose projection failed or found its conversation locked.
A record never gets two rows (``record_hash`` is unique; both paths look for the row only after
taking the conversation's lock). A moderator approves, rejects or marks it meta (:func:`decide`),
each decision audited in the same transaction. The manifest's
``settings["voxit"]["statements"]`` is rebuilt from the approved rows after every change and the
manifest re-signed, so terminals receive them; a rejected or pending statement is never shipped.

Participants (``voxit_participants``): each anonymous token gets a number (an imported Polis
participant keeps its export's id), so analyses and exports speak Polis ids.

Votes: every ``voxit.vote`` record of the process is one participant's final answers (one
record per terminal session, one per imported Polis participant). :func:`load_votes` folds them
into the analysis ``VoteLog`` (participant number, statement number, vote, time the record was
received in ms); answers to slugs the conversation does not know are ignored.

Analysis (:func:`run_analysis`): ``analyze`` with the previous run's ``Carryover`` (groups keep
their labels), moderated-out = rejected statements, meta = meta statements; the result JSON is
stored as the next run (``voxit_analysis_runs``), and ``priorities`` and ``opinion_map`` (see
``shared_models/voxit.py``) are written into the process settings and the manifest re-signed.
It runs on ``osallistu server analyze`` and in the server's worker (``voxit_worker``) when new
votes have arrived.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from shared_models.manifest import ManifestProcess
from shared_models.voxit import SCALE, VoxitSettings, parse_voxit_settings
from sync_server.db.models import Process, RawRecord, VoxitAnalysisRun, VoxitParticipant, VoxitStatementRow
from sync_server.errors import ServerError, StaffInputError, UnknownProcess
from sync_server.logevents import log_event
from sync_server.services.audit import Actor, record_action
from sync_server.services.manifest import publish_manifest
from sync_server.settings import ServerKeys

if TYPE_CHECKING:  # the analysis package loads scikit-learn: imported where it runs (run_analysis, load_votes)
    from sync_server.analysis.matrix import VoteLog
    from sync_server.analysis.pipeline import Analysis

__all__ = [
    "DECISIONS",
    "AnalysisRun",
    "NoVotes",
    "add_seed",
    "analyse_when_new_votes",
    "analysis_report",
    "collect_statements",
    "decide",
    "group_votes_of",
    "latest_analysis",
    "load_votes",
    "moderation_queue",
    "opinion_map_of",
    "participant_number",
    "prepare_settings",
    "priorities_of",
    "project_records",
    "rebuild_settings",
    "run_analysis",
    "statement_rows",
    "vote_record_count",
    "voxit_process_ids",
]

Decision = Literal["approve", "reject", "meta"]
DECISIONS: tuple[Decision, ...] = ("approve", "reject", "meta")
STATES = ("pending", "approved", "rejected")
MAX_SEED = 280  # as a participant's statement (shared_models.bodies.MAX_STATEMENT)
INGEST_LOCK_WAIT_MS = 1000  # how long an ingest waits for a conversation's lock before leaving it to the catch-up


class NoVotes(ServerError):
    """A conversation without any vote cannot be analysed yet."""

    reason = "voxit_no_votes"


@dataclass(frozen=True)
class AnalysisRun:
    process_id: str
    run: int
    created_at: datetime
    votes: int
    seconds: float
    result: dict[str, Any]


def _ms(moment: datetime) -> int:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _lock(session: Session, process_id: str) -> None:
    """Hold the process row until the transaction ends (PostgreSQL ``FOR UPDATE``), so two
    writers never hand out the same statement or participant number. SQLite transactions
    already begin IMMEDIATE (one writer at a time)."""
    session.execute(select(Process.id).where(Process.id == process_id).with_for_update())


def _voxit_process(session: Session, process_id: str) -> Process:
    """The conversation's row, locked for this transaction (see :func:`_lock`)."""
    _lock(session, process_id)
    row = session.get(Process, process_id)
    if row is None:
        raise UnknownProcess(f"no process {process_id!r}")
    if "voxit" not in row.activities:
        raise UnknownProcess(f"process {process_id!r} is not a Voxit conversation", reason="not_voxit")
    return row


def voxit_process_ids(session: Session) -> list[str]:
    return [row.id for row in session.scalars(select(Process).order_by(Process.id)) if "voxit" in row.activities]


def statement_rows(session: Session, process_id: str) -> list[VoxitStatementRow]:
    return list(
        session.scalars(
            select(VoxitStatementRow)
            .where(VoxitStatementRow.process_id == process_id)
            .order_by(VoxitStatementRow.number)
        )
    )


def _next_number(session: Session, process_id: str) -> int:
    top = session.scalar(select(func.max(VoxitStatementRow.number)).where(VoxitStatementRow.process_id == process_id))
    return 0 if top is None else int(top) + 1


def participant_number(session: Session, process_id: str, token: str, cache: dict[str, int] | None = None) -> int:
    """The participant's number in the conversation; a new token gets the next free one."""
    if cache is not None and token in cache:
        return cache[token]
    number = session.scalar(
        select(VoxitParticipant.number).where(
            VoxitParticipant.process_id == process_id, VoxitParticipant.token == token
        )
    )
    if number is None:
        top = session.scalar(select(func.max(VoxitParticipant.number)).where(VoxitParticipant.process_id == process_id))
        number = 0 if top is None else int(top) + 1
        session.add(VoxitParticipant(process_id=process_id, number=number, token=token))
        session.flush()
    if cache is not None:
        cache[token] = int(number)
    return int(number)


# --- settings -----------------------------------------------------------------------------------


def _shown(rows: Iterable[VoxitStatementRow]) -> list[dict[str, Any]]:
    return [
        {"id": r.slug, "text": dict(r.text), "origin": r.origin, "meta": r.meta} for r in rows if r.state == "approved"
    ]


def _settings_with_statements(voxit: dict[str, Any], rows: list[VoxitStatementRow]) -> VoxitSettings:
    shown = _shown(rows)
    ids = {s["id"] for s in shown}
    updated = {**voxit, "statements": shown}
    if voxit.get("priorities") is not None:
        updated["priorities"] = {k: v for k, v in voxit["priorities"].items() if k in ids}
    return parse_voxit_settings(updated)


def prepare_settings(session: Session, process: ManifestProcess, *, now: datetime) -> dict[str, Any]:
    """The settings to store for ``process`` (inside the caller's transaction).

    For a Voxit process: ``settings["voxit"]`` checked with ``shared_models.voxit``; the file's
    statements registered as approved seeds (a known slug keeps its number; its text and meta
    follow the file); the statements approved earlier (participants', seeds added on the
    moderation page) kept; the previous analysis' priorities and map kept unless the file
    brings its own. Other processes: unchanged.
    """
    settings = dict(process.settings)
    if "voxit" not in process.activities:
        return settings
    given = parse_voxit_settings(settings.get("voxit") or {})
    _lock(session, process.id)
    existing = {r.slug: r for r in statement_rows(session, process.id)}
    for statement in given.statements:
        row = existing.get(statement.id)
        if row is None:
            number = _next_number(session, process.id)
            if statement.id.isdigit() and session.get(VoxitStatementRow, (process.id, int(statement.id))) is None:
                number = int(statement.id)
            row = VoxitStatementRow(
                process_id=process.id,
                number=number,
                slug=statement.id,
                origin=statement.origin,
                text=dict(statement.text),
                lang=None if statement.origin == "seed" else next(iter(statement.text)),
                state="approved",
                meta=statement.meta,
                created_ms=_ms(now),
            )
            session.add(row)
        else:
            row.text = dict(statement.text)
            row.meta = statement.meta
            row.state = "approved"
        session.flush()
    previous = session.get(Process, process.id)
    base = given.to_dict()
    if previous is not None:
        old = (previous.settings or {}).get("voxit") or {}
        for key in ("priorities", "opinion_map"):
            if key not in base and key in old:
                base[key] = old[key]
    settings["voxit"] = _settings_with_statements(base, statement_rows(session, process.id)).to_dict()
    return settings


def rebuild_settings(session: Session, keys: ServerKeys, process_id: str, **extra: Any) -> bytes:
    """Rewrite ``settings["voxit"]["statements"]`` from the approved rows (and ``extra`` keys),
    then re-sign the manifest; inside the caller's transaction. Returns the manifest bytes."""
    row = _voxit_process(session, process_id)
    voxit = {**((row.settings or {}).get("voxit") or {}), **extra}
    settings = _settings_with_statements(voxit, statement_rows(session, process_id))
    row.settings = {**(row.settings or {}), "voxit": settings.to_dict()}
    session.flush()
    return publish_manifest(session, keys)


# --- moderation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Statement:
    """A ``voxit.statement`` record on its way into the queue."""

    record_hash: str
    body: dict[str, Any]
    received_at: datetime


def _queue(session: Session, process_id: str, statements: list[_Statement]) -> int:
    """Pending rows for those of ``statements`` (all of ``process_id``) that have none yet; the
    caller holds the conversation's lock (:func:`_lock`), so no other writer is numbering its
    statements and a row another transaction committed for one of these records is visible
    (PostgreSQL READ COMMITTED reads a fresh snapshot per statement). Each row is added in its
    own savepoint: a record that fails is logged and left to the catch-up. Returns how many."""
    hashes = [s.record_hash for s in statements]
    known: set[str | None] = set()
    for start in range(0, len(hashes), 500):  # a catch-up after an upgrade may bring thousands
        chunk = hashes[start : start + 500]
        known.update(
            session.scalars(select(VoxitStatementRow.record_hash).where(VoxitStatementRow.record_hash.in_(chunk)))
        )
    added = 0
    for item in statements:
        if item.record_hash in known:
            continue
        try:
            with session.begin_nested():
                body = item.body
                author = participant_number(session, process_id, body["participant"])
                number = _next_number(session, process_id)
                session.add(
                    VoxitStatementRow(
                        process_id=process_id,
                        number=number,
                        slug=str(number),
                        origin="participant",
                        text={body["lang"]: body["text"]},
                        lang=body["lang"],
                        author=author,
                        record_hash=item.record_hash,
                        state="pending",
                        meta=False,
                        created_ms=_ms(item.received_at),
                    )
                )
                session.flush()
        except IntegrityError:  # the last line of defence: the record has its row already
            continue
        except Exception as exc:  # one bad record must not stop the others (nor the ingest)
            log_event(
                "voxit.projection_failed",
                logging.ERROR,
                record=item.record_hash,
                reason="error",
                error=type(exc).__name__,
                message=str(exc)[:200],
            )
            continue
        known.add(item.record_hash)
        added += 1
    return added


def _by_process(rows: Iterable[tuple[str, str, datetime]]) -> dict[str, list[_Statement]]:
    """``(hash, raw, received_at)`` of ``voxit.statement`` records grouped by the process they
    name, in the given order."""
    grouped: dict[str, list[_Statement]] = {}
    for record_hash, raw, received_at in rows:
        try:
            body = json.loads(raw)["body"]
            process_id = str(body["process"])
        except (ValueError, KeyError, TypeError):  # the ingest parsed it already: not expected
            log_event("voxit.projection_failed", logging.ERROR, record=record_hash, reason="unreadable")
            continue
        grouped.setdefault(process_id, []).append(_Statement(record_hash, body, received_at))
    return grouped


def _try_lock(session: Session, process_id: str) -> bool:
    """:func:`_lock`, waiting at most ``INGEST_LOCK_WAIT_MS`` on PostgreSQL (an analysis holds the
    lock for seconds; an ingest does not wait that long). False when the lock was not had: the
    savepoint is rolled back and the transaction goes on."""
    if session.get_bind().dialect.name != "postgresql":
        _lock(session, process_id)  # SQLite: the transaction is the only writer already
        return True
    previous = session.scalar(text("SELECT current_setting('lock_timeout')"))
    try:
        with session.begin_nested():
            session.execute(
                text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": f"{INGEST_LOCK_WAIT_MS}ms"}
            )
            _lock(session, process_id)
    except OperationalError:  # lock_timeout, or PostgreSQL broke a deadlock by choosing us
        return False
    finally:
        session.execute(text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": previous})
    return True


def project_records(session: Session, rows: Iterable[Mapping[str, Any]]) -> int:
    """Queue the accepted ``voxit.statement`` records of an ingest batch as pending statements
    (``rows`` are the ingest's dicts: ``hash``, ``kind``, ``raw``, ``received_at``; other kinds are
    skipped, and a batch without statements costs no query). Runs in the ingest's transaction,
    after the device lock: the conversations are locked in the order of their ids, each waiting
    at most ``INGEST_LOCK_WAIT_MS``; a conversation whose lock is busy, or a record that fails, is
    left to :func:`collect_statements`. Never raises for a record. Returns how many were queued."""
    statements = [(row["hash"], row["raw"], row["received_at"]) for row in rows if row["kind"] == "voxit.statement"]
    if not statements:
        return 0
    grouped = _by_process(statements)
    voxit_ids = {
        row.id
        for row in session.scalars(select(Process).where(Process.id.in_(sorted(grouped))))
        if "voxit" in row.activities
    }
    added = 0
    for process_id, items in sorted(grouped.items()):
        if process_id not in voxit_ids:  # an unknown or non-Voxit process: the raw log only
            continue
        if not _try_lock(session, process_id):
            log_event("voxit.projection_failed", process=process_id, reason="busy", records=len(items))
            continue
        added += _queue(session, process_id, items)
    if added:
        log_event("voxit.statements_queued", count=added, at="ingest")
    return added


def collect_statements(session: Session, process_id: str | None = None) -> int:
    """The catch-up: queue the ``voxit.statement`` records of the raw log that have no row yet
    (stored before queueing at ingest, or whose projection at ingest failed) as pending
    statements, inside the caller's transaction; returns how many were added. Idempotent: a
    record that has its row is skipped (looked up again after the conversation's lock). Records
    for unknown or non-Voxit processes are left in the raw log only."""
    missing = session.execute(
        select(RawRecord.hash, RawRecord.raw, RawRecord.received_at)
        .outerjoin(VoxitStatementRow, VoxitStatementRow.record_hash == RawRecord.hash)
        .where(RawRecord.kind == "voxit.statement", VoxitStatementRow.record_hash.is_(None))
        .order_by(RawRecord.received_at, RawRecord.hash)
    ).all()
    if not missing:
        return 0
    voxit_ids = set(voxit_process_ids(session))
    added = 0
    for pid, items in sorted(_by_process((h, r, at) for h, r, at in missing).items()):
        if pid not in voxit_ids or (process_id is not None and pid != process_id):
            continue
        _lock(session, pid)  # in the order of the ids, as project_records
        added += _queue(session, pid, items)
    if added:
        log_event("voxit.statements_queued", count=added, at="catch_up")
    return added


def moderation_queue(session: Session, process_id: str | None = None) -> list[VoxitStatementRow]:
    """Pending statements, oldest first (after queueing the records that arrived since)."""
    collect_statements(session, process_id)
    query = select(VoxitStatementRow).where(VoxitStatementRow.state == "pending")
    if process_id is not None:
        query = query.where(VoxitStatementRow.process_id == process_id)
    return list(session.scalars(query.order_by(VoxitStatementRow.process_id, VoxitStatementRow.number)))


def decide(
    session: Session,
    keys: ServerKeys,
    *,
    process_id: str,
    number: int,
    decision: Decision,
    actor: Actor,
    now: datetime,
    client_ip: str | None = None,
) -> VoxitStatementRow:
    """Approve, reject or mark meta (approved, fixed priority) one statement; audited; the
    manifest re-signed. Runs its own transaction."""
    if decision not in DECISIONS:
        raise StaffInputError(f"unknown decision {decision!r}", reason="bad_decision")
    with session.begin():
        _voxit_process(session, process_id)
        row = session.get(VoxitStatementRow, (process_id, number))
        if row is None:
            raise StaffInputError(f"no statement {number} in {process_id!r}", reason="unknown_statement")
        before = {"state": row.state, "meta": row.meta}
        row.state = "rejected" if decision == "reject" else "approved"
        row.meta = decision == "meta"
        row.decided_at = now
        row.decided_by = actor.id
        record_action(
            session,
            "statement.moderated",
            at=now,
            actor=actor,
            target=f"{process_id}/{number}",
            detail={"decision": decision, "before": before, "text": dict(row.text)},
            client_ip=client_ip,
        )
        rebuild_settings(session, keys, process_id)
        log_event("voxit.statement_moderated", process=process_id, statement=number, decision=decision)
        return row


def add_seed(
    session: Session,
    keys: ServerKeys,
    *,
    process_id: str,
    text: dict[str, str],
    actor: Actor,
    now: datetime,
    client_ip: str | None = None,
) -> VoxitStatementRow:
    """A staff seed statement (Finnish, Swedish and English), approved at once; audited; the
    manifest re-signed. Runs its own transaction."""
    cleaned = {lang: " ".join(text.get(lang, "").split()) for lang in ("fi", "sv", "en")}
    if any(not value or len(value) > MAX_SEED for value in cleaned.values()):
        raise StaffInputError(f"a seed needs a text of 1-{MAX_SEED} characters in fi, sv and en", reason="bad_seed")
    with session.begin():
        _voxit_process(session, process_id)
        number = _next_number(session, process_id)
        row = VoxitStatementRow(
            process_id=process_id,
            number=number,
            slug=str(number),
            origin="seed",
            text=cleaned,
            lang=None,
            state="approved",
            meta=False,
            created_ms=_ms(now),
            decided_at=now,
            decided_by=actor.id,
        )
        session.add(row)
        session.flush()
        record_action(
            session,
            "statement.seed_added",
            at=now,
            actor=actor,
            target=f"{process_id}/{number}",
            detail={"text": cleaned},
            client_ip=client_ip,
        )
        rebuild_settings(session, keys, process_id)
        log_event("voxit.seed_added", process=process_id, statement=number)
        return row


# --- votes and analysis -------------------------------------------------------------------------


def vote_record_count(session: Session, process_id: str) -> int:
    """``voxit.vote`` records of the process in the raw log."""
    count = 0
    for (raw,) in session.execute(select(RawRecord.raw).where(RawRecord.kind == "voxit.vote")):
        if json.loads(raw)["body"]["process"] == process_id:
            count += 1
    return count


def load_votes(session: Session, process_id: str) -> tuple[VoteLog, int]:
    """The conversation's vote log from the raw log (inside the caller's transaction) and the
    number of ``voxit.vote`` records read. New tokens get participant numbers."""
    from sync_server.analysis.matrix import VoteLog

    slugs = {r.slug: r.number for r in statement_rows(session, process_id)}
    numbers = {
        token: number
        for token, number in session.execute(
            select(VoxitParticipant.token, VoxitParticipant.number).where(VoxitParticipant.process_id == process_id)
        )
    }
    participant: list[int] = []
    statement: list[int] = []
    vote: list[int] = []
    stamp: list[int] = []
    records = 0
    rows = session.execute(
        select(RawRecord.raw, RawRecord.received_at)
        .where(RawRecord.kind == "voxit.vote")
        .order_by(RawRecord.received_at, RawRecord.hash)
    )
    for raw, received_at in rows:
        body = json.loads(raw)["body"]
        if body["process"] != process_id:
            continue
        records += 1
        who = participant_number(session, process_id, body["participant"], numbers)
        at = _ms(received_at)
        for slug, answer in body["answers"].items():
            number = slugs.get(slug)
            if number is None:
                continue
            participant.append(who)
            statement.append(number)
            vote.append(int(answer))
            stamp.append(at)
    log = VoteLog.from_arrays(
        np.asarray(participant, dtype=np.int64),
        np.asarray(statement, dtype=np.int64),
        np.asarray(vote, dtype=np.int64),
        np.asarray(stamp, dtype=np.int64),
    )
    return log, records


def _latest_run(session: Session, process_id: str) -> VoxitAnalysisRun | None:
    return session.scalars(
        select(VoxitAnalysisRun)
        .where(VoxitAnalysisRun.process_id == process_id)
        .order_by(VoxitAnalysisRun.run.desc())
        .limit(1)
    ).first()


def _scaled(values: Iterable[float]) -> list[int]:
    return [round(float(v) * SCALE) for v in values]


def priorities_of(analysis: Analysis, slug_of: dict[int, str], shown: set[int]) -> dict[str, int]:
    """``settings["voxit"]["priorities"]``: the shown statements' Polis priorities x ``SCALE``,
    at least 1 so that every shown statement can be drawn."""
    return {
        slug_of[number]: max(1, round(float(p) * SCALE))
        for number, p in zip(analysis.statement_ids.tolist(), analysis.priority.tolist(), strict=True)
        if number in shown
    }


def opinion_map_of(analysis: Analysis, slug_of: dict[int, str], run: int) -> dict[str, Any]:
    """``settings["voxit"]["opinion_map"]`` of an analysis (see ``shared_models.voxit``)."""
    columns = analysis.matrix.statement_ids.tolist()
    kept = [j for j, number in enumerate(columns) if number not in analysis.moderated_out]
    groups = analysis.groups
    return {
        "run": run,
        "columns": len(columns),
        "moderated": len(columns) - len(kept),
        "statements": [slug_of[columns[j]] for j in kept],
        "center": _scaled(analysis.pca.center[kept]),
        "components": [_scaled(analysis.pca.components[i][kept]) for i in range(2)],
        "groups": [
            {
                "id": int(g),
                "x": round(float(c[0]) * SCALE),
                "y": round(float(c[1]) * SCALE),
                "size": len(groups[int(g)]),
            }
            for g, c in zip(analysis.clustering.group_ids.tolist(), analysis.clustering.centers, strict=True)
        ],
    }


def group_votes_of(analysis: Analysis) -> list[dict[str, Any]]:
    """Per group, its agree / disagree / seen counts in the order of ``to_json()["statements"]``
    (kept in a run as ``"group_votes"`` for the public pages; runs stored before have none)."""
    votes = analysis.group_votes
    return [
        {
            "id": int(g),
            "agree": votes.agree[i].tolist(),
            "disagree": votes.disagree[i].tolist(),
            "seen": votes.seen[i].tolist(),
        }
        for i, g in enumerate(votes.group_ids.tolist())
    ]


def run_analysis(
    session: Session, keys: ServerKeys, process_id: str, *, now: datetime | None = None, seed: int = 0
) -> AnalysisRun:
    """Analyse the conversation now: store the run, put priorities and the opinion map in the
    manifest (re-signed). Runs its own transaction; raises NoVotes before the first vote."""
    from sync_server.analysis.pipeline import Carryover, analyze  # loads scikit-learn (seconds)

    now = now or datetime.now(UTC)
    with session.begin():
        _voxit_process(session, process_id)
        collect_statements(session, process_id)
        log, records = load_votes(session, process_id)
        if len(log) == 0:
            raise NoVotes(f"conversation {process_id!r} has no votes yet")
        rows = statement_rows(session, process_id)
        previous = _latest_run(session, process_id)
        carry = Carryover.from_json(previous.result) if previous is not None else None
        started = time.perf_counter()
        analysis = analyze(
            log,
            moderated_out=[r.number for r in rows if r.state == "rejected"],
            meta=[r.number for r in rows if r.meta],
            statement_ids=[r.number for r in rows if r.state != "rejected"],
            previous=carry,
        )
        seconds = time.perf_counter() - started
        run = (previous.run if previous is not None else 0) + 1
        result = {**analysis.to_json(), "group_votes": group_votes_of(analysis)}
        session.add(
            VoxitAnalysisRun(
                process_id=process_id, run=run, created_at=now, votes=records, seconds=seconds, result=result
            )
        )
        slug_of = {r.number: r.slug for r in rows}
        shown = {r.number for r in rows if r.state == "approved"}
        priorities = priorities_of(analysis, slug_of, shown)
        rebuild_settings(
            session, keys, process_id, priorities=priorities, opinion_map=opinion_map_of(analysis, slug_of, run)
        )
        log_event("voxit.analysed", process=process_id, run=run, votes=records, seconds=round(seconds, 3))
        return AnalysisRun(process_id, run, now, records, seconds, result)


def latest_analysis(session: Session, process_id: str) -> AnalysisRun | None:
    """The last stored run (inside the caller's transaction), or None."""
    row = _latest_run(session, process_id)
    if row is None:
        return None
    return AnalysisRun(row.process_id, row.run, row.created_at, row.votes, row.seconds, row.result)


def analysis_report(session: Session, run: AnalysisRun) -> dict[str, Any]:
    """A run for people and scripts: groups with participant ids, statements with their
    consensus and priority; ids are the Polis ids (participant and statement numbers)."""
    rows = {r.number: r for r in statement_rows(session, run.process_id)}
    result = run.result
    return {
        "process": run.process_id,
        "run": run.run,
        "created_at": run.created_at.replace(tzinfo=run.created_at.tzinfo or UTC).isoformat(),
        "votes_records": run.votes,
        "seconds": run.seconds,
        "matrix": result["matrix"],
        "k": result["k"],
        "in_conv": len(result["in_conv"]),
        "groups": [
            {"id": g["id"], "participants": g["participants"], "representative": g["representative"]}
            for g in result["groups"]
        ],
        "statements": [
            {
                "id": s["id"],
                "slug": rows[s["id"]].slug if s["id"] in rows else None,
                "state": rows[s["id"]].state if s["id"] in rows else None,
                "meta": s["meta"],
                "group_informed_consensus": s["group_informed_consensus"],
                "divisiveness": s["divisiveness"],
                "priority": s["priority"],
            }
            for s in result["statements"]
        ],
        "divisive": result["divisive"],
    }


def analyse_when_new_votes(session: Session, keys: ServerKeys, *, now: Callable[[], datetime]) -> list[AnalysisRun]:
    """One pass of the worker: every Voxit conversation with more ``voxit.vote`` records than
    its last run read is analysed again."""
    done: list[AnalysisRun] = []
    with session.begin():
        collect_statements(session)
        ids = voxit_process_ids(session)
        due = []
        for process_id in ids:
            last = _latest_run(session, process_id)
            if vote_record_count(session, process_id) > (last.votes if last is not None else 0):
                due.append(process_id)
    for process_id in due:
        try:
            done.append(run_analysis(session, keys, process_id, now=now()))
        except NoVotes:  # every answer was to statements the conversation does not know
            continue
    return done
