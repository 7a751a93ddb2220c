from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError

from shared_models import (
    ManifestError,
    canonical_bytes,
    fingerprint,
    parse_canonical,
    sign_manifest,
    verify_manifest,
)
from shared_models.keys import b64encode, public_b64
from shared_models.manifest import MANIFEST_DOMAIN


@pytest.fixture
def make_content(sealing_key: X25519PrivateKey) -> Callable[..., dict[str, Any]]:
    def make(serial: int = 3, **changes: Any) -> dict[str, Any]:
        process = {
            "id": "demo",
            "title": {"fi": "Kokeilu", "sv": "Försök", "en": "Demo"},
            "activities": ["budget", "voxit", "feedback"],
            "test": True,
            "status": "open",
            "min_seal": 5,
            "settings": {"voxit": {"allow_proposals": True, "statements": []}},
        }
        return {
            "serial": serial,
            "issued": "2026-11-28T09:00:00Z",
            "sealing_key": public_b64(sealing_key),
            "processes": [process],
            **changes,
        }

    return make


def test_a_signed_manifest_verifies_with_the_server_key(
    make_content: Callable[..., dict[str, Any]], server_key: Ed25519PrivateKey
) -> None:
    raw = sign_manifest(make_content(), server_key)
    manifest = verify_manifest(raw, server_key.public_key())
    assert manifest.serial == 3
    assert manifest.server == fingerprint(server_key)
    assert manifest.type == "osallistu.manifest"
    demo = manifest.process("demo")
    assert demo is not None and demo.min_seal == 5 and demo.test
    assert manifest.process("nowhere") is None


def test_manifest_bytes_are_canonical(
    make_content: Callable[..., dict[str, Any]], server_key: Ed25519PrivateKey
) -> None:
    raw = sign_manifest(make_content(), server_key)
    assert canonical_bytes(parse_canonical(raw)) == raw


def test_a_manifest_from_another_server_is_refused(
    make_content: Callable[..., dict[str, Any]], server_key: Ed25519PrivateKey, other_key: Ed25519PrivateKey
) -> None:
    raw = sign_manifest(make_content(), other_key)
    with pytest.raises(ManifestError) as info:
        verify_manifest(raw, server_key.public_key())
    assert info.value.reason == "wrong_server"


def _forged_by(other: Ed25519PrivateKey) -> Callable[[dict[str, Any]], None]:
    """Claim to be the real server but sign with another key."""

    def forge(value: dict[str, Any]) -> None:
        unsigned = {k: v for k, v in value.items() if k != "sig"}
        value["sig"] = b64encode(other.sign(MANIFEST_DOMAIN + canonical_bytes(unsigned)))

    return forge


ALTERATIONS = [
    pytest.param(lambda value, other: value.__setitem__("serial", 99), "bad_signature", id="serial_raised"),
    pytest.param(
        lambda value, other: value["processes"][0].__setitem__("status", "closed"), "bad_signature", id="status"
    ),
    pytest.param(
        lambda value, other: value["processes"][0].__setitem__("min_seal", 1), "bad_signature", id="min_seal_lowered"
    ),
    pytest.param(
        lambda value, other: value.__setitem__("sealing_key", public_b64(X25519PrivateKey.generate())),
        "bad_signature",
        id="sealing_key_swapped",
    ),
    pytest.param(lambda value, other: _forged_by(other)(value), "bad_signature", id="signed_by_another_key"),
    pytest.param(lambda value, other: value.__setitem__("sig", "AAAA"), "bad_signature", id="signature_truncated"),
    pytest.param(lambda value, other: value.pop("sig"), "malformed", id="signature_removed"),
    pytest.param(lambda value, other: value.__setitem__("v", 2), "malformed", id="unknown_version"),
    pytest.param(lambda value, other: value.__setitem__("extra", 1), "malformed", id="extra_field"),
]


@pytest.mark.parametrize(("alter", "reason"), ALTERATIONS)
def test_an_altered_manifest_is_refused(
    alter: Callable[[dict[str, Any], Ed25519PrivateKey], None],
    reason: str,
    make_content: Callable[..., dict[str, Any]],
    server_key: Ed25519PrivateKey,
    other_key: Ed25519PrivateKey,
) -> None:
    value = parse_canonical(sign_manifest(make_content(), server_key))
    alter(value, other_key)
    with pytest.raises(ManifestError) as info:
        verify_manifest(canonical_bytes(value), server_key.public_key())
    assert info.value.reason == reason


@pytest.mark.parametrize(
    "reencode",
    [
        pytest.param(lambda raw: json.dumps(json.loads(raw), indent=2).encode(), id="pretty_printed"),
        pytest.param(lambda raw: raw + b"\n", id="trailing_newline"),
        pytest.param(lambda raw: raw.replace(b'"serial":3', b'"serial":3.0'), id="float"),
        pytest.param(lambda raw: b"", id="empty"),
    ],
)
def test_a_re_encoded_manifest_is_refused_as_malformed(
    reencode: Callable[[bytes], bytes], make_content: Callable[..., dict[str, Any]], server_key: Ed25519PrivateKey
) -> None:
    with pytest.raises(ManifestError) as info:
        verify_manifest(reencode(sign_manifest(make_content(), server_key)), server_key.public_key())
    assert info.value.reason == "malformed"


def test_an_older_manifest_is_refused_as_rollback(
    make_content: Callable[..., dict[str, Any]], server_key: Ed25519PrivateKey
) -> None:
    raw = sign_manifest(make_content(serial=3), server_key)
    with pytest.raises(ManifestError) as info:
        verify_manifest(raw, server_key.public_key(), min_serial=4)
    assert info.value.reason == "rollback"


@pytest.mark.parametrize("held", [pytest.param(0, id="none_held"), pytest.param(3, id="same_serial")])
def test_a_manifest_not_older_than_the_one_held_is_applied(
    held: int, make_content: Callable[..., dict[str, Any]], server_key: Ed25519PrivateKey
) -> None:
    raw = sign_manifest(make_content(serial=3), server_key)
    assert verify_manifest(raw, server_key.public_key(), min_serial=held).serial == 3


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"serial": 0}, id="serial_zero"),
        pytest.param({"issued": "28.11.2026"}, id="issued_not_a_timestamp"),
        pytest.param({"issued": "٢٠٢٦-١١-٢٨T09:00:00Z"}, id="issued_in_arabic_indic_digits"),
        pytest.param({"processes": [{"id": "demo"}]}, id="process_incomplete"),
    ],
)
def test_sign_manifest_refuses_invalid_content(
    changes: dict[str, Any], make_content: Callable[..., dict[str, Any]], server_key: Ed25519PrivateKey
) -> None:
    with pytest.raises(ValidationError):
        sign_manifest(make_content(**changes), server_key)
