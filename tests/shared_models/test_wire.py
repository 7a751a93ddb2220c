from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from shared_models import (
    BadSignature,
    BundleError,
    Record,
    RecordError,
    canonical_bytes,
    device_id_for,
    genesis_prev,
    make_seal,
    parse_canonical,
    parse_record,
)
from shared_models.wire import (
    MAX_BATCH_BYTES,
    MAX_BATCH_LINES,
    MAX_CLOCK_SKEW,
    PushResponse,
    encode_batch,
    make_enrollment_token,
    open_bundle,
    parse_enrollment_token,
    sign_request,
    split_batch,
    token_hash,
    token_matches_server,
    verify_bundle,
    verify_request,
    write_bundle,
)

DAY = "2026-11-28"  # as in conftest
MakeSigned = Callable[..., Record]  # the make_signed fixture

NOW = 1_795_000_000
PATH = "/api/v1/push"
CREATED = f"{DAY}T16:00:00Z"


@pytest.fixture
def make_batch(device_key: Ed25519PrivateKey, make_signed: MakeSigned) -> Callable[[], list[Record]]:
    """A seal followed by the records it covers, one of each citizen kind and an event."""

    def make() -> list[Record]:
        records = [
            make_signed("budget.ballot"),
            make_signed("voxit.vote"),
            make_signed("voxit.statement"),
            make_signed("feedback.item"),
            make_signed("kiosk.event"),
        ]
        seal = make_seal(
            device_key, seq=1, prev=genesis_prev(device_key), record_hashes=[r.hash for r in records], day=DAY
        )
        return [seal, *records]

    return make


# ---------------------------------------------------------------- push batches


def test_a_batch_splits_back_into_its_record_lines(make_batch: Callable[[], list[Record]]) -> None:
    batch = make_batch()
    lines = split_batch(encode_batch(batch))
    assert lines == [record.raw for record in batch]
    assert [parse_record(line) for line in lines] == batch


def test_empty_lines_in_a_batch_are_dropped() -> None:
    assert split_batch(b"\n{}\n\n  \n[]\n") == [b"{}", b"[]"]


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        pytest.param(b"x" * MAX_BATCH_BYTES, True, id="bytes_at_the_limit"),
        pytest.param(b"x" * (MAX_BATCH_BYTES + 1), False, id="bytes_over_the_limit"),
        pytest.param(b"x\n" * MAX_BATCH_LINES, True, id="lines_at_the_limit"),
        pytest.param(b"x\n" * (MAX_BATCH_LINES + 1), False, id="lines_over_the_limit"),
    ],
)
def test_split_batch_enforces_its_limits(body: bytes, ok: bool) -> None:
    if ok:
        assert split_batch(body)
        return
    with pytest.raises(RecordError) as info:
        split_batch(body)
    assert info.value.reason == "batch_too_large"


def test_a_push_response_round_trips_as_json() -> None:
    answer = {
        "results": [
            {"hash": "a" * 64, "id": "b" * 26, "kind": "budget.ballot", "status": "accepted"},
            {"hash": "c" * 64, "status": "quarantined", "reason": "bad_signature"},
        ],
        "ack": {"seq": 3, "hash": "d" * 64},
        "server_time": "2026-11-28T16:00:00Z",
    }
    response = PushResponse.model_validate_json(canonical_bytes(answer))
    assert response.ack.seq == 3
    assert PushResponse.model_validate_json(response.model_dump_json()) == response


def test_a_push_response_refuses_an_unknown_status() -> None:
    with pytest.raises(ValidationError):
        PushResponse.model_validate(
            {"results": [{"hash": "a", "status": "maybe"}], "ack": {"seq": 0}, "server_time": "x"}
        )


# ---------------------------------------------------------------- request signing


def test_a_signed_request_verifies(device_key: Ed25519PrivateKey) -> None:
    headers = sign_request(device_key, "POST", PATH, b"body", timestamp=NOW)
    assert headers["X-Osallistu-Device"] == device_id_for(device_key)
    verify_request(device_key.public_key(), "POST", PATH, b"body", headers, now=NOW)


def test_header_names_are_matched_whatever_their_case(device_key: Ed25519PrivateKey) -> None:
    headers = sign_request(device_key, "POST", PATH, b"body", timestamp=NOW)
    lowered = {name.lower(): value for name, value in headers.items()}
    verify_request(device_key.public_key(), "post", PATH, b"body", lowered, now=NOW)


