"""The signed manifest: built from the processes table, re-signed with a new serial on every change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.keys import b64encode, public_bytes
from shared_models.manifest import sign_manifest
from sync_server.db import repo
from sync_server.db.models import ManifestRow, Process
from sync_server.errors import ServerError
from sync_server.logevents import log_event
from sync_server.settings import ServerKeys

__all__ = ["current_manifest", "manifest_content", "publish_manifest"]


def manifest_content(session: Session, keys: ServerKeys, *, serial: int, issued: datetime) -> dict[str, Any]:
    processes = session.scalars(select(Process).order_by(Process.id)).all()
    return {
        "serial": serial,
        "issued": issued.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sealing_key": b64encode(public_bytes(keys.sealing)),
        "processes": [
            {
                "id": p.id,
                "title": p.title,
                "activities": p.activities,
                "test": p.test,
                "status": p.status,
                "min_seal": p.min_seal,
                "settings": p.settings,
            }
            for p in processes
        ],
    }


def publish_manifest(session: Session, keys: ServerKeys) -> bytes:
    """Sign the processes as the next manifest (serial + 1) and store it; inside the caller's transaction."""
    latest = repo.latest_manifest(session)
    serial = (latest.serial if latest else 0) + 1
    now = datetime.now(UTC).replace(microsecond=0)
    raw = sign_manifest(manifest_content(session, keys, serial=serial, issued=now), keys.signing)
    session.add(ManifestRow(serial=serial, raw=raw.decode("utf-8"), created_at=now))
    session.flush()
    log_event("manifest.published", serial=serial)
    return raw


def current_manifest(session: Session) -> bytes:
    latest = repo.latest_manifest(session)
    if latest is None:
        raise ServerError("no manifest has been published yet", reason="no_manifest")
    return latest.raw.encode("utf-8")
