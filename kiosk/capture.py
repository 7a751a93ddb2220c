"""Turning a citizen action into a durable, signed record.

``capture()`` returns only after the record is committed with ``synchronous=FULL``
(the WAL is fsync'd), so the thank-you screen that follows it never lies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.errors import ActivityNotEnabled, CaptureRefused, NoManifest, ProcessNotOpen
from kiosk.store import LocalStore
from shared_models import CITIZEN_KINDS, Manifest, ManifestProcess, Record, device_id_for, make_record, sign_record
from shared_models.bodies import DetailValue

__all__ = ["ACTIVITY_OF_KIND", "MAX_DETAIL_TEXT", "capture", "check_capture_allowed", "log_event"]

ACTIVITY_OF_KIND = {
    "budget.ballot": "budget",
    "voxit.vote": "voxit",
    "voxit.statement": "voxit",
    "feedback.item": "feedback",
}
MAX_DETAIL_TEXT = 500


def check_capture_allowed(manifest: Manifest | None, kind: str, body: dict[str, Any]) -> ManifestProcess:
    """The manifest process that takes this record; CaptureRefused saying why not."""
    if kind not in CITIZEN_KINDS:
        raise CaptureRefused(f"{kind!r} is not a kind of citizen input", reason="not_citizen_kind")
    if manifest is None:
        raise NoManifest("this terminal has no manifest yet, so it cannot take input; sync it first")
    process_id = body.get("process")
    process = manifest.process(process_id) if isinstance(process_id, str) else None
    if process is None:
        raise ProcessNotOpen(f"the process {process_id!r} is not offered on this terminal", reason="unknown_process")
    if process.status != "open":
        raise ProcessNotOpen(f"the process {process.id!r} has closed")
    activity = ACTIVITY_OF_KIND[kind]
    if activity not in process.activities:
        raise ActivityNotEnabled(f"the process {process.id!r} does not take {activity} input")
    return process


def capture(
    store: LocalStore,
    key: Ed25519PrivateKey,
    kind: str,
    body: dict[str, Any],
    *,
    today: date,
    record_id: str | None = None,
) -> Record:
    """Validate, sign and durably store one citizen record; return it after the commit.

    ``record_id`` lets a caller bind sealed contact details to the record id
    before the record exists (the id is random otherwise).
    """
    check_capture_allowed(store.manifest(), kind, body)
    record = sign_record(make_record(kind, body, device=device_id_for(key), day=today, record_id=record_id), key)
    with store.atomic():
        store.insert_record(record)
    return record


def _detail_value(value: DetailValue) -> DetailValue:
    if isinstance(value, str) and len(value) > MAX_DETAIL_TEXT:
        return value[: MAX_DETAIL_TEXT - 1] + "…"
    return value


def log_event(
    store: LocalStore, key: Ed25519PrivateKey, event: str, detail: dict[str, DetailValue], now: datetime
) -> Record:
    """Store a ``kiosk.event`` record (full UTC time; events are about staff and machines)."""
    moment = now.astimezone(UTC)
    body = {
        "at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "event": event,
        "detail": {name: _detail_value(value) for name, value in detail.items()},
    }
    record = sign_record(make_record("kiosk.event", body, device=device_id_for(key), day=moment.date()), key)
    with store.atomic():
        store.insert_record(record)
    return record
