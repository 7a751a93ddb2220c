"""The Python API behind the ``osallistu server`` commands. Errors are raised from
``sync_server.errors`` (and ``shared_models.errors``); the command line puts them in words."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.orm import Session

from shared_models.budget import BudgetSettingsError, parse_budget_settings
from shared_models.keys import fingerprint, private_bytes
from shared_models.manifest import ManifestProcess
from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.db.migrate import upgrade
from sync_server.errors import DataDirError, UnknownProcess
from sync_server.logevents import log_event, logged_action
from sync_server.services import bundles, devices, enrollment, manifest, processes, replies, stats
from sync_server.services.demo import demo_process
from sync_server.services.log_check import LogCheck, check_log
from sync_server.services.report import IngestReport
from sync_server.settings import SETTINGS_FILE, Settings

__all__ = [
    "add_staff_user",
    "add_voting_codes",
    "collect_stats",
    "create_enrollment_token",
    "import_bundle",
    "init_data_dir",
    "list_staff_users",
    "load_settings",
    "revoke_device",
    "serve",
    "set_staff_password",
    "verify_log",
    "voting_code_process",
    "write_reply",
]


def init_data_dir(path: Path, *, demo: bool = False, database_url: str | None = None) -> dict[str, Any]:
    """Create a server data folder: keys (0600), settings.toml, a migrated database and a first manifest.

    With ``demo`` the test process ``demo`` (every activity, sample settings) is added.
    Refuses a folder that exists and is not empty.
    """
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise DataDirError(f"{path} already exists and is not empty; choose a new folder")
    with logged_action("data_dir.init", dir=str(path), demo=demo):
        (path / "keys").mkdir(parents=True, exist_ok=True)
        os.chmod(path / "keys", 0o700)
        signing = Ed25519PrivateKey.generate()
        _write_secret(path / "keys" / "signing.key", private_bytes(signing))
        _write_secret(path / "keys" / "sealing.key", private_bytes(X25519PrivateKey.generate()))
        lines = ["# Osallistu server settings", 'keys = { signing = "keys/signing.key", sealing = "keys/sealing.key" }']
        if database_url:
            lines.insert(1, f"database_url = {_toml_string(database_url)}")
        (path / SETTINGS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
        settings = load_settings(path)
        keys = settings.load_keys()
        with _sessions(settings, migrate=True) as session:
            if demo:
                processes.save_process(session, keys, demo_process())
            else:
                with session.begin():
                    manifest.publish_manifest(session, keys)
            names = [p["id"] for p in processes.list_processes(session)]
    return {
        "dir": str(path),
        "database_url": settings.database_url,
        "server_key_fingerprint": fingerprint(signing),
        "processes": names,
    }


def load_settings(path: Path, *, database_url: str | None = None) -> Settings:
    return Settings.from_data_dir(Path(path), database_url=database_url)


def create_enrollment_token(settings: Settings, *, name: str, place: str | None = None) -> str:
    with _sessions(settings) as session:
        return enrollment.issue_token(session, settings.load_keys(), name=name, place=place)


def revoke_device(settings: Settings, device_id: str) -> dict[str, Any]:
    """Raises UnknownDevice for a device id that was never enrolled."""
    with _sessions(settings) as session:
        return devices.revoke(session, device_id=device_id)


def import_bundle(settings: Settings, data: bytes, *, source: str) -> IngestReport:
    """Import a USB bundle through the same ingest as HTTP pushes."""
    with _sessions(settings) as session:
        return bundles.import_bundle(session, data=data, source=source)


def write_reply(settings: Settings, device_id: str, path: Path) -> replies.ReplyWritten:
    """Write the signed reply (ack and newest manifest) for an enrolled, not revoked terminal to ``path``."""
    with _sessions(settings) as session:
        return replies.save_reply(session, settings.load_keys(), device_id=device_id, path=path, now=_now())


def add_staff_user(
    settings: Settings, *, email: str, role: str, password: str, name: str | None = None, team: str | None = None
) -> int:
    """Create a staff account (the first admin, typically); returns its id. Audited as the command line."""
    from sync_server.services.staff import add_user

    with _sessions(settings) as session:
        return add_user(session, email=email, role=role, password=password, name=name, team=team, now=_now())


def list_staff_users(settings: Settings) -> list[dict[str, Any]]:
    from sync_server.services.staff import list_users

    with _sessions(settings) as session:
        return list_users(session)


def set_staff_password(settings: Settings, *, email: str, password: str) -> int:
    """Set a staff member's password (no current password needed: whoever runs this holds the data folder)."""
    from sync_server.services.staff import set_password

    with _sessions(settings) as session:
        return set_password(session, email=email, password=password, now=_now())


