"""The audit log: one row per staff action, readable by admins, unchangeable by anyone."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from sync_server.db.models import AuditEntry
from sync_server.services.audit import AUDIT_ACTIONS
from sync_server.settings import Settings
from tests.sync_server.client import Client
from tests.sync_server.staff import csrf_of, make_staff, sign_in_answer, signed_in


def test_staff_actions_write_who_what_when_and_where(settings: Settings, web: str) -> None:
    email = make_staff(settings, role="admin")
    with signed_in(web, email) as admin:
        token = csrf_of(admin.get("/staff/").text)
        admin.post("/staff/sign-out", data={"csrf": token})
        sign_in_answer(admin, email, "a wrong password!")
    entries = Client(web, settings).query(select(AuditEntry).order_by(AuditEntry.id))
    actions = [(e.action, e.staff_email, e.client_ip) for (e,) in entries]
    assert actions == [
        ("user.added", "command line", None),
        ("sign_in.ok", email, "127.0.0.1"),
        ("sign_out", email, "127.0.0.1"),
        ("sign_in.failed", email, "127.0.0.1"),
    ]
    assert all(e.at is not None for (e,) in entries)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("UPDATE audit_log SET action = 'sign_out'", id="update"),
        pytest.param("DELETE FROM audit_log", id="delete"),
    ],
)
def test_the_database_refuses_to_change_or_delete_audit_rows(
    settings: Settings, engine: Engine, statement: str
) -> None:
    make_staff(settings, role="viewer")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 1


def test_the_audit_page_lists_the_newest_entries_first_a_page_at_a_time(settings: Settings, web: str) -> None:
    email = make_staff(settings, role="admin")
    for _ in range(3):
        with signed_in(web, email):
            pass
    with signed_in(web, email) as admin:
        page = admin.get("/staff/audit")
        assert page.status_code == 200
        assert page.text.index("sign_in.ok") < page.text.index("user.added")
        assert "Sivu 1/1 (5 merkintää)" in page.text
        assert admin.get("/staff/audit?page=99").status_code == 200


def test_every_audit_action_has_a_one_line_meaning() -> None:
    for action, meaning in AUDIT_ACTIONS.items():
        assert meaning and "\n" not in meaning, action
