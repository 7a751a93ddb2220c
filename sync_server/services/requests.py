"""Signed requests from terminals: who sent it, and pushes through the ingest."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from shared_models.errors import BadSignature, RecordError
from shared_models.keys import ed25519_public_from_b64
from shared_models.wire import Ack, split_batch, verify_request
from sync_server.db import repo
from sync_server.db.models import Device, Quarantine
from sync_server.errors import RequestRefused, TooLarge, UnknownDevice
from sync_server.logevents import log_event
from sync_server.services.ingest import (
    Observation,
    check_seal_signatures,
    ingest_lines,
    parse_lines,
    quarantine_row,
)
from sync_server.services.report import IngestReport

__all__ = ["SIGNED_HEADERS", "authenticate", "device_ack", "note_oversized", "push_batch", "server_time"]

SIGNED_HEADERS = ("X-Osallistu-Device", "X-Osallistu-Timestamp", "X-Osallistu-Signature")
PENDING_HEADER = "X-Osallistu-Pending"


def server_time(now: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def authenticate(
    session: Session, *, method: str, path: str, body: bytes, headers: Mapping[str, str], now: int
) -> Device:
    """The device that signed this request; UnknownDevice or RequestRefused otherwise."""
    device_id = headers.get("X-Osallistu-Device")
    if not device_id:
        raise RequestRefused("the request is not signed by a terminal", reason="unsigned_request")
    device = repo.get_device(session, device_id=device_id)
    if device is None:
        log_event("request.refused", device=device_id, reason="unknown_device")
        raise UnknownDevice(f"no terminal {device_id} is enrolled on this server")
    signed = {name: headers[name] for name in SIGNED_HEADERS if name in headers}
    try:
        verify_request(ed25519_public_from_b64(device.public_key), method, path, body, signed, now=now)
    except BadSignature as exc:
        log_event("request.refused", device=device_id, reason=exc.reason)
        raise RequestRefused(exc.message, reason=exc.reason, server_time=server_time(now)) from exc
    return device


def push_batch(
    session: Session, *, method: str, path: str, body: bytes, headers: Mapping[str, str], source: str
) -> IngestReport:
    """Authenticate a push, parse its NDJSON lines, then ingest them in one transaction.

    Parsing is pure work and happens between the two, so the write transaction (on SQLite
    the database's write lock) is held only for the judging and storing.
    """
    now = int(time.time())
    with session.begin():
        device = authenticate(session, method=method, path=path, body=body, headers=headers, now=now)
        device_id, public_key = device.id, device.public_key
    try:
        lines = split_batch(body)
    except RecordError as exc:
        raise TooLarge(exc.message, reason=exc.reason) from exc
    parsed = parse_lines(lines)
    signed_seals = check_seal_signatures(parsed, public_key)
    observation = Observation(
        clock_offset_s=int(headers["X-Osallistu-Timestamp"]) - now, pending=_pending(headers.get(PENDING_HEADER))
    )
    with session.begin():
        return ingest_lines(
            session,
            device_id=device_id,
            lines=lines,
            parsed=parsed,
            signed_seals=signed_seals,
            channel="http",
            source=source,
            observation=observation,
        )


def device_ack(session: Session, *, device_id: str, method: str, path: str, headers: Mapping[str, str]) -> Ack:
    """The device's ack, for the device itself (a signed GET with an empty body)."""
    with session.begin():
        device = authenticate(session, method=method, path=path, body=b"", headers=headers, now=int(time.time()))
        if device.id != device_id:
            raise RequestRefused("a terminal may only ask for its own ack", reason="wrong_device")
        return Ack(seq=device.ack_seq, hash=device.ack_hash)


def note_oversized(
    session: Session, *, device_claimed: str | None, size: int, sha256: str, limit: int, source: str
) -> None:
    """Keep a note (size and sha256, not the body) of a push refused for its size."""
    log_event("push.too_large", device=device_claimed, size=size, limit=limit)
    with session.begin():
        session.add(
            Quarantine(
                **quarantine_row(
                    raw=b"",
                    reason="batch_too_large",
                    message=f"{source}: a push of {size} bytes (limit {limit}) was refused; the body was not kept",
                    channel="http",
                    device=device_claimed,
                    batch_id=None,
                    now=datetime.now(UTC),
                    sha256=sha256,
                    length=size,
                )
            )
        )


def _pending(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return max(0, int(value))
    except ValueError:
        return None
