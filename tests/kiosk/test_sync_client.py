"""The sync client against a fake server: resume, clock skew, backoff, manifests, no deletes."""

from __future__ import annotations

import random
import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kiosk_factories import TODAY, FakeServer, make_ballot, make_manifest, make_process

from kiosk.capture import capture
from kiosk.errors import SyncFailed
from kiosk.sealing import seal_pending
from kiosk.store import LocalStore
from kiosk.sync_client import SyncClient, parse_server_time
from shared_models import canonical_bytes, parse_canonical, parse_record


def _seal_batches(store: LocalStore, key: Ed25519PrivateKey, batches: int, size: int = 5) -> None:
    for batch in range(batches):
        for voter in range(size):
            capture(store, key, "budget.ballot", make_ballot(voter=batch * 100 + voter), today=TODAY)
        seal_pending(store, key, store.manifest(), today=TODAY)


def _client(store: LocalStore, key: Ed25519PrivateKey, server: FakeServer, **options: object) -> SyncClient:
    waits: list[float] = []
    return SyncClient(store, key, server.client(), sleep=waits.append, rng=random.Random(1), **options)  # type: ignore[arg-type]


def test_push_sends_seals_then_their_records_and_marks_the_ack(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey, server: FakeServer
) -> None:
    _seal_batches(manifest_store, device_key, 2)
    report = _client(manifest_store, device_key, server).push()
    assert report.ack_seq == 2 and report.seals_sent == 2 and report.records_sent == 10
    assert report.statuses == {"accepted": 12}
    lines = [parse_record(line) for line in server.push_bodies[0].splitlines()]
    assert lines[0].kind == "kiosk.seal" and set(lines[0].body["records"]) == {r.hash for r in lines[1:6]}
    assert manifest_store.counts() == {"pending": 0, "sealed": 0, "acknowledged": 10}


def test_push_is_chunked_and_each_request_is_signed(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey, server: FakeServer
) -> None:
    _seal_batches(manifest_store, device_key, 3)
    report = _client(manifest_store, device_key, server, max_lines=4).push()
    assert report.requests == len(server.push_bodies) == 5  # 18 lines, at most 4 per request
    assert all(len(body.splitlines()) <= 4 for body in server.push_bodies)
    assert report.ack_seq == 3


def test_an_interrupted_push_resumes_from_the_servers_ack(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey, server: FakeServer
) -> None:
    _seal_batches(manifest_store, device_key, 3)
    server.push_faults.extend([None, httpx.ConnectError, httpx.ConnectError])
    with pytest.raises(SyncFailed, match="gave up after 2 tries"):
        _client(manifest_store, device_key, server, max_lines=6, max_attempts=2).push()
    assert [s.acked for s in manifest_store.seals()] == [True, False, False]
    assert manifest_store.counts()["pending"] == 0 and len(manifest_store.records()) == 15

    server.push_bodies.clear()
    report = _client(manifest_store, device_key, server, max_lines=6).push()
    first = parse_record(server.push_bodies[0].splitlines()[0])
    assert first.kind == "kiosk.seal" and first.body["seq"] == 2  # seal 1 is not sent again
    assert report.ack_seq == 3 and report.statuses == {"accepted": 12}


def test_clock_skew_is_corrected_from_the_servers_time_and_retried(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey, server: FakeServer
) -> None:
    _seal_batches(manifest_store, device_key, 1)
    slow = SyncClient(
        manifest_store, device_key, server.client(), clock=lambda: time.time() - 3600, sleep=lambda _: None
    )
    report = slow.push()
    assert report.ack_seq == 1
    assert slow.clock_offset == pytest.approx(3600, abs=5)


def test_503_is_retried_with_full_jitter_exponential_backoff(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey, server: FakeServer
) -> None:
    _seal_batches(manifest_store, device_key, 1)
    server.push_faults.extend([503, 503, 503])
    waits: list[float] = []
    client = SyncClient(
        manifest_store, device_key, server.client(), sleep=waits.append, rng=random.Random(42), base_delay=2.0
    )
    assert client.push().ack_seq == 1
    expected = random.Random(42)
    assert waits == [expected.uniform(0, cap) for cap in (2.0, 4.0, 8.0)]


