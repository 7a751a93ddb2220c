"""``osallistu demo``: a throwaway server with the demo test process and one enrolled terminal.

The server runs as a child process (``osallistu server run``) on a free loopback
port; the terminal is enrolled over real HTTP and its window opened. Everything
lives in one temporary folder that is removed at the end unless ``--keep``.
"""

from __future__ import annotations

import secrets
import shutil
import signal
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
DEMO_ADMIN = "admin@demo.invalid"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(
    url: str, process: subprocess.Popen[bytes], *, timeout: float = 30.0, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else "see its messages above"
            fail(f"The server stopped while starting: {tail}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    fail(f"The server did not answer at {url} within {timeout:.0f} seconds.")


@contextmanager
def running_server(
    directory: Path,
    port: int | None = None,
    *,
    database_url: str | None = None,
    workers: int | None = None,
    log: Path | None = None,
) -> Iterator[str]:
    """Run ``osallistu server run DIR`` in a child process on a loopback port; yields its URL, stops it on exit."""
    port = port or free_port()
    command = [sys.executable, "-m", "provisioning", "server", "run", str(directory), "--port", str(port)]
    if database_url:
        command += ["--database-url", database_url]
    if workers:
        command += ["--workers", str(workers)]
    log = log or directory.parent / f"server-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(url, process, log=log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_demo(*, window: bool, drill: int, keep: bool, port: int | None) -> None:
    from kiosk.enroll import enroll_terminal
    from sync_server.admin import add_staff_user, create_enrollment_token, init_data_dir, load_settings

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up the throwaway folder on TERM too
    root = Path(tempfile.mkdtemp(prefix="osallistu-demo-"))
    server_dir, kiosk_dir = root / "server", root / "kiosk"
    try:
        init_data_dir(server_dir, demo=True)
        console.print(f"Demo server data: {server_dir}")
        staff_password = secrets.token_urlsafe(12)
        add_staff_user(
            load_settings(server_dir), email=DEMO_ADMIN, role="admin", password=staff_password, name="Demo admin"
        )
        with running_server(server_dir, port, log=root / "server.log") as url:
            console.print(f"Server running at [bold]{url}[/bold] (API docs at {url}/docs)")
            console.print(
                f"Staff pages: {url}/staff/ (sign in as {DEMO_ADMIN}, password [bold]{staff_password}[/bold])"
            )
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
                from provisioning.kiosk_commands import open_window

                open_window(kiosk_dir)
    finally:
        if keep:
            console.print(f"Kept the demo folder: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
