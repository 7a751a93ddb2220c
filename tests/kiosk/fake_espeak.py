"""A stand-in ``espeak-ng`` for tests: an executable script on a temporary PATH that records
each run's argv and stdin into a directory, then "speaks" (sleeps) until terminated, so
tests see what the terminal would have said without any audio."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

SCRIPT = """#!/bin/sh
# a fake espeak-ng: records argv and stdin, then speaks (sleeps) until terminated
dir="$FAKE_ESPEAK_DIR"
{fail}
{trap}
printf '%s\\n' "$@" > "$dir/$$.argv.tmp" && mv "$dir/$$.argv.tmp" "$dir/$$.argv"
cat > "$dir/$$.stdin.tmp" && mv "$dir/$$.stdin.tmp" "$dir/$$.stdin"
exec sleep {seconds}
"""


def install_fake_espeak(
    tmp_path: Path,
    monkeypatch: Any,
    *,
    seconds: float = 30,
    exit_status: int | None = None,
    deaf_to_term: bool = False,
) -> Path:
    """Puts a fake ``espeak-ng`` first on PATH; returns the directory its runs are recorded in.
    With ``exit_status`` it records nothing and exits at once with that status (a broken engine);
    ``deaf_to_term`` makes it ignore SIGTERM (a hung engine)."""
    bin_dir, runs = tmp_path / "fake-bin", tmp_path / "fake-espeak-runs"
    bin_dir.mkdir(exist_ok=True)
    runs.mkdir(exist_ok=True)
    script = bin_dir / "espeak-ng"
    fail = f"exit {exit_status}" if exit_status is not None else ""
    trap = "trap '' TERM" if deaf_to_term else ""
    script.write_text(SCRIPT.format(fail=fail, trap=trap, seconds=seconds), encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_ESPEAK_DIR", str(runs))
    return runs


def recorded_runs(runs: Path, count: int, *, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Waits until ``count`` runs have recorded argv and stdin; each as {"pid", "argv", "stdin"},
    in the order they started (by pid is not reliable: by the time the argv file was written)."""
    deadline = time.monotonic() + timeout
    while True:
        done = sorted(runs.glob("*.stdin"), key=lambda p: p.stat().st_mtime_ns)
        if len(done) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    found = []
    for stdin in done:
        pid = stdin.name.split(".")[0]
        argv = (runs / f"{pid}.argv").read_text(encoding="utf-8").splitlines()
        found.append({"pid": int(pid), "argv": argv, "stdin": stdin.read_text(encoding="utf-8")})
    assert len(found) == count, json.dumps(found, ensure_ascii=False)
    return found


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped, counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return status != "Z"


def wait_ended(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
