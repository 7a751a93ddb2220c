"""Feedback records as a terminal makes them (contact sealed to the server key, bound to the record id),
pushed through the real ingest, and staff members as the services see them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared_models import Record, new_record_id, seal_to
from sync_server.db.engine import make_sessionmaker
from sync_server.services.ingest import ingest_lines
from sync_server.services.report import IngestReport
from sync_server.services.staff import Staff
from sync_server.settings import Settings
from tests.sync_server.terminal import PROCESS, FakeTerminal

CONTACT = {"name": "Maija Meikäläinen", "email": "maija@example.fi", "phone": "+358 40 123 4567"}


def feedback_record(
    terminal: FakeTerminal,
    settings: Settings,
    *,
    message: str = "Puistonpenkki on rikki Kallion puistossa",
    topic: str = "parks",
    place: str | None = "kallio",
    contact: dict[str, str] | None = None,
    broken_contact: bool = False,
    process: str = PROCESS,
    lang: str = "fi",
) -> Record:
    """A ``feedback.item`` record; with ``contact`` the details are sealed and a reply is wanted."""
    record_id = new_record_id()
    body: dict[str, Any] = {"process": process, "topic": topic, "message": message, "lang": lang}
    if place is not None:
        body["place"] = place
    if contact is not None:
        recipient = settings.load_keys().sealing.public_key()
        box = seal_to(recipient, json.dumps(contact, sort_keys=True).encode(), context=record_id.encode())
        if broken_contact:
            box["epk"] = "AAAA"  # not a 32-byte key: a box that cannot be well-formed
        body["contact"] = box
        body["wants_reply"] = True
    return terminal.record("feedback.item", body, record_id=record_id)


def push(session: Session, terminal: FakeTerminal, records: list[Record]) -> IngestReport:
    """One seal over ``records``, ingested in one transaction as an HTTP push would be."""
    seal = terminal.seal(records)
    with session.begin():
        return ingest_lines(
            session, device_id=terminal.device, lines=[r.raw for r in [seal, *records]], channel="http", source="test"
        )


@contextmanager
def session_of(engine: Engine) -> Iterator[Session]:
    with make_sessionmaker(engine)() as session:
        yield session


@dataclass(frozen=True)
class Suggestion:
    label: str
    confidence: float
    top3: list[tuple[str, float]]


@dataclass
class KeywordRouter:
    """A stand-in for a trained router in service tests: a fixed answer per keyword (the real,
    trained router is tested in ``test_routing_e2e``)."""

    rules: dict[str, tuple[str, float]]
    label_name: str = "topic"

    def suggest(self, texts: list[str]) -> list[Suggestion]:
        out = []
        for text in texts:
            label, confidence = next(
                (answer for word, answer in self.rules.items() if word in text.lower()), ("streets", 0.2)
            )
            out.append(Suggestion(label, confidence, [(label, confidence), ("waste", 0.1), ("parks", 0.05)]))
        return out


def staff_member(user_id: int, *, role: str, team: str | None = None, email: str | None = None) -> Staff:
    return Staff(
        id=user_id,
        email=email or f"{role}{user_id}@example.fi",
        name=role.title(),
        role=role,
        team=team,
        token_hash="0" * 64,
        csrf="x",
    )
