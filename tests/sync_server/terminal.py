"""A fake terminal made only of shared_models: a key, records of every kind, seals, batches, bundles."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared_models import Record, device_id_for, genesis_prev, make_record, make_seal, new_record_id, sign_record
from shared_models.keys import public_b64
from shared_models.wire import encode_batch, sign_request, write_bundle

DAY = "2026-11-28"
PROCESS = "demo"


@dataclass
class FakeTerminal:
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    seq: int = 0
    prev: str = ""
    counter: int = 0

    def __post_init__(self) -> None:
        self.prev = genesis_prev(self.key)

    @property
    def device(self) -> str:
        return device_id_for(self.key)

    @property
    def public_key(self) -> str:
        return public_b64(self.key)

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def record(self, kind: str, body: dict[str, Any], *, record_id: str | None = None) -> Record:
        return sign_record(make_record(kind, body, device=self.device, day=DAY, record_id=record_id), self.key)

    def ballot(self, **overrides: Any) -> Record:
        n = self._next()
        body = {
            "process": PROCESS,
            "district": "keskinen",
            "voter": hashlib.sha256(f"{self.device}-{n}".encode()).hexdigest(),
            "projects": ["kallio-benches"],
            **overrides,
        }
        return self.record("budget.ballot", body)

    def vote(self) -> Record:
        participant = new_record_id()
        return self.record(
            "voxit.vote", {"process": PROCESS, "participant": participant, "answers": {"s1": 1, "s2": -1}}
        )

    def statement(self) -> Record:
        body = {
            "process": PROCESS,
            "participant": new_record_id(),
            "text": f"Lisää penkkejä {self._next()}",
            "lang": "fi",
        }
        return self.record("voxit.statement", body)

    def feedback(self) -> Record:
        body = {"process": PROCESS, "topic": "parks", "message": f"Puisto on hieno {self._next()}", "lang": "fi"}
        return self.record("feedback.item", body)

    def event(self) -> Record:
        body = {"at": f"{DAY}T10:{self._next() % 60:02d}:00Z", "event": "librarian.signed_in", "detail": {}}
        return self.record("kiosk.event", body)

    def citizen_records(self, n: int = 5) -> list[Record]:
        """``n`` records cycling through every kind."""
        makers = [self.ballot, self.vote, self.statement, self.feedback, self.event]
        return [makers[i % len(makers)]() for i in range(n)]

    def seal(self, records: list[Record], *, seq: int | None = None, prev: str | None = None) -> Record:
        """The next seal of the chain over ``records`` (or an explicit seq/prev, for tampering)."""
        seal = make_seal(
            self.key,
            seq=self.seq + 1 if seq is None else seq,
            prev=self.prev if prev is None else prev,
            record_hashes=[r.hash for r in records],
            day=DAY,
        )
        if seq is None and prev is None:
            self.seq, self.prev = seal.body["seq"], seal.hash
        return seal

    def sealed(self, n: int = 5) -> list[Record]:
        """A new seal followed by the ``n`` records it covers."""
        records = self.citizen_records(n)
        return [self.seal(records), *records]

    def batch(self, seals: int = 2, per_seal: int = 5) -> list[Record]:
        lines: list[Record] = []
        for _ in range(seals):
            lines.extend(self.sealed(per_seal))
        return lines

    def bundle(self, records: list[Record]) -> bytes:
        return write_bundle(self.key, records, created=f"{DAY}T12:00:00Z")

    def headers(self, method: str, path: str, body: bytes, *, skew: int = 0, pending: int | None = 0) -> dict[str, str]:
        headers = sign_request(self.key, method, path, body, timestamp=int(time.time()) + skew)
        headers["Content-Type"] = "application/x-ndjson"
        if pending is not None:
            headers["X-Osallistu-Pending"] = str(pending)
        return headers


def body_of(records: list[Record]) -> bytes:
    return encode_batch(records)
