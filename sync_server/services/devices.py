"""Terminals known to the server, and revocation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from sync_server.db import repo
from sync_server.db.models import Device
from sync_server.errors import UnknownDevice
from sync_server.logevents import log_event

__all__ = ["device_info", "revoke"]


def device_info(device: Device) -> dict[str, Any]:
    return {
        "id": device.id,
        "name": device.name,
        "place": device.place,
        "enrolled_at": _iso(device.enrolled_at),
        "revoked": device.revoked_at is not None,
        "revoked_at": _iso(device.revoked_at),
        "ack_seq": device.ack_seq,
        "last_seen": _iso(device.last_seen),
        "pending_reported": device.pending_reported,
        "clock_offset_s": device.clock_offset_s,
    }


def revoke(session: Session, *, device_id: str, audit: Callable[[Session, bool], None] | None = None) -> dict[str, Any]:
    """Revoke a terminal: its later records are quarantined (``device_revoked``). Idempotent.

    ``audit(session, newly_revoked)`` (the staff pages' audit row) runs inside the same transaction."""
    with session.begin():
        device = repo.lock_device(session, device_id=device_id)
        if device is None:
            raise UnknownDevice(f"no terminal {device_id} is enrolled on this server")
        newly = device.revoked_at is None
        if newly:
            device.revoked_at = datetime.now(UTC)
        if audit is not None:
            audit(session, newly)
        info = device_info(device)
    log_event("device.revoked", device=device_id)
    return info


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
