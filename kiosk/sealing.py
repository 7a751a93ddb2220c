"""The sealing rule: when pending records join the device's seal chain.

From docs/design.md: pending citizen records are grouped by process. A group is
sealable when it holds at least the process's ``min_seal`` records (default 5),
or the process has closed or is no longer in the manifest, or a librarian forces
it. Pending ``kiosk.event`` records are sealable at any time. One seal covers
every sealable record at that moment, so one lone ballot is never sealed alone.

The seal's ``reason`` is ``forced`` when a librarian forced it, else ``closed``
when a closed or withdrawn process made a group sealable, else ``minimum``
(which also covers a seal of staff events alone: they need no minimum). A seal
lists at most ``MAX_SEAL_RECORDS`` hashes; more sealable records make more seals.
Each seal is one transaction: the seal row and the ``seal_seq`` of the records it
covers are committed together.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.store import LocalStore
from shared_models import DEFAULT_MIN_SEAL, Manifest, Record, genesis_prev, make_seal
from shared_models.bodies import MAX_SEAL_RECORDS

__all__ = ["seal_pending", "sealable"]

_EVENTS = "\x00events"


def sealable(
    pending: list[tuple[Record, str | None]],
    manifest: Manifest | None,
    *,
    force: bool = False,
    already: set[str] | None = None,
) -> tuple[list[Record], str]:
    """The pending records that may be sealed now, and the seal's reason.

    ``already`` names processes judged sealable earlier in the same call (so a
    group split over several seals is sealed whole).
    """
    groups: dict[str, list[Record]] = defaultdict(list)
    for record, process_id in pending:
        groups[_EVENTS if record.kind == "kiosk.event" or process_id is None else process_id].append(record)
    chosen: list[Record] = []
    closed = False
    for name, records in groups.items():
        if name == _EVENTS or force or (already is not None and name in already):
            chosen.extend(records)
            continue
        held = manifest.process(name) if manifest is not None else None
        if held is None or held.status == "closed":
            closed = True
            chosen.extend(records)
        elif len(records) >= (held.min_seal or DEFAULT_MIN_SEAL):
            chosen.extend(records)
    reason = "forced" if force else "closed" if closed else "minimum"
    return sorted(chosen, key=lambda r: r.hash), reason


def seal_pending(
    store: LocalStore,
    key: Ed25519PrivateKey,
    manifest: Manifest | None,
    *,
    force: bool = False,
    today: date,
) -> list[Record]:
    """Seal every sealable pending record into the chain; returns the new seals (maybe none)."""
    seals: list[Record] = []
    already: set[str] = set()
    while True:
        with store.atomic():
            pending = store.pending()
            chosen, reason = sealable(pending, manifest, force=force, already=already)
            if not chosen:
                return seals
            chosen = chosen[:MAX_SEAL_RECORDS]
            hashes = {record.hash for record in chosen}
            already.update(process for record, process in pending if process is not None and record.hash in hashes)
            seq, head_hash = store.head()
            seal = make_seal(
                key,
                seq=seq + 1,
                prev=head_hash or genesis_prev(key),
                record_hashes=hashes,
                day=today,
                reason=reason,
            )
            store.insert_seal(seal)
        seals.append(seal)
