"""The facade end to end against the fake server, and the background sync worker."""

from __future__ import annotations

import threading

import pytest
from kiosk_factories import FakeServer, make_ballot

from kiosk.errors import SyncFailed
from kiosk.terminal import Terminal
from kiosk.worker import SyncOutcome, SyncWorker

STATUS_KEYS = {
    "device",
    "server",
    "pending",
    "sealed",
    "acknowledged",
    "last_sync",
    "last_sync_ok",
    "server_reachable",
    "manifest_serial",
}


def test_status_reports_counts_and_sync_state(enrolled_kiosk: Terminal, server: FakeServer) -> None:
    status = enrolled_kiosk.status()
    assert set(status) >= STATUS_KEYS
    assert status["pending"] == 1 and status["last_sync"] is None and status["server_reachable"] is None
    with server.client() as http:
        assert enrolled_kiosk.status(check_server=True, http=http)["server_reachable"] is True


def test_sync_seals_pushes_and_records_the_outcome(enrolled_kiosk: Terminal, server: FakeServer) -> None:
    for voter in range(5):
        enrolled_kiosk.capture("budget.ballot", make_ballot(voter=voter))
    with server.client() as http:
        report = enrolled_kiosk.sync(http)
    assert report.seals_made == 1 and report.push.ack_seq == 1 and report.manifest.status == "unchanged"
    status = enrolled_kiosk.status()
    assert status["acknowledged"] == 6 and status["last_sync_ok"] is True
    assert status["pending"] == 1  # the sync.succeeded event waits for the next seal


def test_a_failed_sync_is_recorded_and_raised(enrolled_kiosk: Terminal, server: FakeServer) -> None:
    enrolled_kiosk.capture("budget.ballot", make_ballot())
    enrolled_kiosk.seal(force=True)
    server.push_faults.extend([503] * 5)
    with pytest.raises(SyncFailed), server.client() as http:
        enrolled_kiosk.sync(http, sleep=lambda _: None, max_attempts=2)
    status = enrolled_kiosk.status()
    assert status["last_sync_ok"] is False and "503" in status["last_sync_error"]
    assert status["sealed"] == 3  # ballot, enrolled event, forced-seal event: kept


def test_the_worker_syncs_off_the_callers_thread(enrolled_kiosk: Terminal, server: FakeServer) -> None:
    enrolled_kiosk.seal(force=True)
    outcomes: list[tuple[SyncOutcome, str]] = []
    done = threading.Event()

    def on_result(outcome: SyncOutcome) -> None:
        outcomes.append((outcome, threading.current_thread().name))
        done.set()

    worker = SyncWorker(enrolled_kiosk.kdir, on_result, interval=None, http_factory=lambda url: server.client())
    worker.start()
    worker.request_sync()
    assert done.wait(10)
    worker.stop()
    [(outcome, thread)] = outcomes
    assert outcome.ok and outcome.report is not None and outcome.report.push.ack_seq == 1
    assert thread == "osallistu-sync"
    assert enrolled_kiosk.status()["acknowledged"] == 2


def test_a_worker_failure_is_an_outcome_not_a_dead_thread(enrolled_kiosk: Terminal, server: FakeServer) -> None:
    enrolled_kiosk.seal(force=True)
    server.push_faults.extend([400, None])
    outcomes: list[SyncOutcome] = []
    two = threading.Semaphore(0)

    def on_result(outcome: SyncOutcome) -> None:
        outcomes.append(outcome)
        two.release()

    worker = SyncWorker(enrolled_kiosk.kdir, on_result, interval=None, http_factory=lambda url: server.client())
    worker.start(sync_now=True)
    assert two.acquire(timeout=10)
    worker.request_sync()
    assert two.acquire(timeout=10)
    worker.stop()
    assert [o.ok for o in outcomes] == [False, True] and outcomes[0].error
