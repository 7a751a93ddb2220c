"""Factories for the terminal tests: manifests, bodies, and a fake sync server.

``FakeServer`` answers the HTTP API of docs/design.md through
``httpx.MockTransport`` with just enough of the real ingest (chain check, records
accepted when a held seal lists them, ack = highest complete seal) to test the
terminal against; failures are injected per push request.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.store import LocalStore
from shared_models import BadSignature, Record, device_id_for, parse_record, sign_manifest, verify_chain
from shared_models.keys import ed25519_public_from_b64, public_b64
from shared_models.wire import make_enrollment_token, split_batch, verify_request

SERVER_URL = "http://osallistu.test"
TODAY = date(2026, 11, 28)
PIN = "2468"

DEMO_SETTINGS: dict[str, Any] = {
    "budget": {
        "voter_salt": "00112233445566778899aabbccddeeff",
        "districts": [
            {
                "id": "kallio",
                "name": {"fi": "Kallio", "sv": "Berghäll", "en": "Kallio"},
                "budget": 50_000_000,
                "projects": [
                    {"id": "k1", "cost": 12_000_000, "title": {"fi": "Puisto", "sv": "Park", "en": "Park"}},
                    {"id": "k2", "cost": 30_000_000, "title": {"fi": "Uimala", "sv": "Simhall", "en": "Pool"}},
                    {"id": "k3", "cost": 20_000_000, "title": {"fi": "Valot", "sv": "Ljus", "en": "Lights"}},
                    {"id": "k4", "cost": 8_000_000, "title": {"fi": "Penkit", "sv": "Bänkar", "en": "Benches"}},
                ],
            },
            {
                "id": "vuosaari",
                "name": {"fi": "Vuosaari", "sv": "Nordsjö", "en": "Vuosaari"},
                "budget": 40_000_000,
                "projects": [
                    {"id": "v1", "cost": 25_000_000, "title": {"fi": "Ranta", "sv": "Strand", "en": "Beach"}},
                    {"id": "v2", "cost": 15_000_000, "title": {"fi": "Kenttä", "sv": "Plan", "en": "Field"}},
                ],
            },
        ],
    },
    "voxit": {
        "allow_proposals": True,
        "statements": [
            {"id": "s1", "text": {"fi": "Lisää puita", "sv": "Fler träd", "en": "More trees"}},
            {"id": "s2", "text": {"fi": "Vähemmän autoja", "sv": "Färre bilar", "en": "Fewer cars"}},
            {"id": "s3", "text": {"fi": "Kirjasto auki sunnuntaisin", "sv": "Bibliotek", "en": "Library on Sundays"}},
        ],
    },
    "feedback": {
        "topics": [
            {"id": "streets", "name": {"fi": "Kadut", "sv": "Gator", "en": "Streets"}},
            {"id": "parks", "name": {"fi": "Puistot", "sv": "Parker", "en": "Parks"}},
        ],
        "places": [{"id": "kallio", "name": {"fi": "Kallio", "sv": "Berghäll", "en": "Kallio"}}],
    },
}


def make_process(
    process_id: str = "demo",
    *,
    test: bool = True,
    status: str = "open",
    min_seal: int = 5,
    activities: tuple[str, ...] = ("budget", "voxit", "feedback"),
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": process_id,
        "title": {"fi": process_id, "sv": process_id, "en": process_id},
        "activities": list(activities),
        "test": test,
        "status": status,
        "min_seal": min_seal,
        "settings": DEMO_SETTINGS if settings is None else settings,
    }


def make_manifest(
    signing: Ed25519PrivateKey,
    sealing: X25519PrivateKey,
    processes: list[dict[str, Any]] | None = None,
    *,
    serial: int = 1,
) -> bytes:
    content = {
        "serial": serial,
        "issued": "2026-11-28T08:00:00Z",
        "sealing_key": public_b64(sealing),
        "processes": processes if processes is not None else [make_process()],
    }
    return sign_manifest(content, signing)


def make_ballot(process: str = "demo", *, voter: int = 0, projects: list[str] | None = None) -> dict[str, Any]:
    return {
        "process": process,
        "district": "kallio",
        "voter": f"{voter:064x}",
        "projects": sorted(projects if projects is not None else ["k1", "k4"]),
    }


def make_feedback(process: str = "demo") -> dict[str, Any]:
    return {"process": process, "topic": "streets", "message": "Katuvalo on rikki.", "lang": "fi"}


def install_manifest(store: LocalStore, server: FakeServer, raw: bytes | None = None) -> None:
    """Make ``store`` hold the server's manifest and pinned key, as enrollment would."""
    from shared_models import verify_manifest

    raw = raw if raw is not None else server.manifest_raw
    store.set_meta("server_key", public_b64(server.signing))
    store.set_meta("sealing_key", public_b64(server.sealing))
    store.add_manifest(raw, verify_manifest(raw, server.signing.public_key()))


