"""Polis exports in and out of Voxit conversations (docs/design.md, "Voxit conversations").

Import (:func:`import_polis`): a folder with ``comments.csv`` and ``votes.csv`` becomes a new,
closed conversation (id from the folder name). Every Polis id is kept: a comment's id is the
statement's number (its slug the id as text), a voter's id the participant's number. The
votes enter the raw log as the terminals' would: one ``voxit.vote`` record per Polis participant
holding their final answers (the last vote per comment, as Polis counts), and one
``voxit.statement`` record per comment (by its author), signed by a server-held "Polis import"
device (key in ``DIR/keys/polis-import.key``, enrolled like a terminal), sealed 900 to a seal
and sent through ``ingest_lines`` with channel ``import``. A comment longer than a terminal may
send (280 characters) is kept as a statement row without a record (counted in the result).
Moderation as in Polis: ``moderated`` 1 -> approved, -1 -> rejected (moderated out: shown to
nobody, zeroed in the analysis), 0 -> pending (in the moderation queue). Participant tokens
are ``base32(sha256("polis:<process>:<id>"))`` (26 characters): deterministic, and the
``voxit_participants`` table maps them back to the Polis id.

Export (:func:`export_polis`): ``comments.csv`` (every statement, moderated -1 / 0 / 1 as
above, agrees / disagrees from the final votes), ``votes.csv`` (one row per final vote, the
time its record was received) and ``participants-votes.csv`` (the final matrix; ``group-id``
from the latest analysis run), in the layout of ``sync_server.analysis.polis_export``.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from shared_models.bodies import MAX_STATEMENT
from shared_models.keys import device_id_for
from shared_models.manifest import ManifestProcess
from shared_models.records import Record, make_record, sign_record
from shared_models.seals import genesis_prev, make_seal
from sync_server.analysis.matrix import VoteLog, build_vote_matrix
from sync_server.analysis.polis_export import (
    PolisComment,
    read_comments_csv,
    read_votes_csv,
    write_comments_csv,
    write_participants_votes_csv,
    write_votes_csv,
)
from sync_server.db import repo
from sync_server.db.models import VoxitParticipant, VoxitStatementRow
from sync_server.errors import BadRequest
from sync_server.services import processes
from sync_server.services.audit import record_action
from sync_server.services.ingest import ingest_lines
from sync_server.services.pb_import import free_process_id
from sync_server.services.server_devices import server_device_key
from sync_server.services.voxit import latest_analysis, load_votes, rebuild_settings, statement_rows
from sync_server.settings import ServerKeys

__all__ = ["IMPORT_DEVICE_NAME", "IMPORT_KEY_FILE", "export_polis", "import_polis", "import_token"]

IMPORT_KEY_FILE = "keys/polis-import.key"
IMPORT_DEVICE_NAME = "Polis import"
SEAL_SIZE = 900  # as paper ballots: a seal of 1,000 hashes would pass the 64 KiB record limit
SEALS_PER_BATCH = 10
STATES = {1: "approved", -1: "rejected", 0: "pending"}
MODERATED = {state: flag for flag, state in STATES.items()}


def import_token(process_id: str, polis_id: int) -> str:
    """The participant token of a Polis participant id in a conversation."""
    digest = hashlib.sha256(f"polis:{process_id}:{polis_id}".encode()).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:26]


def _import_key(session: Session, keys: ServerKeys, data_dir: Path) -> Ed25519PrivateKey:
    """The import device's key, created and enrolled (as a terminal) on first use."""
    return server_device_key(session, keys, data_dir / IMPORT_KEY_FILE, name=IMPORT_DEVICE_NAME)[0]


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()


def _read(folder: Path, name: str) -> str:
    path = folder / name
    if not path.is_file():
        raise BadRequest(f"{folder} holds no {name} (a Polis export has comments.csv and votes.csv)")
    return path.read_text(encoding="utf-8")


def _send(session: Session, key: Ed25519PrivateKey, records: list[Record], days: list[str]) -> dict[str, int]:
    device = device_id_for(key)
    with session.begin():
        seq, head = repo.chain_head(session, device=device)
    prev = head or genesis_prev(key)
    totals = {"accepted": 0, "duplicate": 0, "quarantined": 0, "rejected": 0}
    lines: list[bytes] = []

    def flush() -> None:
        if not lines:
            return
        with session.begin():
            report = ingest_lines(session, device_id=device, lines=list(lines), channel="import", source="import-polis")
        for name, count in report.counts.items():
            totals[name] = totals.get(name, 0) + count
        lines.clear()

    for start in range(0, len(records), SEAL_SIZE):
        chunk = records[start : start + SEAL_SIZE]
        seq += 1
        day = max(days[start : start + SEAL_SIZE])
        seal = make_seal(key, seq=seq, prev=prev, record_hashes=[r.hash for r in chunk], day=day, reason="forced")
        prev = seal.hash
        lines.extend(r.raw for r in chunk)
        lines.append(seal.raw)
        if seq % SEALS_PER_BATCH == 0:
            flush()
    flush()
    return totals


