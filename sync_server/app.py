"""``create_app(settings)``: the FastAPI application, its engine and its keys.

``app_from_environment`` is the same app for uvicorn's worker processes: ``serve``
hands the settings it was given to its workers in ``SETTINGS_ENV`` (JSON), since a
worker process imports the app by name rather than receiving it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from sync_server.api import api_router, open311
from sync_server.api.errors import install_error_handlers
from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.services import voxit_worker
from sync_server.settings import Settings
from sync_server.web import install_web

__all__ = ["SETTINGS_ENV", "app_from_environment", "create_app"]

SETTINGS_ENV = "OSALLISTU_SERVER_SETTINGS"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = _utc_now,
    voxit_interval: float | None = voxit_worker.DEFAULT_INTERVAL,
) -> FastAPI:
    """The app for one data folder: the JSON API under ``/api/v1`` and the staff pages under ``/staff``.

    The database must already be migrated (``serve`` and ``init`` do that). ``clock`` gives
    the staff pages' "now" (session expiry, sign-in back-off); tests pass their own.
    ``voxit_interval``: seconds between the background analyses of Voxit conversations
    (``services.voxit_worker``); None runs none."""
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if voxit_interval is not None:
            worker = voxit_worker.VoxitWorker(
                app.state.sessions, app.state.keys, data_dir=settings.data_dir, interval=voxit_interval, clock=clock
            )
            if not worker.start():
                worker = None
        app.state.voxit_worker = worker
        yield
        if worker is not None:
            worker.stop()
        engine.dispose()

    app = FastAPI(title="Osallistu sync server", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.keys = settings.load_keys()
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.clock = clock
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(open311.router)
    install_web(app)
    return app


def app_from_environment() -> FastAPI:
    """The app for the settings ``serve`` put in ``SETTINGS_ENV`` (uvicorn ``factory=True``)."""
    text = os.environ.get(SETTINGS_ENV)
    if not text:
        raise RuntimeError(f"{SETTINGS_ENV} is not set; start the server with 'osallistu server run'")
    return create_app(Settings.model_validate_json(text))
