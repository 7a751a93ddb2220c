"""Re-verify the whole raw log from its stored bytes, as an auditor would (``osallistu server verify``).

Ingest proves a batch with one signature check per seal and one hash per record (docs/design.md,
"Server ingest"). This walks every stored row again, trusting nothing the database says about it:

- the stored bytes parse as one canonical record (``shared_models.records.parse_record``) whose
  sha256 is the row's hash, and the row's id, device, kind and day are the record's own;
- the row's device is enrolled, and every record's own signature verifies with that device's key
  (the check ingest leaves to the seal);
- the device's seals link from the genesis (``shared_models.seals.verify_chain``: seq 1, 2, ...
  each naming the previous seal's hash);
- every stored record is listed by a verified seal, by the seal its row names; the seal table says
  what the seal bodies say, and the seal-member table (the hashes still awaited) names only listed
  hashes and every one that has not arrived;
- a seal marked complete has all its records here (a listed record that arrived broken is in the
  quarantine, and is reported apart); the acknowledged head is a verified seal of the chain.

Read-only, device by device, so memory stays at one terminal's log.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.errors import BadSignature, RecordError
from shared_models.keys import ed25519_public_from_b64
from shared_models.records import Record, parse_record, verify_record
from shared_models.seals import genesis_prev, verify_chain
from sync_server.db.models import Device, Quarantine, RawRecord, Seal, SealMember

__all__ = ["DeviceCheck", "LogCheck", "check_log"]


@dataclass
class DeviceCheck:
    """What re-verifying one device's part of the raw log found."""

    device: str
    name: str
    records: int = 0  # citizen and event records (seals apart)
    seals: int = 0
    head_seq: int = 0
    awaited: int = 0  # listed by a seal that is not complete, not arrived yet
    quarantined: int = 0  # listed by a seal, arrived broken, held in the quarantine
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "name": self.name,
            "records": self.records,
            "seals": self.seals,
            "head_seq": self.head_seq,
            "awaited": self.awaited,
            "quarantined": self.quarantined,
            "problems": self.problems,
        }


@dataclass
class LogCheck:
    """The whole raw log re-verified."""

    devices: list[DeviceCheck]
    problems: list[str]  # not tied to an enrolled device

    @property
    def ok(self) -> bool:
        return not self.problems and not any(d.problems for d in self.devices)

    @property
    def signatures(self) -> int:
        return sum(d.records + d.seals for d in self.devices)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": sum(d.records for d in self.devices),
            "seals": sum(d.seals for d in self.devices),
            "devices": [d.to_json() for d in self.devices],
            "problems": self.problems,
        }


def _parse_rows(rows: list[RawRecord], key: Ed25519PublicKey, check: DeviceCheck) -> list[Record]:
    good: list[Record] = []
    for row in rows:
        short = row.hash[:12]
        try:
            record = parse_record(row.raw.encode("utf-8"))
        except RecordError as exc:
            check.problems.append(f"record {short}: the stored bytes are not a valid record ({exc.message})")
            continue
        if record.hash != row.hash:
            check.problems.append(f"record {short}: the stored bytes hash to {record.hash[:12]}, not to the row's hash")
            continue
        stored = (row.id, row.device, row.kind, row.day)
        if stored != (record.id, record.device, record.kind, record.day):
            check.problems.append(f"record {short}: the row's id, device, kind or day differ from the record's")
        try:
            verify_record(record, key)
        except BadSignature as exc:
            check.problems.append(f"record {short} ({record.kind}): {exc.message}")
            continue
        good.append(record)
    return good


