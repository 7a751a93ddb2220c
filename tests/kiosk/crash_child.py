"""The capture loop that the crash test kills (run as a script, not collected by pytest).

A long-lived process that has imported everything once; for each ``go SEED``
line on stdin it forks a worker that opens the store and loops ``capture()``
(sealing now and then), writing ``id <record id>`` to stdout only after
``capture()`` returned. The test kills the worker with SIGKILL; this process
reaps it and writes ``dead <pid>``, so every id line of a worker comes before it.
"""

from __future__ import annotations

import os
import random
import sys
import traceback
from datetime import date
from pathlib import Path

from kiosk.capture import capture
from kiosk.keystore import load_device_key
from kiosk.sealing import seal_pending
from kiosk.store import LocalStore

TODAY = date(2026, 11, 28)


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())  # one write() per line: whole or not at all


def work(kdir: Path, seed: int) -> None:
    rng = random.Random(seed)
    key = load_device_key(kdir)
    store = LocalStore.open(kdir / "kiosk.db")
    while True:
        projects = sorted(rng.sample(["k1", "k2", "k3", "k4"], rng.randint(0, 2)))
        body = {"process": "demo", "district": "kallio", "voter": f"{rng.getrandbits(256):064x}", "projects": projects}
        record = capture(store, key, "budget.ballot", body, today=TODAY)
        say(f"id {record.id}")
        if rng.random() < 0.2:
            seal_pending(store, key, store.manifest(), force=rng.random() < 0.3, today=TODAY)


def main() -> None:
    kdir = Path(sys.argv[1])
    say("ready")
    while line := sys.stdin.readline():
        seed = int(line.split()[1])
        pid = os.fork()
        if pid == 0:
            try:
                work(kdir, seed)
            except BaseException:
                say("error " + traceback.format_exc().replace("\n", " | "))
            finally:
                os._exit(1)
        say(f"pid {pid}")
        os.waitpid(pid, 0)
        say(f"dead {pid}")


if __name__ == "__main__":
    main()
