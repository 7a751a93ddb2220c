"""Enrollment pins the right server; the PIN locks out and stays locked across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kiosk_factories import PIN, SERVER_URL, FakeServer

from kiosk.enroll import enroll_terminal
from kiosk.errors import AlreadyEnrolled, EnrollmentFailed, NotEnrolled
from kiosk.terminal import Terminal
from shared_models import fingerprint


def test_enrollment_pins_the_server_and_stores_the_manifest(enrolled_kiosk: Terminal, server: FakeServer) -> None:
    assert enrolled_kiosk.store.get_meta("server_fingerprint") == fingerprint(server.signing)
    assert enrolled_kiosk.manifest() is not None and enrolled_kiosk.status()["manifest_serial"] == 1
    assert enrolled_kiosk.device_id in server.devices
    [(event, _)] = enrolled_kiosk.store.pending()
    assert event.body["event"] == "kiosk.enrolled"
    assert PIN not in (enrolled_kiosk.store.get_meta("pin_hash") or "")


def test_a_server_key_not_matching_the_token_is_refused(tmp_path: Path, server: FakeServer) -> None:
    server.answer_key = Ed25519PrivateKey.generate()
    with pytest.raises(EnrollmentFailed) as refused, server.client() as http:
        enroll_terminal(tmp_path / "k", server_url=SERVER_URL, token=server.token, pin=PIN, http=http)
    assert refused.value.reason == "wrong_server"
    with pytest.raises(NotEnrolled):
        Terminal.open(tmp_path / "k")


def test_an_enrolled_folder_is_never_enrolled_again(enrolled_kiosk: Terminal, server: FakeServer) -> None:
    with pytest.raises(AlreadyEnrolled), server.client() as http:
        enroll_terminal(enrolled_kiosk.kdir, server_url=SERVER_URL, token=server.token, pin=PIN, http=http)


@pytest.mark.parametrize(
    ("token", "pin", "reason"),
    [
        pytest.param("not-a-token", PIN, "bad_token", id="bad-token"),
        pytest.param(None, "12", "bad_pin", id="short-pin"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    tmp_path: Path, server: FakeServer, token: str | None, pin: str, reason: str
) -> None:
    with pytest.raises(EnrollmentFailed) as refused, server.client() as http:
        enroll_terminal(tmp_path / "k", server_url=SERVER_URL, token=token or server.token, pin=pin, http=http)
    assert refused.value.reason == reason and server.requests == []


def test_a_used_token_is_refused_with_the_servers_words(tmp_path: Path, server: FakeServer) -> None:
    server.used_tokens.add(server.token)
    with pytest.raises(EnrollmentFailed, match="403"), server.client() as http:
        enroll_terminal(tmp_path / "k", server_url=SERVER_URL, token=server.token, pin=PIN, http=http)


def test_an_unenrolled_folder_does_not_open(tmp_path: Path) -> None:
    with pytest.raises(NotEnrolled):
        Terminal.open(tmp_path)
    assert not (tmp_path / "kiosk.db").exists()


def test_pin_locks_out_after_five_wrong_tries_and_doubles(enrolled_kiosk: Terminal) -> None:
    now = [1_800_000_000.0]
    enrolled_kiosk.clock = lambda: now[0]
    results = [enrolled_kiosk.check_pin("0000") for _ in range(5)]
    assert [r.tries_left for r in results[:4]] == [4, 3, 2, 1]
    assert results[4].locked_for == 60 and results[4].just_locked
    assert enrolled_kiosk.check_pin(PIN).locked  # even the right PIN waits
    now[0] += 61
    for _ in range(5):
        last = enrolled_kiosk.check_pin("0000")
    assert last.locked_for == 120
    now[0] += 121
    assert enrolled_kiosk.check_pin(PIN).ok


def test_pin_lockout_survives_a_restart(enrolled_kiosk: Terminal) -> None:
    now = 1_800_000_000.0
    enrolled_kiosk.clock = lambda: now
    for _ in range(5):
        enrolled_kiosk.check_pin("1111")
    with Terminal.open(enrolled_kiosk.kdir, clock=lambda: now + 30) as restarted:
        result = restarted.check_pin(PIN)
        assert result.locked and result.locked_for == pytest.approx(30)
    events = [r.body["event"] for r, _ in enrolled_kiosk.store.pending() if r.kind == "kiosk.event"]
    assert events.count("librarian.pin_failed") == 4 and "librarian.locked_out" in events
