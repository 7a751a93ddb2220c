"""The feedback dashboard in Debian's Chromium against the real app (SQLite), with a fixed clock:
feedback from a terminal over six weeks, some answered in time, some late, one overdue. Screenshots
in /tmp/shots/dashboard/ (also a narrow screen and 200% zoom) for people to look at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, select

from shared_models.records import Record, make_record, sign_record
from sync_server.db.models import FeedbackCase
from sync_server.services import feedback
from sync_server.settings import Settings
from tests.sync_server.feedback.conftest import make_member
from tests.sync_server.feedback.helpers import CONTACT, feedback_record, push, session_of, staff_member
from tests.sync_server.servers import server_thread
from tests.sync_server.staff import PASSWORD
from tests.sync_server.terminal import FakeTerminal
from tests.sync_server.web.browser import SQLITE_ONLY, launch_chromium

SHOTS = Path("/tmp/shots/dashboard")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)  # Sunday of ISO week 48

pytestmark = SQLITE_ONLY


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from launch_chromium()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def on_day(terminal: FakeTerminal, settings: Settings, day: str, **options: object) -> Record:
    """A terminal's feedback record given on ``day``."""
    made = feedback_record(terminal, settings, **options)  # type: ignore[arg-type]
    return sign_record(
        make_record("feedback.item", made.body, device=terminal.device, day=day, record_id=made.id), terminal.key
    )


# (day, topic, place, wants a reply, answered days after the day or None)
SEED = [
    ("2026-10-20", "parks", "kallio", True, 2),
    ("2026-10-21", "parks", "kallio", True, 9),  # late
    ("2026-10-28", "streets", "vuosaari", False, None),
    ("2026-11-03", "parks", None, True, 3),
    ("2026-11-10", "streets", "kallio", True, None),  # overdue now (due 2026-11-17)
    ("2026-11-17", "parks", "kallio", False, 1),
    ("2026-11-18", "parks", "vuosaari", False, None),
    ("2026-11-24", "parks", "kallio", True, 1),
    ("2026-11-25", "streets", "kallio", False, None),
    ("2026-11-27", "parks", "kallio", True, None),  # waiting (due 2026-12-04)
]


def seed(settings: Settings, engine: Engine, terminal: FakeTerminal) -> None:
    records = [
        on_day(
            terminal,
            settings,
            day,
            topic=topic,
            place=place,
            contact=CONTACT if wants else None,
            message=f"Palaute {i}: {topic} {place or ''} {day}",
        )
        for i, (day, topic, place, wants, _) in enumerate(SEED)
    ]
    with session_of(engine) as session:
        push(session, terminal, records)
        feedback.refresh_cases(session, None, now=NOW)
        dispatcher = staff_member(900, role="dispatcher")
        for record, (day, topic, _, _, answered) in zip(records, SEED, strict=True):
            with session.begin():
                case_id = session.scalar(select(FeedbackCase.id).where(FeedbackCase.record_id == record.id))
            assert case_id is not None
            feedback.route_case(session, case_id=case_id, staff=dispatcher, now=NOW, topic=topic)
            if answered is not None:
                at = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC) + timedelta(days=answered)
                responder = staff_member(901, role="responder", team=topic)
                feedback.answer_case(session, case_id=case_id, text="Kiitos, korjataan.", staff=responder, now=at)


SIGN_IN = {"fi": ("Sähköposti", "Salasana", "Kirjaudu"), "en": ("Email", "Password", "Sign in")}


def sign_in(page: Page, email: str, lang: str = "fi") -> None:
    label_email, label_password, button = SIGN_IN[lang]
    page.goto("/staff/feedback/dashboard")
    page.get_by_label(label_email).fill(email)
    page.get_by_label(label_password).fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()


def test_the_dashboard_shows_counts_trend_and_reply_times_as_charts_with_tables(
    chromium: Browser, settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    seed(settings, engine, enrolled)
    dispatcher = make_member(settings, role="dispatcher", name="Dina Dispatcher")
    responder = make_member(settings, role="responder", team="streets", name="Kalle Katu")
    viewer = make_member(settings, role="viewer")
    with server_thread(settings, clock=lambda: NOW, voxit_interval=None) as url:
        context = chromium.new_context(base_url=url, viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "lang", "value": "fi", "url": url}])
        page = context.new_page()
        page.on("dialog", lambda dialog: pytest.fail(f"a script ran on the page: {dialog.message}"))
        try:
            sign_in(page, dispatcher)
            expect(page.get_by_role("heading", level=1)).to_have_text("Palautteen tilannekuva")
            page.get_by_label("Ajanjakso").select_option("8")
            page.get_by_role("button", name="Näytä").click()
            expect(page.get_by_text("8 viikkoa (2026-10-05–2026-11-29): 10 palautetta.")).to_be_visible()
            # Reply times: 3 in time (2, 3 and 1 days), 1 late, 1 overdue; of 5 known -> 60 %.
            expect(page.locator("#share-in-time")).to_have_text("60 %")
            expect(page.locator("#median-days")).to_have_text("2,0")  # answered after 1, 1, 2, 3 and 9 days
            expect(page.locator("#overdue-now")).to_have_text("1")
            topics = page.locator("#topics-table tbody tr")
            expect(topics).to_have_count(2)
            expect(topics.first).to_contain_text("Puistot ja luonto")
            expect(topics.first).to_contain_text("7")
            expect(page.locator("#places-table tbody tr").last).to_contain_text("Ei paikkaa")
            weeks = page.locator("#weeks-table tbody tr")
            expect(weeks).to_have_count(8)
            expect(weeks.last).to_contain_text("2026-W48")
            expect(page.locator("#trend")).to_have_text(
                "Viimeiset 4 viikkoa: 7 palautetta, 133 % enemmän kuin 4 viikkoa ennen (3)."
            )
            for chart in ("#replies-chart", "#weeks-chart", "#topics-chart", "#places-chart"):
                expect(page.locator(chart)).to_have_attribute("role", "img")
            expect(page.locator("#topics-chart text").filter(has_text="7")).to_have_count(1)  # numbers on bars
            assert page.locator("script").count() == 0
            shot(page, "1-dispatcher-8-weeks")

            page.set_viewport_size({"width": 640, "height": 900})
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, "the dashboard scrolls sideways on a narrow screen"
            shot(page, "2-narrow")
            page.set_viewport_size({"width": 1280, "height": 900})
            page.evaluate("document.body.style.zoom = '200%'")
            shot(page, "3-zoom-200")
            page.evaluate("document.body.style.zoom = '100%'")

            page.get_by_label("Tiimi").select_option("streets")
            page.get_by_role("button", name="Näytä").click()
            expect(page.locator("#topics-table tbody tr")).to_have_count(1)
        finally:
            context.close()

        for email, status in ((responder, 200), (viewer, 403)):
            context = chromium.new_context(base_url=url, viewport={"width": 1280, "height": 900})
            context.add_cookies([{"name": "lang", "value": "en", "url": url}])
            page = context.new_page()
            try:
                sign_in(page, email, "en")
                answer = page.goto("/staff/feedback/dashboard?weeks=12")
                assert answer is not None and answer.status == status
                if status == 200:
                    expect(page.get_by_text("Feedback of the team Streets and traffic.")).to_be_visible()
                    expect(page.locator("#topics-table tbody tr")).to_have_count(1)
                    expect(page.locator("#topics-table tbody tr").first).to_contain_text("3")
                    shot(page, "4-responder-en")
            finally:
                context.close()
