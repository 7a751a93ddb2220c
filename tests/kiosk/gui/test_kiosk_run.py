"""``osallistu kiosk run KDIR`` as people start it: a child process with its own Kivy window on
the test's X display, for a terminal enrolled against a real server process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.app import SCREENSHOT_ENV
from kiosk.enroll import enroll_terminal
from kiosk.terminal import Terminal
from sync_server.admin import create_enrollment_token, init_data_dir, load_settings

from .screenshots import SCREENSHOT_DIR

# ``tests.servers`` is the shared server-process helper; the repository root is on sys.path
# when the whole suite runs, not when only tests/kiosk is collected.
REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from tests.servers import server_process  # noqa: E402

pytestmark = pytest.mark.gui

START_SECONDS = 60


def started_events(kdir: Path) -> int:
    terminal = Terminal.open(kdir)
    try:
        return sum(
            1 for r in terminal.store.records() if r.kind == "kiosk.event" and r.body["event"] == "kiosk.started"
        )
    finally:
        terminal.close()


def test_kiosk_run_opens_the_window_on_the_display_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    if not os.environ.get("DISPLAY"):
        pytest.skip("no X display (pytest-xvfb sets one)")
    server_dir, kdir = tmp_path / "server", tmp_path / "kiosk"
    init_data_dir(server_dir, demo=True)
    shot = tmp_path / "kiosk-run.png"
    env = {
        **os.environ,
        SCREENSHOT_ENV: str(shot),
        "KIVY_NO_ARGS": "1",
        "KIVY_NO_FILELOG": "1",
        "KIVY_HOME": str(tmp_path / "kivy-home"),
    }
    with server_process(server_dir) as url:
        token = create_enrollment_token(load_settings(server_dir), name="Kallio library 1")
        enroll_terminal(kdir, server_url=url, token=token, pin="2468").close()
        log_path = tmp_path / "kiosk-run.log"
        with log_path.open("wb") as log:
            # The installed console script, as the README tells operators to run it.
            command = [str(Path(sys.executable).with_name("osallistu")), "kiosk", "run", str(kdir)]
            process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
            try:
                deadline = time.monotonic() + START_SECONDS
                while not shot.exists() and process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.2)
                output = log_path.read_text(errors="replace")
                assert process.poll() is None, f"the app exited with {process.returncode}:\n{output[-3000:]}"
                assert shot.exists(), f"no window after {START_SECONDS} s:\n{output[-3000:]}"
                time.sleep(0.5)
                assert process.poll() is None  # still running with its window up
                process.terminate()
                assert process.wait(timeout=30) == 0, log_path.read_text(errors="replace")[-3000:]
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert started_events(kdir) == 1
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    shutil.copy(shot, SCREENSHOT_DIR / "kiosk-run-subprocess.png")
