"""Sign-in, sessions, lockout and back-off, over real HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sync_server.db.models import AuditEntry, StaffSession, StaffUser
from sync_server.settings import Settings
from sync_server.web.deps import SESSION_COOKIE
from tests.sync_server.client import Client
from tests.sync_server.staff import PASSWORD, csrf_of, make_staff, sign_in_answer
from tests.sync_server.web.conftest import FakeClock


def rows(settings: Settings, statement: object) -> list[Any]:
    return Client("", settings).query(statement)


def test_a_staff_member_signs_in_sees_the_front_page_and_signs_out(settings: Settings, browser: httpx.Client) -> None:
    email = make_staff(settings, role="operator")
    answer = sign_in_answer(browser, email)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    page = browser.get("/staff/")
    assert page.status_code == 200 and "Operator" in page.text
    out = browser.post("/staff/sign-out", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303 and out.headers["location"].startswith("/staff/sign-in")
    assert browser.get("/staff/").status_code == 303
    assert rows(settings, select(StaffSession)) == []


def test_the_session_table_holds_only_a_hash_of_the_cookie(settings: Settings, browser: httpx.Client) -> None:
    sign_in_answer(browser, make_staff(settings, role="viewer"))
    token = browser.cookies[SESSION_COOKIE]
    (stored,) = rows(settings, select(StaffSession.token_hash))
    assert stored[0] != token and len(stored[0]) == 64


def test_passwords_are_stored_as_argon2id_hashes(settings: Settings) -> None:
    make_staff(settings, role="viewer")
    (hashed,) = rows(settings, select(StaffUser.password_hash))
    assert hashed[0].startswith("$argon2id$") and PASSWORD not in hashed[0]


def test_unknown_email_and_wrong_password_get_the_same_answer(settings: Settings, browser: httpx.Client) -> None:
    email = make_staff(settings, role="viewer")
    unknown = sign_in_answer(browser, "nobody@example.fi")
    wrong = sign_in_answer(browser, email, "not the password at all")
    assert unknown.status_code == wrong.status_code == 401
    assert "Sähköposti tai salasana on väärin." in unknown.text and "Sähköposti tai salasana on väärin." in wrong.text


def test_five_wrong_passwords_lock_the_account_and_each_further_failure_doubles_the_lock(
    settings: Settings, browser: httpx.Client, clock: FakeClock
) -> None:
    email = make_staff(settings, role="viewer")
    for _ in range(4):
        assert sign_in_answer(browser, email, "wrong password 123").status_code == 401
    fifth = sign_in_answer(browser, email, "wrong password 123")
    assert fifth.status_code == 429 and "10:01:00" in fifth.text  # locked for 60 s from 10:00:00
    right_but_locked = sign_in_answer(browser, email)
    assert right_but_locked.status_code == 429 and browser.cookies.get(SESSION_COOKIE) is None
    clock.advance(seconds=61)
    sixth = sign_in_answer(browser, email, "wrong password 123")
    assert sixth.status_code == 429 and "10:03:01" in sixth.text  # 120 s from 10:01:01
    clock.advance(seconds=121)
    assert sign_in_answer(browser, email).status_code == 303
    (user,) = rows(settings, select(StaffUser.failed_count, StaffUser.locked_until))
    assert user[0] == 0 and user[1] is None
    actions = [a for (a,) in rows(settings, select(AuditEntry.action).order_by(AuditEntry.id))]
    assert actions.count("sign_in.failed") == 6 and "sign_in.locked" in actions and actions[-1] == "sign_in.ok"


@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param("forged-token-that-was-never-issued", id="forged"),
        pytest.param("", id="empty"),
        pytest.param("x" * 500, id="oversized"),
    ],
)
def test_a_forged_session_cookie_is_sent_to_sign_in(web: str, cookie: str) -> None:
    answer = httpx.get(f"{web}/staff/audit", cookies={SESSION_COOKIE: cookie})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff/sign-in?next=/staff/audit"


@pytest.mark.parametrize(
    ("minutes", "signed_in"),
    [
        pytest.param(29, True, id="idle_29_min"),
        pytest.param(31, False, id="idle_31_min"),
    ],
)
def test_an_idle_session_expires_after_30_minutes(
    settings: Settings, browser: httpx.Client, clock: FakeClock, minutes: int, signed_in: bool
) -> None:
    sign_in_answer(browser, make_staff(settings, role="viewer"))
    clock.advance(minutes=minutes)
    answer = browser.get("/staff/")
    assert (answer.status_code == 200) is signed_in
    if not signed_in:
        assert answer.headers["location"] == "/staff/sign-in?next=/staff/"
        assert rows(settings, select(StaffSession)) == []


def test_a_busy_session_still_ends_12_hours_after_sign_in(
    settings: Settings, browser: httpx.Client, clock: FakeClock
) -> None:
    sign_in_answer(browser, make_staff(settings, role="viewer"))
    for _ in range(12 * 3):
        clock.advance(minutes=20)
        answer = browser.get("/staff/")
        if answer.status_code != 200:
            break
    assert answer.status_code == 303 and clock.now.hour == 22


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back_after_it(settings: Settings, browser: httpx.Client) -> None:
    email = make_staff(settings, role="admin")
    answer = browser.get("/staff/audit?page=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff/sign-in?next=/staff/audit%3Fpage%3D1"
    form = browser.get(answer.headers["location"])
    assert 'name="next" value="/staff/audit?page=1"' in form.text
    signed = sign_in_answer(browser, email, next="/staff/audit?page=1")
    assert signed.headers["location"] == "/staff/audit?page=1"


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("https://evil.example/", id="absolute_url"),
        pytest.param("//evil.example/", id="scheme_relative"),
        pytest.param("/\\evil.example/", id="backslash"),
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("/staff/\r\nSet-Cookie: x=y", id="header_injection"),
    ],
)
def test_next_never_leads_off_the_site(settings: Settings, browser: httpx.Client, target: str) -> None:
    email = make_staff(settings, role="viewer")
    assert sign_in_answer(browser, email, next=target).headers["location"] == "/staff/"
    assert browser.get("/staff/language/en", params={"next": target}).headers["location"] == "/staff/"


def test_changing_the_password_needs_the_current_one(settings: Settings, browser: httpx.Client) -> None:
    email = make_staff(settings, role="viewer")
    sign_in_answer(browser, email)
    token = csrf_of(browser.get("/staff/password").text)
    new = "another long passphrase here"
    wrong = browser.post("/staff/password", data={"csrf": token, "current": "nope nope nope", "new": new, "again": new})
    assert wrong.status_code == 400
    short = browser.post("/staff/password", data={"csrf": token, "current": PASSWORD, "new": "short", "again": "short"})
    assert short.status_code == 400
    ok = browser.post("/staff/password", data={"csrf": token, "current": PASSWORD, "new": new, "again": new})
    assert ok.status_code == 200
    with httpx.Client(base_url=str(browser.base_url)) as other:
        assert sign_in_answer(other, email).status_code == 401
        assert sign_in_answer(other, email, new).status_code == 303


def test_cookies_are_secure_when_the_settings_say_so(settings: Settings, clock: FakeClock) -> None:
    from tests.sync_server.servers import server_thread

    email = make_staff(settings, role="viewer")
    secure = settings.model_copy(update={"secure_cookies": True})
    with server_thread(secure, clock=clock) as url, httpx.Client(base_url=url) as client:
        answer = sign_in_answer(client, email)
    assert "Secure" in answer.headers["set-cookie"]
