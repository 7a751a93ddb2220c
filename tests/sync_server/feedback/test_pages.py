"""The feedback staff pages and the public pages over real HTTP: triage, routing, the answer
form with its template, CSRF, contact details for the case's own team only (audited), publishing."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import Engine, select

from sync_server.db.models import AuditEntry, FeedbackCase
from sync_server.settings import Settings
from tests.sync_server.feedback.conftest import FakeClock, make_member
from tests.sync_server.feedback.helpers import CONTACT, feedback_record, push, session_of
from tests.sync_server.staff import csrf_of, signed_in
from tests.sync_server.terminal import FakeTerminal

SCRIPT = 'Penkki rikki <script>alert("x")</script> Kalliossa'


def the_case(engine: Engine) -> FeedbackCase:
    with session_of(engine) as session:
        case: FeedbackCase | None = session.scalar(select(FeedbackCase))
        assert case is not None
        return case


def audit(engine: Engine, action: str) -> list[AuditEntry]:
    with session_of(engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def post(client: httpx.Client, page: str, target: str, **fields: str) -> httpx.Response:
    token = csrf_of(client.get(page).text)
    return client.post(target, data={"csrf": token, **fields})


def test_feedback_goes_from_triage_to_a_team_is_answered_published_and_followed(
    settings: Settings, engine: Engine, enrolled: FakeTerminal, web: str
) -> None:
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings, message=SCRIPT, contact=CONTACT)])
    dispatcher = make_member(settings, role="dispatcher")
    parks = make_member(settings, role="responder", team="parks", name="Pia Puisto")
    streets = make_member(settings, role="responder", team="streets")

    with signed_in(web, dispatcher) as client:
        triage = client.get("/staff/feedback/triage")
        assert triage.status_code == 200
        case = the_case(engine)
        assert case.reference in triage.text and case.routing == "triage"
        assert "<script>alert" not in triage.text  # escaped, never markup
        page = f"/staff/feedback/cases/{case.id}"
        assert client.post(f"{page}/route", data={"topic": "parks"}).status_code == 403  # no CSRF token
        answer = post(client, page, f"{page}/route", topic="parks")
        assert answer.status_code == 303
        assert client.post(f"{page}/contact", data={"csrf": csrf_of(client.get(page).text)}).status_code == 403

    with signed_in(web, streets) as client:
        assert client.get(f"/staff/feedback/cases/{case.id}").status_code == 403
        assert case.reference not in client.get("/staff/feedback/inbox").text

    with signed_in(web, parks) as client:
        inbox = client.get("/staff/feedback/inbox?order=due")
        assert case.reference in inbox.text
        page = f"/staff/feedback/cases/{case.id}"
        html = client.get(page).text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        assert "Kiitos palautteestasi" in html and "voidaan julkaista" in html  # the template, in Finnish
        assert "maija@example.fi" not in html  # not before "show contact details"
        shown = post(client, page, f"{page}/contact")
        assert shown.status_code == 200 and "maija@example.fi" in shown.text
        assert shown.headers["cache-control"] == "no-store"
        empty = post(client, page, f"{page}/answer", text="   ", status="processed")
        assert empty.status_code == 400 and "Vastaus on tyhjä" in empty.text
        sent = post(client, page, f"{page}/answer", text="Hei,\n\npenkki korjataan ensi viikolla.", status="processed")
        assert sent.status_code == 303
        html = client.get(page).text
        answer_id = re.search(r'name="answer" value="(\d+)"', html)
        assert answer_id is not None
        assert post(client, page, f"{page}/publish", answer=answer_id.group(1)).status_code == 303

    [opened] = audit(engine, "feedback.contact_shown")
    assert opened.staff_email == parks and opened.target == case.reference
    assert [row.detail["kind"] for row in audit(engine, "feedback.routed")] == ["triage"]
    assert len(audit(engine, "feedback.answered")) == 1 and len(audit(engine, "feedback.published")) == 1

    with httpx.Client(base_url=web) as public:
        published = public.get("/feedback/published")
        assert published.status_code == 200
        assert "penkki korjataan ensi viikolla." in published.text
        assert "maija" not in published.text.lower()
        assert "&lt;script&gt;" in published.text
        followed = public.get("/feedback/case", params={"code": case.reference.lower().replace("-", "")})
        assert "käsitelty" in followed.text and "penkki korjataan" in followed.text
        missing = public.get("/feedback/case", params={"code": "AAAA-BBBB-CC"})
        assert "ei löytynyt" in missing.text


def test_a_late_reply_starts_with_an_apology_and_shows_in_the_overdue_list(
    settings: Settings, engine: Engine, enrolled: FakeTerminal, web: str, clock: FakeClock
) -> None:
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings, contact=CONTACT, lang="sv")])
    dispatcher = make_member(settings, role="dispatcher")
    parks = make_member(settings, role="responder", team="parks")
    with signed_in(web, dispatcher) as client:
        client.get("/staff/feedback/triage")
        case = the_case(engine)
        page = f"/staff/feedback/cases/{case.id}"
        assert post(client, page, f"{page}/route", team="parks").status_code == 303
    with signed_in(web, parks) as client:
        due = client.get("/staff/feedback/due").text
        assert case.reference in due.split('id="due"')[1]  # due on 2026-12-05; today is 2026-11-29
    clock.advance(days=7)  # the session has expired by then: sign in again
    with signed_in(web, parks) as client:
        due = client.get("/staff/feedback/due").text
        assert case.reference in due.split('id="overdue"')[1].split('id="due"')[0]
        html = client.get(f"/staff/feedback/cases/{case.id}").text
        assert "Vi ber om ursäkt" in html  # the feedback was in Swedish: the template too
        english = client.get(f"/staff/feedback/cases/{case.id}?template=will_fix&tlang=en").text
        assert "We apologise" in english and "passed the matter on to be fixed" in english


@pytest.mark.parametrize("role", ["viewer", "operator", "moderator"])
def test_roles_without_feedback_permissions_are_refused(settings: Settings, web: str, role: str) -> None:
    email = make_member(settings, role=role)
    with signed_in(web, email) as client:
        for path in ("/staff/feedback/inbox", "/staff/feedback/triage", "/staff/feedback/due"):
            assert client.get(path).status_code == 403, path


def test_the_public_list_pages_through_every_published_answer(
    settings: Settings, engine: Engine, enrolled: FakeTerminal, web: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from sync_server.services import feedback
    from sync_server.web.pages.feedback_public import PER_PAGE
    from tests.sync_server.feedback.helpers import staff_member

    parks = staff_member(201, role="responder", team="parks")
    dispatcher = staff_member(202, role="dispatcher")
    n = PER_PAGE + 3
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings, message=f"Penkki numero {i}") for i in range(n)])
        start = datetime(2026, 11, 29, 9, tzinfo=UTC)
        with session.begin():
            ids = list(session.scalars(select(FeedbackCase.id).order_by(FeedbackCase.id)))
        for i, case_id in enumerate(ids):
            moment = start + timedelta(minutes=i)
            feedback.route_case(session, case_id=case_id, topic="parks", staff=dispatcher, now=moment)
            feedback.answer_case(session, case_id=case_id, text=f"Vastaus {i}.", staff=parks, now=moment)
            feedback.publish_case(session, case_id=case_id, staff=parks, now=moment)
    shown: list[str] = []
    with httpx.Client(base_url=web) as public:
        first = public.get("/feedback/published")
        assert first.status_code == 200
        assert f"Sivu 1/2 ({n} vastattua)" in first.text
        assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
        second = public.get("/feedback/published", params={"page": 2})
        assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
        for page in (first, second):
            shown += re.findall(r"Vastaus (\d+)\.", page.text)
        assert public.get("/feedback/published", params={"page": 9}).text.count("Vastaus ") == 3  # the last page
        assert public.get("/feedback/published", params={"page": 0}).status_code == 400
    assert shown == [str(i) for i in reversed(range(n))]  # newest first, each once
