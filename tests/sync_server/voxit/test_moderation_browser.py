"""The moderation page in a real browser (Debian's Chromium): a moderator approves one
statement and rejects another with the buttons, and adds a seed; at 200% zoom nothing scrolls
sideways. Screenshots: ``screenshots/web-moderation-*.png`` (gitignored), to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from sync_server.services import voxit
from sync_server.settings import Settings
from tests.sync_server.conftest import enroll
from tests.sync_server.staff import PASSWORD, make_staff
from tests.sync_server.terminal import FakeTerminal
from tests.sync_server.voxit.helpers import push, session_for, statement
from tests.sync_server.web.browser import SCREENSHOTS, SQLITE_ONLY, launch_chromium

GOOD = "Käpylän alikulkuun tarvitaan parempi valaistus illaksi."
BAD = "Tämä on mainos: osta nyt!"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from launch_chromium()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"web-moderation-{name}.png"), full_page=True)


@SQLITE_ONLY
def test_a_moderator_decides_with_the_buttons(chromium: Browser, settings: Settings, live_server: str) -> None:
    terminal = enroll(settings, FakeTerminal())
    push(settings, terminal, [statement(terminal, GOOD), statement(terminal, BAD)])
    email = make_staff(settings, role="moderator")
    context = chromium.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    page = context.new_page()
    try:
        page.goto("/staff/moderation")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/staff/moderation$"))
        expect(page.get_by_text(GOOD)).to_be_visible()
        shot(page, "queue")

        page.get_by_role("row").filter(has_text=GOOD).get_by_role("button", name="Approve").click()
        expect(page.get_by_role("status")).to_contain_text("approved")
        page.get_by_role("row").filter(has_text=BAD).get_by_role("button", name="Reject").click()
        expect(page.get_by_role("status")).to_contain_text("shown to nobody")
        expect(page.get_by_text("No statements are waiting.")).to_be_visible()

        page.get_by_label("In Finnish").fill("Lisää puita katujen varsille.")
        page.get_by_label("In Swedish").fill("Fler träd längs gatorna.")
        page.get_by_label("In English").fill("More trees along the streets.")
        page.get_by_role("button", name="Add the statement").click()
        expect(page.get_by_role("status")).to_contain_text("seed statement was added")
        shot(page, "decided")
    finally:
        context.close()

    with session_for(settings) as session, session.begin():
        states = {next(iter(r.text.values())): r.state for r in voxit.statement_rows(session, "demo")}
    assert states[GOOD] == "approved" and states[BAD] == "rejected"
    assert states["Lisää puita katujen varsille."] == "approved"

    push(settings, terminal, [statement(terminal, GOOD + " Ja penkkejä.")])
    zoomed = chromium.new_context(base_url=live_server, viewport={"width": 640, "height": 400}, device_scale_factor=2)
    zoomed.add_cookies([{"name": "lang", "value": "fi", "url": live_server}])
    page = zoomed.new_page()
    try:
        page.goto("/staff/moderation")
        page.get_by_label("Sähköposti").fill(email)
        page.get_by_label("Salasana").fill(PASSWORD)
        page.get_by_role("button", name="Kirjaudu").click()
        expect(page.get_by_text("Ja penkkejä.")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, "the moderation page scrolls sideways at 200% zoom"
        shot(page, "zoom-fi")
    finally:
        zoomed.close()
