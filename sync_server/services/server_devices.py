"""Devices the server itself holds: the paper-ballot entry device, the Polis import device and
the Open311 intake device. Each signs and seals records like a terminal, so what it brings in
goes through the same ingest and lands in the same raw log (docs/design.md).

A device's key lives in the data folder (mode 0600) and is enrolled as a terminal on first use.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from shared_models.keys import device_id_for, ed25519_private_from_bytes, private_bytes, public_b64
from sync_server.db import repo
from sync_server.services.enrollment import enroll_device, issue_token
from sync_server.settings import ServerKeys

__all__ = ["server_device_key"]


def server_device_key(session: Session, keys: ServerKeys, path: Path, *, name: str) -> tuple[Ed25519PrivateKey, bool]:
    """The key at ``path``, made and enrolled as the device ``name`` when needed. The flag says
    whether it was enrolled just now. A key file made meanwhile by another server process is used."""
    if path.is_file():
        key = ed25519_private_from_bytes(path.read_bytes())
        with session.begin():
            held = repo.get_device(session, device_id=device_id_for(key)) is not None
        if held:
            return key, False
    else:
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another server process made it just now: use that one
            return server_device_key(session, keys, path, name=name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_bytes(key))
    token = issue_token(session, keys, name=name, place="server")
    enroll_device(session, keys, token=token, public_key=public_b64(key), name=name)
    return key, True
