"""CSRF, permissions, oversized forms and the bundle endpoint's sign-in: each refused, nothing changed."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from sync_server.db.models import AuditEntry, StaffSession, StaffUser
from sync_server.settings import Settings
from tests.sync_server.client import Client
from tests.sync_server.staff import PASSWORD, csrf_of, make_staff, signed_in
from tests.sync_server.terminal import FakeTerminal


def count(settings: Settings, table: type) -> int:
    ((n,),) = Client("", settings).query(select(func.count()).select_from(table))
    return int(n)


def new_user_form(token: str | None, **extra: str) -> dict[str, str]:
    form = {"email": "new@example.fi", "role": "viewer", "password": PASSWORD, **extra}
    if token is not None:
        form["csrf"] = token
    return form


@pytest.mark.parametrize(
    ("token", "headers"),
    [
        pytest.param(None, {}, id="missing"),
        pytest.param("0" * 64, {}, id="wrong"),
        pytest.param("", {}, id="empty"),
        pytest.param("right", {"Origin": "https://evil.example"}, id="other_origin"),
        pytest.param("right", {"Origin": "null"}, id="null_origin"),
        pytest.param("right", {"Referer": "https://evil.example/form"}, id="other_referer"),
    ],
)
def test_a_form_without_its_csrf_token_is_refused_and_nothing_changes(
    settings: Settings, web: str, token: str | None, headers: dict[str, str]
) -> None:
    with signed_in(web, make_staff(settings, role="admin")) as admin:
        right = csrf_of(admin.get("/staff/users").text)
        users, audit = count(settings, StaffUser), count(settings, AuditEntry)
        answer = admin.post("/staff/users", data=new_user_form(right if token == "right" else token), headers=headers)
        assert answer.status_code == 403
        assert "Nothing was changed" in answer.text or "Mitään ei muutettu" in answer.text
        assert (count(settings, StaffUser), count(settings, AuditEntry)) == (users, audit)
        good = admin.post("/staff/users", data=new_user_form(right), headers={"Origin": web})
        assert good.status_code == 201 and count(settings, StaffUser) == users + 1


def test_sign_out_without_the_csrf_token_keeps_the_session(settings: Settings, web: str) -> None:
    with signed_in(web, make_staff(settings, role="viewer")) as staff:
        assert staff.post("/staff/sign-out", data={}).status_code == 403
        assert count(settings, StaffSession) == 1 and staff.get("/staff/").status_code == 200


def test_a_sign_in_form_from_another_page_is_refused(settings: Settings, browser: httpx.Client) -> None:
    email = make_staff(settings, role="viewer")
    answer = browser.post("/staff/sign-in", data={"email": email, "password": PASSWORD, "csrf": "guess"})
    assert answer.status_code == 403 and count(settings, StaffSession) == 0


@pytest.mark.parametrize(
    ("path", "method"),
    [
        pytest.param("/staff/users", "GET", id="users_page"),
        pytest.param("/staff/audit", "GET", id="audit_page"),
        pytest.param("/staff/users", "POST", id="add_user"),
    ],
)
def test_a_viewer_calling_an_admin_page_directly_gets_403_in_words(
    settings: Settings, web: str, path: str, method: str
) -> None:
    with signed_in(web, make_staff(settings, role="viewer")) as viewer:
        token = csrf_of(viewer.get("/staff/").text)
        users = count(settings, StaffUser)
        answer = viewer.request(method, path, data=new_user_form(token) if method == "POST" else None)
        assert answer.status_code == 403 and "<main" in answer.text and "Roolisi ei salli" in answer.text
        assert count(settings, StaffUser) == users


def test_the_nav_shows_only_what_the_role_may_open(settings: Settings, web: str) -> None:
    with signed_in(web, make_staff(settings, role="viewer")) as viewer:
        page = viewer.get("/staff/").text
    with signed_in(web, make_staff(settings, role="admin")) as admin:
        admin_page = admin.get("/staff/").text
    assert "/staff/audit" not in page and "/staff/users" not in page
    assert "/staff/audit" in admin_page and "/staff/users" in admin_page


def test_a_viewer_posting_a_bundle_directly_gets_a_json_403(settings: Settings, web: str) -> None:
    bundle = FakeTerminal().bundle([])
    with signed_in(web, make_staff(settings, role="viewer")) as viewer:
        answer = viewer.post("/api/v1/bundles", content=bundle)
    assert answer.status_code == 403 and answer.json()["error"] == "forbidden"


def test_a_bundle_without_a_staff_session_gets_a_json_401(web: str) -> None:
    answer = httpx.post(f"{web}/api/v1/bundles", content=FakeTerminal().bundle([]))
    assert answer.status_code == 401 and answer.json()["error"] == "not_signed_in"


def test_an_operator_imports_a_bundle_and_the_audit_log_says_so(settings: Settings, web: str) -> None:
    client = Client(web, settings)
    terminal = client.enroll()
    answer = client.post_bundle(terminal.bundle([]))
    assert answer.status_code == 200, answer.text
    actions = [a for (a,) in client.query(select(AuditEntry.action))]
    assert "bundle.imported" in actions


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        pytest.param({"name": "x" * 5000}, 400, id="field_over_4_KiB"),
        pytest.param({f"f{i}": "y" * 4000 for i in range(20)}, 413, id="form_over_64_KiB"),
    ],
)
def test_oversized_form_fields_are_refused_with_a_message(
    settings: Settings, web: str, fields: dict[str, str], status: int
) -> None:
    with signed_in(web, make_staff(settings, role="admin")) as admin:
        token = csrf_of(admin.get("/staff/users").text)
        users = count(settings, StaffUser)
        answer = admin.post("/staff/users", data=new_user_form(token, **fields))
        assert answer.status_code == status and 'role="alert"' in answer.text
        assert count(settings, StaffUser) == users


def test_a_terminal_name_with_html_is_escaped_on_the_users_page(settings: Settings, web: str) -> None:
    make_staff(settings, role="viewer", email="<script>alert(1)</script>@example.fi")
    with signed_in(web, make_staff(settings, role="admin")) as admin:
        page = admin.get("/staff/users").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_json_api_and_its_openapi_docs_stay_as_they_were(web: str) -> None:
    assert httpx.get(f"{web}/api/v1/health").json()["ok"] is True
    schema = httpx.get(f"{web}/openapi.json").json()
    assert "/api/v1/push" in schema["paths"] and not any(p.startswith("/staff") for p in schema["paths"])
    assert httpx.get(f"{web}/docs").status_code == 200


def test_the_stylesheet_is_served_and_pages_load_nothing_from_elsewhere(settings: Settings, web: str) -> None:
    css = httpx.get(f"{web}/staff/static/style.css")
    assert css.status_code == 200 and "http" not in css.text and "@import" not in css.text
    page = httpx.get(f"{web}/staff/sign-in").text
    assert "http://" not in page and "https://" not in page
