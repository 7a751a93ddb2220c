"""Processes: what the terminals offer. Every change publishes a new signed manifest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.feedback import parse_feedback_settings
from shared_models.manifest import ManifestProcess
from sync_server.db.models import Process
from sync_server.errors import UnknownProcess
from sync_server.logevents import log_event
from sync_server.services import voxit
from sync_server.services.manifest import publish_manifest
from sync_server.settings import ServerKeys

__all__ = ["list_processes", "save_process", "set_process_status"]


def save_process(session: Session, keys: ServerKeys, process: ManifestProcess) -> bytes:
    """Create or replace a process (validated as in the manifest; a Voxit process's settings also
    with ``shared_models.voxit``, its seeds registered); returns the new manifest bytes.
    A process with feedback needs valid feedback settings (``FeedbackSettingsError`` otherwise)."""
    if "feedback" in process.activities:
        parse_feedback_settings(process.settings.get("feedback", {}))
    with session.begin():
        row = session.get(Process, process.id) or Process(id=process.id)
        row.title = dict(process.title)
        row.activities = list(process.activities)
        row.test = process.test
        row.status = process.status
        row.min_seal = process.min_seal
        row.settings = voxit.prepare_settings(session, process, now=datetime.now(UTC))
        session.add(row)
        session.flush()
        log_event("process.saved", process=process.id, status=process.status)
        return publish_manifest(session, keys)


def set_process_status(session: Session, keys: ServerKeys, *, process_id: str, status: str) -> bytes:
    """Open or close a process; returns the new manifest bytes."""
    with session.begin():
        row = session.get(Process, process_id)
        if row is None:
            raise UnknownProcess(f"no process {process_id!r}")
        ManifestProcess.model_validate({**_as_dict(row), "status": status})
        row.status = status
        session.flush()
        log_event("process.saved", process=process_id, status=status)
        return publish_manifest(session, keys)


def list_processes(session: Session) -> list[dict[str, Any]]:
    return [_as_dict(row) for row in session.scalars(select(Process).order_by(Process.id))]


def _as_dict(row: Process) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "activities": row.activities,
        "test": row.test,
        "status": row.status,
        "min_seal": row.min_seal,
        "settings": row.settings,
    }
