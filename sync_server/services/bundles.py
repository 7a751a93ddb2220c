"""USB bundles: the file is verified as a whole, then its lines go through the normal ingest.

A bundle that fails (cut short, altered, bad signature, unknown device) is kept
in quarantine as one row for the file; the lines it does contain are still
judged one by one, since each record and seal is signed on its own. A file that
is not a bundle at all is only quarantined.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from shared_models.errors import BundleError
from shared_models.keys import ed25519_public_from_b64
from shared_models.wire import Ack, Bundle, open_bundle, verify_bundle
from sync_server.db import repo
from sync_server.db.models import Batch, Quarantine
from sync_server.logevents import log_event
from sync_server.services.ingest import ingest_lines, quarantine_row
from sync_server.services.report import BundleVerdict, IngestReport

__all__ = ["import_bundle", "ingest_bundle"]

CHANNEL = "usb"


def import_bundle(session: Session, *, data: bytes, source: str) -> IngestReport:
    """Verify and ingest one bundle file in its own transaction."""
    with session.begin():
        return ingest_bundle(session, data=data, source=source)


def ingest_bundle(session: Session, *, data: bytes, source: str) -> IngestReport:
    """Verify and ingest one bundle file in one transaction (the caller's)."""
    try:
        bundle = open_bundle(data)
    except BundleError as exc:
        return _not_a_bundle(session, data=data, source=source, error=exc)
    verdict = _verify(session, bundle=bundle)
    if verdict.status != "verified":
        log_event("bundle.quarantined", device=bundle.device, reason=verdict.reason, source=source)
        session.add(
            Quarantine(
                **quarantine_row(
                    raw=data,
                    reason=verdict.reason or "bad_bundle",
                    message=f"bundle {source}: {verdict.message}",
                    channel=CHANNEL,
                    device=bundle.device or None,
                    batch_id=None,
                    now=datetime.now(UTC),
                )
            )
        )
    return ingest_lines(
        session, device_id=bundle.device or None, lines=bundle.lines, channel=CHANNEL, source=source, bundle=verdict
    )


def _verify(session: Session, *, bundle: Bundle) -> BundleVerdict:
    device_id = bundle.device
    device = repo.get_device(session, device_id=device_id) if device_id else None
    if device is None:
        return BundleVerdict(
            "quarantined", "unknown_device", f"the bundle names device {device_id!r}, which is not enrolled"
        )
    try:
        verify_bundle(bundle, ed25519_public_from_b64(device.public_key))
    except BundleError as exc:
        return BundleVerdict("quarantined", exc.reason, exc.message)
    return BundleVerdict("verified")


def _not_a_bundle(session: Session, *, data: bytes, source: str, error: BundleError) -> IngestReport:
    now = datetime.now(UTC)
    batch_id = uuid.uuid4().hex
    log_event("bundle.quarantined", device=None, reason=error.reason, source=source)
    row = quarantine_row(
        raw=data,
        reason=error.reason,
        message=f"{source}: {error.message}",
        channel=CHANNEL,
        device=None,
        batch_id=batch_id,
        now=now,
    )
    session.add(Quarantine(**row))
    session.add(Batch(id=batch_id, device=None, channel=CHANNEL, source=source[:500], received_at=now))
    return IngestReport(
        batch_id=batch_id,
        device=None,
        channel=CHANNEL,
        lines=[],
        ack=Ack(seq=0),
        bundle=BundleVerdict("quarantined", error.reason, error.message),
    )