@pytest.mark.parametrize(
    ("method", "path", "body", "now", "alter", "reason"),
    [
        pytest.param("POST", PATH, b"body", NOW + MAX_CLOCK_SKEW + 1, None, "clock_skew", id="terminal_clock_behind"),
        pytest.param("POST", PATH, b"body", NOW - MAX_CLOCK_SKEW - 1, None, "clock_skew", id="terminal_clock_ahead"),
        pytest.param("POST", PATH, b"bodx", NOW, None, "bad_signature", id="altered_body"),
        pytest.param("POST", "/api/v1/bundles", b"body", NOW, None, "bad_signature", id="altered_path"),
        pytest.param("PUT", PATH, b"body", NOW, None, "bad_signature", id="altered_method"),
        pytest.param(
            "POST", PATH, b"body", NOW, {"X-Osallistu-Timestamp": str(NOW + 1)}, "bad_signature", id="timestamp_moved"
        ),
        pytest.param(
            "POST", PATH, b"body", NOW, {"X-Osallistu-Signature": "A" * 86 + "=="}, "bad_signature", id="signature_zero"
        ),
        pytest.param(
            "POST", PATH, b"body", NOW, {"X-Osallistu-Signature": "AAAA"}, "bad_signature", id="signature_short"
        ),
        pytest.param(
            "POST", PATH, b"body", NOW, {"X-Osallistu-Signature": None}, "unsigned_request", id="signature_missing"
        ),
        pytest.param(
            "POST",
            PATH,
            b"body",
            NOW,
            {"X-Osallistu-Timestamp": "noon"},
            "unsigned_request",
            id="timestamp_not_a_number",
        ),
        pytest.param(
            "POST", PATH, b"body", NOW, {"X-Osallistu-Signature": "ä"}, "unsigned_request", id="signature_not_ascii"
        ),
    ],
)
def test_a_request_that_is_not_the_devices_is_refused(
    method: str,
    path: str,
    body: bytes,
    now: int,
    alter: dict[str, Any] | None,
    reason: str,
    device_key: Ed25519PrivateKey,
) -> None:
    headers = sign_request(device_key, "POST", PATH, b"body", timestamp=NOW)
    for name, value in (alter or {}).items():
        if value is None:
            del headers[name]
        else:
            headers[name] = value
    with pytest.raises(BadSignature) as info:
        verify_request(device_key.public_key(), method, path, body, headers, now=now)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    "offset", [pytest.param(MAX_CLOCK_SKEW, id="ahead"), pytest.param(-MAX_CLOCK_SKEW, id="behind")]
)
def test_a_clock_off_by_exactly_the_allowed_skew_is_accepted(offset: int, device_key: Ed25519PrivateKey) -> None:
    headers = sign_request(device_key, "POST", PATH, b"", timestamp=NOW + offset)
    verify_request(device_key.public_key(), "POST", PATH, b"", headers, now=NOW)


def test_a_request_signed_by_another_device_is_refused(
    device_key: Ed25519PrivateKey, other_key: Ed25519PrivateKey
) -> None:
    headers = sign_request(other_key, "POST", PATH, b"body", timestamp=NOW)
    with pytest.raises(BadSignature) as info:
        verify_request(device_key.public_key(), "POST", PATH, b"body", headers, now=NOW)
    assert info.value.reason == "bad_signature"


# ---------------------------------------------------------------- USB bundles


def test_a_bundle_round_trips(device_key: Ed25519PrivateKey, make_batch: Callable[[], list[Record]]) -> None:
    batch = make_batch()
    data = write_bundle(device_key, batch, created=CREATED)
    bundle = open_bundle(data)
    verify_bundle(bundle, device_key.public_key())
    assert bundle.device == device_id_for(device_key)
    assert bundle.header["count"] == len(batch)
    assert bundle.lines == [record.raw for record in batch]
    assert bundle.lines == split_batch(encode_batch(batch))
    assert open_bundle(data) == bundle


def test_an_empty_bundle_round_trips(device_key: Ed25519PrivateKey) -> None:
    bundle = open_bundle(write_bundle(device_key, [], created=CREATED))
    verify_bundle(bundle, device_key.public_key())
    assert bundle.lines == []


