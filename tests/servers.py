"""Real pieces for end-to-end tests: a server child process on a free loopback port,
and a fresh PostgreSQL database per use."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager
from pathlib import Path

import pytest

from provisioning.demo import running_server

PG_ADMIN_URL = os.environ.get("OSALLISTU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
OSALLISTU = [sys.executable, "-m", "provisioning"]


def server_process(directory: Path, *, database_url: str | None = None, port: int | None = None) -> ContextManager[str]:
    """Run ``osallistu server run DIR`` as a child process; yields its base URL."""
    return running_server(directory, port, database_url=database_url)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new PostgreSQL database, dropped afterwards; skips (fails under CI) when none answers."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    name = f"osallistu_e2e_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
