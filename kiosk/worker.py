"""The background sync: a thread that syncs on request or on a timer.

``request_sync()`` only sets a flag, so a touch never waits for the network.
The thread opens its own ``Terminal`` (SQLite connections belong to the thread
that opened them) and hands each outcome to ``on_result`` from the worker thread;
the GUI wraps that callback with ``Clock.schedule_once`` to get back to its own
thread. A failed sync is an outcome, never a dead thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from kiosk.errors import KioskError
from kiosk.terminal import SyncReport, Terminal

__all__ = ["SyncOutcome", "SyncWorker"]


@dataclass(frozen=True)
class SyncOutcome:
    """One sync attempt: the report when it worked, a sentence and a reason when not."""

    ok: bool
    report: SyncReport | None
    error: str | None
    reason: str | None
    finished_at: float


class SyncWorker:
    """Runs ``Terminal.sync`` off the caller's thread, on request and every ``interval`` seconds."""

    def __init__(
        self,
        kdir: str | Path,
        on_result: Callable[[SyncOutcome], None],
        *,
        interval: float | None = 300.0,
        http_factory: Callable[[str], httpx.Client] | None = None,
        open_terminal: Callable[[Path], Terminal] = Terminal.open,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.kdir = Path(kdir)
        self.on_result = on_result
        self.interval = interval
        self.http_factory = http_factory
        self.open_terminal = open_terminal
        self.clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._busy = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self._busy.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, *, sync_now: bool = False) -> None:
        if self.running:
            return
        self._stopping.clear()
        if sync_now:
            self._wake.set()
        self._thread = threading.Thread(target=self._run, name="osallistu-sync", daemon=True)
        self._thread.start()

    def request_sync(self) -> None:
        """Ask for a sync soon; returns at once. Requests while one runs are merged into one more."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the sync in progress, if any."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        terminal: Terminal | None = None
        try:
            while not self._stopping.is_set():
                self._wake.wait(self.interval)
                if self._stopping.is_set():
                    break
                self._wake.clear()
                self._busy.set()
                try:
                    if terminal is None:
                        terminal = self.open_terminal(self.kdir)
                    outcome = self._sync_once(terminal)
                except KioskError as exc:
                    outcome = SyncOutcome(False, None, exc.message, exc.reason, self.clock())
                finally:
                    self._busy.clear()
                self._post(outcome)
        finally:
            if terminal is not None:
                terminal.close()

    def _sync_once(self, terminal: Terminal) -> SyncOutcome:
        http = self.http_factory(terminal.server_url) if self.http_factory is not None else None
        try:
            report = terminal.sync(http)
        except KioskError as exc:
            return SyncOutcome(False, None, exc.message, exc.reason, self.clock())
        except Exception as exc:  # keep the thread alive; the screen shows a sentence
            with contextlib.suppress(Exception):  # the store itself may be what failed
                terminal.log_event("error.unexpected", where="sync_worker", message=f"{type(exc).__name__}: {exc}")
            return SyncOutcome(False, None, f"the sync failed unexpectedly: {exc}", "unexpected", self.clock())
        finally:
            if http is not None:
                http.close()
        return SyncOutcome(True, report, None, None, self.clock())

    def _post(self, outcome: SyncOutcome) -> None:
        with contextlib.suppress(Exception):  # a broken callback must not stop background syncs
            self.on_result(outcome)
