from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared_models import (
    BODY_MODELS,
    BadSignature,
    InvalidBody,
    MalformedRecord,
    NonCanonical,
    Record,
    UnknownKind,
    canonical_bytes,
    device_id_for,
    make_record,
    new_record_id,
    parse_canonical,
    parse_record,
    sha256_hex,
    sign_record,
    verify_record,
)
from shared_models.keys import b64decode, b64encode
from shared_models.records import MAX_RECORD_BYTES, RECORD_DOMAIN

DAY = "2026-11-28"  # as in conftest
MakeSigned = Callable[..., Record]  # the make_signed fixture

# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("kind", sorted(BODY_MODELS), ids=str)
def test_every_kind_round_trips_through_its_raw_bytes(
    kind: str, make_signed: MakeSigned, device_key: Ed25519PrivateKey
) -> None:
    record = make_signed(kind)
    again = parse_record(record.raw)
    assert again == record
    assert again.kind == kind
    assert again.hash == sha256_hex(record.raw)
    assert record.raw == canonical_bytes(parse_canonical(record.raw))
    verify_record(again, device_key.public_key())


def test_the_record_hash_covers_the_signature(make_signed: MakeSigned) -> None:
    record = make_signed()
    value = parse_canonical(record.raw)
    assert set(value) == {"v", "kind", "id", "device", "day", "body", "sig"}
    assert record.hash == sha256_hex(canonical_bytes(value))
    assert record.text == record.raw.decode()


def test_what_is_signed_is_the_domain_and_the_record_without_sig(
    make_signed: MakeSigned, device_key: Ed25519PrivateKey
) -> None:
    record = make_signed()
    unsigned = {k: v for k, v in parse_canonical(record.raw).items() if k != "sig"}
    assert record.signed_bytes() == RECORD_DOMAIN + canonical_bytes(unsigned)
    device_key.public_key().verify(b64decode(record.sig), record.signed_bytes())


