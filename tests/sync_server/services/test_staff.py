"""The staff service on its own: rehash on sign-in, back-off schedule, role table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from sync_server.db.engine import make_sessionmaker
from sync_server.db.models import StaffUser
from sync_server.services import staff

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


def test_a_hash_made_with_older_parameters_is_replaced_at_sign_in(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = make_sessionmaker(engine)
    monkeypatch.setattr(staff, "HASHER", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    with sessions() as session:
        staff.add_user(session, email="a@example.fi", role="viewer", password=PASSWORD, now=NOW)
    monkeypatch.setattr(staff, "HASHER", PasswordHasher())
    with sessions() as session:
        old = session.scalar(select(StaffUser.password_hash))
        session.rollback()
        staff.sign_in(session, email="a@example.fi", password=PASSWORD, now=NOW)
        new = session.scalar(select(StaffUser.password_hash))
    assert old and new and old != new and "m=8192" in old and new.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(new)


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [
        pytest.param(4, 0, id="four_failures"),
        pytest.param(5, 60, id="five_failures"),
        pytest.param(6, 120, id="six_failures"),
        pytest.param(10, 1920, id="ten_failures"),
        pytest.param(11, 3600, id="capped_at_an_hour"),
        pytest.param(1000, 3600, id="still_capped"),
    ],
)
def test_the_lock_doubles_per_failure_up_to_an_hour(failures: int, seconds: int) -> None:
    assert staff.lock_seconds(failures) == seconds


def test_every_role_has_only_declared_permissions_and_admin_has_all() -> None:
    assert set(staff.PERMISSIONS) == set(staff.ROLES)
    for role, permissions in staff.PERMISSIONS.items():
        assert permissions <= set(staff.PERMISSION_MEANINGS), role
    assert staff.PERMISSIONS["admin"] == frozenset(staff.PERMISSION_MEANINGS)
    assert "terminals.manage" not in staff.PERMISSIONS["viewer"]
