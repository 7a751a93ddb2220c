"""The terminals and anomalies pages over real HTTP: what each role sees and may do,
escaping, the audit entries, and refusals (no CSRF token, viewer, signed out)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.db.models import AuditEntry, Device
from sync_server.settings import Settings
from tests.sync_server.client import Client
from tests.sync_server.conftest import enroll
from tests.sync_server.staff import csrf_of, make_staff, signed_in
from tests.sync_server.terminal import FakeTerminal, body_of

SCRIPT_NAME = "<script>alert(1)</script>"


def audit_actions(settings: Settings) -> list[tuple[str, str | None]]:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return [(e.action, e.target) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    finally:
        engine.dispose()


def revoked_at(settings: Settings, device: str) -> object:
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            found = session.get(Device, device)
            assert found is not None
            return found.revoked_at
    finally:
        engine.dispose()


@pytest.fixture
def operator(settings: Settings, live_server: str) -> Iterator[httpx.Client]:
    with signed_in(live_server, make_staff(settings, role="operator")) as client:
        client.cookies.set("lang", "en")
        yield client


@pytest.fixture
def viewer(settings: Settings, live_server: str) -> Iterator[httpx.Client]:
    with signed_in(live_server, make_staff(settings, role="viewer")) as client:
        client.cookies.set("lang", "en")
        yield client


def test_terminal_names_are_escaped_on_every_page(settings: Settings, client: Client, operator: httpx.Client) -> None:
    terminal = enroll(settings, FakeTerminal(), name=SCRIPT_NAME)
    revoked = enroll(settings, FakeTerminal(), name=f"{SCRIPT_NAME} 2")
    operator.post(
        f"/staff/terminals/{revoked.device}/revoke", data={"csrf": csrf_of(operator.get("/staff/terminals").text)}
    )
    client.push_ok(revoked, body_of(revoked.batch(1, 5)))
    for path in ("/staff/terminals", "/staff/anomalies", f"/staff/terminals/{terminal.device}/revoke"):
        page = operator.get(path)
        assert page.status_code == 200, path
        assert "<script>" not in page.text, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in operator.get("/staff/terminals").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 2" in operator.get("/staff/anomalies").text


def test_operator_issues_a_token_and_revokes_with_audit(
    settings: Settings, client: Client, operator: httpx.Client, live_server: str
) -> None:
    page = operator.get("/staff/terminals")
    assert "No terminal has been enrolled yet." in page.text
    answer = operator.post(
        "/staff/terminals/tokens", data={"csrf": csrf_of(page.text), "name": "Kallio library 2", "place": "Kallio"}
    )
    assert answer.status_code == 201
    token = re.search(r'id="token">(OSA1-[^<]+)<', answer.text)
    assert token is not None
    assert f"osallistu kiosk enroll /var/lib/osallistu --server {live_server} --token {token.group(1)}" in answer.text
    assert answer.headers["cache-control"] == "no-store"

    terminal = client.enroll(FakeTerminal(), name="ignored")  # enrolled with a token of its own
    page = operator.get("/staff/terminals")
    assert "Never synced" in page.text
    client.push_ok(terminal, body_of(terminal.batch(1, 5)))
    page = operator.get("/staff/terminals")
    assert "Never synced" not in page.text and ">OK<" in page.text.replace('<span aria-hidden="true">✓ </span>', "")

    confirm = operator.get(f"/staff/terminals/{terminal.device}/revoke")
    assert confirm.status_code == 200 and "Revoke this terminal?" in confirm.text
    assert revoked_at(settings, terminal.device) is None
    done = operator.post(f"/staff/terminals/{terminal.device}/revoke", data={"csrf": csrf_of(confirm.text)})
    assert done.status_code == 303
    page = operator.get(done.headers["location"])
    assert "has been revoked" in page.text and "1 revoked" in page.text
    assert revoked_at(settings, terminal.device) is not None
    assert [a for a in audit_actions(settings) if a[0] in {"token.issued", "device.revoked"}] == [
        ("token.issued", "Kallio library 2"),
        ("device.revoked", terminal.device),
    ]


def test_viewer_sees_no_manage_forms_and_gets_403(settings: Settings, viewer: httpx.Client) -> None:
    terminal = enroll(settings, FakeTerminal())
    page = viewer.get("/staff/terminals")
    assert page.status_code == 200
    assert "/staff/terminals/tokens" not in page.text and "/revoke" not in page.text
    assert viewer.get("/staff/anomalies").status_code == 200
    token = csrf_of(page.text)
    assert viewer.get(f"/staff/terminals/{terminal.device}/revoke").status_code == 403
    assert viewer.post(f"/staff/terminals/{terminal.device}/revoke", data={"csrf": token}).status_code == 403
    assert viewer.post("/staff/terminals/tokens", data={"csrf": token, "name": "x"}).status_code == 403
    assert revoked_at(settings, terminal.device) is None


def test_refusals_change_nothing(settings: Settings, operator: httpx.Client, live_server: str) -> None:
    terminal = enroll(settings, FakeTerminal())
    assert operator.post(f"/staff/terminals/{terminal.device}/revoke", data={}).status_code == 403
    assert operator.post(f"/staff/terminals/{terminal.device}/revoke", data={"csrf": "forged"}).status_code == 403
    token = csrf_of(operator.get("/staff/terminals").text)
    assert operator.post("/staff/terminals/tokens", data={"csrf": token, "name": "  "}).status_code == 400
    assert operator.post("/staff/terminals/tokens", data={"csrf": token, "name": "x" * 201}).status_code == 400
    assert operator.post("/staff/terminals/nobody/revoke", data={"csrf": token}).status_code == 404
    assert revoked_at(settings, terminal.device) is None
    assert not [a for a in audit_actions(settings) if a[0] in {"token.issued", "device.revoked"}]
    with httpx.Client(base_url=live_server) as anonymous:
        for path in ("/staff/terminals", "/staff/anomalies"):
            answer = anonymous.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/staff/sign-in?next=/staff/")
