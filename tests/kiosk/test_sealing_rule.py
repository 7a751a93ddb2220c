"""Capture checks and the sealing rule of docs/design.md, with the chain verified."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kiosk_factories import TODAY, FakeServer, install_manifest, make_ballot, make_feedback, make_manifest, make_process

from kiosk.capture import capture, log_event
from kiosk.errors import ActivityNotEnabled, CaptureRefused, NoManifest, ProcessNotOpen
from kiosk.sealing import seal_pending
from kiosk.store import LocalStore
from shared_models import genesis_prev, verify_chain, verify_record


def _cast(store: LocalStore, key: Ed25519PrivateKey, count: int, process: str = "demo") -> None:
    for voter in range(count):
        capture(store, key, "budget.ballot", make_ballot(process, voter=voter), today=TODAY)


def _chain_ok(store: LocalStore, key: Ed25519PrivateKey) -> None:
    sealed = {r.hash for r in store.records()} - {r.hash for r, _ in store.pending()}
    report = verify_chain(key.public_key(), [s.record for s in store.seals()], sealed)
    assert report.ok, report
    for record in store.records():
        verify_record(record, key.public_key())


def test_capture_stores_exactly_the_signed_bytes(manifest_store: LocalStore, device_key: Ed25519PrivateKey) -> None:
    record = capture(manifest_store, device_key, "budget.ballot", make_ballot(), today=TODAY)
    assert manifest_store.record(record.id) == record
    assert manifest_store.record(record.id).raw == record.raw  # type: ignore[union-attr]
    assert record.day == "2026-11-28" and "at" not in record.body


@pytest.mark.parametrize(
    ("processes", "kind", "body", "error"),
    [
        pytest.param([make_process(status="closed")], "budget.ballot", make_ballot(), ProcessNotOpen, id="closed"),
        pytest.param([make_process()], "budget.ballot", make_ballot("other"), ProcessNotOpen, id="unknown-process"),
        pytest.param(
            [make_process(activities=("feedback",))], "budget.ballot", make_ballot(), ActivityNotEnabled, id="no-budget"
        ),
        pytest.param([make_process()], "kiosk.seal", {}, CaptureRefused, id="not-citizen-input"),
    ],
)
def test_capture_is_refused_with_a_reason(
    fresh_store: LocalStore,
    device_key: Ed25519PrivateKey,
    processes: list[dict[str, Any]],
    kind: str,
    body: dict[str, Any],
    error: type[Exception],
) -> None:
    server = FakeServer(processes=processes)
    install_manifest(fresh_store, server)
    with pytest.raises(error):
        capture(fresh_store, device_key, kind, body, today=TODAY)
    assert fresh_store.counts()["pending"] == 0


def test_capture_without_a_manifest_is_refused(fresh_store: LocalStore, device_key: Ed25519PrivateKey) -> None:
    with pytest.raises(NoManifest):
        capture(fresh_store, device_key, "feedback.item", make_feedback(), today=TODAY)


def test_below_the_minimum_nothing_is_sealed(manifest_store: LocalStore, device_key: Ed25519PrivateKey) -> None:
    _cast(manifest_store, device_key, 4)
    assert seal_pending(manifest_store, device_key, manifest_store.manifest(), today=TODAY) == []
    assert manifest_store.counts()["pending"] == 4


def test_at_the_minimum_the_group_is_sealed(manifest_store: LocalStore, device_key: Ed25519PrivateKey) -> None:
    _cast(manifest_store, device_key, 5)
    [seal] = seal_pending(manifest_store, device_key, manifest_store.manifest(), today=TODAY)
    assert seal.body["seq"] == 1 and seal.body["prev"] == genesis_prev(device_key)
    assert seal.body["reason"] == "minimum" and len(seal.body["records"]) == 5
    assert manifest_store.counts() == {"pending": 0, "sealed": 5, "acknowledged": 0}
    _chain_ok(manifest_store, device_key)


def test_a_librarian_can_force_a_seal(manifest_store: LocalStore, device_key: Ed25519PrivateKey) -> None:
    _cast(manifest_store, device_key, 1)
    [seal] = seal_pending(manifest_store, device_key, manifest_store.manifest(), force=True, today=TODAY)
    assert seal.body["reason"] == "forced" and len(seal.body["records"]) == 1


def test_a_closed_process_seals_below_the_minimum(fresh_store: LocalStore, device_key: Ed25519PrivateKey) -> None:
    server = FakeServer()
    install_manifest(fresh_store, server)
    _cast(fresh_store, device_key, 2)
    closed = make_manifest(server.signing, server.sealing, [make_process(status="closed")], serial=2)
    install_manifest(fresh_store, server, closed)
    [seal] = seal_pending(fresh_store, device_key, fresh_store.manifest(), today=TODAY)
    assert seal.body["reason"] == "closed" and len(seal.body["records"]) == 2


def test_a_process_gone_from_the_manifest_seals(fresh_store: LocalStore, device_key: Ed25519PrivateKey) -> None:
    server = FakeServer()
    install_manifest(fresh_store, server)
    _cast(fresh_store, device_key, 1)
    gone = make_manifest(server.signing, server.sealing, [make_process("next")], serial=2)
    install_manifest(fresh_store, server, gone)
    [seal] = seal_pending(fresh_store, device_key, fresh_store.manifest(), today=TODAY)
    assert seal.body["reason"] == "closed"


def test_events_are_sealable_alone_but_never_carry_a_lone_ballot(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey
) -> None:
    _cast(manifest_store, device_key, 1)
    event = log_event(manifest_store, device_key, "kiosk.started", {}, _now())
    [seal] = seal_pending(manifest_store, device_key, manifest_store.manifest(), today=TODAY)
    assert seal.body["records"] == [event.hash]
    assert manifest_store.counts()["pending"] == 1


def test_groups_reach_the_minimum_per_process(fresh_store: LocalStore, device_key: Ed25519PrivateKey) -> None:
    server = FakeServer(processes=[make_process("demo"), make_process("other", min_seal=3)])
    install_manifest(fresh_store, server)
    _cast(fresh_store, device_key, 4, "demo")
    _cast(fresh_store, device_key, 3, "other")
    [seal] = seal_pending(fresh_store, device_key, fresh_store.manifest(), today=TODAY)
    assert len(seal.body["records"]) == 3
    assert {p for _, p in fresh_store.pending()} == {"demo"}


def test_the_chain_links_seal_after_seal(manifest_store: LocalStore, device_key: Ed25519PrivateKey) -> None:
    for _ in range(3):
        _cast(manifest_store, device_key, 5)
        log_event(manifest_store, device_key, "kiosk.started", {}, _now())
        seal_pending(manifest_store, device_key, manifest_store.manifest(), today=TODAY)
    seals = manifest_store.seals()
    assert [s.seq for s in seals] == [1, 2, 3]
    assert seals[1].record.body["prev"] == seals[0].hash
    _chain_ok(manifest_store, device_key)


def _now() -> datetime:
    return datetime(2026, 11, 28, 10, 15, tzinfo=UTC)
