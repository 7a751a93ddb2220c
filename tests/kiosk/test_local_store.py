"""The local store: migrations, durability settings, storage order, no deletes; the key file."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kiosk_factories import TODAY, make_feedback

from kiosk.capture import capture
from kiosk.errors import KeyFileError
from kiosk.keystore import create_device_key, key_path, load_device_key
from kiosk.store import MIGRATIONS, LocalStore
from shared_models import device_id_for


def test_migrations_are_recorded_and_applied_once(tmp_path: Path) -> None:
    with LocalStore.open(tmp_path / "kiosk.db") as first:
        assert first.applied_migrations() == sorted(m.__name__ for m in MIGRATIONS)
        first.set_meta("device", "tabc")
    with LocalStore.open(tmp_path / "kiosk.db") as again:
        assert again.migrate() == []
        assert again.applied_migrations() == sorted(m.__name__ for m in MIGRATIONS)
        assert again.get_meta("device") == "tabc"


def test_file_store_uses_wal_and_full_sync(tmp_path: Path) -> None:
    with LocalStore.open(tmp_path / "kiosk.db") as store:
        assert store.pragma("journal_mode") == "wal"
        assert store.pragma("synchronous") == 2  # FULL


def test_records_table_has_no_rowid_so_disk_order_is_hash_order(fresh_store: LocalStore) -> None:
    sql = fresh_store.db.execute("SELECT sql FROM sqlite_master WHERE name = 'records'").fetchone()[0]
    assert "WITHOUT ROWID" in sql
    with pytest.raises(sqlite3.OperationalError):
        fresh_store.db.execute("SELECT rowid FROM records")


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("DELETE FROM records", id="delete-records"),
        pytest.param("DELETE FROM seals", id="delete-seals"),
        pytest.param("UPDATE records SET raw = 'x'", id="rewrite-record"),
    ],
)
def test_store_refuses_to_delete_or_rewrite(
    manifest_store: LocalStore, device_key: Ed25519PrivateKey, statement: str
) -> None:
    capture(manifest_store, device_key, "feedback.item", make_feedback(), today=TODAY)
    from kiosk.sealing import seal_pending

    seal_pending(manifest_store, device_key, manifest_store.manifest(), force=True, today=TODAY)
    with pytest.raises(sqlite3.IntegrityError, match="never"), manifest_store.atomic():
        manifest_store.db.execute(statement)
    assert manifest_store.counts() == {"pending": 0, "sealed": 1, "acknowledged": 0}


def test_atomic_block_rolls_back_everything_on_error(fresh_store: LocalStore) -> None:
    with pytest.raises(RuntimeError), fresh_store.atomic():
        fresh_store.set_meta("a", 1)
        raise RuntimeError("citizen walked away")
    assert fresh_store.get_meta("a") is None


def test_key_file_is_created_0600_and_loads(tmp_path: Path) -> None:
    key = create_device_key(tmp_path)
    assert os.stat(key_path(tmp_path)).st_mode & 0o777 == 0o600
    assert device_id_for(load_device_key(tmp_path)) == device_id_for(key)


def test_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    create_device_key(tmp_path)
    with pytest.raises(KeyFileError, match="never overwritten"):
        create_device_key(tmp_path)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644], ids=["group-readable", "world-readable", "both"])
def test_key_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    create_device_key(tmp_path)
    os.chmod(key_path(tmp_path), mode)
    with pytest.raises(KeyFileError) as refused:
        load_device_key(tmp_path)
    assert refused.value.reason == "key_insecure"
