"""Fixtures for the staff web tests: a movable clock and a real server that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sync_server.settings import Settings
from tests.sync_server.servers import server_thread


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 28, 10, 0, tzinfo=UTC))

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


@pytest.fixture
def browser(web: str) -> Iterator[httpx.Client]:
    """An httpx client with a cookie jar (not signed in), like a browser."""
    with httpx.Client(base_url=web) as client:
        yield client
