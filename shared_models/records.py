"""Records: one immutable, individually signed envelope per action.

    {"v": 1, "kind": "budget.ballot", "id": "<26 base32 chars>", "device": "t...",
     "day": "2026-11-28", "body": {...}, "sig": "<base64 Ed25519>"}

What is signed is ``DOMAIN + canonical_bytes(record without sig)``; what is
stored, sent and hashed is ``canonical_bytes(record)`` (``Record.raw``), never a
re-serialisation. The record hash is ``sha256(raw)`` in hex.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared_models.bodies import BODY_MODELS, validate_body
from shared_models.canonical import canonical_bytes, parse_canonical, sha256_hex
from shared_models.errors import BadSignature, MalformedRecord, UnknownKind
from shared_models.keys import b64decode, b64encode, device_id_for

__all__ = [
    "MAX_RECORD_BYTES",
    "RECORD_DOMAIN",
    "VERSION",
    "Record",
    "make_record",
    "new_record_id",
    "parse_record",
    "sign_record",
    "verify_record",
]

VERSION = 1
RECORD_DOMAIN = b"osallistu//record//v1//"
MAX_RECORD_BYTES = 64 * 1024
_FIELDS = {"v", "kind", "id", "device", "day", "body", "sig"}
_ID = re.compile(r"^[a-z2-7]{26}$")
_DEVICE = re.compile(r"^t[a-z2-7]{16}$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def new_record_id() -> str:
    """A random 128-bit id in lowercase base32 without padding (26 characters)."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


@dataclass(frozen=True)
class Record:
    """A parsed record. ``raw`` is the exact canonical bytes that were signed and sent."""

    kind: str
    id: str
    device: str
    day: str
    body: dict[str, Any]
    sig: str
    raw: bytes = field(repr=False)
    hash: str = field(repr=False)
    v: int = VERSION

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8")

    def signed_bytes(self) -> bytes:
        unsigned = {
            "v": self.v,
            "kind": self.kind,
            "id": self.id,
            "device": self.device,
            "day": self.day,
            "body": self.body,
        }
        return RECORD_DOMAIN + canonical_bytes(unsigned)


def _check_envelope(value: Any) -> None:
    if not isinstance(value, dict):
        raise MalformedRecord("a record must be a JSON object")
    if set(value) != _FIELDS:
        missing = sorted(_FIELDS - set(value))
        extra = sorted(set(value) - _FIELDS)
        raise MalformedRecord(f"record fields wrong (missing {missing}, unexpected {extra})")
    if value["v"] != VERSION or isinstance(value["v"], bool):
        raise UnknownKind(f"record version {value['v']!r} is not supported", reason="unknown_version")
    if not isinstance(value["kind"], str) or value["kind"] not in BODY_MODELS:
        raise UnknownKind(f"record kind {value['kind']!r} is not known")
    for name, pattern in (("id", _ID), ("device", _DEVICE), ("day", _DAY)):
        if not isinstance(value[name], str) or not pattern.fullmatch(value[name]):
            raise MalformedRecord(f"record {name} {value[name]!r} is not valid")
    try:
        date.fromisoformat(value["day"])
    except ValueError as exc:
        raise MalformedRecord(f"record day {value['day']!r} is not a date") from exc
    if not isinstance(value["sig"], str) or not _is_signature(value["sig"]):
        raise MalformedRecord("record sig must be the base64 of a 64-byte signature")


def _is_signature(text: str) -> bool:
    # Only the one base64 spelling of 64 bytes: base64 leaves spare bits in the last
    # character, so without this anyone could respell a valid sig and mint a record
    # with another hash (an "equivocation") that still verifies.
    try:
        raw = b64decode(text)
    except ValueError:
        return False
    return len(raw) == 64 and b64encode(raw) == text


def parse_record(raw: bytes) -> Record:
    """Parse and validate canonical record bytes (envelope and body); no signature check."""
    if len(raw) > MAX_RECORD_BYTES:
        raise MalformedRecord(f"record is {len(raw)} bytes, more than {MAX_RECORD_BYTES}", reason="too_large")
    value = parse_canonical(raw)
    _check_envelope(value)
    validate_body(value["kind"], value["body"])
    return Record(
        kind=value["kind"],
        id=value["id"],
        device=value["device"],
        day=value["day"],
        body=value["body"],
        sig=value["sig"],
        raw=raw,
        hash=sha256_hex(raw),
    )


def make_record(
    kind: str,
    body: dict[str, Any],
    *,
    device: str,
    day: date | str,
    record_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned record envelope, body validated for its kind."""
    if kind not in BODY_MODELS:
        raise UnknownKind(f"record kind {kind!r} is not known")
    validate_body(kind, body)
    return {
        "v": VERSION,
        "kind": kind,
        "id": record_id or new_record_id(),
        "device": device,
        "day": day if isinstance(day, str) else day.isoformat(),
        "body": body,
    }


def sign_record(unsigned: dict[str, Any], key: Ed25519PrivateKey) -> Record:
    """Sign an envelope from ``make_record`` with the terminal's key; returns the parsed Record."""
    if "sig" in unsigned:
        raise MalformedRecord("record is already signed")
    if unsigned["device"] != device_id_for(key):
        raise MalformedRecord("record device does not match the signing key", reason="wrong_device")
    signature = key.sign(RECORD_DOMAIN + canonical_bytes(unsigned))
    return parse_record(canonical_bytes({**unsigned, "sig": b64encode(signature)}))


def verify_record(record: Record, key: Ed25519PublicKey) -> None:
    """Raise BadSignature unless ``record`` was signed by ``key`` and names its device."""
    if record.device != device_id_for(key):
        raise BadSignature(f"record names device {record.device}, not the key's device", reason="wrong_device")
    try:
        key.verify(b64decode(record.sig), record.signed_bytes())
    except (InvalidSignature, ValueError) as exc:
        raise BadSignature("the record's signature does not verify") from exc
