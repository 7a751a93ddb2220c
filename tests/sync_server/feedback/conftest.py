"""Fixtures for the feedback tests: responders with a team, a dispatcher, a movable clock and a real server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.services.staff import add_user
from sync_server.settings import Settings
from tests.sync_server.servers import server_thread
from tests.sync_server.staff import PASSWORD


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 29, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def web(settings: Settings, clock: FakeClock) -> Iterator[str]:
    """The real app on a free loopback port, with the test's clock."""
    with server_thread(settings, clock=clock) as url:
        yield url


def make_member(settings: Settings, *, role: str, team: str | None = None, name: str | None = None) -> str:
    """A staff account (with a team for responders) made through the service; returns its email."""
    email = f"{role}-{team or 'x'}-{uuid.uuid4().hex[:6]}@example.fi"
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            add_user(
                session,
                email=email,
                role=role,
                team=team,
                password=PASSWORD,
                now=datetime.now(UTC),
                name=name or role.title(),
            )
    finally:
        engine.dispose()
    return email
