"""Fixtures for the Open311 tests: an API key issued through the service, and a real server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from sync_server.services.open311 import issue_key
from tests.sync_server.feedback.helpers import session_of


@pytest.fixture
def api_key(engine: Engine) -> str:
    with session_of(engine) as session:
        return issue_key(session, name="Palautesovellus", now=datetime.now(UTC), issued_by="test")
