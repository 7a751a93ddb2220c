"""Enrollment: one-time tokens issued by the operator, redeemed once by a terminal."""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from shared_models.keys import b64encode, device_id_for, ed25519_public_from_b64, public_bytes
from shared_models.wire import make_enrollment_token, token_hash
from sync_server.db import repo
from sync_server.db.models import Device, EnrollmentToken
from sync_server.errors import BadRequest, TokenInvalid, TokenUsed
from sync_server.logevents import log_event
from sync_server.services.manifest import current_manifest
from sync_server.settings import ServerKeys

__all__ = ["Enrollment", "enroll_device", "issue_token"]


@dataclass(frozen=True)
class Enrollment:
    device: str
    server_key: str  # base64 Ed25519 public key; its fingerprint starts with the token's last part
    sealing_key: str  # base64 X25519 public key
    manifest: str  # the newest signed manifest, exact bytes as text


def issue_token(
    session: Session,
    keys: ServerKeys,
    *,
    name: str,
    place: str | None,
    audit: Callable[[Session], None] | None = None,
) -> str:
    """A new single-use token; only its hash is stored. ``audit`` (the staff pages' audit row)
    runs inside the same transaction, so the token and its audit entry are stored together."""
    token = make_enrollment_token(keys.signing)
    with session.begin():
        session.add(EnrollmentToken(token_hash=token_hash(token), name=name, place=place, created_at=datetime.now(UTC)))
        if audit is not None:
            audit(session)
    log_event("token.created", name=name, place=place)
    return token


def enroll_device(session: Session, keys: ServerKeys, *, token: str, public_key: str, name: str | None) -> Enrollment:
    """Redeem ``token`` for the terminal holding ``public_key`` (base64 Ed25519)."""
    try:
        key = ed25519_public_from_b64(public_key)
    except (ValueError, binascii.Error) as exc:
        raise BadRequest("the public key is not a base64 Ed25519 key", reason="bad_public_key") from exc
    try:
        hashed = token_hash(token)
    except ValueError as exc:
        raise TokenInvalid(str(exc)) from exc
    device_id = device_id_for(key)
    with session.begin():
        row = session.get(EnrollmentToken, hashed, with_for_update=True)
        if row is None:
            raise TokenInvalid("this enrollment token was not issued by this server")
        if row.used_at is not None:
            raise TokenUsed("this enrollment token was already used; ask for a new one")
        if repo.get_device(session, device_id=device_id) is not None:
            raise BadRequest(f"terminal {device_id} is already enrolled", reason="already_enrolled")
        now = datetime.now(UTC)
        row.used_at, row.device = now, device_id
        session.add(
            Device(
                id=device_id,
                name=row.name or (name or device_id),
                place=row.place,
                public_key=b64encode(public_bytes(key)),
                enrolled_at=now,
                ack_seq=0,
            )
        )
        manifest = current_manifest(session)
    log_event("device.enrolled", device=device_id, name=row.name)
    return Enrollment(
        device=device_id,
        server_key=b64encode(public_bytes(keys.signing)),
        sealing_key=b64encode(public_bytes(keys.sealing)),
        manifest=manifest.decode("utf-8"),
    )
