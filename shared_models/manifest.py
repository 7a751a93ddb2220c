"""Signed manifests: what a terminal shows, the only thing that travels back.

The server signs ``MANIFEST_DOMAIN + canonical_bytes(manifest without sig)``
with its Ed25519 key. A terminal applies a manifest only when it verifies with
the server key pinned at enrollment and its serial is not older than the one it
holds (no rollback). The manifest also carries the server's sealing key, so the
key that personal data is sealed to is itself vouched for by the signature.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from shared_models.canonical import canonical_bytes, parse_canonical
from shared_models.errors import ManifestError, RecordError
from shared_models.keys import b64decode, b64encode, fingerprint

__all__ = ["ACTIVITIES", "MANIFEST_DOMAIN", "Manifest", "ManifestProcess", "sign_manifest", "verify_manifest"]

MANIFEST_DOMAIN = b"osallistu//manifest//v1//"
ACTIVITIES = ("budget", "voxit", "feedback")

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
Timestamp = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ManifestProcess(_Model):
    id: Slug
    title: dict[str, str]  # language code -> title
    activities: list[Literal["budget", "voxit", "feedback"]]
    test: bool  # a test process: drills may cast into it; never counted as real
    status: Literal["open", "closed"]
    min_seal: Annotated[int, Field(ge=1, le=1000)]
    settings: dict[str, Any] = Field(default_factory=dict)  # per activity, filled in by its issue


class Manifest(_Model):
    v: Literal[1]
    type: Literal["osallistu.manifest"]
    serial: Annotated[int, Field(ge=1)]
    issued: Timestamp
    server: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]  # signing key fingerprint
    sealing_key: str  # server X25519 public key, base64
    processes: list[ManifestProcess]
    sig: str

    def process(self, process_id: str) -> ManifestProcess | None:
        return next((p for p in self.processes if p.id == process_id), None)


def sign_manifest(content: dict[str, Any], key: Ed25519PrivateKey) -> bytes:
    """Canonical, signed manifest bytes from its content (without v, type, server, sig)."""
    unsigned = {**content, "v": 1, "type": "osallistu.manifest", "server": fingerprint(key)}
    signature = key.sign(MANIFEST_DOMAIN + canonical_bytes(unsigned))
    raw = canonical_bytes({**unsigned, "sig": b64encode(signature)})
    Manifest.model_validate(parse_canonical(raw))
    return raw


def verify_manifest(raw: bytes, key: Ed25519PublicKey, *, min_serial: int = 0) -> Manifest:
    """Parse and verify manifest bytes; raise ManifestError saying what is wrong."""
    try:
        value = parse_canonical(raw)
        manifest = Manifest.model_validate(value)
    except (RecordError, ValidationError) as exc:
        raise ManifestError(f"the manifest is malformed: {exc}", reason="malformed") from None
    if manifest.server != fingerprint(key):
        raise ManifestError("the manifest is from another server than the one enrolled with", reason="wrong_server")
    unsigned = {k: v for k, v in value.items() if k != "sig"}
    try:
        key.verify(b64decode(manifest.sig), MANIFEST_DOMAIN + canonical_bytes(unsigned))
    except (InvalidSignature, ValueError):
        raise ManifestError("the manifest signature does not verify", reason="bad_signature") from None
    if manifest.serial < min_serial:
        raise ManifestError(
            f"the manifest is older (serial {manifest.serial}) than the one held ({min_serial})", reason="rollback"
        )
    return manifest
