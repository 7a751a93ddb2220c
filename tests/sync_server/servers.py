"""Real servers for the HTTP tests: uvicorn in a thread, or ``osallistu server run`` in a child process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from provisioning.demo import free_port, running_server
from sync_server.app import create_app
from sync_server.settings import Settings


@contextmanager
def server_thread(settings: Settings, **app_options: Any) -> Iterator[str]:
    """uvicorn serving ``create_app(settings, **app_options)`` (e.g. ``clock=``) in a thread on a free
    loopback port; yields its URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, **app_options), host="127.0.0.1", port=port, log_level="warning", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def server_process(directory: Path) -> AbstractContextManager[str]:
    """``osallistu server run`` for ``directory`` in a child process; yields its URL."""
    return running_server(directory)
