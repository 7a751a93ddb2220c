"""``/staff/open311/keys`` over real HTTP: an admin issues a key (shown once), the key works, a
revoked key is refused; other roles are refused the page; both actions are audited."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import Engine, select

from sync_server.db.models import AuditEntry, Device
from sync_server.settings import Settings
from tests.sync_server.feedback.helpers import session_of
from tests.sync_server.staff import csrf_of, make_staff, signed_in

KEY = re.compile(r'id="new-key" readonly value="(o311_[^"]+)"')


def post_feedback(url: str, key: str) -> int:
    answer = httpx.post(
        f"{url}/open311/v2/requests.json",
        data={"api_key": key, "service_code": "parks", "description": "Penkki rikki"},
        timeout=30,
    )
    return answer.status_code


def test_an_admin_issues_a_key_shown_once_and_revokes_it(live_server: str, settings: Settings, engine: Engine) -> None:
    admin = make_staff(settings, role="admin")
    with signed_in(live_server, admin) as client:
        page = client.get("/staff/open311/keys")
        assert page.status_code == 200
        issued = client.post("/staff/open311/keys", data={"csrf": csrf_of(page.text), "name": "Palautesovellus"})
        assert issued.status_code == 201
        match = KEY.search(issued.text)
        assert match is not None
        key = match.group(1)
        with session_of(engine) as session, session.begin():  # enrolled before the first POST needs it
            assert session.scalar(select(Device.name).where(Device.name == "Open311")) == "Open311"
        again = client.get("/staff/open311/keys")
        assert key not in again.text and "Palautesovellus" in again.text
        assert post_feedback(live_server, key) == 200

        refused = client.post("/staff/open311/keys", data={"csrf": csrf_of(again.text), "name": "  "})
        assert refused.status_code == 400

        key_id = re.search(r'action="/staff/open311/keys/(\d+)/revoke"', again.text)
        assert key_id is not None
        revoked = client.post(f"/staff/open311/keys/{key_id.group(1)}/revoke", data={"csrf": csrf_of(again.text)})
        assert revoked.status_code == 200
        assert post_feedback(live_server, key) == 403
    with session_of(engine) as session, session.begin():
        actions = session.execute(
            select(AuditEntry.action, AuditEntry.staff_email, AuditEntry.target).where(
                AuditEntry.action.like("open311.%")
            )
        ).all()
    assert [tuple(a) for a in actions] == [
        ("open311.key_issued", admin, "Palautesovellus"),
        ("open311.key_revoked", admin, "Palautesovellus"),
    ]


def test_other_roles_are_refused_the_key_page(live_server: str, settings: Settings) -> None:
    for role in ("responder", "dispatcher", "viewer"):
        with signed_in(live_server, make_staff(settings, role=role)) as client:
            assert client.get("/staff/open311/keys").status_code == 403, role
