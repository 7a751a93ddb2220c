"""The HTTP API as a terminal sees it, over real HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx

from shared_models import fingerprint, verify_manifest
from shared_models.keys import ed25519_public_from_b64
from shared_models.wire import PushResponse, sign_request, token_matches_server
from sync_server.admin import create_enrollment_token
from tests.sync_server.client import Client
from tests.sync_server.terminal import FakeTerminal


def test_health_names_the_server_key(client: Client) -> None:
    answer = httpx.get(f"{client.url}/api/v1/health").json()
    assert answer["ok"] is True
    assert answer["server"] == fingerprint(client.settings.load_keys().signing)


def test_enrollment_answers_keys_that_match_the_token_and_a_verifiable_manifest(client: Client) -> None:
    terminal = FakeTerminal()
    token = create_enrollment_token(client.settings, name="Malmi library 2", place="Malmi")
    answer = httpx.post(
        f"{client.url}/api/v1/enroll", json={"token": token, "public_key": terminal.public_key, "name": "x"}
    ).json()
    server_key = ed25519_public_from_b64(answer["server_key"])
    assert answer["device"] == terminal.device
    assert token_matches_server(token, server_key)
    assert verify_manifest(answer["manifest"].encode(), server_key).process("demo") is not None


def test_an_unknown_token_is_refused(client: Client) -> None:
    token = create_enrollment_token(client.settings, name="x").rsplit("-", 2)
    forged = f"OSA1-{'A' * 32}-{token[2]}"
    answer = httpx.post(f"{client.url}/api/v1/enroll", json={"token": forged, "public_key": FakeTerminal().public_key})
    assert (answer.status_code, answer.json()["error"]) == (403, "token_invalid")


def test_a_push_answers_per_record_and_records_clock_offset_and_pending(client: Client) -> None:
    terminal = client.enroll()
    answer = client.push(terminal, terminal.batch(2, 5), skew=-20, pending=3)
    response = PushResponse.model_validate_json(answer.content)
    assert [r.status for r in response.results] == ["accepted"] * 12
    assert response.ack.seq == 2
    device = next(d for d in client_stats(client)["devices"] if d["id"] == terminal.device)
    assert device["pending_reported"] == 3 and -22 <= device["clock_offset_s"] <= -19


def test_a_skewed_clock_is_refused_with_the_server_time(client: Client) -> None:
    terminal = client.enroll()
    answer = client.push(terminal, terminal.batch(1, 5), skew=3600)
    body = answer.json()
    assert (answer.status_code, body["error"]) == (401, "clock_skew")
    assert body["server_time"].endswith("Z")


def test_the_ack_endpoint_answers_only_the_device_itself(client: Client) -> None:
    terminal, other = client.enroll(), client.enroll(name="Other")
    lines = terminal.batch(2, 5)
    client.push_ok(terminal, lines)
    path = f"/api/v1/devices/{terminal.device}/ack"
    mine = httpx.get(
        f"{client.url}{path}", headers=sign_request(terminal.key, "GET", path, b"", timestamp=int(time.time()))
    )
    assert mine.json() == {"seq": 2, "hash": lines[6].hash}
    theirs = httpx.get(
        f"{client.url}{path}", headers=sign_request(other.key, "GET", path, b"", timestamp=int(time.time()))
    )
    assert (theirs.status_code, theirs.json()["error"]) == (401, "wrong_device")


def test_a_bundle_imported_twice_changes_nothing_but_duplicates(client: Client) -> None:
    terminal = client.enroll()
    lines = terminal.batch(2, 5)
    first = client.post_bundle(terminal.bundle(lines)).json()
    again = client.post_bundle(terminal.bundle(lines)).json()
    assert first["bundle"]["status"] == again["bundle"]["status"] == "verified"
    assert first["counts"] == {"accepted": 12, "duplicate": 0, "quarantined": 0, "rejected": 0}
    assert again["counts"] == {"accepted": 0, "duplicate": 12, "quarantined": 0, "rejected": 0}
    assert client.raw_log() == {r.hash for r in lines}


def test_a_later_push_from_a_revoked_device_is_answered_and_quarantined(client: Client) -> None:
    from sync_server.admin import revoke_device

    terminal = client.enroll()
    revoke_device(client.settings, terminal.device)
    answer = client.push_ok(terminal, terminal.batch(1, 5))
    assert {(r["status"], r["reason"]) for r in answer["results"]} == {("quarantined", "device_revoked")}


def test_a_malformed_enrollment_body_is_a_bad_request(client: Client) -> None:
    answer = httpx.post(f"{client.url}/api/v1/enroll", json={"public_key": "x"})
    assert (answer.status_code, answer.json()["error"]) == (400, "bad_request")


def client_stats(client: Client) -> dict[str, Any]:
    from sync_server.admin import collect_stats

    return collect_stats(client.settings)
