"""Key encodings and identities. Keys are passed in; nothing here reads files.

- A terminal has one Ed25519 signing key. Its device id is derived from the
  public key (``t`` + 16 base32 characters of its sha256), so an id cannot be
  claimed without the key.
- The server has an Ed25519 signing key (manifests, enrollment answers) and an
  X25519 key pair to which terminals seal personal data.
- A key's fingerprint is the hex sha256 of its raw public bytes.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

__all__ = [
    "b64decode",
    "b64encode",
    "device_id_for",
    "ed25519_private_from_bytes",
    "ed25519_public_from_b64",
    "fingerprint",
    "private_bytes",
    "public_b64",
    "public_bytes",
    "x25519_private_from_bytes",
    "x25519_public_from_b64",
]

_RAW = serialization.Encoding.Raw


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def public_bytes(key: Ed25519PublicKey | X25519PublicKey | Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    if isinstance(key, (Ed25519PrivateKey, X25519PrivateKey)):
        key = key.public_key()
    return key.public_bytes(_RAW, serialization.PublicFormat.Raw)


def public_b64(key: Ed25519PublicKey | X25519PublicKey | Ed25519PrivateKey | X25519PrivateKey) -> str:
    return b64encode(public_bytes(key))


def private_bytes(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def ed25519_private_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def x25519_private_from_bytes(raw: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(raw)


def ed25519_public_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(b64decode(text))


def x25519_public_from_b64(text: str) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(b64decode(text))


def fingerprint(key: Ed25519PublicKey | X25519PublicKey | Ed25519PrivateKey | X25519PrivateKey) -> str:
    return hashlib.sha256(public_bytes(key)).hexdigest()


def device_id_for(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    digest = hashlib.sha256(public_bytes(key)).digest()
    return "t" + base64.b32encode(digest[:10]).decode("ascii").lower()
