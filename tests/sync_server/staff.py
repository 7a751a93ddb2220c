"""Staff accounts and signed-in HTTP clients for the tests."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx

from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.services.staff import add_user
from sync_server.settings import Settings

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_staff(settings: Settings, *, role: str, email: str | None = None, password: str = PASSWORD) -> str:
    """A staff account made through the service; returns its email."""
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.fi"
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            add_user(session, email=email, role=role, password=password, now=datetime.now(UTC), name=role.title())
    finally:
        engine.dispose()
    return email


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in_answer(client: httpx.Client, email: str, password: str = PASSWORD, next: str = "/staff/") -> httpx.Response:
    token = csrf_of(client.get("/staff/sign-in").text)
    return client.post("/staff/sign-in", data={"csrf": token, "email": email, "password": password, "next": next})


@contextmanager
def signed_in(url: str, email: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """An httpx client holding a staff session cookie."""
    with httpx.Client(base_url=url) as client:
        answer = sign_in_answer(client, email, password)
        assert answer.status_code == 303, answer.text
        yield client


def session_cookies(url: str, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in and return the cookies (for one-off requests with ``cookies=``)."""
    with signed_in(url, email, password) as client:
        return dict(client.cookies.items())