def test_new_record_ids_are_random_base32_of_128_bits() -> None:
    ids = {new_record_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[a-z2-7]{26}", record_id) for record_id in ids)


def test_a_citizen_record_carries_the_day_and_no_time(make_signed: MakeSigned) -> None:
    record = make_signed("budget.ballot")
    assert record.day == DAY
    assert not re.search(r"[0-9]{2}:[0-9]{2}", record.text)


def test_make_record_accepts_a_date_object(device_key: Ed25519PrivateKey, make_signed: MakeSigned) -> None:
    import datetime

    body = parse_canonical(make_signed().raw)["body"]
    unsigned = make_record("budget.ballot", body, device=device_id_for(device_key), day=datetime.date(2026, 11, 28))
    assert unsigned["day"] == "2026-11-28"


def test_make_record_refuses_an_unknown_kind(device_key: Ed25519PrivateKey) -> None:
    with pytest.raises(UnknownKind) as info:
        make_record("budget.vote", {}, device=device_id_for(device_key), day=DAY)
    assert info.value.reason == "unknown_kind"


def test_make_record_refuses_an_invalid_body(device_key: Ed25519PrivateKey) -> None:
    with pytest.raises(InvalidBody) as info:
        make_record("voxit.vote", {"process": "demo"}, device=device_id_for(device_key), day=DAY)
    assert info.value.reason == "invalid_body"


def test_sign_record_refuses_a_key_of_another_device(
    device_key: Ed25519PrivateKey, other_key: Ed25519PrivateKey, make_signed: MakeSigned
) -> None:
    body = parse_canonical(make_signed().raw)["body"]
    unsigned = make_record("budget.ballot", body, device=device_id_for(device_key), day=DAY)
    with pytest.raises(MalformedRecord) as info:
        sign_record(unsigned, other_key)
    assert info.value.reason == "wrong_device"


def test_sign_record_refuses_a_record_already_signed(device_key: Ed25519PrivateKey, make_signed: MakeSigned) -> None:
    value = parse_canonical(make_signed().raw)
    with pytest.raises(MalformedRecord):
        sign_record(value, device_key)


# ---------------------------------------------------------------- tamper table

Tamper = Callable[[dict[str, Any], bytes, Ed25519PrivateKey], bytes]


def _encode(change: Callable[[dict[str, Any]], None]) -> Tamper:
    """A tamper that changes the parsed record and re-encodes it canonically (keeping the old sig)."""

    def tamper(value: dict[str, Any], raw: bytes, other: Ed25519PrivateKey) -> bytes:
        change(value)
        return canonical_bytes(value)

    return tamper


def _set(name: str, new: Any) -> Tamper:
    return _encode(lambda value: value.__setitem__(name, new))


def _signed_by_other(value: dict[str, Any], raw: bytes, other: Ed25519PrivateKey) -> bytes:
    unsigned = {k: v for k, v in value.items() if k != "sig"}
    return canonical_bytes({**unsigned, "sig": b64encode(other.sign(RECORD_DOMAIN + canonical_bytes(unsigned)))})


def _respelled_sig(value: dict[str, Any], raw: bytes, other: Ed25519PrivateKey) -> bytes:
    # 64 bytes in base64 leave 4 spare bits in the last character before "==":
    # "...A==" and "...B==" decode to the same signature.
    sig = value["sig"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet.index(sig[-3])
    value["sig"] = sig[:-3] + alphabet[last ^ 1] + "=="
    assert b64decode(value["sig"]) == b64decode(sig)
    return canonical_bytes(value)


def _other_key(value: dict[str, Any], raw: bytes, other: Ed25519PrivateKey) -> bytes:
    value["device"] = device_id_for(other)
    return canonical_bytes(value)


TAMPERS = [
    pytest.param(
        _encode(lambda value: value["body"].__setitem__("district", "vallila")),
        BadSignature,
        "bad_signature",
        id="altered_body",
    ),
    pytest.param(
        _encode(lambda value: value["body"].__setitem__("projects", ["k1"])),
        BadSignature,
        "bad_signature",
        id="project_removed",
    ),
    pytest.param(_set("day", "2026-11-29"), BadSignature, "bad_signature", id="altered_day"),
    pytest.param(_set("id", new_record_id()), BadSignature, "bad_signature", id="altered_id"),
    pytest.param(_set("kind", "voxit.vote"), InvalidBody, "invalid_body", id="altered_kind"),
    pytest.param(_other_key, BadSignature, "wrong_device", id="swapped_device"),
    pytest.param(_signed_by_other, BadSignature, "bad_signature", id="signature_from_another_key"),
    pytest.param(
        _encode(lambda value: value.__setitem__("sig", value["sig"][:40])),
        MalformedRecord,
        "malformed",
        id="truncated_signature",
    ),
    pytest.param(_set("sig", ""), MalformedRecord, "malformed", id="empty_signature"),
    pytest.param(_set("sig", "not base64!"), MalformedRecord, "malformed", id="signature_not_base64"),
    pytest.param(_respelled_sig, MalformedRecord, "malformed", id="signature_respelled_in_base64"),
    pytest.param(
        lambda value, raw, other: json.dumps(value, sort_keys=True).encode(),
        NonCanonical,
        "non_canonical",
        id="non_canonical_reencoding",
    ),
    pytest.param(
        lambda value, raw, other: json.dumps(dict(reversed(value.items())), separators=(",", ":")).encode(),
        NonCanonical,
        "non_canonical",
        id="keys_in_insertion_order",
    ),
    pytest.param(
        lambda value, raw, other: raw.replace(b'"v":1', b'"v":1.0'),
        MalformedRecord,
        "float",
        id="float_injected",
    ),
    pytest.param(
        lambda value, raw, other: raw.replace(b'"v":1', b'"v":9007199254740993'),
        MalformedRecord,
        "integer_range",
        id="integer_out_of_range",
    ),
    pytest.param(
        lambda value, raw, other: raw.replace(b'"v":1', b'"v":1,"v":1'),
        MalformedRecord,
        "malformed",
        id="duplicate_key",
    ),
    pytest.param(_set("kind", "budget.vote"), UnknownKind, "unknown_kind", id="unknown_kind"),
    pytest.param(_set("kind", ["budget.ballot"]), UnknownKind, "unknown_kind", id="kind_not_a_string"),
    pytest.param(_set("v", 2), UnknownKind, "unknown_version", id="unknown_version"),
    pytest.param(_set("v", True), UnknownKind, "unknown_version", id="version_true"),
    pytest.param(_set("time", "10:15"), MalformedRecord, "malformed", id="extra_field"),
    pytest.param(_encode(lambda value: value.pop("day")), MalformedRecord, "malformed", id="missing_field"),
    pytest.param(_encode(lambda value: value.pop("sig")), MalformedRecord, "malformed", id="missing_sig"),
    pytest.param(_set("day", "2026-02-30"), MalformedRecord, "malformed", id="day_not_a_date"),
    pytest.param(_set("day", "20261128"), MalformedRecord, "malformed", id="day_without_dashes"),
    pytest.param(_set("day", "2026-11-28T10:15:00Z"), MalformedRecord, "malformed", id="day_with_a_time"),
    pytest.param(_set("day", "２０２６-１１-２８"), MalformedRecord, "malformed", id="day_in_fullwidth_digits"),
    pytest.param(
        _encode(lambda value: value.__setitem__("id", value["id"] + "\n")),
        MalformedRecord,
        "malformed",
        id="id_with_trailing_newline",
    ),
    pytest.param(_set("id", "A" * 26), MalformedRecord, "malformed", id="id_in_capitals"),
    pytest.param(_set("device", "x" * 17), MalformedRecord, "malformed", id="device_not_an_id"),
    pytest.param(
        _encode(lambda value: value["body"].__setitem__("projects", ["k3", "k1"])),
        InvalidBody,
        "invalid_body",
        id="body_invalid",
    ),
    pytest.param(_set("body", []), InvalidBody, "invalid_body", id="body_not_an_object"),
    pytest.param(lambda value, raw, other: b"[" + raw + b"]", MalformedRecord, "malformed", id="record_not_an_object"),
    pytest.param(lambda value, raw, other: raw + b" " * MAX_RECORD_BYTES, MalformedRecord, "too_large", id="too_large"),
]


@pytest.mark.parametrize(("tamper", "error", "reason"), TAMPERS)
def test_a_tampered_record_is_refused_with_its_reason(
    tamper: Tamper,
    error: type[Exception],
    reason: str,
    make_signed: MakeSigned,
    device_key: Ed25519PrivateKey,
    other_key: Ed25519PrivateKey,
) -> None:
    record = make_signed("budget.ballot")
    tampered = tamper(parse_canonical(record.raw), record.raw, other_key)
    assert tampered != record.raw
    with pytest.raises(error) as info:
        verify_record(parse_record(tampered), device_key.public_key())
    assert type(info.value) is error
    assert info.value.reason == reason  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"kind": "voxit.vote"}, id="kind"),
        pytest.param({"day": "2026-11-29"}, id="day"),
        pytest.param({"id": "a" * 26}, id="id"),
        pytest.param({"v": 2}, id="version"),
        pytest.param({"body": {"process": "demo"}}, id="body"),
    ],
)
def test_the_signature_covers_every_field(
    change: dict[str, Any], make_signed: MakeSigned, device_key: Ed25519PrivateKey
) -> None:
    forged: Record = dataclasses.replace(make_signed(), **change)
    with pytest.raises(BadSignature) as info:
        verify_record(forged, device_key.public_key())
    assert info.value.reason == "bad_signature"


def test_verify_record_with_another_devices_key_says_wrong_device(
    make_signed: MakeSigned, other_key: Ed25519PrivateKey
) -> None:
    with pytest.raises(BadSignature) as info:
        verify_record(make_signed(), other_key.public_key())
    assert info.value.reason == "wrong_device"
