"""The server's background analysis of Voxit conversations.

Every ``interval`` seconds one thread looks for conversations whose raw log holds more
``voxit.vote`` records than their last analysis read, and analyses those again
(``services.voxit.analyse_when_new_votes``): the terminals receive new priorities and a new
opinion map at most once per interval, however fast votes arrive (a debounce by period). It
also queues newly arrived participant statements for moderation. A failure is logged
(``voxit.analysis_failed``) and tried again at the next round.

With several uvicorn worker processes only one runs the analysis: the one that holds an
exclusive lock on ``DIR/voxit-worker.lock`` (``fcntl.flock``, released when the process ends).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from sync_server.logevents import log_event
from sync_server.services.voxit import analyse_when_new_votes
from sync_server.settings import ServerKeys

__all__ = ["DEFAULT_INTERVAL", "LOCK_FILE", "VoxitWorker"]

DEFAULT_INTERVAL = 300.0  # seconds between rounds
LOCK_FILE = "voxit-worker.lock"


class VoxitWorker:
    """A daemon thread running :func:`analyse_when_new_votes` every ``interval`` seconds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        keys: ServerKeys,
        *,
        data_dir: Path,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._keys = keys
        self._lock_path = Path(data_dir) / LOCK_FILE
        self._interval = interval
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_fd: int | None = None
        self.rounds = 0  # rounds completed (with or without work), for tests and health checks

    def start(self) -> bool:
        """Start unless another process runs the analysis; True when this one does."""
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        self._thread = threading.Thread(target=self._loop, name="voxit-analysis", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def run_once(self) -> None:
        with self._sessions() as session:
            analyse_when_new_votes(session, self._keys, now=self._clock)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.run_once()
            except Exception as exc:  # a bad round must not end the thread; logged, tried again
                log_event("voxit.analysis_failed", logging.WARNING, error=type(exc).__name__, message=str(exc)[:300])
            self.rounds += 1
