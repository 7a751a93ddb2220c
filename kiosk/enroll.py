"""Enrolling a terminal with a server, with a one-time token from the operator.

The key is made on the terminal and never leaves it; only the public key is
sent. The server's signing key in the answer must match the fingerprint in the
token (so nobody in between can swap it); it is then pinned, and every manifest
must verify with it. The first manifest comes with the answer.

Enrollment is committed last (``meta.device``): a folder whose enrollment did
not finish holds a key but is not enrolled, and a new token may finish it with
the same key.
"""

from __future__ import annotations

import binascii
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.capture import log_event
from kiosk.errors import AlreadyEnrolled, EnrollmentFailed, KeyFileError
from kiosk.keystore import create_device_key, key_path, load_device_key
from kiosk.pin import hash_pin, valid_pin
from kiosk.store import LocalStore
from kiosk.terminal import Terminal, store_path
from shared_models import ManifestError, canonical_bytes, device_id_for, fingerprint, verify_manifest
from shared_models.keys import ed25519_public_from_b64, public_b64, x25519_public_from_b64
from shared_models.wire import parse_enrollment_token, token_matches_server

__all__ = ["ENROLL_PATH", "enroll_terminal"]

ENROLL_PATH = "/api/v1/enroll"


def _device_key(kdir: Path) -> Ed25519PrivateKey:
    if key_path(kdir).exists():
        return load_device_key(kdir)
    return create_device_key(kdir)


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        detail = body.get("detail", body) if isinstance(body, dict) else None
        message = detail.get("message") if isinstance(detail, dict) else None
        raise EnrollmentFailed(
            f"the server refused the enrollment ({response.status_code}): {message or response.reason_phrase}",
            reason=str(detail.get("error")) if isinstance(detail, dict) and detail.get("error") else "refused",
        )
    if not isinstance(body, dict) or not {"device", "server_key", "sealing_key", "manifest"} <= set(body):
        raise EnrollmentFailed("the server's enrollment answer is incomplete", reason="bad_answer")
    return body


def enroll_terminal(
    kdir: str | Path,
    *,
    server_url: str,
    token: str,
    pin: str,
    name: str | None = None,
    http: httpx.Client | None = None,
) -> Terminal:
    """Enroll the terminal in ``kdir`` with the server at ``server_url``; returns it opened."""
    folder = Path(kdir)
    if store_path(folder).exists():
        with LocalStore.open(store_path(folder)) as existing:
            if existing.get_meta("device"):
                raise AlreadyEnrolled(f"a terminal is already enrolled in {folder}; it is never re-enrolled in place")
    try:
        parse_enrollment_token(token)
    except ValueError as exc:
        raise EnrollmentFailed(str(exc), reason="bad_token") from None
    if not valid_pin(pin):
        raise EnrollmentFailed("the librarian PIN must be 4 to 12 digits", reason="bad_pin")
    try:
        key = _device_key(folder)
    except KeyFileError as exc:
        raise EnrollmentFailed(exc.message, reason=exc.reason) from exc
    client = http if http is not None else httpx.Client(base_url=server_url, timeout=15.0)
    request = {"token": token.strip(), "public_key": public_b64(key), "name": name or socket.gethostname()}
    try:
        response = client.post(ENROLL_PATH, json=request)
    except httpx.HTTPError as exc:
        raise EnrollmentFailed(f"the server at {server_url} could not be reached: {exc}", reason="unreachable") from exc
    finally:
        if http is None:
            client.close()
    answer = _answer(response)

    try:
        server_key = ed25519_public_from_b64(str(answer["server_key"]))
        x25519_public_from_b64(str(answer["sealing_key"]))
    except (ValueError, binascii.Error):
        raise EnrollmentFailed("the server sent keys that cannot be read", reason="bad_answer") from None
    if not token_matches_server(token, server_key):
        raise EnrollmentFailed(
            "the server's key does not match the token; this may not be your server, so nothing was stored",
            reason="wrong_server",
        )
    if answer["device"] != device_id_for(key):
        raise EnrollmentFailed("the server named another device than this terminal's key", reason="bad_answer")
    manifest_value = answer["manifest"]
    raw = manifest_value.encode("utf-8") if isinstance(manifest_value, str) else canonical_bytes(manifest_value)
    try:
        manifest = verify_manifest(raw.strip(), server_key)
    except ManifestError as exc:
        raise EnrollmentFailed(f"the first manifest was refused: {exc.message}", reason=exc.reason) from exc
    if manifest.sealing_key != answer["sealing_key"]:
        raise EnrollmentFailed("the sealing key in the answer and in the manifest differ", reason="bad_answer")

    now = datetime.now(UTC)
    with LocalStore.open(store_path(folder)) as store, store.atomic():
        store.add_manifest(raw.strip(), manifest)
        store.set_meta("server_url", server_url)
        store.set_meta("server_key", str(answer["server_key"]))
        store.set_meta("server_fingerprint", fingerprint(server_key))
        store.set_meta("sealing_key", str(answer["sealing_key"]))
        store.set_meta("pin_hash", hash_pin(pin))
        store.set_meta("enrolled_at", now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        log_event(store, key, "kiosk.enrolled", {"server": fingerprint(server_key)[:16], "name": request["name"]}, now)
        store.set_meta("device", device_id_for(key))
    return Terminal.open(folder)
