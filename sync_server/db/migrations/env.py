"""Alembic environment: migrations run on the connection passed in by ``sync_server.db.migrate``."""

from __future__ import annotations

from alembic import context

from sync_server.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through sync_server.db.migrate.upgrade, which passes a connection")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
