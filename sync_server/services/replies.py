"""Reply files: the way back to a terminal that has no network.

A reply carries one device's ack (what the server holds of its chain, as the
ingest computed it) and the newest signed manifest, exactly the bytes that
``GET /api/v1/manifest`` serves, framed and signed with the server's signing key
(``shared_models.wire.write_reply``). The terminal reads it from the USB stick
(``osallistu kiosk import-reply`` or the librarian panel): its next bundle then
carries only the seals after the ack, and it shows the new manifest.

Only an enrolled, not revoked device gets a reply. The file is written to a
temporary name beside it, fsync'd and renamed, so a stick never holds half a reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from shared_models.canonical import parse_canonical
from shared_models.manifest import Manifest
from shared_models.wire import Ack, write_reply
from sync_server.db import repo
from sync_server.errors import ServerError, UnknownDevice
from sync_server.files import write_atomically
from sync_server.services.manifest import current_manifest
from sync_server.settings import ServerKeys

__all__ = ["ReplyWritten", "build_reply", "reply_file_name", "save_reply"]

REPLY_SUFFIX = ".osr"


@dataclass(frozen=True)
class ReplyWritten:
    path: Path
    device: str
    ack: Ack
    manifest_serial: int
    size: int


def reply_file_name(device_id: str) -> str:
    """The name the librarian panel looks for first (any ``*.osr`` file for the terminal is read)."""
    return f"osallistu-reply-{device_id}{REPLY_SUFFIX}"


def build_reply(session: Session, keys: ServerKeys, *, device_id: str, now: datetime) -> tuple[bytes, Ack, int]:
    """The signed reply bytes for ``device_id``, its ack and the manifest serial (own transaction).

    UnknownDevice for a device that was never enrolled; ServerError ``device_revoked`` for a revoked one,
    ``no_manifest`` when no manifest was ever published."""
    with session.begin():
        device = repo.get_device(session, device_id=device_id)
        if device is None:
            raise UnknownDevice(f"no terminal {device_id} is enrolled on this server; no reply is written")
        if device.revoked_at is not None:
            raise ServerError(f"terminal {device_id} is revoked; no reply is written", reason="device_revoked")
        ack = Ack(seq=device.ack_seq, hash=device.ack_hash)
        manifest = current_manifest(session)
    serial = Manifest.model_validate(parse_canonical(manifest)).serial
    created = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return write_reply(keys.signing, device=device_id, ack=ack, manifest=manifest, created=created), ack, serial


def save_reply(session: Session, keys: ServerKeys, *, device_id: str, path: Path, now: datetime) -> ReplyWritten:
    """Build the reply for ``device_id`` and write it atomically to ``path``."""
    data, ack, serial = build_reply(session, keys, device_id=device_id, now=now)
    write_atomically(Path(path), data)
    return ReplyWritten(path=Path(path), device=device_id, ack=ack, manifest_serial=serial, size=len(data))