def voting_code_process(settings: Settings, process_id: str) -> dict[str, Any]:
    """What printing codes for a budget process needs: ``{"id", "title", "voter_salt", "codes"}``
    (``codes``: how many code tags it holds). Raises UnknownProcess, or BudgetSettingsError
    for a process without valid budget settings."""
    with _sessions(settings) as session:
        process = _budget_process(session, process_id)
    budget = parse_budget_settings(process.settings["budget"])
    return {
        "id": process.id,
        "title": dict(process.title),
        "voter_salt": budget.voter_salt,
        "codes": len(budget.code_tags),
    }


def add_voting_codes(settings: Settings, process_id: str, tags: list[str]) -> int:
    """Add voting code tags (salted hashes, never the codes) to a budget process and sign a new
    manifest; returns how many code tags the process holds now."""
    with _sessions(settings) as session:
        process = _budget_process(session, process_id)
        raw = dict(process.settings["budget"])
        grown = parse_budget_settings(raw).with_code_tags(tags)
        budget = {**raw, "code_tags": grown.code_tags}
        updated = ManifestProcess.model_validate(
            {**process.model_dump(), "settings": {**process.settings, "budget": budget}}
        )
        processes.save_process(session, settings.load_keys(), updated)  # logs process.saved
        return len(grown.code_tags)


def _budget_process(session: Session, process_id: str) -> ManifestProcess:
    with session.begin():
        found = next((p for p in processes.list_processes(session) if p["id"] == process_id), None)
    if found is None:
        raise UnknownProcess(f"no process {process_id!r}")
    process = ManifestProcess.model_validate(found)
    if "budget" not in process.activities or "budget" not in process.settings:
        raise BudgetSettingsError(f"process {process_id!r} is not a participatory-budget process")
    return process


def _now() -> datetime:
    return datetime.now(UTC)


def collect_stats(settings: Settings) -> dict[str, Any]:
    with _sessions(settings) as session:
        return stats.collect_stats(session)


def verify_log(settings: Settings) -> LogCheck:
    """Re-verify every stored record and seal from its bytes (read-only; ``services.log_check``)."""
    with _sessions(settings) as session, session.begin():
        result = check_log(session)
    log_event("log.verified", ok=result.ok, signatures=result.signatures)
    return result


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Migrate the database, then serve the HTTP API with uvicorn until stopped.

    With ``workers`` > 1, uvicorn runs that many worker processes on the one socket
    (each with its own engine); on SQLite their write transactions take turns.
    """
    import uvicorn

    from sync_server.app import SETTINGS_ENV, create_app

    if workers < 1:
        raise ValueError("workers must be at least 1")
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    log_event("server.started", host=host, port=port, workers=workers)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", ws="none")
        return
    os.environ[SETTINGS_ENV] = settings.model_dump_json()  # read by each worker's app_from_environment
    uvicorn.run(
        "sync_server.app:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        ws="none",
    )


@contextmanager
def _sessions(settings: Settings, *, migrate: bool = False) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        if migrate:
            upgrade(engine)
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _write_secret(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