def test_backoff_gives_up_with_a_sentence_and_keeps_everything(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey, server: FakeServer
) -> None:
    _seal_batches(manifest_store, device_key, 1)
    server.push_faults.extend([503] * 10)
    waits: list[float] = []
    client = SyncClient(manifest_store, device_key, server.client(), sleep=waits.append, max_attempts=4, max_delay=5)
    with pytest.raises(SyncFailed) as failed:
        client.push()
    assert failed.value.reason == "unreachable" and "503" in failed.value.message
    assert len(waits) == 3 and all(0 <= w <= 5 for w in waits)
    assert manifest_store.counts() == {"pending": 0, "sealed": 5, "acknowledged": 0}


def test_a_refusal_is_not_retried(manifest_store: LocalStore, device_key: Ed25519PrivateKey) -> None:
    _seal_batches(manifest_store, device_key, 1)
    stranger = FakeServer()  # does not know this device
    with pytest.raises(SyncFailed) as failed:
        _client(manifest_store, device_key, stranger).push()
    assert failed.value.reason == "unknown_device"


def test_a_newer_manifest_is_applied(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey, server: FakeServer
) -> None:
    server.manifest_raw = make_manifest(server.signing, server.sealing, [make_process(status="closed")], serial=2)
    pull = _client(manifest_store, device_key, server).pull_manifest()
    assert pull.status == "applied" and manifest_store.manifest_serial() == 2
    assert [r.body["event"] for r, _ in manifest_store.pending()] == ["manifest.applied"]


def test_the_same_manifest_is_unchanged(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey, server: FakeServer
) -> None:
    assert _client(manifest_store, device_key, server).pull_manifest().status == "unchanged"


def _tampered(server: FakeServer) -> bytes:
    value = parse_canonical(make_manifest(server.signing, server.sealing, serial=3))
    value["processes"][0]["test"] = False
    return canonical_bytes(value)


@pytest.mark.parametrize(
    ("make_bad", "reason"),
    [
        pytest.param(lambda s: make_manifest(s.signing, s.sealing, serial=1), "rollback", id="rollback"),
        pytest.param(_tampered, "bad_signature", id="bad-signature"),
        pytest.param(
            lambda s: make_manifest(Ed25519PrivateKey.generate(), s.sealing, serial=9),
            "wrong_server",
            id="other-server",
        ),
    ],
)
def test_a_bad_manifest_is_refused_and_logged(
    manifest_store: LocalStore,
    device_key: Ed25519PrivateKey,
    server: FakeServer,
    make_bad: object,
    reason: str,
) -> None:
    newer = make_manifest(server.signing, server.sealing, serial=2)
    server.manifest_raw = newer
    _client(manifest_store, device_key, server).pull_manifest()
    server.manifest_raw = make_bad(server)  # type: ignore[operator]
    pull = _client(manifest_store, device_key, server).pull_manifest()
    assert pull.status == "refused" and pull.reason == reason
    assert manifest_store.manifest_serial() == 2 and manifest_store.manifest_raw() == newer
    events = [r.body for r, _ in manifest_store.pending() if r.kind == "kiosk.event"]
    assert any(e["event"] == "manifest.refused" and e["detail"]["reason"] == reason for e in events)


def test_nothing_is_deleted_by_a_sync(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey, server: FakeServer
) -> None:
    _seal_batches(manifest_store, device_key, 2)
    capture(manifest_store, device_key, "budget.ballot", make_ballot(voter=999), today=TODAY)
    before = {r.hash for r in manifest_store.records()}
    _client(manifest_store, device_key, server).push()
    assert {r.hash for r in manifest_store.records()} == before
    assert len(manifest_store.seals()) == 2 and manifest_store.counts()["pending"] == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2026-11-28T10:00:00Z", 1795860000.0, id="iso"),
        pytest.param(1795860000, 1795860000.0, id="epoch"),
        pytest.param("nonsense", None, id="unreadable"),
    ],
)
def test_server_time_is_read_in_either_form(value: object, expected: float | None) -> None:
    assert parse_server_time(value) == expected