def _check_device(session: Session, device: Device, quarantined: set[str]) -> DeviceCheck:
    check = DeviceCheck(device=device.id, name=device.name)
    rows = list(session.scalars(select(RawRecord).where(RawRecord.device == device.id)))
    seal_seq_of_row = {row.hash: row.seal_seq for row in rows}
    key = ed25519_public_from_b64(device.public_key)
    records = _parse_rows(rows, key, check)
    seals = [r for r in records if r.kind == "kiosk.seal"]
    others = {r.hash for r in records if r.kind != "kiosk.seal"}
    check.records = len(others)
    check.seals = len(seals)

    chain = verify_chain(key, seals, others, verified={s.hash for s in seals})
    check.head_seq = chain.head_seq
    for seal, error in chain.refused:
        check.problems.append(f"seal {seal.body.get('seq')}: {error.message}")
    for record_hash in chain.uncovered:
        check.problems.append(f"record {record_hash[:12]} is stored but no verified seal lists it")

    listed_by: dict[str, int] = {}
    for seal in chain.verified:
        seq = int(seal.body["seq"])
        if seal_seq_of_row.get(seal.hash) != seq:
            check.problems.append(f"seal {seq}: its row names seq {seal_seq_of_row.get(seal.hash)}")
        for record_hash in seal.body["records"]:
            listed_by.setdefault(record_hash, seq)
    for record_hash in others:
        if record_hash in listed_by and seal_seq_of_row.get(record_hash) != listed_by[record_hash]:
            check.problems.append(
                f"record {record_hash[:12]}: its row names seal {seal_seq_of_row.get(record_hash)}, "
                f"seal {listed_by[record_hash]} lists it"
            )

    by_seq = {int(s.body["seq"]): s for s in chain.verified}
    seal_rows = {row.seq: row for row in session.scalars(select(Seal).where(Seal.device == device.id))}
    members: dict[int, set[str]] = defaultdict(set)
    for seq, record_hash in session.execute(
        select(SealMember.seal_seq, SealMember.record_hash).where(SealMember.device == device.id)
    ):
        members[seq].add(record_hash)
    for seq in sorted(set(seal_rows) | set(by_seq)):
        held, row = by_seq.get(seq), seal_rows.get(seq)
        if held is None:
            check.problems.append(f"seal {seq} is in the seal table but not verified in the raw log")
            continue
        if row is None:
            check.problems.append(f"seal {seq} is verified in the raw log but missing from the seal table")
            continue
        if row.hash != held.hash or row.prev != held.body["prev"]:
            check.problems.append(f"seal {seq}: the seal table's hash or prev differ from the seal")
        listed = set(held.body["records"])
        absent = listed - others
        broken = absent & quarantined
        if row.record_count != len(listed):
            check.problems.append(
                f"seal {seq}: the seal table counts {row.record_count} records, the seal lists {len(listed)}"
            )
        if members.get(seq, set()) - listed:
            check.problems.append(f"seal {seq}: the seal-member table names hashes the seal does not list")
        if (absent - broken) - members.get(seq, set()):
            check.problems.append(
                f"seal {seq}: absent records are missing from the seal-member table, so nobody waits for them"
            )
        check.quarantined += len(broken)
        check.awaited += len(absent - broken)
        if row.complete and absent - broken:
            check.problems.append(f"seal {seq} is marked complete but {len(absent - broken)} of its records are absent")

    if device.ack_seq > chain.head_seq:
        check.problems.append(f"acknowledged seal {device.ack_seq} is past the verified head {chain.head_seq}")
    elif device.ack_seq:
        if device.ack_hash != by_seq[device.ack_seq].hash:
            check.problems.append(f"acknowledged seal {device.ack_seq}: the hash acknowledged is not that seal's")
    elif device.ack_hash not in (None, genesis_prev(key)):
        check.problems.append("nothing is acknowledged, yet an acknowledged hash is set")
    return check


def check_log(session: Session) -> LogCheck:
    """Re-verify every device's records and seals from the stored bytes (read-only)."""
    devices = list(session.scalars(select(Device).order_by(Device.id)))
    quarantined = {h for h in session.scalars(select(Quarantine.record_hash)) if h}
    known = {d.id for d in devices}
    problems = [
        f"{n} stored record(s) name device {device_id}, which is not enrolled"
        for device_id, n in _orphans(session, known).items()
    ]
    return LogCheck(devices=[_check_device(session, d, quarantined) for d in devices], problems=problems)


def _orphans(session: Session, known: set[str]) -> dict[str, int]:
    rows = session.execute(select(RawRecord.device, func.count()).group_by(RawRecord.device).order_by(RawRecord.device))
    return {device_id: int(n) for device_id, n in rows if device_id not in known}
