"""Ingest throughput: simulated terminals push sealed batches over HTTP.

Several terminals (threads, one httpx client each) push pre-built sealed batches
to a real server (``osallistu server run`` in a child process) on SQLite and, when
it answers, on PostgreSQL. The peer figure is the bare Ed25519 verify rate of this
machine, measured in the same run: one signature check per seal (not per record)
is what lets ingest outrun it. After each ingest, ``osallistu server verify`` re-checks every
stored record's own signature; its rate (whole command, start-up included) is printed against
the same bare rate, which bounds it.

Last line: ``ingest_per_s=<n> verify_per_s=<n> ratio=<ingest/verify>`` (SQLite).
Run: ``.venv/bin/python bench/ingest.py [--terminals 4] [--records 5000]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from provisioning.demo import running_server
from shared_models import device_id_for, genesis_prev, make_record, make_seal, sign_record
from shared_models.keys import public_b64
from shared_models.wire import encode_batch, sign_request

OSALLISTU = [sys.executable, "-m", "provisioning"]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def bare_verify_rate(n: int = 4000) -> float:
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    messages = [os.urandom(200) for _ in range(n)]
    signatures = [key.sign(m) for m in messages]
    start = time.perf_counter()
    for message, signature in zip(messages, signatures, strict=True):
        public.verify(signature, message)
    return n / (time.perf_counter() - start)


def make_batches(
    key: Ed25519PrivateKey, manifest: dict[str, Any], records: int, seal_size: int, per_push: int
) -> list[bytes]:
    """A terminal's whole history as push bodies: seals of ``seal_size`` ballots, ``per_push`` records a push."""
    rng = random.Random(device_id_for(key))
    process = next(p for p in manifest["processes"] if "budget" in p["activities"])
    budget = process["settings"]["budget"]
    salt = bytes.fromhex(budget["voter_salt"])
    device, today = device_id_for(key), date.today()
    prev, pushes, lines = genesis_prev(key), [], []
    for seq, start in enumerate(range(0, records, seal_size), start=1):
        ballots = []
        for i in range(start, min(start + seal_size, records)):
            district = rng.choice(budget["districts"])
            projects = sorted(p["id"] for p in rng.sample(district["projects"], 1))
            body = {
                "process": process["id"],
                "district": district["id"],
                "voter": hashlib.sha256(salt + f"{device}-{i}".encode()).hexdigest(),
                "projects": projects,
                "assisted": False,
            }
            ballots.append(sign_record(make_record("budget.ballot", body, device=device, day=today), key))
        seal = make_seal(key, seq=seq, prev=prev, record_hashes=[b.hash for b in ballots], day=today)
        prev = seal.hash
        lines.extend([seal, *ballots])
        if sum(1 for r in lines if r.kind != "kiosk.seal") >= per_push:
            pushes.append(encode_batch(lines))
            lines = []
    if lines:
        pushes.append(encode_batch(lines))
    return pushes


@contextmanager
def server(database_url: str | None) -> Iterator[tuple[str, Path]]:
    with tempfile.TemporaryDirectory(prefix="osallistu-bench-") as tmp:
        directory = Path(tmp) / "server"
        init = [*OSALLISTU, "server", "init", str(directory), "--demo"]
        if database_url:
            init += ["--database-url", database_url]
        subprocess.run(init, check=True, capture_output=True)
        with running_server(directory, database_url=database_url) as url:
            yield url, directory


def enroll(url: str, directory: Path, name: str, key: Ed25519PrivateKey) -> None:
    out = subprocess.run(
        [*OSALLISTU, "server", "enroll-token", str(directory), "--name", name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    token = out.strip().splitlines()[-1]
    answer = httpx.post(f"{url}/api/v1/enroll", json={"token": token, "public_key": public_b64(key), "name": name})
    answer.raise_for_status()


def push_all(url: str, key: Ed25519PrivateKey, pushes: list[bytes], errors: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=120) as client:
        for body in pushes:
            headers = sign_request(key, "POST", "/api/v1/push", body, timestamp=int(time.time()))
            headers["Content-Type"] = "application/x-ndjson"
            answer = client.post("/api/v1/push", content=body, headers=headers)
            if answer.status_code != 200:
                errors.append(f"{answer.status_code} {answer.text[:200]}")
                return
            results = answer.json()["results"]
            bad = [r for r in results if r["status"] != "accepted"]
            if bad:
                errors.append(f"not accepted: {bad[:3]}")
                return


def measure(database_url: str | None, terminals: int, records: int) -> tuple[float, float]:
    """Ingest rate (records/s over HTTP), then the audit rate of ``server verify`` (signatures/s, whole command)."""
    with server(database_url) as (url, directory):
        manifest = json.loads(httpx.get(f"{url}/api/v1/manifest").content)
        keys = [Ed25519PrivateKey.generate() for _ in range(terminals)]
        for i, key in enumerate(keys):
            enroll(url, directory, f"bench terminal {i + 1}", key)
        work = [make_batches(key, manifest, records, seal_size=50, per_push=1000) for key in keys]
        errors: list[str] = []
        threads = [
            threading.Thread(target=push_all, args=(url, key, pushes, errors))
            for key, pushes in zip(keys, work, strict=True)
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        if errors:
            raise SystemExit(f"ingest failed: {errors[0]}")
        start = time.perf_counter()
        audit = subprocess.run(
            [*OSALLISTU, "server", "verify", str(directory), "--json"], capture_output=True, text=True, check=False
        )
        audit_s = time.perf_counter() - start
        report = json.loads(audit.stdout)
        if audit.returncode != 0 or not report["ok"]:
            raise SystemExit(f"server verify failed after ingest: {audit.stderr or report['devices']}")
        return terminals * records / elapsed, (report["records"] + report["seals"]) / audit_s


@contextmanager
def postgres_database() -> Iterator[str | None]:
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as exc:  # no server: the SQLite figure still stands
        print(f"postgresql: skipped ({exc.__class__.__name__}: not reachable at 127.0.0.1:5432)")
        yield None
        return
    name = f"osallistu_bench_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=4)
    parser.add_argument("--records", type=int, default=5000, help="ballots per terminal")
    args = parser.parse_args()
    verify = bare_verify_rate()
    print(f"bare Ed25519 verify: {verify:,.0f}/s")
    with postgres_database() as url:
        if url:
            rate, audit = measure(url, args.terminals, args.records)
            print(f"postgresql: ingest_per_s={rate:.0f} ratio={rate / verify:.2f}")
            print(f"postgresql: audit_per_s={audit:.0f} audit_ratio={audit / verify:.2f}")
    rate, audit = measure(None, args.terminals, args.records)
    print(f"sqlite: ingest_per_s={rate:.0f} ratio={rate / verify:.2f}")
    print(f"sqlite: audit_per_s={audit:.0f} audit_ratio={audit / verify:.2f} (server verify: every record's signature)")
    print(f"ingest_per_s={rate:.0f} verify_per_s={verify:.0f} ratio={rate / verify:.2f}")


if __name__ == "__main__":
    main()
