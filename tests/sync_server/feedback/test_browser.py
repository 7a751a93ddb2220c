"""The responder's inbox -> case -> contact details -> answer -> publish flow in a real browser
(Debian's Chromium driven by playwright) against the real app on a loopback port. Screenshots go
to /tmp/shots/feedback/ for people to look at, also at 200% zoom."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, select

from sync_server.db.models import AuditEntry, FeedbackCase
from sync_server.services import feedback
from sync_server.settings import Settings
from tests.sync_server.feedback.conftest import make_member
from tests.sync_server.feedback.helpers import CONTACT, feedback_record, push, session_of, staff_member
from tests.sync_server.staff import PASSWORD
from tests.sync_server.terminal import FakeTerminal
from tests.sync_server.web.browser import SQLITE_ONLY, launch_chromium

SHOTS = Path("/tmp/shots/feedback")
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
BENCH = "Kallion puiston penkki on rikki ja lapset voivat satuttaa itsensä"

pytestmark = SQLITE_ONLY


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from launch_chromium()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def seed(settings: Settings, engine: Engine, terminal: FakeTerminal) -> None:
    """Three cases routed to the parks team (one with contact details and a script in its text,
    one near-duplicate) and one left in triage."""
    with session_of(engine) as session:
        push(
            session,
            terminal,
            [
                feedback_record(
                    terminal,
                    settings,
                    message=f'{BENCH}. <script>alert("x")</script>',
                    contact=CONTACT,
                ),
                feedback_record(terminal, settings, message=BENCH),
                feedback_record(terminal, settings, message="Vuosaaren rannalla on paljon roskia", place="vuosaari"),
                feedback_record(
                    terminal, settings, message="Kirjaston aukioloajat ovat liian lyhyet", topic="libraries"
                ),
            ],
        )
        feedback.refresh_cases(session, None, now=NOW)
        with session.begin():
            ids = [c.id for c in session.scalars(select(FeedbackCase).order_by(FeedbackCase.id))]
        dispatcher = staff_member(900, role="dispatcher")
        for case_id in ids[:3]:
            feedback.route_case(session, case_id=case_id, staff=dispatcher, now=NOW, topic="parks")


def test_a_responder_answers_from_the_inbox_opens_the_contact_once_and_publishes(
    chromium: Browser, settings: Settings, engine: Engine, enrolled: FakeTerminal, live_server: str
) -> None:
    seed(settings, engine, enrolled)
    responder = make_member(settings, role="responder", team="parks", name="Pia Puisto")
    context = chromium.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "lang", "value": "fi", "url": live_server}])
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran on the page: {dialog.message}"))
    try:
        page.goto("/staff/feedback/inbox")
        page.get_by_label("Sähköposti").fill(responder)
        page.get_by_label("Salasana").fill(PASSWORD)
        page.get_by_role("button", name="Kirjaudu", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Palautteet")
        rows = page.locator("table.feedback-cases tbody tr")
        expect(rows).to_have_count(3)
        expect(page.get_by_text("lähes sama")).to_be_visible()
        shot(page, "1-inbox")

        page.get_by_label("Järjestys").select_option("due")
        page.get_by_role("button", name="Näytä").click()
        first = page.locator("table.feedback-cases tbody tr").first
        expect(first).to_contain_text("2026-12-05")  # the one that asked for a reply is due first
        first.get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Palaute ")
        expect(page.locator(".feedback-message").first).to_contain_text('<script>alert("x")</script>')
        expect(page.get_by_text("Viestissä on HTML- tai skriptikoodia")).to_be_visible()
        answer = page.get_by_label("Vastauksesi")
        expect(answer).to_have_value(re.compile(r"^Hei,\n\nKiitos palautteestasi"))
        expect(answer).to_have_value(re.compile("voidaan julkaista"))
        shot(page, "2-case")

        page.get_by_role("button", name="Näytä yhteystiedot").click()
        expect(page.get_by_text("maija@example.fi")).to_be_visible()
        shot(page, "3-contact")

        page.get_by_role("link", name="Korjaamme asian").click()
        answer = page.get_by_label("Vastauksesi")
        expect(answer).to_have_value(re.compile("välittäneet asian korjattavaksi"))
        text = answer.input_value().replace(
            "[Kerro, mitä tehdään ja milloin.]", "Penkki vaihdetaan uuteen ensi viikolla."
        )
        answer.fill(text)
        page.get_by_role("button", name="Lähetä vastaus").click()
        expect(page.get_by_role("status")).to_contain_text("Vastaus tallennettiin.")
        expect(page.locator(".facts")).to_contain_text("Käsitelty")
        expect(page.get_by_label("Vastauksesi")).to_have_value("")  # answered: no template unless asked for
        shot(page, "4-answered")

        page.get_by_role("button", name="Julkaise palaute tämän vastauksen kanssa").click()
        expect(page.get_by_role("status")).to_contain_text("julkisella sivulla")
        page.set_viewport_size({"width": 640, "height": 450})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, "the case page scrolls sideways on a narrow screen"
        shot(page, "5-published-narrow")

        public = context.new_page()
        public.goto("/feedback/published")
        expect(public.get_by_text("Penkki vaihdetaan uuteen ensi viikolla.")).to_be_visible()
        expect(public.get_by_text("maija@example.fi")).to_have_count(0)
        shot(public, "6-public")
    finally:
        context.close()

    with session_of(engine) as session:
        opened = session.scalars(select(AuditEntry.action).where(AuditEntry.action == "feedback.contact_shown")).all()
    assert len(opened) == 1


def test_a_dispatcher_routes_feedback_from_the_triage_queue_in_english(
    chromium: Browser, settings: Settings, engine: Engine, enrolled: FakeTerminal, live_server: str
) -> None:
    with session_of(engine) as session:
        push(
            session,
            enrolled,
            [
                feedback_record(
                    enrolled, settings, message="Kirjaston aukioloajat ovat liian lyhyet", topic="libraries"
                ),
                feedback_record(
                    enrolled, settings, message="Kadulla on iso kuoppa", topic="potholes", place="atlantis"
                ),
            ],
        )
    dispatcher = make_member(settings, role="dispatcher", name="Dana Dispatcher")
    context = chromium.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    page = context.new_page()
    try:
        page.goto("/staff/feedback/triage")
        page.get_by_label("Email").fill(dispatcher)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Triage")
        rows = page.locator("table.feedback-cases tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("Unknown topic")  # held back cases first
        shot(page, "7-triage-en")

        rows.first.get_by_role("link").click()
        expect(page.get_by_text("the terminal sent a topic this process does not have")).to_be_visible()
        page.get_by_label("Topic", exact=True).select_option(label="Streets and traffic")
        page.get_by_role("button", name="Send to this team").click()
        expect(page.get_by_role("status")).to_contain_text("The routing was saved.")
        expect(page.locator(".facts")).to_contain_text("routed by staff")
        expect(page.get_by_text("Unknown topic: a person has chosen the team")).to_be_visible()
        shot(page, "8-routed-en")
        page.goto("/staff/feedback/triage")
        expect(page.locator("table.feedback-cases tbody tr")).to_have_count(1)
    finally:
        context.close()