def server_time_text(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


PushFault = int | type[httpx.TransportError] | None


class FakeServer:
    """An in-memory stand-in for the sync server, for one or more devices."""

    def __init__(self, *, processes: list[dict[str, Any]] | None = None) -> None:
        self.signing = Ed25519PrivateKey.generate()
        self.sealing = X25519PrivateKey.generate()
        self.manifest_raw = make_manifest(self.signing, self.sealing, processes)
        self.token = make_enrollment_token(self.signing)
        self.used_tokens: set[str] = set()
        self.devices: dict[str, Ed25519PublicKey] = {}
        self.seals: dict[str, list[Record]] = {}
        self.records: dict[str, dict[str, Record]] = {}
        self.push_faults: deque[PushFault] = deque()
        self.push_bodies: list[bytes] = []
        self.requests: list[str] = []
        self.clock: Callable[[], float] = time.time
        self.answer_key: Ed25519PrivateKey | None = None  # answer enrollment with another key (an impostor)

    # ------------------------------------------------------------ setup

    def register(self, key: Ed25519PublicKey) -> str:
        device = device_id_for(key)
        self.devices[device] = key
        self.seals.setdefault(device, [])
        self.records.setdefault(device, {})
        return device

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle), base_url=SERVER_URL)

    def ack(self, device: str) -> tuple[int, str | None]:
        held = self.records[device]
        seq, head = 0, None
        for seal in self.seals[device]:
            if not all(h in held for h in seal.body["records"]):
                break
            seq, head = seal.body["seq"], seal.hash
        return seq, head

    # ------------------------------------------------------------ HTTP

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(f"{request.method} {path}")
        if path == "/api/v1/health":
            return httpx.Response(200, json={"ok": True, "time": server_time_text(self.clock())})
        if path == "/api/v1/manifest":
            return httpx.Response(200, content=self.manifest_raw)
        if path == "/api/v1/enroll":
            return self._enroll(json.loads(request.content))
        device = request.headers.get("X-Osallistu-Device", "")
        if device not in self.devices:
            return httpx.Response(401, json={"error": "unknown_device", "message": "this terminal is not enrolled"})
        try:
            verify_request(
                self.devices[device], request.method, path, request.content, request.headers, now=int(self.clock())
            )
        except BadSignature as exc:
            body = {"error": exc.reason, "message": exc.message, "server_time": server_time_text(self.clock())}
            return httpx.Response(401, json=body)
        if path == f"/api/v1/devices/{device}/ack":
            seq, head = self.ack(device)
            return httpx.Response(200, json={"seq": seq, "hash": head})
        if path == "/api/v1/push":
            if self.push_faults:
                fault = self.push_faults.popleft()
                if isinstance(fault, int):
                    return httpx.Response(fault, json={"error": "unavailable", "message": "try later"})
                if fault is not None:
                    raise fault("the line dropped", request=request)
            self.push_bodies.append(request.content)
            return httpx.Response(200, json=self._ingest(device, request.content))
        return httpx.Response(404, json={"error": "not_found", "message": path})

    def _enroll(self, body: dict[str, Any]) -> httpx.Response:
        if body["token"] != self.token or body["token"] in self.used_tokens:
            return httpx.Response(403, json={"error": "token_used", "message": "the token is used or unknown"})
        self.used_tokens.add(body["token"])
        device = self.register(ed25519_public_from_b64(body["public_key"]))
        answer_key = self.answer_key or self.signing
        manifest = self.manifest_raw if self.answer_key is None else make_manifest(answer_key, self.sealing)
        return httpx.Response(
            200,
            json={
                "device": device,
                "server_key": public_b64(answer_key),
                "sealing_key": public_b64(self.sealing),
                "manifest": manifest.decode(),
            },
        )

    def _ingest(self, device: str, body: bytes) -> dict[str, Any]:
        key, seals, held = self.devices[device], self.seals[device], self.records[device]
        results = []
        for line in split_batch(body):
            record = parse_record(line)
            status, reason = "accepted", None
            if record.kind == "kiosk.seal":
                if any(s.hash == record.hash for s in seals):
                    status = "duplicate"
                else:
                    head = seals[-1].hash if seals else None
                    report = verify_chain(key, [record], set(), head_seq=len(seals), head_hash=head)
                    if report.verified:
                        seals.append(record)
                    else:
                        problem = report.refused[0][1]
                        status = "rejected" if problem.reason == "seal_gap" else "quarantined"
                        reason = problem.reason
            elif record.hash in held:
                status = "duplicate"
            elif any(record.hash in s.body["records"] for s in seals):
                held[record.hash] = record
            else:
                status, reason = "rejected", "not_in_seal"
            results.append(
                {"hash": record.hash, "id": record.id, "kind": record.kind, "status": status, "reason": reason}
            )
        seq, head = self.ack(device)
        return {"results": results, "ack": {"seq": seq, "hash": head}, "server_time": server_time_text(self.clock())}
