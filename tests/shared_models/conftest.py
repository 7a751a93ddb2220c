"""Keys, valid bodies and signed records for the contract tests.

The factories are fixtures that return functions (``make_body("voxit.vote")``), so
every test module can use them without importing a helper module by path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from shared_models import Record, device_id_for, make_record, new_record_id, seal_to, sign_record

DAY = "2026-11-28"
PROCESS = "demo"

MakeBody = Callable[..., dict[str, Any]]
MakeSigned = Callable[..., Record]


def voter_tag(code: str, salt: str = "00112233445566778899aabbccddeeff") -> str:
    """As in the design: sha256(bytes.fromhex(voter_salt) + code) in hex."""
    return hashlib.sha256(bytes.fromhex(salt) + code.encode()).hexdigest()


@pytest.fixture
def device_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def server_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def sealing_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture
def make_body(sealing_key: X25519PrivateKey) -> MakeBody:
    """A valid body of ``kind``; keyword arguments replace fields (``None`` values are kept)."""

    def make(kind: str, **changes: Any) -> dict[str, Any]:
        bodies: dict[str, dict[str, Any]] = {
            "budget.ballot": {
                "process": PROCESS,
                "district": "kallio",
                "voter": voter_tag("KOODI-1234"),
                "projects": ["k1", "k3"],
            },
            "voxit.vote": {
                "process": PROCESS,
                "participant": new_record_id(),
                "answers": {"s1": 1, "s2": -1, "s3": 0},
            },
            "voxit.statement": {
                "process": PROCESS,
                "participant": new_record_id(),
                "text": "Kirjastot auki myös sunnuntaisin.",
                "lang": "fi",
            },
            "feedback.item": {
                "process": PROCESS,
                "topic": "streets",
                "message": "Katuvalo on rikki Hämeentiellä.",
                "lang": "fi",
                "place": "kallio",
                "wants_reply": True,
                "contact": seal_to(sealing_key.public_key(), b"maija@example.fi", context=b"contact"),
            },
            "kiosk.event": {"at": f"{DAY}T10:15:00Z", "event": "librarian.signed_in", "detail": {"attempts": 1}},
            "kiosk.seal": {
                "seq": 1,
                "prev": "0" * 64,
                "records": sorted(hashlib.sha256(bytes([n])).hexdigest() for n in range(5)),
                "reason": "minimum",
            },
        }
        return {**bodies[kind], **changes}

    return make


@pytest.fixture
def make_signed(device_key: Ed25519PrivateKey, make_body: MakeBody) -> MakeSigned:
    """A signed record of ``kind`` (by default by ``device_key``); keyword arguments change the body."""

    def make(
        kind: str = "budget.ballot",
        *,
        key: Ed25519PrivateKey | None = None,
        body: dict[str, Any] | None = None,
        day: str = DAY,
        **changes: Any,
    ) -> Record:
        signer = key or device_key
        unsigned = make_record(kind, body or make_body(kind, **changes), device=device_id_for(signer), day=day)
        return sign_record(unsigned, signer)

    return make
