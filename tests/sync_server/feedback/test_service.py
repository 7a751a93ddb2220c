"""The feedback service on SQLite and PostgreSQL: projection through the real ingest, routing,
triage, answers, publishing, contact details and their audit rows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from hashlib import sha256

import pytest
from sqlalchemy import Engine, func, select

from shared_models import ManifestProcess, new_record_id
from shared_models.canonical import canonical_bytes
from shared_models.feedback import FeedbackSettingsError
from shared_models.keys import b64encode
from shared_models.records import RECORD_DOMAIN
from sync_server.db.models import AuditEntry, FeedbackCase, FeedbackRouting, Quarantine
from sync_server.errors import Forbidden, StaffInputError
from sync_server.services import feedback, processes
from sync_server.services.ingest import ingest_lines
from sync_server.settings import Settings
from tests.sync_server.feedback.helpers import (
    CONTACT,
    KeywordRouter,
    feedback_record,
    push,
    session_of,
    staff_member,
)
from tests.sync_server.terminal import DAY, FakeTerminal

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
PARKS = staff_member(101, role="responder", team="parks")
STREETS = staff_member(102, role="responder", team="streets")
DISPATCHER = staff_member(103, role="dispatcher")


def cases(engine: Engine) -> list[FeedbackCase]:
    with session_of(engine) as session:
        return list(session.scalars(select(FeedbackCase).order_by(FeedbackCase.id)))


def audit_actions(engine: Engine) -> list[str]:
    with session_of(engine) as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_accepted_feedback_becomes_one_case_with_reference_code_and_due_date(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    record = feedback_record(enrolled, settings, contact=CONTACT)
    with session_of(engine) as session:
        report = push(session, enrolled, [record])
        assert [line.status for line in report.lines] == ["accepted", "accepted"]
        again = push(session, enrolled, [record])  # the same record again: a duplicate, no second case
    assert [line.status for line in again.lines][-1] == "duplicate"
    [case] = cases(engine)
    assert case.record_id == record.id
    assert case.reference == record.id[:10].upper()[:4] + "-" + record.id[4:8].upper() + "-" + record.id[8:10].upper()
    assert (case.status, case.routing, case.team, case.problem) == ("received", "pending", None, None)
    assert case.wants_reply and case.has_contact
    assert case.due_on == "2026-12-05"  # given on 2026-11-28, a reply within 7 days
    assert "maija" not in case.message.lower()


def test_projection_is_idempotent_and_catches_up_on_records_without_a_case(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings), feedback_record(enrolled, settings, place=None)])
        with session.begin():
            assert feedback.project_missing(session, now=NOW) == 0
            first = session.scalar(select(FeedbackCase).order_by(FeedbackCase.id))
            assert first is not None
            session.delete(first)  # as if the record had arrived before the cases table existed
        with session.begin():
            assert feedback.project_missing(session, now=NOW) == 1
            assert feedback.project_missing(session, now=NOW) == 0
    assert len(cases(engine)) == 2


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        pytest.param({"topic": "potholes"}, "unknown_topic", id="unknown-topic"),
        pytest.param({"place": "atlantis"}, "unknown_place", id="invalid-place"),
        pytest.param({"process": "nosuch"}, "unknown_process", id="unknown-process"),
        pytest.param({"contact": CONTACT, "broken_contact": True}, "contact_broken", id="broken-contact"),
    ],
)
def test_bad_feedback_is_held_in_triage_with_its_reason_never_lost(
    settings: Settings, engine: Engine, enrolled: FakeTerminal, overrides: dict[str, object], problem: str
) -> None:
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings, **overrides)])  # type: ignore[arg-type]
        feedback.refresh_cases(session, KeywordRouter({"penkki": ("parks", 0.99)}), now=NOW)
        with session.begin():
            [case] = feedback.triage_queue(session)
            assert (case.problem, case.team, case.routing) == (problem, None, "triage")
            assert case.problem_detail


@pytest.mark.parametrize(
    "message",
    [pytest.param("", id="empty"), pytest.param("   ", id="blank"), pytest.param("x" * 10_000, id="10000-chars")],
)
def test_empty_and_over_long_messages_are_quarantined_by_the_ingest_with_a_reason(
    settings: Settings, engine: Engine, enrolled: FakeTerminal, message: str
) -> None:
    unsigned = {
        "v": 1,
        "kind": "feedback.item",
        "id": new_record_id(),
        "device": enrolled.device,
        "day": DAY,
        "body": {"process": "demo", "topic": "parks", "message": message, "lang": "fi"},
    }
    signature = b64encode(enrolled.key.sign(RECORD_DOMAIN + canonical_bytes(unsigned)))
    raw = canonical_bytes({**unsigned, "sig": signature})  # signed by the terminal, but no valid body
    with session_of(engine) as session:
        with session.begin():
            report = ingest_lines(session, device_id=enrolled.device, lines=[raw], channel="http", source="test")
        assert [(line.status, line.reason) for line in report.lines] == [("quarantined", "invalid_body")]
        with session.begin():
            kept = session.scalar(
                select(func.count()).select_from(Quarantine).where(Quarantine.raw_sha256 == sha256(raw).hexdigest())
            )
    assert kept == 1
    assert cases(engine) == []


def test_script_in_a_message_is_kept_as_text_and_flagged(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    message = 'Katuvalo rikki <script>alert("x")</script>'
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings, message=message, topic="streets")])
    [case] = cases(engine)
    assert case.message == message
    assert case.flags == ["markup"]


def test_without_a_router_everything_waits_in_triage_until_a_person_routes_it(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings)])
        assert feedback.refresh_cases(session, None, now=NOW) == {"projected": 0, "model": 0, "triage": 1}
        [case] = cases(engine)
        with pytest.raises(Forbidden):
            feedback.route_case(session, case_id=case.id, staff=PARKS, now=NOW, topic="parks")
        kind = feedback.route_case(session, case_id=case.id, staff=DISPATCHER, now=NOW, topic="parks")
        assert kind == "triage"
        with session.begin():
            assert feedback.triage_queue(session) == []
            assert [c.id for c in feedback.inbox(session, team="parks")] == [case.id]
    assert audit_actions(engine) == ["feedback.routed"]


def test_a_confident_router_sends_feedback_to_the_topics_team_and_an_unsure_one_to_triage(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    router = KeywordRouter({"penkki": ("parks", 0.91), "roska": ("waste", 0.40)})
    with session_of(engine) as session:
        push(
            session,
            enrolled,
            [
                feedback_record(enrolled, settings, message="Penkki on rikki"),
                feedback_record(enrolled, settings, message="Roska-astia on täynnä", topic="waste", place="malmi"),
            ],
        )
        assert feedback.refresh_cases(session, router, now=NOW) == {"projected": 0, "model": 1, "triage": 1}
    sure, unsure = sorted(cases(engine), key=lambda c: c.message)
    assert (sure.team, sure.topic, sure.routing, sure.confirmed) == ("parks", "parks", "model", False)
    assert sure.confidence == pytest.approx(0.91)
    assert sure.top3 is not None and sure.top3[0] == {"label": "parks", "confidence": 0.91}
    assert (unsure.team, unsure.routing, unsure.suggestion, unsure.suggestion_team) == (
        None,
        "triage",
        "waste",
        "waste",
    )


def test_rerouting_is_kept_as_a_new_label_for_training(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings, message="Penkki kaatunut kadulle")])
        feedback.refresh_cases(session, KeywordRouter({"penkki": ("parks", 0.9)}), now=NOW)
        [case] = cases(engine)
        with pytest.raises(Forbidden):
            feedback.route_case(session, case_id=case.id, staff=STREETS, now=NOW, topic="streets")
        with pytest.raises(StaffInputError, match="no topic"):
            feedback.route_case(session, case_id=case.id, staff=PARKS, now=NOW, topic="nosuch")
        assert feedback.route_case(session, case_id=case.id, staff=PARKS, now=NOW, topic="streets") == "reroute"
        with session.begin():
            [example] = feedback.relabelled_examples(session)
            kinds = list(session.scalars(select(FeedbackRouting.kind).order_by(FeedbackRouting.id)))
    assert (example.text, example.topic, example.team, example.kind) == (
        "Penkki kaatunut kadulle",
        "streets",
        "streets",
        "reroute",
    )
    assert kinds == ["model", "reroute"]


def test_near_duplicates_are_linked_to_the_earliest_case_and_kept(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings, message="Kallion puiston penkki on rikki!")])
        push(
            session,
            enrolled,
            [
                feedback_record(enrolled, settings, message="kallion puiston penkki on rikki"),
                feedback_record(enrolled, settings, message="Kallion puiston penkki on rikki", place="malmi"),
                feedback_record(enrolled, settings, message="Kirjaston aukioloajat ovat liian lyhyet"),
            ],
        )
    first, *rest = cases(engine)
    by_message = {(c.message, c.place): c for c in rest}
    assert by_message[("kallion puiston penkki on rikki", "kallio")].duplicate_of == first.id
    assert by_message[("Kallion puiston penkki on rikki", "malmi")].duplicate_of is None  # another place
    assert by_message[("Kirjaston aukioloajat ovat liian lyhyet", "kallio")].duplicate_of is None
    assert first.duplicate_of is None


def test_answer_publish_and_due_lists(settings: Settings, engine: Engine, enrolled: FakeTerminal) -> None:
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings, contact=CONTACT)])
        feedback.refresh_cases(session, KeywordRouter({"penkki": ("parks", 0.9)}), now=NOW)
        [case] = cases(engine)
        with session.begin():
            due, overdue = feedback.due_lists(session, today=date(2026, 12, 5))
            assert ([c.id for c in due], overdue) == ([case.id], [])
            due, overdue = feedback.due_lists(session, today=date(2026, 12, 6), team="parks")
            assert (due, [c.id for c in overdue]) == ([], [case.id])
        with pytest.raises(StaffInputError, match="answer it first"):
            feedback.publish_case(session, case_id=case.id, staff=PARKS, now=NOW)
        with pytest.raises(StaffInputError):
            feedback.answer_case(session, case_id=case.id, text="   ", staff=PARKS, now=NOW)
        with pytest.raises(Forbidden):
            feedback.answer_case(session, case_id=case.id, text="Hei", staff=DISPATCHER, now=NOW)
        answer = feedback.answer_case(session, case_id=case.id, text="Hei, penkki korjataan.", staff=PARKS, now=NOW)
        feedback.publish_case(session, case_id=case.id, staff=PARKS, now=NOW)
        with session.begin():
            assert feedback.due_lists(session, today=date(2026, 12, 6)) == ([], [])
            [(shown, published)] = feedback.published_cases(session)
            assert (shown.id, published.id, published.text) == (case.id, answer, "Hei, penkki korjataan.")
            assert shown.status == "processed"
        feedback.unpublish_case(session, case_id=case.id, staff=PARKS, now=NOW)
        with session.begin():
            assert feedback.published_cases(session) == []
    assert audit_actions(engine) == ["feedback.answered", "feedback.published", "feedback.unpublished"]


def test_contact_details_open_only_for_a_responder_of_the_cases_team_and_each_opening_is_audited(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    keys = settings.load_keys()
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings, contact=CONTACT)])
        feedback.refresh_cases(session, KeywordRouter({"penkki": ("parks", 0.9)}), now=NOW)
        [case] = cases(engine)
        admin = staff_member(1, role="admin")
        for outsider in (STREETS, DISPATCHER, admin):
            with pytest.raises(Forbidden):
                feedback.reveal_contact(session, keys, case_id=case.id, staff=outsider, now=NOW)
        contact = feedback.reveal_contact(session, keys, case_id=case.id, staff=PARKS, now=NOW, client_ip="10.0.0.1")
    assert contact.fields == CONTACT
    with session_of(engine) as session:
        [row] = session.scalars(select(AuditEntry).where(AuditEntry.action.like("feedback.contact%"))).all()
    assert (row.action, row.staff_id, row.target, row.client_ip) == (
        "feedback.contact_shown",
        PARKS.id,
        case.reference,
        "10.0.0.1",
    )


def test_a_contact_box_sealed_to_another_record_does_not_open_and_the_failure_is_audited(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    donor = feedback_record(enrolled, settings, contact=CONTACT)
    body = {**donor.body}  # the box is bound to the donor's record id: moved here, it must not open
    moved = enrolled.record("feedback.item", body)
    with session_of(engine) as session:
        push(session, enrolled, [moved])
        feedback.refresh_cases(session, KeywordRouter({"penkki": ("parks", 0.9)}), now=NOW)
        [case] = cases(engine)
        with pytest.raises(StaffInputError) as refused:
            feedback.reveal_contact(session, settings.load_keys(), case_id=case.id, staff=PARKS, now=NOW)
    assert refused.value.reason == "contact_broken"
    assert audit_actions(engine) == ["feedback.contact_failed"]
    assert cases(engine)[0].problem == "contact_broken"


def test_status_changes_are_checked_and_audited(settings: Settings, engine: Engine, enrolled: FakeTerminal) -> None:
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings)])
        feedback.refresh_cases(session, KeywordRouter({"penkki": ("parks", 0.9)}), now=NOW)
        [case] = cases(engine)
        with pytest.raises(StaffInputError):
            feedback.set_status(session, case_id=case.id, status="lost", staff=PARKS, now=NOW)
        with pytest.raises(Forbidden):
            feedback.set_status(session, case_id=case.id, status="rejected", staff=STREETS, now=NOW)
        feedback.set_status(session, case_id=case.id, status="in_process", staff=PARKS, now=NOW)
        feedback.set_status(session, case_id=case.id, status="in_process", staff=PARKS, now=NOW)  # no change
        with session.begin():
            assert [c.id for c in feedback.inbox(session, team="parks", statuses=["in_process"])] == [case.id]
            assert feedback.inbox(session, team="parks", statuses=["processed"]) == []
    assert audit_actions(engine) == ["feedback.status"]


def test_a_failing_projection_never_stops_the_ingest_and_is_caught_up_later(
    settings: Settings, engine: Engine, enrolled: FakeTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: object) -> FeedbackCase:
        raise RuntimeError("the projection broke")

    record = feedback_record(enrolled, settings)
    with session_of(engine) as session:
        with monkeypatch.context() as patched:
            patched.setattr(feedback, "_new_case", broken)
            report = push(session, enrolled, [record])
        assert [line.status for line in report.lines] == ["accepted", "accepted"]
        assert cases(engine) == []
        assert feedback.refresh_cases(session, None, now=NOW) == {"projected": 1, "model": 0, "triage": 1}
    [case] = cases(engine)
    assert case.record_hash == record.hash


def test_cases_are_listed_by_topic_status_day_and_reference(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    with session_of(engine) as session:
        push(
            session,
            enrolled,
            [
                feedback_record(enrolled, settings, message="Penkki rikki"),
                feedback_record(enrolled, settings, message="Kuoppa kadulla", topic="streets"),
            ],
        )
        feedback.refresh_cases(session, KeywordRouter({"kuoppa": ("streets", 0.9)}), now=NOW)
        hole, bench = sorted(cases(engine), key=lambda c: c.message)
        feedback.route_case(session, case_id=bench.id, staff=DISPATCHER, now=NOW, topic="waste")
        feedback.set_status(session, case_id=hole.id, status="in_process", staff=STREETS, now=NOW)
        with session.begin():

            def ids(**filters: object) -> list[int]:
                return [c.id for c in feedback.list_cases(session, **filters)]  # type: ignore[arg-type]

            assert sorted(ids()) == sorted([bench.id, hole.id])
            assert ids(topics=["parks"]) == []  # re-routed: its topic is now waste
            assert ids(topics=["waste"]) == [bench.id]
            assert ids(statuses=["in_process"]) == [hole.id]
            assert ids(since=date(2026, 11, 29)) == []
            assert sorted(ids(until=date(2026, 11, 28), process="demo")) == sorted([bench.id, hole.id])
            assert ids(references=[hole.reference]) == [hole.id]


def test_a_process_with_broken_feedback_settings_is_refused_and_not_saved(settings: Settings, engine: Engine) -> None:
    broken = ManifestProcess(
        id="palaute",
        title={"fi": "Palaute", "sv": "Respons", "en": "Feedback"},
        activities=["feedback"],
        test=False,
        status="open",
        min_seal=5,
        settings={"feedback": {"topics": [{"id": "streets", "name": {"fi": "Kadut"}}]}},
    )
    with session_of(engine) as session:
        with pytest.raises(FeedbackSettingsError, match=r"topics\.0\.name"):
            processes.save_process(session, settings.load_keys(), broken)
        with session.begin():
            assert feedback.feedback_settings_of(session, "palaute") is None
            assert [p["id"] for p in processes.list_processes(session)] == ["demo"]


def test_near_duplicates_within_one_batch_link_to_the_first_of_the_batch(
    settings: Settings, engine: Engine, enrolled: FakeTerminal
) -> None:
    message = "Vuosaaren uimarannalla on lasinsiruja"
    with session_of(engine) as session:
        push(session, enrolled, [feedback_record(enrolled, settings, message=message) for _ in range(3)])
    first, second, third = cases(engine)
    assert (first.duplicate_of, second.duplicate_of, third.duplicate_of) == (None, first.id, first.id)
    assert second.duplicate_score == 1.0
