"""Feedback end to end with the real pieces: a real kiosk terminal (its SQLite store) captures
feedback with contact details sealed to the server key, syncs over HTTP to the real server app
(uvicorn on a loopback port), and staff work the case on the staff pages over HTTP (CSRF forms, session cookies).

Without a trained router everything waits in triage; with a small router trained and stored
under ``DIR/router/`` (``sync_server.routing``), confident feedback goes straight to its team.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import sqlalchemy as sa

from kiosk.enroll import enroll_terminal
from kiosk.terminal import Terminal
from shared_models import ManifestProcess, new_record_id, seal_to
from shared_models.keys import x25519_public_from_b64
from shared_models.receipts import receipt_code
from sync_server.admin import create_enrollment_token, init_data_dir, load_settings
from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.routing import save_router, train_router
from sync_server.services import processes
from sync_server.services.feedback import relabelled_examples
from sync_server.settings import Settings
from tests.sync_server.feedback.conftest import make_member
from tests.sync_server.servers import server_thread
from tests.sync_server.staff import csrf_of, signed_in

CONTACT = {"name": "Maija Meikäläinen", "email": "maija@example.fi"}


def capture_feedback(
    terminal: Terminal, *, process: str, topic: str, message: str, place: str | None, contact: bool
) -> str:
    """Feedback as the terminal's screens capture it; returns the reference code the citizen is shown."""
    body: dict[str, object] = {"process": process, "topic": topic, "message": message, "lang": "fi"}
    if place:
        body["place"] = place
    record_id = new_record_id()
    if contact:
        manifest = terminal.manifest()
        assert manifest is not None
        box = seal_to(
            x25519_public_from_b64(manifest.sealing_key),
            json.dumps(CONTACT, sort_keys=True).encode(),
            context=record_id.encode(),
        )
        body.update(contact=box, wants_reply=True)
    record = terminal.capture("feedback.item", body, record_id=record_id)
    return receipt_code(record.id)


