"""Open311 over real HTTP (uvicorn on a loopback port, real SQLite or PostgreSQL): a POST becomes a
signed, sealed record of the intake device and a case like any terminal's; what GETs show."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import Engine, select

from shared_models.keys import ed25519_public_from_b64
from shared_models.records import parse_record, verify_record
from sync_server.db.models import AuditEntry, Batch, Device, FeedbackCase, Open311Key, RawRecord, Seal
from sync_server.services import feedback
from sync_server.settings import Settings
from tests.sync_server.feedback.helpers import session_of, staff_member

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
EMAIL = "maija.open311@example.fi"


def post(base: str, fmt: str = "json", **form: str) -> httpx.Response:
    return httpx.post(f"{base}/open311/v2/requests.{fmt}", data=form, timeout=30)


def get(base: str, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{base}/open311/v2/{path}", params=params, timeout=30)


def case_of(engine: Engine, token: str) -> FeedbackCase:
    with session_of(engine) as session:
        case = session.scalar(select(FeedbackCase).where(FeedbackCase.record_id == token))
        assert case is not None
        return case


def test_a_post_without_a_valid_key_is_refused_with_the_spec_error_array(live_server: str, engine: Engine) -> None:
    answer = post(live_server, api_key="guess", service_code="parks", description="Penkki rikki")
    assert answer.status_code == 403
    assert answer.json() == [{"code": 403, "description": "a valid api_key is required to create a service request"}]
    answer = post(live_server, "xml", service_code="parks", description="Penkki rikki")
    assert answer.status_code == 403
    assert ElementTree.fromstring(answer.content).findtext("error/code") == "403"
    with session_of(engine) as session:
        assert session.scalar(select(RawRecord.hash).where(RawRecord.kind == "feedback.item")) is None


def test_a_post_becomes_a_sealed_record_of_the_intake_device_and_a_case_in_triage(
    live_server: str, engine: Engine, api_key: str, settings: Settings
) -> None:
    answer = post(
        live_server,
        api_key=api_key,
        service_code="parks",
        title="Penkki rikki",
        description="Kallion puiston penkki on rikki.",
        **{"attribute[place]": "kallio"},
        email=EMAIL,
        first_name="Maija",
    )
    assert answer.status_code == 200, answer.text
    [created] = answer.json()
    assert created["service_request_id"] is None  # not routed yet: no trained router, so triage
    token = created["token"]
    assert EMAIL not in answer.text

    with session_of(engine) as session:
        raw = session.scalar(select(RawRecord).where(RawRecord.id == token))
        assert raw is not None and raw.kind == "feedback.item"
        device = session.get(Device, raw.device)
        assert device is not None and device.name == "Open311"
        record = parse_record(raw.raw.encode())
        verify_record(record, ed25519_public_from_b64(device.public_key))  # signed like a terminal's
        assert EMAIL not in raw.raw  # sealed, not in the clear
        seal = session.scalar(select(Seal).where(Seal.device == device.id))
        assert seal is not None and seal.seq == 1 and seal.complete
        batch = session.scalar(select(Batch).where(Batch.device == device.id))
        assert batch is not None and batch.channel == "open311" and batch.source == "open311:Palautesovellus"
    case = case_of(engine, token)
    assert (case.sent_topic, case.place, case.team, case.routing) == ("parks", "kallio", None, "triage")
    assert case.wants_reply and case.has_contact and case.due_on is not None
    assert case.message == "Penkki rikki\n\nKallion puiston penkki on rikki."

    # The token gives no id until a person routes the case; then the reference code.
    assert get(live_server, f"tokens/{token}.json").json() == [{"service_request_id": None, "token": token}]
    with session_of(engine) as session:
        feedback.route_case(
            session, case_id=case.id, staff=staff_member(900, role="dispatcher"), now=NOW, topic="parks"
        )
    assert get(live_server, f"tokens/{token}.json").json() == [{"service_request_id": case.reference, "token": token}]
    xml = ElementTree.fromstring(get(live_server, f"tokens/{token}.xml").content)
    assert xml.findtext("request/service_request_id") == case.reference

    # The contact details open for the team's responder, through the same sealed path as a terminal's.
    with session_of(engine) as session:
        contact = feedback.reveal_contact(
            session,
            settings.load_keys(),
            case_id=case.id,
            staff=staff_member(901, role="responder", team="parks"),
            now=NOW,
        )
    assert contact.fields == {"email": EMAIL, "name": "Maija"}


def test_bad_posts_get_every_problem_and_nothing_reaches_the_raw_log(
    live_server: str, engine: Engine, api_key: str
) -> None:
    answer = post(live_server, api_key=api_key, service_code="parks", description="", **{"attribute[place]": "mars"})
    assert answer.status_code == 400
    assert [e["description"] for e in answer.json()] == [
        "description is required and may not be empty",
        "attribute[place] 'mars' is not one of the service's places",
    ]
    answer = post(live_server, "xml", api_key=api_key, service_code="zoo", description="x" * 10_000)
    assert answer.status_code == 404
    codes = [e.findtext("code") for e in ElementTree.fromstring(answer.content).iter("error")]
    assert codes == ["404", "400"]
    assert get(live_server, "tokens/aaaaaaaaaaaaaaaaaaaaaaaaaa.json").status_code == 404
    with session_of(engine) as session:
        assert session.scalar(select(RawRecord.hash).where(RawRecord.kind == "feedback.item")) is None


def test_services_and_their_definitions_in_both_formats_and_languages(live_server: str) -> None:
    services = get(live_server, "services.json", locale="sv").json()
    parks = next(s for s in services if s["service_code"] == "parks")
    assert parks["service_name"] == "Parker och natur"
    assert parks["metadata"] is True and parks["type"] == "realtime"
    xml = ElementTree.fromstring(get(live_server, "services.xml").content)
    assert [s.findtext("service_code") for s in xml.iter("service")] == [s["service_code"] for s in services]
    definition = get(live_server, "services/parks.json", locale="en").json()
    [place] = definition["attributes"]
    assert (place["code"], place["datatype"], place["description"]) == ("place", "singlevaluelist", "Place (district)")
    assert {"key": "kallio", "name": "Kallio"} in place["values"]
    missing = get(live_server, "services/zoo.xml")
    assert missing.status_code == 404 and b"<errors><error><code>404</code>" in missing.content
    discovery = get(live_server, "discovery.json").json()
    assert discovery["endpoints"][0]["url"] == f"{live_server}/open311/v2"
    assert ElementTree.fromstring(get(live_server, "discovery.xml").content).findtext("endpoints/endpoint/type") == (
        "production"
    )


def test_requests_filter_and_show_the_words_only_once_published(live_server: str, engine: Engine, api_key: str) -> None:
    tokens = []
    for code, text in (("parks", "Puiston lamppu ei pala"), ("streets", "Kuoppa kadulla"), ("parks", "Roskis täynnä")):
        answer = post(live_server, api_key=api_key, service_code=code, description=text, media_url="https://x.fi/1.jpg")
        tokens.append(answer.json()[0]["token"])
    cases = [case_of(engine, t) for t in tokens]
    with session_of(engine) as session:
        seqs = session.scalars(select(Seal.seq).where(Seal.device == cases[0].device).order_by(Seal.seq)).all()
    assert seqs == [1, 2, 3]  # one chain, no fork

    dispatcher, responder = staff_member(900, role="dispatcher"), staff_member(901, role="responder", team="parks")
    with session_of(engine) as session:
        for case in cases:
            feedback.route_case(session, case_id=case.id, staff=dispatcher, now=NOW, topic=case.sent_topic)
        feedback.answer_case(session, case_id=cases[0].id, text="Lamppu vaihdettiin.", staff=responder, now=NOW)
        feedback.publish_case(session, case_id=cases[0].id, staff=responder, now=NOW)

    everything = get(live_server, "requests.json").json()
    assert {r["service_request_id"] for r in everything} == {c.reference for c in cases}
    by_id = {r["service_request_id"]: r for r in everything}
    published, unpublished = by_id[cases[0].reference], by_id[cases[2].reference]
    assert published["description"] == "Puiston lamppu ei pala\n\nmedia_url: https://x.fi/1.jpg"
    assert published["status_notes"] == "Lamppu vaihdettiin."
    assert published["status"] == "closed" and published["media_url"] == "https://x.fi/1.jpg"
    assert unpublished["description"] is None and unpublished["status_notes"] is None
    assert unpublished["status"] == "open" and unpublished["service_code"] == "parks"
    assert "extended_attributes" not in published

    def ids(**params: str) -> set[str]:
        answer = get(live_server, "requests.json", **params)
        assert answer.status_code == 200, answer.text
        return {r["service_request_id"] for r in answer.json()}

    assert ids(service_code="streets") == {cases[1].reference}
    assert ids(status="closed") == {cases[0].reference}
    assert ids(status="open", service_code="parks") == {cases[2].reference}
    assert ids(service_request_id=f"{cases[1].reference},{cases[2].reference}") == {
        cases[1].reference,
        cases[2].reference,
    }
    assert ids(start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z") == set()

    extended = get(live_server, f"requests/{cases[0].reference}.json", extensions="true").json()
    assert extended[0]["extended_attributes"] == {
        "title": "Puiston lamppu ei pala",
        "detailed_status": "PROCESSED",
        "media_urls": ["https://x.fi/1.jpg"],
    }
    xml = ElementTree.fromstring(get(live_server, f"requests/{cases[2].reference}.xml", extensions="true").content)
    assert xml.findtext("request/status") == "open"
    assert xml.findtext("request/extended_attributes/detailed_status") == "RECEIVED"
    assert xml.findtext("request/description") == ""  # withheld: an empty element
    assert get(live_server, "requests/ZZZZ-ZZZZ-ZZ.json").status_code == 404


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        pytest.param({"start_date": "yesterday"}, "start_date 'yesterday' is not a W3C date-time", id="bad-date"),
        pytest.param(
            {"start_date": "2026-01-01", "end_date": "2026-06-01"}, "at most 90 days apart", id="too-long-span"
        ),
        pytest.param({"status": "pending"}, "status is open, closed or both", id="bad-status"),
    ],
)
def test_bad_filters_get_the_spec_error_array(live_server: str, params: dict[str, str], problem: str) -> None:
    answer = get(live_server, "requests.json", **params)
    assert answer.status_code == 400
    assert problem in answer.json()[0]["description"]


def test_an_issued_key_is_audited_and_stored_only_as_its_hash(engine: Engine, api_key: str) -> None:
    with session_of(engine) as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "open311.key_issued"))
        assert entry is not None and entry.target == "Palautesovellus"
        stored = session.execute(select(RawRecord)).all()  # nothing else was written
        assert stored == []
        row = session.scalar(select(Open311Key))
        assert row is not None and api_key not in row.key_hash and len(row.key_hash) == 64
