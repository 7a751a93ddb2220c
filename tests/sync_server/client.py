"""A test client over real HTTP, plus direct looks into the server's database."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from shared_models import Record
from sync_server.admin import create_enrollment_token
from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.db.models import Device, Quarantine, RawRecord, Seal
from sync_server.settings import Settings
from tests.sync_server.staff import make_staff, session_cookies
from tests.sync_server.terminal import FakeTerminal, body_of

PUSH = "/api/v1/push"


@dataclass
class Client:
    url: str
    settings: Settings
    operator: dict[str, str] | None = field(default=None, repr=False)

    def enroll(self, terminal: FakeTerminal | None = None, *, name: str = "Kallio library 1") -> FakeTerminal:
        terminal = terminal or FakeTerminal()
        token = create_enrollment_token(self.settings, name=name, place="Kallio")
        answer = httpx.post(
            f"{self.url}/api/v1/enroll", json={"token": token, "public_key": terminal.public_key, "name": name}
        )
        answer.raise_for_status()
        return terminal

    def push(self, terminal: FakeTerminal, lines: list[Record] | bytes, **header_options: Any) -> httpx.Response:
        body = lines if isinstance(lines, bytes) else body_of(lines)
        return httpx.post(
            f"{self.url}{PUSH}", content=body, headers=terminal.headers("POST", PUSH, body, **header_options)
        )

    def push_ok(self, terminal: FakeTerminal, lines: list[Record] | bytes) -> dict[str, Any]:
        answer = self.push(terminal, lines)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def post_bundle(self, data: bytes) -> httpx.Response:
        """POST a bundle as a signed-in operator (bundles need ``terminals.manage``)."""
        if self.operator is None:
            self.operator = session_cookies(self.url, make_staff(self.settings, role="operator"))
        return httpx.post(
            f"{self.url}/api/v1/bundles",
            content=data,
            headers={"Content-Type": "application/octet-stream"},
            cookies=self.operator,
        )

    def query(self, statement: Any) -> list[Any]:
        engine = make_engine(self.settings.database_url)
        try:
            with make_sessionmaker(engine)() as session:
                return list(session.execute(statement).all())
        finally:
            engine.dispose()

    def raw_log(self) -> set[str]:
        return {row.hash for row in self.query(select(RawRecord.hash))}

    def seals(self) -> list[tuple[str, int, str, bool]]:
        rows = self.query(select(Seal.device, Seal.seq, Seal.hash, Seal.complete).order_by(Seal.device, Seal.seq))
        return [tuple(row) for row in rows]

    def acks(self) -> dict[str, tuple[int, str | None]]:
        return {
            row.id: (row.ack_seq, row.ack_hash)
            for row in self.query(select(Device.id, Device.ack_seq, Device.ack_hash))
        }

    def quarantine_reasons(self) -> list[str]:
        return sorted(row.reason for row in self.query(select(Quarantine.reason)))


def result_for(answer: dict[str, Any], record: Record) -> tuple[str, str | None]:
    found = [r for r in answer["results"] if r["hash"] == record.hash]
    assert found, f"no result for {record.hash}"
    return found[0]["status"], found[0]["reason"]


def tampered(record: Record, **changes: Any) -> bytes:
    """The record's bytes with envelope or body fields changed (signature kept), canonical again."""
    from shared_models import canonical_bytes

    value = json.loads(record.raw)
    body_changes = changes.pop("body", {})
    value.update(changes)
    value["body"] = {**value["body"], **body_changes}
    return canonical_bytes(value)
