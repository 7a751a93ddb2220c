"""Seals: order and completeness of a terminal's records without revealing order.

A ``kiosk.seal`` record lists the hashes of the records it covers in sorted
order, carries ``seq`` (1, 2, 3... per device, no gaps) and ``prev`` (the hash
of the previous seal, or for seq 1 the fingerprint of the device public key),
and is signed like any record. Checking a batch costs one signature check per
seal and one hash per record.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared_models.errors import BadSignature, ChainError
from shared_models.keys import device_id_for, fingerprint
from shared_models.records import Record, make_record, sign_record, verify_record

__all__ = ["DEFAULT_MIN_SEAL", "ChainReport", "genesis_prev", "make_seal", "verify_chain"]

DEFAULT_MIN_SEAL = 5


def genesis_prev(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The ``prev`` of a device's first seal: the fingerprint of its public key."""
    return fingerprint(key)


def make_seal(
    key: Ed25519PrivateKey,
    *,
    seq: int,
    prev: str,
    record_hashes: Iterable[str],
    day: date | str,
    reason: str = "minimum",
) -> Record:
    """Sign a seal over ``record_hashes`` (sorted here) as the next link of the chain."""
    body = {"seq": seq, "prev": prev, "records": sorted(set(record_hashes)), "reason": reason}
    return sign_record(make_record("kiosk.seal", body, device=device_id_for(key), day=day), key)


@dataclass
class ChainReport:
    """What a run of seals proves. Seals are checked in seq order from a known head."""

    verified: list[Record] = field(default_factory=list)
    refused: list[tuple[Record, ChainError]] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # seal hash -> hashes not present
    uncovered: list[str] = field(default_factory=list)  # present hashes that no verified seal covers
    head_seq: int = 0
    head_hash: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused and not self.missing and not self.uncovered


def verify_chain(
    key: Ed25519PublicKey,
    seals: Iterable[Record],
    present: Collection[str],
    *,
    head_seq: int = 0,
    head_hash: str | None = None,
    verified: Collection[str] = (),
) -> ChainReport:
    """Check seals that should follow ``head_seq``/``head_hash`` (default: the genesis).

    ``present`` holds the hashes of the records at hand. Once a seal is refused,
    the seals after it cannot be linked and are refused too ("seal_gap").
    ``verified`` holds hashes of seals whose own signature the caller has already
    checked with ``key`` (``verify_record``); that check is not repeated for them.
    """
    expected_prev = head_hash if head_hash is not None else genesis_prev(key)
    report = ChainReport(head_seq=head_seq, head_hash=expected_prev)
    covered: set[str] = set()
    broken: ChainError | None = None
    for seal in sorted(seals, key=lambda s: (s.body.get("seq", 0), s.hash)):
        if broken is not None:
            report.refused.append(
                (seal, ChainError(f"seal {seal.body.get('seq')} follows a refused seal", reason="seal_gap"))
            )
            continue
        problem = _link_problem(key, seal, report.head_seq + 1, report.head_hash, seal.hash in verified)
        if problem is not None:
            report.refused.append((seal, problem))
            broken = problem
            continue
        report.verified.append(seal)
        report.head_seq, report.head_hash = seal.body["seq"], seal.hash
        hashes = seal.body["records"]
        covered.update(hashes)
        absent = [h for h in hashes if h not in present]
        if absent:
            report.missing[seal.hash] = absent
    report.uncovered = sorted(set(present) - covered)
    return report


def _link_problem(key: Ed25519PublicKey, seal: Record, seq: int, prev: str, signed: bool) -> ChainError | None:
    if seal.kind != "kiosk.seal":
        return ChainError(f"a {seal.kind} record is not a seal", reason="not_a_seal")
    try:
        if not signed:
            verify_record(seal, key)
    except BadSignature as exc:
        return ChainError(f"seal {seal.body['seq']}: {exc.message}", reason=exc.reason)
    if seal.body["seq"] > seq:
        return ChainError(f"seal {seal.body['seq']} arrived but seal {seq} is missing", reason="seal_gap")
    if seal.body["seq"] < seq:
        return ChainError(f"seal {seal.body['seq']} is out of order (expected {seq})", reason="seal_out_of_order")
    if seal.body["prev"] != prev:
        return ChainError(f"seal {seq} does not link to the seal before it", reason="chain_broken")
    return None
