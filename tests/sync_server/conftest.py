"""Fixtures for the server tests: every database test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sync_server.admin import create_enrollment_token, init_data_dir, load_settings
from sync_server.db.engine import make_engine
from sync_server.settings import Settings
from tests.sync_server.client import Client
from tests.sync_server.servers import server_thread
from tests.sync_server.terminal import FakeTerminal

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TEST_MAX_BATCH = 256 * 1024


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test module, dropped afterwards."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as exc:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({type(exc).__name__}); PostgreSQL cases skipped")
    name = f"osallistu_srv_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for SQLite in the data folder; for PostgreSQL a fresh schema in the module's database."""
    if request.param == "sqlite":
        yield None
        return
    import psycopg

    database = request.getfixturevalue("pg_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}", autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}", autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def server_dir(tmp_path: Path, database_url: str | None) -> Path:
    directory = tmp_path / "server"
    init_data_dir(directory, demo=True, database_url=database_url)
    return directory


@pytest.fixture
def settings(server_dir: Path) -> Settings:
    return load_settings(server_dir).model_copy(update={"max_batch_bytes": TEST_MAX_BATCH})


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """The real app served by uvicorn on a free loopback port."""
    with server_thread(settings) as url:
        yield url


@pytest.fixture
def enrolled(settings: Settings) -> FakeTerminal:
    """A terminal enrolled directly through the service (no HTTP)."""
    return enroll(settings, FakeTerminal())


def enroll(settings: Settings, terminal: FakeTerminal, *, name: str = "Kallio library 1") -> FakeTerminal:
    from sync_server.db.engine import make_sessionmaker
    from sync_server.services.enrollment import enroll_device

    token = create_enrollment_token(settings, name=name, place="Kallio")
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            enroll_device(session, settings.load_keys(), token=token, public_key=terminal.public_key, name=name)
    finally:
        engine.dispose()
    return terminal


@pytest.fixture
def client(settings: Settings, live_server: str) -> Client:
    return Client(live_server, settings)