def import_polis(
    session: Session, keys: ServerKeys, data_dir: Path, folder: Path, *, lang: str = "und"
) -> dict[str, Any]:
    """A new conversation from a Polis export folder; returns its id and what was imported."""
    folder = Path(folder)
    comments = read_comments_csv(_read(folder, "comments.csv"))
    votes = read_votes_csv(_read(folder, "votes.csv"))
    ids = [c.id for c in comments]
    if len(set(ids)) != len(ids):
        raise BadRequest("comments.csv lists a comment id twice")
    if any(c.id < 0 for c in comments) or (len(votes) and int(votes.participant.min()) < 0):
        raise BadRequest("a comment id or voter id in the export is negative")
    unknown = sorted(set(votes.statement.tolist()) - set(ids))
    if unknown:
        raise BadRequest(f"votes.csv has votes on comments that comments.csv does not list: {unknown[:5]}")
    with session.begin():
        process_id = free_process_id(session, folder.resolve().name)
    name = folder.resolve().name
    process = ManifestProcess(
        id=process_id,
        title={"fi": name, "sv": name, "en": name},
        activities=["voxit"],
        test=False,
        status="closed",
        min_seal=5,
        settings={"voxit": {"allow_proposals": False, "statements": []}},
    )
    processes.save_process(session, keys, process)
    key = _import_key(session, keys, data_dir)
    device = device_id_for(key)

    matrix = build_vote_matrix(votes)
    last_vote: dict[int, int] = {}
    for p, t in zip(votes.participant.tolist(), votes.timestamp.tolist(), strict=True):
        last_vote[p] = max(last_vote.get(p, t), t)
    people = sorted({*matrix.participant_ids.tolist(), *(c.author_id for c in comments if c.author_id >= 0)})
    records: list[Record] = []
    days: list[str] = []
    statement_hash: dict[int, str] = {}
    too_long = 0
    for c in comments:
        if c.author_id < 0 or not c.body.strip() or len(c.body) > MAX_STATEMENT:
            too_long += 1
            continue
        body = {"process": process_id, "participant": import_token(process_id, c.author_id), "text": c.body}
        record = sign_record(
            make_record("voxit.statement", {**body, "lang": lang}, device=device, day=_day(c.timestamp)), key
        )
        statement_hash[c.id] = record.hash
        records.append(record)
        days.append(_day(c.timestamp))
    bounds = np.searchsorted(matrix.rows, np.arange(matrix.shape[0] + 1))
    for row, pid in enumerate(matrix.participant_ids.tolist()):
        cells = range(int(bounds[row]), int(bounds[row + 1]))
        answers = {str(int(matrix.statement_ids[matrix.cols[k]])): int(matrix.values[k]) for k in cells}
        day = _day(last_vote[pid])
        vote: dict[str, Any] = {"process": process_id, "participant": import_token(process_id, pid), "answers": answers}
        records.append(sign_record(make_record("voxit.vote", vote, device=device, day=day), key))
        days.append(day)

    with session.begin():
        session.add_all(
            VoxitParticipant(process_id=process_id, number=p, token=import_token(process_id, p)) for p in people
        )
        session.add_all(
            VoxitStatementRow(
                process_id=process_id,
                number=c.id,
                slug=str(c.id),
                origin="participant",
                text={lang: c.body},
                lang=lang,
                author=c.author_id if c.author_id >= 0 else None,
                record_hash=statement_hash.get(c.id),
                state=STATES.get(c.moderated, "pending"),
                meta=False,
                created_ms=c.timestamp,
            )
            for c in comments
        )
    counts = _send(session, key, records, days)
    with session.begin():
        rebuild_settings(session, keys, process_id)
        detail: dict[str, Any] = {
            "folder": str(folder),
            "comments": len(comments),
            "participants": len(people),
            "votes": int(matrix.n_votes),
            "ingest": counts,
        }
        record_action(
            session,
            "conversation.imported",
            at=datetime.now(UTC),
            actor=None,
            email="command line",
            target=process_id,
            detail=detail,
        )
    return {
        "process": process_id,
        "comments": len(comments),
        "participants": int(matrix.shape[0]),
        "votes": int(matrix.n_votes),
        "without_record": too_long,
        "ingest": counts,
    }


def export_polis(session: Session, process_id: str, folder: Path) -> list[Path]:
    """Write ``comments.csv``, ``votes.csv`` and ``participants-votes.csv`` of a conversation."""
    with session.begin():
        log, _ = load_votes(session, process_id)
        rows = statement_rows(session, process_id)
        run = latest_analysis(session, process_id)
    matrix = build_vote_matrix(log)
    # The last vote per participant and statement (by time, then log order), with its time.
    final: dict[tuple[int, int], tuple[int, int]] = {}
    for k in np.argsort(log.timestamp, kind="stable").tolist():
        final[(int(log.participant[k]), int(log.statement[k]))] = (int(log.timestamp[k]), int(log.vote[k]))
    agrees: dict[int, int] = {}
    disagrees: dict[int, int] = {}
    for (_, statement), (_, vote) in final.items():
        if vote == 1:
            agrees[statement] = agrees.get(statement, 0) + 1
        elif vote == -1:
            disagrees[statement] = disagrees.get(statement, 0) + 1
    comments = [
        PolisComment(
            id=r.number,
            author_id=r.author if r.author is not None else -1,
            timestamp=r.created_ms,
            body=r.text.get(r.lang or "", "") or r.text.get("fi") or next(iter(r.text.values())),
            moderated=MODERATED[r.state],
            agrees=agrees.get(r.number, 0),
            disagrees=disagrees.get(r.number, 0),
        )
        for r in sorted(rows, key=lambda r: (r.created_ms, r.number))
    ]
    final_log = VoteLog.from_rows(
        sorted(((p, st, v, t) for (p, st), (t, v) in final.items()), key=lambda row: (row[3], row[0], row[1]))
    )
    groups: dict[int, int] = {}
    if run is not None:
        groups = {int(p): int(g["id"]) for g in run.result["groups"] for p in g["participants"]}
    n_comments: dict[int, int] = {}
    for r in rows:
        if r.author is not None:
            n_comments[r.author] = n_comments.get(r.author, 0) + 1
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "comments.csv": write_comments_csv(comments),
        "votes.csv": write_votes_csv(final_log),
        "participants-votes.csv": write_participants_votes_csv(matrix, group=groups, n_comments=n_comments),
    }
    paths = []
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
