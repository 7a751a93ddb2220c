"""What crosses the wire between terminal and server, as bytes (no I/O here).

Push batch (HTTP body, ``application/x-ndjson``): one canonical record per line,
each seal followed by the records it covers, seals in seq order.

Request signing: the terminal signs
``REQUEST_DOMAIN + method \\n path \\n timestamp \\n sha256(body)`` and sends
``X-Osallistu-Device``, ``X-Osallistu-Timestamp`` (UTC, seconds) and
``X-Osallistu-Signature``. The server refuses a timestamp more than
``MAX_CLOCK_SKEW`` seconds from its own clock and says its time, so the terminal
can correct its offset and retry.

USB bundle (one file): a header line, the same record lines as a push, and a
trailer line holding the sha256 of everything before it and the device's
signature over ``BUNDLE_DOMAIN + that digest``. A file cut short has no valid
trailer; importing the same bundle twice changes nothing.

USB reply (one file, the way back for a terminal without network): a header
line ``{type "osallistu.reply", v 1, device, created}``, the device's ack as a
canonical line ``{seq, hash}``, the newest signed manifest exactly as
``GET /api/v1/manifest`` serves it, and a trailer holding the sha256 of
everything before it and the server's signature (the key the terminal pinned at
enrollment) over ``REPLY_DOMAIN + that digest``.

Enrollment token: ``OSA1-<32 base32 secret>-<16 hex of the server key
fingerprint>``: the terminal checks the server key it is given against the token,
so nobody between them can swap it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict

from shared_models.canonical import canonical_bytes, parse_canonical, sha256_hex
from shared_models.errors import BadSignature, BundleError, OsallistuError, RecordError, ReplyError
from shared_models.keys import b64decode, b64encode, device_id_for, fingerprint
from shared_models.records import Record

__all__ = [
    "BUNDLE_DOMAIN",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_LINES",
    "MAX_CLOCK_SKEW",
    "REPLY_DOMAIN",
    "REQUEST_DOMAIN",
    "Ack",
    "Bundle",
    "PushResponse",
    "RecordResult",
    "Reply",
    "encode_batch",
    "make_enrollment_token",
    "open_bundle",
    "open_reply",
    "parse_enrollment_token",
    "sign_request",
    "split_batch",
    "token_hash",
    "token_matches_server",
    "verify_bundle",
    "verify_reply",
    "verify_request",
    "write_bundle",
    "write_reply",
]

REQUEST_DOMAIN = b"osallistu//request//v1//"
BUNDLE_DOMAIN = b"osallistu//bundle//v1//"
REPLY_DOMAIN = b"osallistu//reply//v1//"
MAX_BATCH_BYTES = 8 * 1024 * 1024
MAX_BATCH_LINES = 20_000
MAX_CLOCK_SKEW = 300
_HEADER_START = b'{"count":'  # every bundle header starts so (canonical: keys sorted)

Status = Literal["accepted", "duplicate", "rejected", "quarantined"]


# ---------------------------------------------------------------- push batches


def encode_batch(records: list[Record]) -> bytes:
    return b"".join(record.raw + b"\n" for record in records)


def split_batch(body: bytes) -> list[bytes]:
    """The lines of a batch body (empty lines dropped); size limits raise RecordError."""
    if len(body) > MAX_BATCH_BYTES:
        raise RecordError(f"the batch is {len(body)} bytes, more than {MAX_BATCH_BYTES}", reason="batch_too_large")
    lines = [line for line in body.split(b"\n") if line.strip()]
    if len(lines) > MAX_BATCH_LINES:
        raise RecordError(f"the batch has {len(lines)} lines, more than {MAX_BATCH_LINES}", reason="batch_too_large")
    return lines


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordResult(_Wire):
    hash: str
    id: str | None = None
    kind: str | None = None
    status: Status
    reason: str | None = None


class Ack(_Wire):
    seq: int  # highest seal seq such that every seal up to it is held complete
    hash: str | None = None


class PushResponse(_Wire):
    results: list[RecordResult]
    ack: Ack
    server_time: str


# ---------------------------------------------------------------- request signing


def _request_bytes(method: str, path: str, timestamp: int, body: bytes) -> bytes:
    return REQUEST_DOMAIN + f"{method.upper()}\n{path}\n{timestamp}\n{sha256_hex(body)}".encode()


def sign_request(key: Ed25519PrivateKey, method: str, path: str, body: bytes, *, timestamp: int) -> dict[str, str]:
    signature = key.sign(_request_bytes(method, path, timestamp, body))
    return {
        "X-Osallistu-Device": device_id_for(key),
        "X-Osallistu-Timestamp": str(timestamp),
        "X-Osallistu-Signature": b64encode(signature),
    }


def verify_request(
    key: Ed25519PublicKey, method: str, path: str, body: bytes, headers: Mapping[str, str], *, now: int
) -> None:
    """Raise BadSignature (reason ``clock_skew`` or ``bad_signature``) unless the request is the device's.

    Header names are matched case-insensitively (HTTP servers hand them over lower-cased).
    """
    named = {name.lower(): value for name, value in headers.items()}
    try:
        timestamp = int(named["x-osallistu-timestamp"])
        signature = b64decode(named["x-osallistu-signature"])
    except (KeyError, ValueError) as exc:
        raise BadSignature("the request is not signed", reason="unsigned_request") from exc
    if abs(now - timestamp) > MAX_CLOCK_SKEW:
        raise BadSignature(f"the terminal clock is {timestamp - now} s off the server's", reason="clock_skew")
    try:
        key.verify(signature, _request_bytes(method, path, timestamp, body))
    except InvalidSignature as exc:
        raise BadSignature("the request signature does not verify") from exc


# ---------------------------------------------------------------- USB bundles


@dataclass(frozen=True)
class Bundle:
    header: dict[str, Any]
    lines: list[bytes]
    trailer: dict[str, Any] | None
    digest: str  # sha256 of everything before the trailer

    @property
    def device(self) -> str:
        return str(self.header.get("device", ""))


def write_bundle(key: Ed25519PrivateKey, records: list[Record], *, created: str) -> bytes:
    header = canonical_bytes(
        {"type": "osallistu.bundle", "v": 1, "device": device_id_for(key), "created": created, "count": len(records)}
    )
    return _with_signed_end(key, BUNDLE_DOMAIN, header + b"\n" + encode_batch(records))


def _with_signed_end(key: Ed25519PrivateKey, domain: bytes, content: bytes) -> bytes:
    """``content`` and the end line that signs it: ``{"sha256", "sig"}`` over the domain and the digest
    (the framing of bundles and replies)."""
    digest = hashlib.sha256(content).hexdigest()
    signature = key.sign(domain + digest.encode())
    return content + canonical_bytes({"sha256": digest, "sig": b64encode(signature)}) + b"\n"


def _digest_matches(trailer: dict[str, Any], digest: str) -> bool:
    return hmac.compare_digest(str(trailer["sha256"]).encode(), digest.encode())


def _signed_by(key: Ed25519PublicKey, domain: bytes, trailer: dict[str, Any], digest: str) -> bool:
    try:
        key.verify(b64decode(str(trailer["sig"])), domain + digest.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def open_bundle(data: bytes) -> Bundle:
    """Split a bundle into header, record lines and trailer; BundleError if it is not a bundle at all."""
    parts = data.split(b"\n")
    if not parts or not parts[0].strip():
        raise BundleError("the file is empty or not an Osallistu bundle", reason="not_a_bundle")
    if len(parts) == 1 and (_HEADER_START.startswith(data) or data.startswith(_HEADER_START)):
        # The first line never ended: the start of a bundle header, cut short.
        raise BundleError("the bundle is cut short inside its first line", reason="bundle_truncated")
    try:
        header = parse_canonical(parts[0])
    except OsallistuError as exc:
        raise BundleError("the file is not an Osallistu bundle", reason="not_a_bundle") from exc
    if not isinstance(header, dict) or header.get("type") != "osallistu.bundle" or header.get("v") != 1:
        raise BundleError("the file is not an Osallistu bundle", reason="not_a_bundle")
    body_lines = [line for line in parts[1:] if line.strip()]
    trailer: dict[str, Any] | None = None
    if body_lines:
        try:
            candidate = parse_canonical(body_lines[-1])
        except OsallistuError:
            candidate = None
        if isinstance(candidate, dict) and set(candidate) == {"sha256", "sig"}:
            trailer = candidate
            body_lines = body_lines[:-1]
    cut = data.rfind(b"\n", 0, len(data) - 1) + 1 if trailer is not None else len(data)
    return Bundle(header=header, lines=body_lines, trailer=trailer, digest=hashlib.sha256(data[:cut]).hexdigest())


def verify_bundle(bundle: Bundle, key: Ed25519PublicKey) -> None:
    """Raise BundleError unless the bundle is whole and signed by ``key``."""
    if bundle.trailer is None:
        raise BundleError("the bundle is cut short (no signed end line)", reason="bundle_truncated")
    if bundle.device != device_id_for(key):
        raise BundleError("the bundle names another device", reason="wrong_device")
    if not _digest_matches(bundle.trailer, bundle.digest):
        raise BundleError("the bundle was altered or cut short", reason="bundle_altered")
    if bundle.header.get("count") != len(bundle.lines):
        raise BundleError("the bundle has another number of records than it says", reason="bundle_truncated")
    if not _signed_by(key, BUNDLE_DOMAIN, bundle.trailer, bundle.digest):
        raise BundleError("the bundle signature does not verify", reason="bad_signature")


# ---------------------------------------------------------------- USB replies


@dataclass(frozen=True)
class Reply:
    header: dict[str, Any]
    ack: Ack
    manifest: bytes  # the signed manifest bytes, exactly as the server serves them
    trailer: dict[str, Any] | None
    digest: str  # sha256 of everything before the trailer

    @property
    def device(self) -> str:
        return str(self.header.get("device", ""))


def write_reply(key: Ed25519PrivateKey, *, device: str, ack: Ack, manifest: bytes, created: str) -> bytes:
    """The reply file for ``device``: its ack and the manifest bytes, signed with the server key."""
    if b"\n" in manifest.strip():
        raise ReplyError("the manifest is not one canonical line", reason="not_a_reply")
    header = canonical_bytes({"type": "osallistu.reply", "v": 1, "device": device, "created": created})
    content = header + b"\n" + canonical_bytes(ack.model_dump()) + b"\n" + manifest.strip() + b"\n"
    return _with_signed_end(key, REPLY_DOMAIN, content)


def open_reply(data: bytes) -> Reply:
    """Split a reply into its parts; ReplyError if it is not a reply at all or is cut short."""
    lines = data.split(b"\n")
    try:
        header = parse_canonical(lines[0])
    except OsallistuError as exc:
        raise ReplyError("the file is not a reply from an Osallistu server", reason="not_a_reply") from exc
    if not isinstance(header, dict) or header.get("type") != "osallistu.reply" or header.get("v") != 1:
        raise ReplyError("the file is not a reply from an Osallistu server", reason="not_a_reply")
    if len(lines) < 5 or lines[4] != b"" or any(lines[5:]):
        raise ReplyError("the reply is cut short or has lines it should not", reason="reply_truncated")
    try:
        ack = Ack.model_validate(parse_canonical(lines[1]))
        trailer = parse_canonical(lines[3])
    except (OsallistuError, ValueError) as exc:
        raise ReplyError("the reply was altered or cut short", reason="reply_altered") from exc
    if not isinstance(trailer, dict) or set(trailer) != {"sha256", "sig"}:
        raise ReplyError("the reply is cut short (no signed end line)", reason="reply_truncated")
    content = b"\n".join(lines[:3]) + b"\n"
    return Reply(header=header, ack=ack, manifest=lines[2], trailer=trailer, digest=hashlib.sha256(content).hexdigest())


def verify_reply(reply: Reply, server_public_key: Ed25519PublicKey, device: str) -> None:
    """Raise ReplyError unless the reply is whole, signed by the server key and meant for ``device``."""
    if reply.trailer is None:
        raise ReplyError("the reply is cut short (no signed end line)", reason="reply_truncated")
    if not _digest_matches(reply.trailer, reply.digest):
        raise ReplyError("the reply was altered after it was signed", reason="reply_altered")
    if not _signed_by(server_public_key, REPLY_DOMAIN, reply.trailer, reply.digest):
        raise ReplyError("the reply is not signed by the server this terminal enrolled with", reason="bad_signature")
    if reply.device != device:
        raise ReplyError(f"the reply is for terminal {reply.device}, not this one", reason="wrong_device")


# ---------------------------------------------------------------- enrollment tokens


_TOKEN_SECRET = re.compile(r"[A-Z2-7]{32}")
_TOKEN_SERVER = re.compile(r"[0-9a-f]{16}")


def make_enrollment_token(server_key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    secret = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
    return f"OSA1-{secret}-{fingerprint(server_key)[:16]}"


def parse_enrollment_token(token: str) -> tuple[str, str]:
    """(secret, server fingerprint prefix); BundleError-free: raises ValueError on a malformed token."""
    parts = token.strip().split("-")
    if len(parts) != 3 or parts[0].upper() != "OSA1":
        raise ValueError("that is not an enrollment token (it looks like OSA1-XXXX...-abcd...)")
    # Typed by people: accept either case, give back the one spelling that was issued.
    secret, server = parts[1].upper(), parts[2].lower()
    if not _TOKEN_SECRET.fullmatch(secret) or not _TOKEN_SERVER.fullmatch(server):
        raise ValueError("that is not an enrollment token (it looks like OSA1-XXXX...-abcd...)")
    return secret, server


def token_matches_server(token: str, server_key: Ed25519PublicKey) -> bool:
    return fingerprint(server_key).startswith(parse_enrollment_token(token)[1])


def token_hash(token: str) -> str:
    """What the server stores instead of the token."""
    return sha256_hex(parse_enrollment_token(token)[0].encode())
