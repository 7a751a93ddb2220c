"""Real servers for the HTTP tests: uvicorn in a thread, or ``sync_server.admin.serve`` in a child process."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from sync_server.app import create_app
from sync_server.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server_thread(settings: Settings) -> Iterator[str]:
    """uvicorn serving ``create_app(settings)`` in a thread on a free loopback port; yields its URL."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", ws="none")
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


@contextmanager
def server_process(directory: Path) -> Iterator[str]:
    """``sync_server.admin.serve`` for ``directory`` in a child process; yields its URL."""
    port = free_port()
    code = (
        "import sys; from pathlib import Path; from sync_server.admin import load_settings, serve; "
        f"serve(load_settings(Path(sys.argv[1])), port={port})"
    )
    log_path = directory.parent / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-c", code, str(directory)], stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for_health(url, process, log_path)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_health(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not answer /api/v1/health in time")
