"""``osallistu demo``: a throwaway server with the demo test process and one enrolled terminal.

The server runs as a child process (``osallistu server run``) on a free loopback
port; the terminal is enrolled over real HTTP and its window opened. Everything
lives in one temporary folder that is removed at the end unless ``--keep``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from provisioning.output import console, fail

DEMO_PIN = "1234"
DEMO_PROCESS = "demo"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(url: str, process: subprocess.Popen[bytes], *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail("The demo server stopped while starting; see its messages above.")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    fail(f"The demo server did not answer at {url} within {timeout:.0f} seconds.")


@contextmanager
def running_server(directory: Path, port: int) -> Iterator[str]:
    """Start ``osallistu server run`` in a child process; stop it on exit."""
    command = [sys.executable, "-m", "provisioning", "server", "run", str(directory), "--port", str(port)]
    log = (directory / "server.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def run_demo(*, window: bool, drill: int, keep: bool, port: int | None) -> None:
    from kiosk.enroll import enroll_terminal
    from sync_server.admin import create_enrollment_token, init_data_dir, load_settings

    root = Path(tempfile.mkdtemp(prefix="osallistu-demo-"))
    server_dir, kiosk_dir = root / "server", root / "kiosk"
    try:
        init_data_dir(server_dir, demo=True)
        console.print(f"Demo server data: {server_dir}")
        with running_server(server_dir, port or free_port()) as url:
            console.print(f"Server running at [bold]{url}[/bold] (API docs at {url}/docs)")
            token = create_enrollment_token(load_settings(server_dir), name="Demo terminal", place="Demo library")
            terminal = enroll_terminal(kiosk_dir, server_url=url, token=token, pin=DEMO_PIN)
            console.print(f"Terminal {terminal.device_id} enrolled; data in {kiosk_dir}")
            console.print(f"Librarian PIN: [bold]{DEMO_PIN}[/bold] (long-press the top-left corner to open the panel)")
            if drill:
                terminal.drill(DEMO_PROCESS, drill, 1)
                push = terminal.sync().push
                console.print(
                    f"Drill: cast {drill} synthetic records into '{DEMO_PROCESS}'; "
                    f"{push.statuses.get('accepted', 0)} accepted by the server, "
                    f"seals acknowledged up to {push.ack_seq}."
                )
            if window:
                from kiosk.app import run_terminal

                run_terminal(kiosk_dir)
    finally:
        if keep:
            console.print(f"Kept the demo folder: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
