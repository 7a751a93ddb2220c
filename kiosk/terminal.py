"""The terminal facade that the command line and the GUI use.

A terminal is a folder (``KDIR``) holding ``device.key`` and ``kiosk.db``.
``Terminal.open(kdir)`` opens an enrolled one (``NotEnrolled`` otherwise); every
method is one action in words: capture, log an event, seal, sync, export, read a reply,
report status, run a drill, check the librarian PIN.

The terminal's clock is the system clock plus the offset learnt from the server
(``meta.clock_offset``); citizen records carry only the local day.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.bundle_export import ExportReport, export_bundle
from kiosk.capture import capture, log_event
from kiosk.errors import KioskError, NotEnrolled, SyncFailed
from kiosk.keystore import key_path, load_device_key
from kiosk.pin import PinResult, check_pin
from kiosk.reply_import import ReplyReport, read_reply
from kiosk.sealing import seal_pending
from kiosk.store import LocalStore
from kiosk.sync_client import ManifestPull, PushReport, SyncClient
from shared_models import Manifest, Record, device_id_for
from shared_models.bodies import DetailValue

if TYPE_CHECKING:
    from kiosk.drill import DrillReport

__all__ = ["STORE_FILE", "SyncReport", "Terminal", "store_path"]

STORE_FILE = "kiosk.db"


def store_path(kdir: str | Path) -> Path:
    return Path(kdir) / STORE_FILE


@dataclass(frozen=True)
class SyncReport:
    """One completed sync: seals made, what the push did, what the manifest pull did."""

    seals_made: int
    push: PushReport
    manifest: ManifestPull
    finished_at: str


class Terminal:
    """An enrolled terminal: its key, its store and its clock."""

    def __init__(
        self, kdir: str | Path, store: LocalStore, key: Ed25519PrivateKey, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.kdir = Path(kdir)
        self.store = store
        self.key = key
        self.clock = clock
        self.device_id = device_id_for(key)

    @classmethod
    def open(cls, kdir: str | Path, *, clock: Callable[[], float] = time.time) -> Terminal:
        """Open the enrolled terminal in ``kdir``; NotEnrolled if there is none."""
        folder = Path(kdir)
        if not store_path(folder).exists() or not key_path(folder).exists():
            raise NotEnrolled(f"no terminal is enrolled in {folder}; enroll it with a token first")
        key = load_device_key(folder)
        store = LocalStore.open(store_path(folder))
        if store.get_meta("device") != device_id_for(key):
            store.close()
            raise NotEnrolled(f"the terminal in {folder} did not finish enrolling; enroll it with a new token")
        return cls(folder, store, key, clock=clock)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ identity and time

    @property
    def server_url(self) -> str:
        return self.store.get_meta("server_url") or ""

    def now(self) -> float:
        return self.clock() + float(self.store.get_meta("clock_offset", "0") or 0)

    def now_utc(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    def today(self) -> date:
        """The local day, as citizen records carry it."""
        return datetime.fromtimestamp(self.now()).date()

    def manifest(self) -> Manifest | None:
        return self.store.manifest()

    # ------------------------------------------------------------ actions

    def capture(self, kind: str, body: dict[str, Any], *, record_id: str | None = None) -> Record:
        """Record one citizen action durably; returns after the commit (then show the thank-you)."""
        return capture(self.store, self.key, kind, body, today=self.today(), record_id=record_id)

    def capture_once(self, kind: str, body: dict[str, Any], *, once: str) -> Record:
        """Like ``capture``, and remember ``once`` (a voter tag) in the same transaction."""
        with self.store.atomic():
            record = self.capture(kind, body)
            self.store.set_meta(f"once:{once}", record.id)
        return record

    def seen_once(self, once: str) -> bool:
        """Whether ``capture_once`` already took ``once`` on this terminal."""
        return self.store.get_meta(f"once:{once}") is not None

    def log_event(self, event: str, **detail: DetailValue) -> Record:
        return log_event(self.store, self.key, event, detail, self.now_utc())

    def seal(self, force: bool = False) -> list[Record]:
        """Seal what the sealing rule allows (everything pending when forced)."""
        if force and self.store.counts()["pending"]:
            self.log_event("librarian.forced_seal", pending=self.store.counts()["pending"])
        return seal_pending(self.store, self.key, self.manifest(), force=force, today=self.today())

    def sync_client(self, http: httpx.Client, **options: Any) -> SyncClient:
        return SyncClient(self.store, self.key, http, clock=self.clock, **options)

    def sync(self, http: httpx.Client | None = None, **options: Any) -> SyncReport:
        """Seal, push, pull the manifest; SyncFailed (after logging it) if the server cannot be used."""
        client = http if http is not None else httpx.Client(base_url=self.server_url, timeout=15.0)
        try:
            seals = self.seal()
            sync = self.sync_client(client, **options)
            push = sync.push()
            manifest = sync.pull_manifest()
        except SyncFailed as exc:
            self._record_sync(ok=False, error=exc.message)
            self.log_event("sync.failed", reason=exc.reason, message=exc.message)
            raise
        finally:
            if http is None:
                client.close()
        self._record_sync(ok=True, error="")
        self.log_event("sync.succeeded", records=push.records_sent, seals=push.seals_sent, ack=push.ack_seq)
        return SyncReport(len(seals), push, manifest, self.now_utc().strftime("%Y-%m-%dT%H:%M:%SZ"))

    def _record_sync(self, *, ok: bool, error: str) -> None:
        with self.store.atomic():
            self.store.set_meta("last_sync", self.now_utc().strftime("%Y-%m-%dT%H:%M:%SZ"))
            self.store.set_meta("last_sync_ok", int(ok))
            self.store.set_meta("last_sync_error", error)

    def export(self, path: str | Path) -> ExportReport:
        """Seal what may be sealed, then write every unacknowledged seal to a bundle file."""
        self.seal()
        report = export_bundle(self.store, self.key, path, now=self.now_utc())
        self.log_event("export.written", seals=report.seals, records=report.records, file=report.path.name)
        self.store.set_meta("last_export", self.now_utc().strftime("%Y-%m-%dT%H:%M:%SZ"))
        return report

    def import_reply(self, path: str | Path) -> ReplyReport:
        """Read the server's reply from a USB stick: its ack and manifest together (ReplyError: nothing changed)."""
        report = read_reply(self.store, self.key, Path(path).read_bytes(), now=self.now_utc())
        self.store.set_meta("last_reply", self.now_utc().strftime("%Y-%m-%dT%H:%M:%SZ"))
        return report

    def status(self, check_server: bool = False, *, http: httpx.Client | None = None) -> dict[str, Any]:
        """Counts of records pending (unsealed), sealed (not yet acknowledged) and acknowledged, and sync state."""
        counts = self.store.counts()
        last_ok = self.store.get_meta("last_sync_ok")
        return {
            "device": self.device_id,
            "server": self.server_url,
            "pending": counts["pending"],
            "sealed": counts["sealed"],
            "acknowledged": counts["acknowledged"],
            "seals": self.store.seal_count(),
            "ack_seq": self.store.acked_seq(),
            "last_sync": self.store.get_meta("last_sync"),
            "last_sync_ok": None if last_ok is None else last_ok == "1",
            "last_sync_error": self.store.get_meta("last_sync_error") or None,
            "last_export": self.store.get_meta("last_export") or None,
            "last_reply": self.store.get_meta("last_reply") or None,
            "server_reachable": self.server_reachable(http) if check_server else None,
            "manifest_serial": self.store.manifest_serial(),
            "clock_offset": float(self.store.get_meta("clock_offset", "0") or 0),
        }

    def server_reachable(self, http: httpx.Client | None = None) -> bool:
        client = http if http is not None else httpx.Client(base_url=self.server_url, timeout=3.0)
        try:
            return client.get("/api/v1/health").status_code == 200
        except httpx.HTTPError:
            return False
        finally:
            if http is None:
                client.close()

    def drill(
        self, process: str, count: int, seed: int, progress: Callable[[int, int], None] | None = None
    ) -> DrillReport:
        from kiosk.drill import run_drill

        return run_drill(self, process, count, seed, progress)

    def check_pin(self, pin: str) -> PinResult:
        """Check the librarian PIN; wrong tries count towards a lockout that survives restarts."""
        result = check_pin(self.store, pin, now=self.now())
        if result.ok:
            self.log_event("librarian.signed_in")
        elif result.just_locked:
            self.log_event("librarian.locked_out", seconds=int(result.locked_for))
        elif not result.locked:
            self.log_event("librarian.pin_failed", tries_left=result.tries_left)
        return result


def open_or_none(kdir: str | Path) -> Terminal | None:
    """The enrolled terminal in ``kdir``, or None (for a GUI deciding whether to show enrollment)."""
    try:
        return Terminal.open(kdir)
    except KioskError:
        return None
