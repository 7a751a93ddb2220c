"""Time from "confirm" to durable: ``capture()`` on a real file store (synchronous=FULL).

Run by hand: ``.venv/bin/python bench/capture.py [COUNT]``. Prints the bare cost
of one fsync'd SQLite insert for comparison, then the capture percentiles; the
last line is ``capture_p50_ms=<n> capture_p99_ms=<n>``. Goal: p99 <= 10 ms.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.capture import capture
from kiosk.store import LocalStore
from shared_models import sign_manifest, verify_manifest
from shared_models.keys import public_b64


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bare_insert_ms(folder: Path, count: int) -> list[float]:
    conn = sqlite3.connect(folder / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID")
    samples = []
    for n in range(count):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?)", [f"{n:064x}", "x" * 400])
        conn.execute("COMMIT")
        samples.append((time.perf_counter() - start) * 1000)
    conn.close()
    return samples


def capture_ms(folder: Path, count: int) -> list[float]:
    server, sealing, key = Ed25519PrivateKey.generate(), X25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    process = {
        "id": "demo",
        "title": {"en": "Demo"},
        "activities": ["budget"],
        "test": True,
        "status": "open",
        "min_seal": 5,
        "settings": {},
    }
    content = {
        "serial": 1,
        "issued": "2026-11-28T08:00:00Z",
        "sealing_key": public_b64(sealing),
        "processes": [process],
    }
    raw = sign_manifest(content, server)
    store = LocalStore.open(folder / "kiosk.db")
    store.add_manifest(raw, verify_manifest(raw, server.public_key()))
    today = date.today()
    samples = []
    for n in range(count):
        body = {"process": "demo", "district": "kallio", "voter": f"{n:064x}", "projects": ["k1", "k4"]}
        start = time.perf_counter()
        capture(store, key, "budget.ballot", body, today=today)
        samples.append((time.perf_counter() - start) * 1000)
    store.close()
    return samples


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        bare = bare_insert_ms(Path(tmp), count)
        print(f"bare fsync'd sqlite insert: p50={statistics.median(bare):.2f} ms p99={percentile(bare, 0.99):.2f} ms")
        samples = capture_ms(Path(tmp), count)
    p50, p99 = statistics.median(samples), percentile(samples, 0.99)
    print(f"capture over {count}: mean={statistics.fmean(samples):.2f} ms max={max(samples):.2f} ms")
    print(f"capture_p50_ms={p50:.2f} capture_p99_ms={p99:.2f}")


if __name__ == "__main__":
    main()