def test_a_bundle_without_its_final_newline_is_still_whole(
    device_key: Ed25519PrivateKey, make_batch: Callable[[], list[Record]]
) -> None:
    data = write_bundle(device_key, make_batch(), created=CREATED)
    verify_bundle(open_bundle(data[:-1]), device_key.public_key())


def test_a_bundle_cut_at_every_97th_byte_never_verifies(
    device_key: Ed25519PrivateKey, make_batch: Callable[[], list[Record]]
) -> None:
    data = write_bundle(device_key, make_batch(), created=CREATED)
    outcomes: dict[int, str] = {}
    for cut in range(97, len(data) - 1, 97):
        try:
            verify_bundle(open_bundle(data[:cut]), device_key.public_key())
        except BundleError as exc:
            outcomes[cut] = exc.reason
        else:
            outcomes[cut] = "passed"
    assert len(outcomes) > 20
    wrong = {cut: reason for cut, reason in outcomes.items() if reason not in {"bundle_truncated", "bundle_altered"}}
    assert wrong == {}


def test_a_bundle_cut_inside_its_header_is_truncated(
    device_key: Ed25519PrivateKey, make_batch: Callable[[], list[Record]]
) -> None:
    data = write_bundle(device_key, make_batch(), created=CREATED)
    header_end = data.index(b"\n")
    for cut in range(1, header_end + 1):
        with pytest.raises(BundleError) as info:
            verify_bundle(open_bundle(data[:cut]), device_key.public_key())
        assert info.value.reason == "bundle_truncated", cut


def _replace_line(index: int, new: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    def alter(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines[index] = new(lines[index])
        return b"\n".join(lines)

    return alter


def _set_trailer(**changes: Any) -> Callable[[bytes], bytes]:
    return _replace_line(-2, lambda line: canonical_bytes({**parse_canonical(line), **changes}))


def _drop_line(index: int) -> Callable[[bytes], bytes]:
    def alter(data: bytes) -> bytes:
        lines = data.split(b"\n")
        del lines[index]
        return b"\n".join(lines)

    return alter


@pytest.mark.parametrize(
    ("alter", "reason"),
    [
        pytest.param(
            _replace_line(2, lambda line: line.replace(b'"kallio"', b'"vallila"')),
            "bundle_altered",
            id="altered_record",
        ),
        pytest.param(_drop_line(3), "bundle_altered", id="record_line_dropped"),
        pytest.param(_replace_line(2, lambda line: line + b"\n" + line), "bundle_altered", id="record_line_doubled"),
        pytest.param(_replace_line(2, lambda line: line + b"\n"), "bundle_altered", id="blank_line_inserted"),
        pytest.param(
            _replace_line(0, lambda line: line.replace(b"T16:", b"T17:")), "bundle_altered", id="header_altered"
        ),
        pytest.param(_set_trailer(sha256="0" * 64), "bundle_altered", id="trailer_digest_altered"),
        pytest.param(_set_trailer(sha256="ä" * 64), "bundle_altered", id="trailer_digest_not_ascii"),
        pytest.param(_set_trailer(sha256=7), "bundle_altered", id="trailer_digest_a_number"),
        pytest.param(_set_trailer(sig="A" * 86 + "=="), "bad_signature", id="trailer_signature_altered"),
        pytest.param(_set_trailer(sig="ä"), "bad_signature", id="trailer_signature_not_ascii"),
        pytest.param(lambda data: data + b"junk\n", "bundle_truncated", id="junk_after_the_end"),
        pytest.param(lambda data: data + b"\n", "bundle_altered", id="blank_line_after_the_end"),
    ],
)
def test_an_altered_bundle_is_refused(
    alter: Callable[[bytes], bytes],
    reason: str,
    device_key: Ed25519PrivateKey,
    make_batch: Callable[[], list[Record]],
) -> None:
    data = write_bundle(device_key, make_batch(), created=CREATED)
    altered = alter(data)
    assert altered != data
    with pytest.raises(BundleError) as info:
        verify_bundle(open_bundle(altered), device_key.public_key())
    assert info.value.reason == reason


def test_a_bundle_with_a_recomputed_digest_is_refused_by_its_signature(
    device_key: Ed25519PrivateKey, make_batch: Callable[[], list[Record]]
) -> None:
    import hashlib

    data = write_bundle(device_key, make_batch(), created=CREATED)
    lines = data.split(b"\n")
    content = b"\n".join([lines[0], *lines[2:-2]]) + b"\n"  # the first record line removed
    content = content.replace(b'"count":6', b'"count":5')
    trailer = {**parse_canonical(lines[-2]), "sha256": hashlib.sha256(content).hexdigest()}
    with pytest.raises(BundleError) as info:
        verify_bundle(open_bundle(content + canonical_bytes(trailer) + b"\n"), device_key.public_key())
    assert info.value.reason == "bad_signature"


def test_a_bundle_of_another_device_is_refused(
    device_key: Ed25519PrivateKey, other_key: Ed25519PrivateKey, make_batch: Callable[[], list[Record]]
) -> None:
    bundle = open_bundle(write_bundle(other_key, make_batch(), created=CREATED))
    with pytest.raises(BundleError) as info:
        verify_bundle(bundle, device_key.public_key())
    assert info.value.reason == "wrong_device"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\n\n", id="blank_lines"),
        pytest.param(b"hello, world\n", id="text"),
        pytest.param(b'{"type":"osallistu.manifest","v":1}\n', id="another_document_type"),
        pytest.param(b'{"type":"osallistu.bundle","v":2}\n', id="another_bundle_version"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="an_image"),
    ],
)
def test_a_file_that_is_not_a_bundle_is_refused(data: bytes) -> None:
    with pytest.raises(BundleError) as info:
        open_bundle(data)
    assert info.value.reason == "not_a_bundle"


