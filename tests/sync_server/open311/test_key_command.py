"""``osallistu server open311-key DIR NAME`` as a real process: the key alone on the last line,
usable at once, stored hashed, audited; the intake device enrolled."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from sync_server.admin import load_settings
from sync_server.db.engine import make_engine
from sync_server.db.models import AuditEntry, Device, Open311Key
from sync_server.services.open311 import check_key
from tests.servers import OSALLISTU
from tests.sync_server.feedback.helpers import session_of


def test_open311_key_prints_a_key_that_works_and_is_stored_only_hashed(tmp_path: Path) -> None:
    directory = tmp_path / "server"
    assert (
        subprocess.run([*OSALLISTU, "server", "init", str(directory)], capture_output=True, timeout=120).returncode == 0
    )
    issued = subprocess.run(
        [*OSALLISTU, "server", "open311-key", str(directory), "Palautesovellus"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert issued.returncode == 0, issued.stderr
    key = issued.stdout.splitlines()[-1]
    assert key.startswith("o311_") and len(key) > 40
    engine = make_engine(load_settings(directory).database_url)
    try:
        with session_of(engine) as session:
            assert check_key(session, key, now=datetime.now(UTC)) == "Palautesovellus"
            assert check_key(session, key + "x", now=datetime.now(UTC)) is None
            with session.begin():
                assert [row.name for row in session.scalars(select(Open311Key))] == ["Palautesovellus"]
                assert key not in str([row.key_hash for row in session.scalars(select(Open311Key))])
                assert session.scalar(select(AuditEntry.action).where(AuditEntry.target == "Palautesovellus")) == (
                    "open311.key_issued"
                )
                assert session.scalar(select(Device.name).where(Device.name == "Open311")) == "Open311"
    finally:
        engine.dispose()
    assert (directory / "keys" / "open311.key").stat().st_mode & 0o077 == 0
