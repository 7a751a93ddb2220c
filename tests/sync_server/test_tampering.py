"""Every tamper case in one table: the exact status and reason, and the raw log holds exactly the honest records."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from shared_models import Record
from sync_server.admin import create_enrollment_token, revoke_device
from tests.sync_server.client import Client, tampered
from tests.sync_server.conftest import TEST_MAX_BATCH
from tests.sync_server.terminal import FakeTerminal


@dataclass
class Outcome:
    status: str  # a per-line status, "bundle <status>" or "http <code>"
    reason: str | None
    honest: set[str] = field(default_factory=set)  # what the raw log must hold afterwards


def lines_body(*parts: Record | bytes) -> bytes:
    return b"".join((part.raw if isinstance(part, Record) else part) + b"\n" for part in parts)


def line_result(answer: dict[str, object], raw: bytes) -> tuple[str, str | None]:
    import hashlib

    digest = hashlib.sha256(raw).hexdigest()
    results = answer["results"]
    assert isinstance(results, list)
    found = [r for r in results if r["hash"] == digest]
    assert len(found) == 1, f"expected one result for the tampered line, got {found}"
    return found[0]["status"], found[0]["reason"]


def hashes(records: list[Record]) -> set[str]:
    return {r.hash for r in records}


def pushed_with(c: Client, make_bad: Callable[[FakeTerminal], bytes], *, position: int = 1) -> Outcome:
    """An honest sealed batch of terminal A with the line ``make_bad(A)`` inserted; the honest lines must be stored."""
    a = c.enroll()
    honest = a.batch(2, 5)
    bad = make_bad(a)
    parts: list[Record | bytes] = [*honest]
    parts.insert(position, bad)
    status, reason = line_result(c.push_ok(a, lines_body(*parts)), bad)
    return Outcome(status, reason, hashes(honest))


def altered_body(c: Client) -> Outcome:
    a = c.enroll()
    lines = a.batch(1, 5)
    bad = tampered(lines[1], body={"projects": ["toolo-bay-lights"]})
    status, reason = line_result(c.push_ok(a, lines_body(lines[0], bad, *lines[2:])), bad)
    return Outcome(status, reason, hashes([lines[0], *lines[2:]]))


def wrong_device(c: Client) -> Outcome:
    other = FakeTerminal()
    return pushed_with(c, lambda _a: other.ballot().raw)


def revoked_device(c: Client) -> Outcome:
    a, b = c.enroll(), c.enroll(name="Malmi library")
    honest = a.batch(1, 5)
    c.push_ok(a, honest)
    revoke_device(c.settings, b.device)
    lines = b.batch(1, 5)
    status, reason = line_result(c.push_ok(b, lines), lines[1].raw)
    return Outcome(status, reason, hashes(honest))


def record_missing_from_seal(c: Client) -> Outcome:
    a = c.enroll()
    lines = a.batch(1, 5)
    answer = c.push_ok(a, lines[:-1])  # the last covered record never arrives
    assert answer["ack"]["seq"] == 0, "an incomplete seal is not acknowledged"
    status, reason = line_result(answer, lines[0].raw)
    return Outcome(status, reason, hashes(lines[:-1]))


def record_in_no_seal(c: Client) -> Outcome:
    return pushed_with(c, lambda a: a.ballot().raw)


def seals_reordered(c: Client) -> Outcome:
    a = c.enroll()
    first = a.sealed(5)
    r2, r3 = a.citizen_records(5), a.citizen_records(5)
    later = a.seal(r3, seq=3, prev=first[0].hash)
    earlier = a.seal(r2, seq=2, prev=later.hash)  # seal 2 claims to follow seal 3
    answer = c.push_ok(a, [*first, earlier, *r2, later, *r3])
    assert line_result(answer, later.raw) == ("rejected", "seal_gap")
    assert {line_result(answer, r.raw) for r in r2} == {("rejected", "not_in_seal")}
    status, reason = line_result(answer, earlier.raw)
    return Outcome(status, reason, hashes(first))


def seal_gap(c: Client) -> Outcome:
    a = c.enroll()
    first, _second, third = a.sealed(5), a.sealed(5), a.sealed(5)
    answer = c.push_ok(a, [*first, *third])
    assert {line_result(answer, r.raw) for r in third[1:]} == {("rejected", "seal_gap")}
    assert answer["ack"]["seq"] == 1
    status, reason = line_result(answer, third[0].raw)
    return Outcome(status, reason, hashes(first))


def replayed_seal_from_another_device(c: Client) -> Outcome:
    b = c.enroll(name="Malmi library")
    return pushed_with(c, lambda _a: b.sealed(5)[0].raw, position=6)


def same_id_other_content(c: Client) -> Outcome:
    a = c.enroll()
    first = a.sealed(5)
    twin = a.record("budget.ballot", {**first[1].body, "projects": ["sornainen-skatepark"]}, record_id=first[1].id)
    seal = a.seal([twin])
    status, reason = line_result(c.push_ok(a, [*first, seal, twin]), twin.raw)
    return Outcome(status, reason, hashes([*first, seal]))


def non_canonical(c: Client) -> Outcome:
    return pushed_with(c, lambda a: json.dumps(json.loads(a.ballot().raw), sort_keys=True).encode())


def floats(c: Client) -> Outcome:
    return pushed_with(c, lambda a: a.ballot().raw.replace(b'"v":1', b'"v":1.0'))


def unknown_kind(c: Client) -> Outcome:
    return pushed_with(c, lambda a: tampered(a.ballot(), kind="budget.wish"))


def unknown_version(c: Client) -> Outcome:
    return pushed_with(c, lambda a: tampered(a.ballot(), v=2))


def malformed_json(c: Client) -> Outcome:
    return pushed_with(c, lambda _a: b'{"v":1,"kind":')


def oversized_batch(c: Client) -> Outcome:
    a = c.enroll()
    body = lines_body(*a.batch(1, 5), b"x" * (TEST_MAX_BATCH + 1))
    answer = c.push(a, body)
    assert c.quarantine_reasons() == ["batch_too_large"]
    return Outcome(f"http {answer.status_code}", answer.json()["error"], set())


def bundle_cut_short(c: Client) -> Outcome:
    a = c.enroll()
    lines = a.batch(2, 5)
    data = a.bundle(lines)
    cut = data[: data.index(lines[-1].raw) + 40]  # in the middle of the last record
    report = c.post_bundle(cut).json()
    assert report["counts"]["accepted"] == 11 and report["counts"]["quarantined"] == 1
    return Outcome(f"bundle {report['bundle']['status']}", report["bundle"]["reason"], hashes(lines[:-1]))


def unenrolled_device(c: Client) -> Outcome:
    stranger = FakeTerminal()
    answer = c.push(stranger, stranger.batch(1, 5))
    return Outcome(f"http {answer.status_code}", answer.json()["error"], set())


def reused_enrollment_token(c: Client) -> Outcome:
    token = create_enrollment_token(c.settings, name="Kallio library 1")
    first = httpx.post(f"{c.url}/api/v1/enroll", json={"token": token, "public_key": FakeTerminal().public_key})
    assert first.status_code == 200
    again = httpx.post(f"{c.url}/api/v1/enroll", json={"token": token, "public_key": FakeTerminal().public_key})
    return Outcome(f"http {again.status_code}", again.json()["error"], set())


def request_signed_by_another_key(c: Client) -> Outcome:
    a = c.enroll()
    impostor = FakeTerminal()
    body = lines_body(*a.batch(1, 5))
    headers = impostor.headers("POST", "/api/v1/push", body)
    headers["X-Osallistu-Device"] = a.device
    answer = httpx.post(f"{c.url}/api/v1/push", content=body, headers=headers)
    return Outcome(f"http {answer.status_code}", answer.json()["error"], set())


Case = Callable[[Client], Outcome]

CASES: list[tuple[str, Case, str, str | None]] = [
    ("altered body", altered_body, "quarantined", "bad_signature"),
    ("wrong device", wrong_device, "quarantined", "wrong_device"),
    ("signature from a revoked device", revoked_device, "quarantined", "device_revoked"),
    ("record missing from a seal", record_missing_from_seal, "accepted", None),
    ("record in no seal", record_in_no_seal, "quarantined", "not_in_seal"),
    ("seals reordered", seals_reordered, "quarantined", "chain_broken"),
    ("seal gap", seal_gap, "rejected", "seal_gap"),
    ("replayed seal from another device", replayed_seal_from_another_device, "quarantined", "wrong_device"),
    ("same id with other content", same_id_other_content, "quarantined", "equivocation"),
    ("non-canonical encoding", non_canonical, "quarantined", "non_canonical"),
    ("floats", floats, "quarantined", "float"),
    ("unknown kind", unknown_kind, "quarantined", "unknown_kind"),
    ("unknown version", unknown_version, "quarantined", "unknown_version"),
    ("oversized batch", oversized_batch, "http 413", "batch_too_large"),
    ("malformed JSON", malformed_json, "quarantined", "malformed"),
    ("bundle cut short", bundle_cut_short, "bundle quarantined", "bundle_truncated"),
    ("unenrolled device", unenrolled_device, "http 401", "unknown_device"),
    ("reused enrollment token", reused_enrollment_token, "http 403", "token_used"),
    ("request signed by another key", request_signed_by_another_key, "http 401", "bad_signature"),
]


@pytest.mark.parametrize(("case", "status", "reason"), [pytest.param(f, s, r, id=i) for i, f, s, r in CASES])
def test_tampered_input_is_refused_and_honest_records_are_kept(
    client: Client, case: Case, status: str, reason: str | None
) -> None:
    outcome = case(client)
    assert (outcome.status, outcome.reason) == (status, reason)
    assert client.raw_log() == outcome.honest
