"""Schema migrations (alembic), run from code at ``server init`` and at server start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from sync_server.logevents import logged_action

__all__ = ["alembic_config", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; a database already there is left as it is."""
    config = alembic_config()
    database = engine.url.render_as_string(hide_password=True)
    with logged_action("db.migrate", database=database), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
