"""Server ingest: one path for HTTP pushes and USB bundles (docs/design.md, "Server ingest").

Per batch, inside one transaction holding the device's row lock:

1. unknown device: every line quarantined (``unknown_device``);
2. each line parsed with ``parse_record``; failures quarantined with the error's reason;
3. a record naming another device: quarantined (``wrong_device``);
4. revoked device: everything quarantined (``device_revoked``);
5. already held (same hash): ``duplicate``; same id or same (device, seq) with
   another hash: quarantined (``equivocation``) and an anomaly written;
6. new seals checked with ``verify_chain`` from the held head (one Ed25519 check
   per seal); a seal that does not link is quarantined with its reason, a seal
   after a gap is ``rejected`` (``seal_gap``, not stored) and an anomaly written;
7. a new record is accepted only when a held or newly verified seal lists its
   hash (no signature check). Otherwise its own signature says why: altered ->
   quarantined ``bad_signature``; intact but listed only by a seal refused in this
   batch -> ``rejected`` (``seal_gap`` or ``not_in_seal``: the terminal still has it
   and resends it behind a good seal); intact and listed by no seal ->
   quarantined ``not_in_seal``;
8. seals whose records have all arrived are marked complete; the ack is recomputed.

The caller owns the transaction (``with session.begin(): ingest_lines(...)``). The
pure work may come before it: ``parse_lines`` (step 2) and ``check_seal_signatures``
(the Ed25519 part of step 6, one check per seal) need no database, so a push does
them before taking the lock and the lock is held only for what depends on the
database.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from shared_models.errors import BadSignature, RecordError
from shared_models.keys import ed25519_public_from_b64
from shared_models.records import Record, parse_record, verify_record
from shared_models.seals import verify_chain
from shared_models.wire import Ack, Status
from sync_server.db import repo
from sync_server.db.models import Anomaly, Batch, Device, Quarantine, RawRecord, Seal, SealMember
from sync_server.logevents import log_event, logged_action
from sync_server.services import feedback, voxit
from sync_server.services.report import BundleVerdict, IngestReport, LineResult

__all__ = [
    "RAW_CAP",
    "Observation",
    "Parsed",
    "SignedSeals",
    "check_seal_signatures",
    "ingest_lines",
    "parse_lines",
    "quarantine_row",
]

RAW_CAP = 64 * 1024  # at most this much of a refused line or file is kept in quarantine

Parsed = Record | RecordError  # one line after step 2: the record, or why it does not parse


def parse_lines(lines: list[bytes]) -> list[Parsed]:
    """Step 2 on its own: pure work, so a caller may do it before taking the device lock."""
    parsed: list[Parsed] = []
    for line in lines:
        try:
            parsed.append(parse_record(line))
        except RecordError as exc:
            parsed.append(exc)
    return parsed


@dataclass(frozen=True)
class SignedSeals:
    """Seals whose own signature verified with ``public_key`` (base64), checked before the lock."""

    public_key: str
    hashes: frozenset[str]


def check_seal_signatures(parsed: list[Parsed], public_key: str) -> SignedSeals:
    """The signature part of step 6, done ahead (pure work): the seals that verify with the key.
    Seals that do not are left out and checked again in step 6, which says why."""
    key = ed25519_public_from_b64(public_key)
    good: set[str] = set()
    for record in parsed:
        if isinstance(record, Record) and record.kind == "kiosk.seal":
            try:
                verify_record(record, key)
            except BadSignature:
                continue
            good.add(record.hash)
    return SignedSeals(public_key, frozenset(good))


@dataclass(frozen=True)
class Observation:
    """What a signed request tells about its terminal besides the records."""

    clock_offset_s: int
    pending: int | None


def quarantine_row(
    *,
    raw: bytes,
    reason: str,
    message: str,
    channel: str,
    device: str | None,
    batch_id: str | None,
    now: datetime,
    record_hash: str | None = None,
    kind: str | None = None,
    sha256: str | None = None,
    length: int | None = None,
) -> dict[str, Any]:
    return {
        "received_at": now,
        "device": device,
        "batch_id": batch_id,
        "channel": channel,
        "reason": reason,
        "message": message,
        "record_hash": record_hash,
        "kind": kind,
        "raw": raw[:RAW_CAP],
        "raw_sha256": sha256 or hashlib.sha256(raw).hexdigest(),
        "raw_length": len(raw) if length is None else length,
    }


@dataclass
class _Batch:
    """Accumulates the outcome of one batch, written in bulk at the end."""

    id: str
    device: str | None
    channel: str
    now: datetime
    lines: list[bytes]
    results: list[LineResult | None] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    seals: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    anomalies: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.results = [None] * len(self.lines)

    def result(self, index: int, status: Status, record: Record | None = None, reason: str | None = None) -> None:
        line_hash = record.hash if record is not None else hashlib.sha256(self.lines[index]).hexdigest()
        if record is None:
            self.results[index] = LineResult(line_hash, None, None, status, reason)
        else:
            self.results[index] = LineResult(line_hash, record.id, record.kind, status, reason)

    def quarantined(self, index: int, reason: str, message: str, record: Record | None = None) -> None:
        self.result(index, "quarantined", record, reason)
        raw = self.lines[index]
        self.quarantine.append(
            quarantine_row(
                raw=raw,
                reason=reason,
                message=message,
                channel=self.channel,
                device=self.device,
                batch_id=self.id,
                now=self.now,
                record_hash=record.hash if record is not None else hashlib.sha256(raw).hexdigest(),
                kind=record.kind if record is not None else None,
            )
        )

    def accepted(self, index: int, record: Record, seal_seq: int | None) -> None:
        self.result(index, "accepted", record)
        self.records.append(
            {
                "hash": record.hash,
                "id": record.id,
                "device": record.device,
                "kind": record.kind,
                "day": record.day,
                "raw": record.text,
                "seal_seq": seal_seq,
                "batch_id": self.id,
                "received_at": self.now,
            }
        )

    def anomaly(self, kind: str, **detail: Any) -> None:
        self.anomalies.append({"at": self.now, "device": self.device, "kind": kind, "detail": detail})

    def final_results(self) -> list[LineResult]:
        return [result for result in self.results if result is not None]


def ingest_lines(
    session: Session,
    *,
    device_id: str | None,
    lines: list[bytes],
    channel: str,
    source: str,
    observation: Observation | None = None,
    bundle: BundleVerdict | None = None,
    parsed: list[Parsed] | None = None,
    signed_seals: SignedSeals | None = None,
) -> IngestReport:
    """Judge and store one batch of record lines sent by (or on behalf of) ``device_id``.

    ``parsed`` is ``parse_lines(lines)`` and ``signed_seals`` is ``check_seal_signatures(parsed, key)``
    when the caller did that work already (outside the transaction).
    """
    if parsed is None:
        parsed = parse_lines(lines)
    elif len(parsed) != len(lines):
        raise ValueError("parsed must hold one entry per line")
    now = datetime.now(UTC)
    batch = _Batch(id=uuid.uuid4().hex, device=device_id, channel=channel, now=now, lines=lines)
    with logged_action("ingest", batch=batch.id, device=device_id, channel=channel, lines=len(lines)) as outcome:
        device = repo.lock_device(session, device_id=device_id) if device_id else None
        if device is None:
            for index, line_parsed in enumerate(parsed):
                record = line_parsed if isinstance(line_parsed, Record) else None
                batch.quarantined(index, "unknown_device", "no terminal with this device id is enrolled", record)
            ack = Ack(seq=0)
        else:
            signed = signed_seals.hashes if signed_seals and signed_seals.public_key == device.public_key else None
            _judge(session, batch, device, parsed, signed or frozenset())
            ack = _complete_and_ack(session, device, batch)
            device.last_seen = now
            if observation is not None:
                device.clock_offset_s = observation.clock_offset_s
                if observation.pending is not None:
                    device.pending_reported = observation.pending
        report = IngestReport(
            batch_id=batch.id, device=device_id, channel=channel, lines=batch.final_results(), ack=ack, bundle=bundle
        )
        session.add(
            Batch(id=batch.id, device=device_id, channel=channel, source=source[:500], received_at=now, **report.counts)
        )
        repo.insert_ignore(session, Quarantine, batch.quarantine)
        if batch.anomalies:
            session.add_all(Anomaly(**row) for row in batch.anomalies)
        session.flush()
        feedback.project_records(session, batch.records, now=now)  # cases for accepted feedback, same transaction
        voxit.project_records(session, batch.records)  # accepted statements into the moderation queue
        outcome.update(report.counts, ack=ack.seq)
    return report


def _judge(
    session: Session, batch: _Batch, device: Device, outcomes: list[Parsed], signed_seals: frozenset[str]
) -> None:
    parsed = _parse(batch, device, outcomes)
    fresh = _drop_held(session, batch, device, parsed)
    key = ed25519_public_from_b64(device.public_key)
    seals = [(index, record) for index, record in fresh if record.kind == "kiosk.seal"]
    others = [(index, record) for index, record in fresh if record.kind != "kiosk.seal"]
    new_seals, covered, refused = _link_seals(session, batch, device, key, seals, signed_seals)
    held_cover = repo.sealed_in(session, device=device.id, hashes=[r.hash for _, r in others if r.hash not in covered])
    for index, record in others:
        seq = covered.get(record.hash, held_cover.get(record.hash))
        if seq is not None:
            batch.accepted(index, record, seq)
            continue
        try:
            verify_record(record, key)
        except BadSignature as exc:
            batch.quarantined(index, exc.reason, exc.message, record)
            continue
        if record.hash in refused:
            batch.result(index, "rejected", record, refused[record.hash])
        else:
            batch.quarantined(index, "not_in_seal", "no seal of this terminal lists the record", record)
    _store_seals(session, batch, device, new_seals)
    repo.insert_ignore(session, RawRecord, batch.records)
    repo.insert_ignore(session, Seal, batch.seals)
    repo.insert_ignore(session, SealMember, batch.members)


def _store_seals(session: Session, batch: _Batch, device: Device, new_seals: list[Record]) -> None:
    """Seal rows for the newly verified seals; ``seal_members`` keeps only the hashes a seal
    lists that have not arrived yet (arrived ones carry their seal's seq in ``records.seal_seq``)."""
    arrived = {row["hash"] for row in batch.records}
    waiting = {seal.hash: [h for h in seal.body["records"] if h not in arrived] for seal in new_seals}
    held = repo.held_hashes(session, hashes=sorted({h for hashes in waiting.values() for h in hashes}))
    for seal in new_seals:
        seq = seal.body["seq"]
        missing = [h for h in waiting[seal.hash] if h not in held]
        batch.seals.append(
            {
                "device": device.id,
                "seq": seq,
                "hash": seal.hash,
                "prev": seal.body["prev"],
                "record_count": len(seal.body["records"]),
                "complete": not missing,
                "received_at": batch.now,
            }
        )
        batch.members.extend({"device": device.id, "seal_seq": seq, "record_hash": h} for h in missing)


def _parse(batch: _Batch, device: Device, outcomes: list[Parsed]) -> list[tuple[int, Record]]:
    """Steps 2-4: lines that do not parse, other devices' records and everything of a revoked device."""
    parsed: list[tuple[int, Record]] = []
    for index, record in enumerate(outcomes):
        if isinstance(record, RecordError):
            batch.quarantined(index, record.reason, record.message)
            continue
        if record.device != device.id:
            batch.quarantined(index, "wrong_device", f"the record names device {record.device}", record)
        elif device.revoked_at is not None:
            batch.quarantined(index, "device_revoked", "the terminal was revoked", record)
        else:
            parsed.append((index, record))
    return parsed


def _drop_held(
    session: Session, batch: _Batch, device: Device, parsed: list[tuple[int, Record]]
) -> list[tuple[int, Record]]:
    """Step 5: duplicates and equivocation, against the database and within the batch."""
    by_id = repo.hashes_for_ids(session, ids=[record.id for _, record in parsed])
    held = set(by_id.values())  # a held hash is held under its own id
    by_seq = repo.seal_hashes_for_seqs(
        session,
        device=device.id,
        seqs=[r.body["seq"] for _, r in parsed if r.kind == "kiosk.seal" and r.hash not in held],
    )
    fresh: list[tuple[int, Record]] = []
    seen: set[str] = set()
    for index, record in parsed:
        if record.hash in held or record.hash in seen:
            batch.result(index, "duplicate", record)
            continue
        other = by_id.get(record.id)
        conflict = other is not None and other != record.hash
        what = f"record id {record.id}"
        if not conflict and record.kind == "kiosk.seal":
            other = by_seq.get(record.body["seq"])
            conflict = other is not None and other != record.hash
            what = f"seal seq {record.body['seq']}"
        if conflict:
            batch.quarantined(index, "equivocation", f"{what} already arrived with other content", record)
            batch.anomaly("equivocation", record=record.hash, held=other, what=what)
            log_event("ingest.equivocation", device=device.id, what=what)
            continue
        seen.add(record.hash)
        by_id[record.id] = record.hash
        if record.kind == "kiosk.seal":
            by_seq[record.body["seq"]] = record.hash
        fresh.append((index, record))
    return fresh


def _link_seals(
    session: Session,
    batch: _Batch,
    device: Device,
    key: Ed25519PublicKey,
    seals: list[tuple[int, Record]],
    signed_seals: frozenset[str],
) -> tuple[list[Record], dict[str, int], dict[str, str]]:
    """Step 6. Returns (verified seals, record hash -> seq of a verified seal, record hash -> reason it waits)."""
    covered: dict[str, int] = {}
    refused: dict[str, str] = {}
    if not seals:
        return [], covered, refused
    index_of = {record.hash: index for index, record in seals}
    head_seq, head_hash = repo.chain_head(session, device=device.id)
    chain = verify_chain(
        key, [record for _, record in seals], (), head_seq=head_seq, head_hash=head_hash, verified=signed_seals
    )
    for seal in chain.verified:
        seq = seal.body["seq"]
        batch.accepted(index_of[seal.hash], seal, seq)
        for record_hash in seal.body["records"]:
            covered.setdefault(record_hash, seq)
    gaps: list[int] = []
    for seal, problem in chain.refused:
        index = index_of[seal.hash]
        if problem.reason == "seal_gap":
            batch.result(index, "rejected", seal, "seal_gap")
            gaps.append(seal.body["seq"])
            waiting = "seal_gap"
        else:
            batch.quarantined(index, problem.reason, problem.message, seal)
            waiting = "not_in_seal"
        for record_hash in seal.body["records"]:
            refused.setdefault(record_hash, waiting)
    if gaps:
        batch.anomaly("gap", held_seq=chain.head_seq, rejected_seqs=sorted(gaps))
        log_event("ingest.gap", device=device.id, held_seq=chain.head_seq, rejected=len(gaps))
    return chain.verified, covered, refused


def _complete_and_ack(session: Session, device: Device, batch: _Batch) -> Ack:
    """Step 8: mark seals whose records have all arrived complete; recompute the device's ack."""
    session.flush()
    open_seals = repo.incomplete_seals(session, device=device.id)
    if open_seals:
        missing = repo.missing_counts(session, device=device.id, seqs=open_seals)
        repo.mark_complete(session, device=device.id, seqs=[seq for seq in open_seals if not missing.get(seq)])
    seq, seal_hash = repo.ack_for(session, device=device.id)
    device.ack_seq, device.ack_hash = seq, seal_hash
    return Ack(seq=seq, hash=seal_hash)