def audit_rows(settings: Settings, action: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT staff_email, target FROM audit_log WHERE action = :a ORDER BY id")
            return [(row[0], row[1]) for row in connection.execute(query, {"a": action})]
    finally:
        engine.dispose()


def case_id_of(client: httpx.Client, page: str, reference: str) -> int:
    html = client.get(page).text
    match = re.search(r'href="/staff/feedback/cases/(\d+)">' + re.escape(reference) + "<", html)
    assert match, f"{reference} is not on {page}"
    return int(match.group(1))


def post(client: httpx.Client, page: str, target: str, **fields: str) -> httpx.Response:
    return client.post(target, data={"csrf": csrf_of(client.get(page).text), **fields})


def test_feedback_from_a_real_terminal_waits_in_triage_and_is_answered_with_one_audited_contact_opening(
    tmp_path: Path,
) -> None:
    server_dir = tmp_path / "server"
    init_data_dir(server_dir, demo=True)
    settings = load_settings(server_dir)
    dispatcher = make_member(settings, role="dispatcher")
    parks = make_member(settings, role="responder", team="parks")

    with server_thread(settings) as url:
        terminal = enroll_terminal(
            tmp_path / "kiosk", server_url=url, token=create_enrollment_token(settings, name="Kallio 1"), pin="2468"
        )
        reference = capture_feedback(
            terminal, process="demo", topic="parks", message="Puiston penkki on rikki", place="kallio", contact=True
        )
        capture_feedback(
            terminal, process="demo", topic="streets", message="Katuvalo ei pala", place=None, contact=False
        )
        terminal.seal(force=True)
        report = terminal.sync()
        assert report.push.statuses["accepted"] >= 3  # the seal and both pieces of feedback

        with signed_in(url, dispatcher) as client:
            case_id = case_id_of(client, "/staff/feedback/triage", reference)  # no router: triage
            page = f"/staff/feedback/cases/{case_id}"
            assert post(client, page, f"{page}/route", topic="parks").status_code == 303

        with signed_in(url, parks) as client:
            assert case_id_of(client, "/staff/feedback/inbox", reference) == case_id
            page = f"/staff/feedback/cases/{case_id}"
            shown = post(client, page, f"{page}/contact")
            assert shown.status_code == 200 and "maija@example.fi" in shown.text
            sent = post(client, page, f"{page}/answer", text="Hei, penkki korjataan.", status="processed")
            assert sent.status_code == 303
            assert "Hei, penkki korjataan." in client.get(page).text

        with httpx.Client(base_url=url) as public:
            assert "käsitelty" in public.get("/feedback/case", params={"code": reference}).text

    assert audit_rows(settings, "feedback.contact_shown") == [(parks, reference)]
    assert [target for _, target in audit_rows(settings, "feedback.answered")] == [reference]


TRAINING = {
    "parks": [
        "Puiston penkki on rikki",
        "Leikkipuiston keinu on hajonnut",
        "Puistossa on kaatunut puu",
        "Nurmikko on leikkaamatta puistossa",
        "Puiston lampi on likainen",
        "Koirapuiston aita on rikki",
        "Puistonpenkkejä tarvitaan lisää",
        "Puiston kukkaistutukset ovat kuivuneet",
    ],
    "streets": [
        "Kadulla on syvä kuoppa",
        "Katuvalo ei pala",
        "Jalkakäytävä on jäinen ja liukas",
        "Liikennevalot ovat rikki risteyksessä",
        "Kadun lumet on auraamatta",
        "Pyörätiellä on lasinsiruja",
        "Suojatien maalaus on kulunut",
        "Katu on täynnä hiekkaa keväällä",
    ],
    "waste": [
        "Roska-astia on täynnä",
        "Jäteastiat tyhjennetään liian harvoin",
        "Kierrätyspisteellä on roskia maassa",
        "Biojäteastia haisee",
        "Roskat ovat levällään pihalla",
        "Lasinkeräys on täynnä",
        "Jätekatos on sotkuinen",
        "Muovinkeräysastia puuttuu",
    ],
}


def names(text: str) -> dict[str, str]:
    return {"fi": text, "sv": text, "en": text}


def palaute_process() -> ManifestProcess:
    return ManifestProcess(
        id="palaute",
        title=names("Palaute"),
        activities=["feedback"],
        test=False,
        status="open",
        min_seal=1,
        settings={
            "feedback": {
                "topics": [
                    {"id": "parks", "name": names("Puistot"), "team": "viheralueet"},
                    {"id": "streets", "name": names("Kadut"), "team": "katujen-kunnossapito"},
                    {"id": "waste", "name": names("Jätteet"), "team": "jatehuolto"},
                ],
                "places": [{"id": "malmi", "name": names("Malmi")}],
                "teams": [
                    {"id": "viheralueet", "name": "Viheralueet"},
                    {"id": "katujen-kunnossapito", "name": "Katujen kunnossapito"},
                    {"id": "jatehuolto", "name": "Jätehuolto"},
                ],
                "route_min_confidence_percent": 60,
            }
        },
    )


def test_a_trained_router_sends_confident_feedback_to_its_team_and_a_reroute_becomes_a_training_label(
    tmp_path: Path,
) -> None:
    server_dir = tmp_path / "server"
    init_data_dir(server_dir, demo=False)
    settings = load_settings(server_dir)
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            processes.save_process(session, settings.load_keys(), palaute_process())
    finally:
        engine.dispose()
    texts = [text for texts in TRAINING.values() for text in texts]
    labels = [label for label, texts in TRAINING.items() for _ in texts]
    save_router(train_router(texts, labels, label_name="topic"), server_dir)
    waste = make_member(settings, role="responder", team="jatehuolto")
    dispatcher = make_member(settings, role="dispatcher")

    with server_thread(settings) as url:
        terminal = enroll_terminal(
            tmp_path / "kiosk", server_url=url, token=create_enrollment_token(settings, name="Malmi 1"), pin="2468"
        )
        # The citizen picked "streets", but the text is about waste: the router knows better.
        bins = capture_feedback(
            terminal,
            process="palaute",
            topic="streets",
            message="Roska-astia on täynnä Malmilla",
            place="malmi",
            contact=False,
        )
        unsure = capture_feedback(
            terminal, process="palaute", topic="parks", message="Kirjasto on kiva", place=None, contact=False
        )
        terminal.seal(force=True)
        terminal.sync()

        with signed_in(url, waste) as client:
            case_id = case_id_of(client, "/staff/feedback/inbox", bins)
            page = f"/staff/feedback/cases/{case_id}"
            html = client.get(page).text
            assert "luokittelijan ohjaama" in html and re.search(r"varmuus (9\d|100) %", html)
            assert post(client, page, f"{page}/route", action="confirm").status_code == 303
        with signed_in(url, dispatcher) as client:
            unsure_id = case_id_of(client, "/staff/feedback/triage", unsure)  # below 60 %: triage
            page = f"/staff/feedback/cases/{unsure_id}"
            assert post(client, page, f"{page}/route", team="viheralueet").status_code == 303

    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            examples = {(e.text, e.team, e.kind) for e in relabelled_examples(session)}
    finally:
        engine.dispose()
    assert examples == {
        ("Roska-astia on täynnä Malmilla", "jatehuolto", "confirm"),
        ("Kirjasto on kiva", "viheralueet", "triage"),
    }
