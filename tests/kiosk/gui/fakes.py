"""Stand-ins for the terminal facade, the clock and the background jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared_models.manifest import Manifest, sign_manifest, verify_manifest


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ImmediateJobs:
    """Runs background jobs at once on the calling thread (the result still goes through done)."""

    def __init__(self) -> None:
        self.ran: list[Callable[[], Any]] = []

    def run(self, job: Callable[[], Any], done: Callable[[Any, BaseException | None], None]) -> None:
        self.ran.append(job)
        try:
            result, error = job(), None
        except Exception as exc:
            result, error = None, exc
        done(result, error)


class HeldSyncWorker:
    """Like ``kiosk.worker.SyncWorker``: ``request_sync()`` returns at once; the test plays the
    worker thread, running the sync and calling ``on_result`` from another thread."""

    def __init__(self, terminal: Any) -> None:
        self.terminal = terminal
        self.requests = 0
        self.on_result: Callable[[Any], None] | None = None

    def request_sync(self) -> None:
        self.requests += 1

    def finish(self, *, fail: bool = False) -> None:
        import threading

        assert self.on_result is not None
        report = None if fail else self.terminal.sync()
        outcome = SyncOutcome(not fail, report, "the server did not answer" if fail else None)
        thread = threading.Thread(target=self.on_result, args=(outcome,))
        thread.start()
        thread.join()


@dataclass(frozen=True)
class SyncOutcome:
    ok: bool
    report: Any
    error: str | None


@dataclass
class Report:
    data: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        return self.data


@dataclass
class PinResult:
    ok: bool
    tries_left: int = 0
    locked_until: datetime | None = None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def make_manifest(processes: list[dict[str, Any]] | None = None, serial: int = 3) -> Manifest:
    key = Ed25519PrivateKey.generate()
    if processes is None:
        processes = [make_process()]
    raw = sign_manifest(
        {"serial": serial, "issued": "2026-11-28T10:00:00Z", "sealing_key": "AAAA", "processes": processes}, key
    )
    return verify_manifest(raw, key.public_key())


def make_process(
    pid: str = "kallio-2026",
    activities: tuple[str, ...] = ("budget", "voxit", "feedback"),
    status: str = "open",
    test: bool = False,
) -> dict[str, Any]:
    return {
        "id": pid,
        "title": {"fi": "Kallion kaupunginosa 2026", "sv": "Berghälls stadsdel 2026", "en": "Kallio district 2026"},
        "activities": list(activities),
        "test": test,
        "status": status,
        "min_seal": 5,
    }


@dataclass
class FakeTerminal:
    held: Manifest | None = field(default_factory=make_manifest)
    pin: str = "1234"
    max_tries: int = 3
    device_id: str = "tabcdefghijklmnop"
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    pending: int = 7
    sealed: int = 10
    acknowledged: int = 10
    last_sync: str | None = "2026-11-28T09:00:00Z"
    last_sync_ok: bool = True
    syncs: int = 0
    exports: list[Path] = field(default_factory=list)
    _failures: int = 0

    def manifest(self) -> Manifest | None:
        return self.held

    def log_event(self, event: str, **detail: Any) -> None:
        self.events.append((event, detail))

    def event_names(self) -> list[str]:
        return [name for name, _ in self.events]

    def check_pin(self, pin: str) -> PinResult:
        if self._failures >= self.max_tries:
            return PinResult(False, 0, datetime.now(UTC) + timedelta(minutes=5))
        if pin == self.pin:
            self._failures = 0
            return PinResult(True)
        self._failures += 1
        if self._failures >= self.max_tries:
            return PinResult(False, 0, datetime.now(UTC) + timedelta(minutes=5))
        return PinResult(False, self.max_tries - self._failures)

    def status(self, check_server: bool = False) -> dict[str, Any]:
        return {
            "device": self.device_id,
            "server": "https://osallistu.example.fi",
            "pending": self.pending,
            "sealed": self.sealed,
            "acknowledged": self.acknowledged,
            "last_sync": self.last_sync,
            "last_sync_ok": self.last_sync_ok,
            "server_reachable": True if check_server else None,
            "manifest_serial": self.held.serial if self.held else None,
        }

    def sync(self, http: Any = None) -> Report:
        self.syncs += 1
        sent, self.pending = self.pending, 0
        self.sealed += sent
        self.acknowledged = self.sealed
        self.last_sync, self.last_sync_ok = "2026-11-28T10:30:00Z", True
        return Report({"sent": sent, "accepted": sent, "duplicate": 0, "quarantined": 0, "ack_seq": 4, "pending": 0})

    def seal(self, force: bool = False) -> list[Any]:
        sealed, self.pending = self.pending, 0
        self.sealed += sealed
        return [object()] if sealed else []

    def export(self, path: Path) -> Report:
        path.write_bytes(b"bundle")
        self.exports.append(path)
        return Report({"path": str(path), "seals": 2, "records": 17})
