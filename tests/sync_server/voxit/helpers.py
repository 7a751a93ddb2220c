"""Voxit test helpers: records from a fake terminal into the real ingest, a two-camp conversation."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from shared_models import Record, new_record_id
from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.services.demo import STATEMENTS as DEMO_STATEMENTS
from sync_server.services.ingest import ingest_lines
from sync_server.settings import Settings
from tests.sync_server.terminal import FakeTerminal

STATEMENTS = [s["id"] for s in DEMO_STATEMENTS]  # the demo process's seeds


@contextmanager
def session_for(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def push(settings: Settings, terminal: FakeTerminal, records: list[Record]) -> dict[str, int]:
    """Seal ``records`` and ingest them as the terminal's next batch; the counts."""
    seal = terminal.seal(records)
    with session_for(settings) as session, session.begin():
        report = ingest_lines(
            session,
            device_id=terminal.device,
            lines=[seal.raw, *(r.raw for r in records)],
            channel="http",
            source="test",
        )
    return dict(report.counts)


def vote(terminal: FakeTerminal, answers: dict[str, int], *, process: str = "demo", token: str | None = None) -> Record:
    body: dict[str, Any] = {"process": process, "participant": token or new_record_id(), "answers": answers}
    return terminal.record("voxit.vote", body)


def statement(terminal: FakeTerminal, text: str, *, lang: str = "fi", process: str = "demo") -> Record:
    body = {"process": process, "participant": new_record_id(), "text": text, "lang": lang}
    return terminal.record("voxit.statement", body)


def camp_answers(camp: int, rng: random.Random, statements: list[str] = STATEMENTS) -> dict[str, int]:
    """Camp 0 agrees with the first half and disagrees with the second; camp 1 the other way round;
    one answer in ten is a pass."""
    half = len(statements) // 2
    answers = {}
    for index, sid in enumerate(statements):
        leaning = 1 if (index < half) == (camp == 0) else -1
        answers[sid] = 0 if rng.random() < 0.1 else leaning
    return answers
