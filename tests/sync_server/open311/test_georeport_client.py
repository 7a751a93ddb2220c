"""The ``georeport`` client from PyPI (0.3.x) as a real client of the real server, in JSON and XML.

The client reads services, service definitions and requests; it has no call for POST requests or
tokens, so those go through httpx (``test_http``), and here only to make a request to read back."""

from __future__ import annotations

import httpx
import pytest
from georeport import GeoReport
from sqlalchemy import Engine

from sync_server.services import feedback
from tests.sync_server.feedback.helpers import session_of, staff_member
from tests.sync_server.open311.test_http import NOW

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def reference(live_server: str, engine: Engine, api_key: str) -> str:
    """One routed, answered and published service request; its id."""
    answer = httpx.post(
        f"{live_server}/open311/v2/requests.json",
        data={"api_key": api_key, "service_code": "parks", "description": "Penkki rikki", "attribute[place]": "kallio"},
        timeout=30,
    )
    token = answer.json()[0]["token"]
    responder = staff_member(901, role="responder", team="parks")
    with session_of(engine) as session:
        with session.begin():
            [case] = [c for c in feedback.triage_queue(session) if c.record_id == token]
        feedback.route_case(
            session, case_id=case.id, staff=staff_member(900, role="dispatcher"), now=NOW, topic="parks"
        )
        feedback.answer_case(session, case_id=case.id, text="Korjattu.", staff=responder, now=NOW)
        feedback.publish_case(session, case_id=case.id, staff=responder, now=NOW)
        return case.reference


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_services_definitions_and_requests(
    live_server: str, reference: str, fmt: str
) -> None:
    client = GeoReport(f"{live_server}/open311/v2/", output_format=fmt)
    services = client.get_service_list()
    assert "parks" in [s["service_code"] for s in services]

    definition = client.get_service_definition("parks")
    attribute = definition["attributes"][0] if fmt == "json" else definition["attributes"]["attribute"]
    assert attribute["code"] == "place" and attribute["datatype"] == "singlevaluelist"

    requests = client.get_service_requests(service_code="parks", status="closed")
    request = requests[0] if fmt == "json" else requests  # xmltodict: one element is a dict, not a list
    assert request["service_request_id"] == reference
    assert request["description"] == "Penkki rikki" and request["status_notes"] == "Korjattu."

    one = client.get_service_request(reference)
    assert one["service_request_id"] == reference and one["status"] == "closed"
    assert one["address"] == "Kallio"
