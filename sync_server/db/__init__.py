"""Storage: SQLAlchemy models, engines and sessions, repository functions, migrations."""

from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.db.migrate import upgrade

__all__ = ["make_engine", "make_sessionmaker", "upgrade"]
