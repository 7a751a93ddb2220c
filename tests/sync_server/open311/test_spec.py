"""The GeoReport v2 shapes, without a server: statuses, what a case shows, POST checks, XML."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_models.records import make_record
from sync_server.services.open311_spec import (
    Open311Error,
    RequestFacts,
    Submission,
    check_submission,
    locale_of,
    open311_status,
    parse_w3c,
    request_fields,
    sent_extras,
    statuses_named,
    to_xml,
    w3c,
)

MESSAGE = "Penkki rikki\n\nKallion puiston penkki on rikki.\n\nlat/long: 60.184000, 24.950000\nmedia_url: https://kuvat.example.fi/1.jpg"


def facts(*, published: bool, status: str = "received") -> RequestFacts:
    return RequestFacts(
        service_request_id="ABCD-EFGH-JK",
        status=status,
        service_code="parks",
        service_name="Puistot ja luonto",
        agency_responsible="Puistot",
        address="Kallio",
        requested=datetime(2026, 11, 29, 8, 0, tzinfo=UTC),
        updated=datetime(2026, 11, 30, 9, 30, tzinfo=UTC),
        expected=None,
        published=published,
        description=MESSAGE,
        status_notes="Penkki vaihdetaan ensi viikolla.",
        media_urls=("https://kuvat.example.fi/1.jpg",),
        lat=60.184,
        long=24.95,
    )


@pytest.mark.parametrize(
    ("status", "spec", "detailed"),
    [
        pytest.param("received", "open", "RECEIVED", id="received"),
        pytest.param("in_process", "open", "IN_PROCESS", id="in-process"),
        pytest.param("processed", "closed", "PROCESSED", id="processed"),
        pytest.param("rejected", "closed", "REJECTED", id="rejected"),
    ],
)
def test_each_status_maps_to_open_or_closed_and_a_detailed_status(status: str, spec: str, detailed: str) -> None:
    assert open311_status(status) == spec
    fields = request_fields(facts(published=False, status=status), extensions=True)
    assert fields["status"] == spec
    assert fields["extended_attributes"]["detailed_status"] == detailed


def test_status_filter_names_the_case_statuses() -> None:
    assert statuses_named("open") == ("received", "in_process")
    assert statuses_named("closed, open") == ("processed", "rejected", "received", "in_process")


def test_an_unpublished_case_shows_status_and_topic_but_not_the_words() -> None:
    fields = request_fields(facts(published=False), extensions=True)
    assert fields["service_request_id"] == "ABCD-EFGH-JK"
    assert fields["service_code"] == "parks"
    assert fields["address"] == "Kallio"
    for withheld in ("description", "status_notes", "media_url", "lat", "long"):
        assert fields[withheld] is None, withheld
    assert fields["extended_attributes"] == {"title": None, "detailed_status": "RECEIVED", "media_urls": []}


def test_a_published_case_shows_its_words_answer_title_and_media() -> None:
    fields = request_fields(facts(published=True), extensions=True)
    assert fields["description"] == MESSAGE
    assert fields["status_notes"] == "Penkki vaihdetaan ensi viikolla."
    assert fields["media_url"] == "https://kuvat.example.fi/1.jpg"
    assert (fields["lat"], fields["long"]) == (60.184, 24.95)
    assert fields["extended_attributes"]["title"] == "Penkki rikki"
    assert fields["requested_datetime"] == "2026-11-29T10:00:00+02:00"  # Helsinki time with its offset


def test_without_extensions_there_are_no_extended_attributes() -> None:
    assert "extended_attributes" not in request_fields(facts(published=True))


def test_a_valid_post_keeps_title_address_coordinates_and_picture_in_the_message() -> None:
    checked = check_submission(
        {
            "service_code": "parks",
            "title": "Penkki rikki",
            "description": "Kallion puiston penkki on rikki.\r\n",
            "attribute[place]": "kallio",
            "lat": "60.184",
            "long": "24.95",
            "media_url": "https://kuvat.example.fi/1.jpg",
            "email": "maija@example.fi",
            "first_name": "Maija",
            "last_name": "Meikäläinen",
            "locale": "sv_FI",
        },
        service_codes=["parks"],
        places=["kallio"],
    )
    assert isinstance(checked, Submission)
    assert checked.message == MESSAGE
    assert checked.place == "kallio"
    assert checked.lang == "sv"
    assert checked.contact == {"name": "Maija Meikäläinen", "email": "maija@example.fi"}
    assert sent_extras(checked.message) == (("https://kuvat.example.fi/1.jpg",), 60.184, 24.95)


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        pytest.param({"description": "x"}, Open311Error(400, "service_code is required"), id="no-code"),
        pytest.param(
            {"service_code": "zoo", "description": "x"},
            Open311Error(404, "service_code 'zoo' is not a service of this endpoint"),
            id="unknown-code",
        ),
        pytest.param(
            {"service_code": "parks", "description": "  \x00 "},
            Open311Error(400, "description is required and may not be empty"),
            id="blank-description",
        ),
        pytest.param(
            {"service_code": "parks", "description": "x" * 10_000},
            Open311Error(400, "description is longer than 4000 characters"),
            id="long-description",
        ),
        pytest.param(
            {"service_code": "parks", "description": "x", "attribute[place]": "atlantis"},
            Open311Error(400, "attribute[place] 'atlantis' is not one of the service's places"),
            id="unknown-place",
        ),
        pytest.param(
            {"service_code": "parks", "description": "x", "lat": "91", "long": "24"},
            Open311Error(400, "lat and long must both be given as WGS84 decimal degrees"),
            id="lat-out-of-range",
        ),
        pytest.param(
            {"service_code": "parks", "description": "x", "lat": "60.1"},
            Open311Error(400, "lat and long must both be given as WGS84 decimal degrees"),
            id="lat-without-long",
        ),
        pytest.param(
            {"service_code": "parks", "description": "x", "email": "not-an-address"},
            Open311Error(400, "email is not an email address"),
            id="bad-email",
        ),
        pytest.param(
            {"service_code": "parks", "description": "x" * 4000, "address_string": "y" * 1000},
            Open311Error(400, "title, description, address_string and media_url are longer than 5000 characters"),
            id="too-long-together",
        ),
        pytest.param(
            {"service_code": "parks", "description": "x", "media_url": "javascript:alert(1)"},
            Open311Error(400, "media_url must be an http or https URL"),
            id="script-url",
        ),
    ],
)
def test_a_bad_post_gets_the_spec_error_naming_the_field(form: dict[str, str], expected: Open311Error) -> None:
    checked = check_submission(form, service_codes=["parks"], places=["kallio"])
    assert checked == [expected]


def test_every_problem_of_a_post_is_listed_at_once() -> None:
    checked = check_submission({"email": "x"}, service_codes=["parks"], places=None)
    assert isinstance(checked, list)
    assert [e.description.split()[0] for e in checked] == ["service_code", "description", "email"]


def test_xml_lists_repeat_their_items_and_none_is_an_empty_element() -> None:
    xml = to_xml(
        "service_definition",
        {
            "service_code": "parks",
            "attributes": [
                {"code": "place", "required": False, "datatype_description": None, "values": [{"key": "kallio"}]}
            ],
        },
    )
    root = ElementTree.fromstring(xml)
    assert root.tag == "service_definition"
    assert root.findtext("attributes/attribute/required") == "false"
    assert root.find("attributes/attribute/datatype_description").text is None  # type: ignore[union-attr]
    assert root.findtext("attributes/attribute/values/value/key") == "kallio"


def test_xml_of_a_list_escapes_what_it_carries() -> None:
    xml = to_xml("errors", [{"code": 400, "description": "<script>&"}], item="error")
    assert b"&lt;script&gt;&amp;" in xml
    assert ElementTree.fromstring(xml).findtext("error/description") == "<script>&"


@pytest.mark.parametrize(
    ("value", "lang"),
    [
        pytest.param(None, "fi", id="none"),
        pytest.param("sv_FI", "sv", id="sv-FI"),
        pytest.param("en-GB", "en", id="en-GB"),
        pytest.param("de", "fi", id="unknown"),
    ],
)
def test_locale_is_one_of_the_three_languages(value: str | None, lang: str) -> None:
    assert locale_of(value) == lang


def test_w3c_times_read_and_written() -> None:
    assert parse_w3c("2026-11-29T10:00:00Z") == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert parse_w3c("2026-11-29") == datetime(2026, 11, 28, 22, 0, tzinfo=UTC)  # midnight in Helsinki
    assert w3c(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)) == "2026-07-01T12:00:00+03:00"  # summer time
    with pytest.raises(ValueError):
        parse_w3c("yesterday")


FIELD = st.one_of(st.none(), st.text(max_size=60), st.sampled_from(["parks", "kallio", "60.1", "24.9", "a@b.fi"]))
LONG = st.one_of(
    st.none(), st.text(min_size=0, max_size=1200), st.text(alphabet="ab\n\r ", min_size=3000, max_size=4500)
)


@given(
    form=st.fixed_dictionaries(
        {
            "service_code": FIELD,
            "description": LONG,
            "title": FIELD,
            "attribute[place]": FIELD,
            "lat": FIELD,
            "long": FIELD,
            "address_string": LONG,
            "media_url": st.one_of(FIELD, st.builds(lambda s: "https://x.fi/" + s, st.text(max_size=1100))),
            "email": FIELD,
            "phone": FIELD,
            "first_name": FIELD,
            "last_name": FIELD,
            "locale": FIELD,
        }
    )
)
@settings(max_examples=300, deadline=None)
def test_whatever_a_post_holds_it_is_refused_in_words_or_makes_a_valid_record(form: dict[str, str | None]) -> None:
    checked = check_submission(form, service_codes=["parks"], places=["kallio"])
    if isinstance(checked, list):
        assert checked and all(e.code in (400, 404) and e.description for e in checked)
        return
    body: dict[str, object] = {"process": "demo", "topic": checked.service_code, "message": checked.message}
    body["lang"] = checked.lang
    if checked.place is not None:
        body["place"] = checked.place
    make_record("feedback.item", body, device="t" + "a" * 16, day="2026-11-29")  # raises if the body is invalid
