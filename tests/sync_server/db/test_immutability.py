"""The raw record log is append-only: the database itself refuses UPDATE and DELETE."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import DatabaseError

from sync_server.db.models import RawRecord
from tests.sync_server.client import Client


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(update(RawRecord).values(raw="{}"), id="update"),
        pytest.param(delete(RawRecord), id="delete"),
    ],
)
def test_changing_the_raw_log_is_refused_by_the_database(client: Client, engine: Engine, statement: object) -> None:
    terminal = client.enroll()
    client.push_ok(terminal, terminal.batch(1, 5))
    before = client.raw_log()
    with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
        connection.execute(statement)  # type: ignore[call-overload]
    assert client.raw_log() == before and len(before) == 6
