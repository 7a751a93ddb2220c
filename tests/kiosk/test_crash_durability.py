"""Killing the terminal at random moments loses nothing it said was stored.

Three long-lived helper processes fork capture loops on one store file; each
loop is killed with SIGKILL after a random 5-60 ms, over 200 times in all.
Afterwards every id that was printed (printed only after ``capture()``
returned) is in the store, every record verifies, the seals chain, and the
store opens and passes SQLite's integrity check.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kiosk_factories import FakeServer, install_manifest

from kiosk.keystore import create_device_key
from kiosk.store import LocalStore
from shared_models import verify_chain, verify_record

CHILD = Path(__file__).with_name("crash_child.py")
HELPERS = 3
KILLS_EACH = 70  # at least; a loaded machine stores less per kill, so the drivers go on
ENOUGH_STORED = 200  # ... until this many captures returned before their kill
TIME_LIMIT_S = 90


def _drive(kdir: Path, seed: int, printed: set[str], errors: list[str]) -> None:
    try:
        _kill_loops(kdir, seed, printed, errors)
    except Exception as exc:  # a thread cannot fail the test itself; the test reads ``errors``
        errors.append(f"driver {seed}: {type(exc).__name__}: {exc}")


def _kill_loops(kdir: Path, seed: int, printed: set[str], errors: list[str]) -> None:
    rng = random.Random(seed)
    command = [sys.executable, str(CHILD), str(kdir)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0) as helper:
        assert helper.stdin is not None and helper.stdout is not None
        assert helper.stdout.readline() == b"ready\n"
        started = time.monotonic()
        round_ = 0
        while round_ < KILLS_EACH or (len(printed) < ENOUGH_STORED and time.monotonic() - started < TIME_LIMIT_S):
            round_ += 1
            helper.stdin.write(f"go {seed * 1000 + round_}\n".encode())
            line = helper.stdout.readline().decode()
            assert line.startswith("pid "), line
            pid = int(line.split()[1])
            time.sleep(rng.uniform(0.005, 0.060))
            os.kill(pid, signal.SIGKILL)
            while (line := helper.stdout.readline().decode()) != f"dead {pid}\n":
                if line.startswith("id "):
                    printed.add(line.split()[1])
                elif line:
                    errors.append(line)
                else:
                    raise AssertionError("the helper process ended")
        helper.stdin.close()


@pytest.mark.slow
def test_records_survive_sigkill_at_random_moments(tmp_path: Path) -> None:
    kdir = tmp_path / "kiosk"
    key = create_device_key(kdir)
    with LocalStore.open(kdir / "kiosk.db") as store:
        install_manifest(store, FakeServer())

    printed: set[str] = set()
    errors: list[str] = []
    drivers = [threading.Thread(target=_drive, args=(kdir, seed, printed, errors)) for seed in range(1, HELPERS + 1)]
    started = time.monotonic()
    for driver in drivers:
        driver.start()
    for driver in drivers:
        driver.join()
    assert time.monotonic() - started < TIME_LIMIT_S + 30
    assert errors == []

    with LocalStore.open(kdir / "kiosk.db") as store:
        assert store.pragma("integrity_check") == "ok"
        records = store.records()
        held = {r.id for r in records}
        assert len(printed) >= ENOUGH_STORED, "the loops should have stored plenty before the kills"
        assert printed <= held
        for record in records:
            verify_record(record, key.public_key())
        seals = store.seals()
        assert seals, "the loops seal now and then"
        sealed = {r.hash for r in records} - {r.hash for r, _ in store.pending()}
        report = verify_chain(key.public_key(), [s.record for s in seals], sealed)
        assert report.ok, report
        for stored in seals:
            assert {r.hash for r in store.records_of_seal(stored.seq)} == set(stored.record.body["records"])
