"""Sealing personal data to the server's public key.

X25519 with a fresh ephemeral key per box, HKDF-SHA256 (salt: ephemeral public
key || recipient public key; info: ``osallistu//sealed-box//v1``) into a
ChaCha20-Poly1305 key, with ``context`` (for example the record id) as
associated data so a box cannot be moved to another record. The terminal can
seal but never open: it holds only the server's public key.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared_models.errors import SealedBoxError
from shared_models.keys import b64decode, b64encode, public_bytes

__all__ = ["ALGORITHM", "open_sealed", "seal_to"]

ALGORITHM = "x25519-hkdf-sha256-chacha20poly1305"
_INFO = b"osallistu//sealed-box//v1"


def _key(shared: bytes, epk: bytes, rpk: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=epk + rpk, info=_INFO).derive(shared)


def seal_to(recipient: X25519PublicKey, plaintext: bytes, *, context: bytes) -> dict[str, str]:
    ephemeral = X25519PrivateKey.generate()
    epk, rpk = public_bytes(ephemeral), public_bytes(recipient)
    key = _key(ephemeral.exchange(recipient), epk, rpk)
    nonce = os.urandom(12)
    ciphertext = ChaCha20Poly1305(key).encrypt(nonce, plaintext, context)
    return {"alg": ALGORITHM, "epk": b64encode(epk), "nonce": b64encode(nonce), "ct": b64encode(ciphertext)}


def open_sealed(recipient: X25519PrivateKey, box: dict[str, str], *, context: bytes) -> bytes:
    try:
        if box.get("alg") != ALGORITHM:
            raise SealedBoxError(f"unknown sealing algorithm {box.get('alg')!r}")
        epk = b64decode(box["epk"])
        nonce = b64decode(box["nonce"])
        ciphertext = b64decode(box["ct"])
        key = _key(recipient.exchange(X25519PublicKey.from_public_bytes(epk)), epk, public_bytes(recipient))
        return ChaCha20Poly1305(key).decrypt(nonce, ciphertext, context)
    except SealedBoxError:
        raise
    except (InvalidTag, KeyError, ValueError, TypeError) as exc:
        raise SealedBoxError("the sealed data does not open with this key and context") from exc