# ---------------------------------------------------------------- enrollment tokens


def test_an_enrollment_token_names_its_server(server_key: Ed25519PrivateKey, other_key: Ed25519PrivateKey) -> None:
    token = make_enrollment_token(server_key.public_key())
    secret, server = parse_enrollment_token(token)
    assert token == f"OSA1-{secret}-{server}"
    assert len(secret) == 32 and len(server) == 16
    assert token_matches_server(token, server_key.public_key())
    assert not token_matches_server(token, other_key.public_key())


def test_enrollment_tokens_are_single_secrets(server_key: Ed25519PrivateKey) -> None:
    tokens = {make_enrollment_token(server_key) for _ in range(50)}
    assert len(tokens) == 50


def test_the_server_stores_a_hash_not_the_token(server_key: Ed25519PrivateKey) -> None:
    token = make_enrollment_token(server_key)
    secret, _ = parse_enrollment_token(token)
    stored = token_hash(token)
    assert len(stored) == 64 and secret not in stored
    assert token_hash(token) == stored


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(lambda token: f"  {token}\n", id="surrounded_by_whitespace"),
        pytest.param(str.lower, id="lowercase"),
        pytest.param(str.upper, id="uppercase"),
    ],
)
def test_a_token_typed_by_a_person_still_matches(typed: Callable[[str], str], server_key: Ed25519PrivateKey) -> None:
    token = make_enrollment_token(server_key)
    assert token_matches_server(typed(token), server_key.public_key())
    assert token_hash(typed(token)) == token_hash(token)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("OSA2-" + "A" * 32 + "-" + "0" * 16, id="wrong_prefix"),
        pytest.param("OSA1-" + "A" * 31 + "-" + "0" * 16, id="short_secret"),
        pytest.param("OSA1-" + "A" * 32, id="missing_fingerprint"),
        pytest.param("OSA1-" + "A" * 32 + "-" + "0" * 15, id="short_fingerprint"),
        pytest.param("OSA1-" + "A" * 32 + "-" + "g" * 16, id="fingerprint_not_hex"),
        pytest.param("OSA1-" + "1" * 32 + "-" + "0" * 16, id="secret_not_base32"),
        pytest.param("OSA1-" + "A" * 32 + "-" + "0" * 16 + "-x", id="extra_part"),
    ],
)
def test_a_malformed_token_is_refused(token: str, server_key: Ed25519PrivateKey) -> None:
    with pytest.raises(ValueError, match="not an enrollment token"):
        parse_enrollment_token(token)
    with pytest.raises(ValueError):
        token_matches_server(token, server_key.public_key())
