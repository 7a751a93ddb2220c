"""Feedback from the terminal's own presenter to the server's case, with the real pieces: a
terminal enrolled over HTTP (its SQLite store), ``kiosk.feedback_flow.FeedbackFlow`` driven as
the screens drive it (topic, message, place, "I want a reply", contact details, review, Send),
a sync over HTTP to the real server app (uvicorn on a loopback port); the server holds one
case under the very reference code the thank-you screen showed, its public page finds it,
and the contact details open with the server's sealing key (and only there: the terminal's
database holds no trace of them in the clear)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import sqlalchemy as sa

from kiosk.enroll import enroll_terminal
from kiosk.feedback_flow import FeedbackFlow
from kiosk.terminal import store_path
from shared_models.keys import x25519_public_from_b64
from shared_models.sealed_box import open_sealed
from sync_server.admin import create_enrollment_token, init_data_dir, load_settings
from tests.sync_server.servers import server_thread

EMAIL = "aino.aaltonen@example.fi"
PHONE = "+358 40 765 4321"


def test_feedback_given_on_the_terminal_becomes_a_case_with_the_same_reference_and_an_openable_contact(
    tmp_path: Path,
) -> None:
    server_dir = tmp_path / "server"
    init_data_dir(server_dir, demo=True)
    settings = load_settings(server_dir)

    with server_thread(settings) as url:
        terminal = enroll_terminal(
            tmp_path / "kiosk", server_url=url, token=create_enrollment_token(settings, name="Kallio 1"), pin="2468"
        )
        manifest = terminal.manifest()
        assert manifest is not None
        process = manifest.process("demo")
        assert process is not None and "feedback" in process.activities

        flow = FeedbackFlow(process, terminal, sealing_key=x25519_public_from_b64(manifest.sealing_key))
        assert flow.choose_topic("parks")
        flow.set_message("Leikkipuiston keinu on rikki Kalliossa.")
        assert flow.submit_message()
        assert flow.choose_place("kallio")
        assert flow.choose_reply(True)
        flow.set_contact("name", "Aino Aaltonen")
        flow.set_contact("email", EMAIL)
        flow.set_contact("phone", PHONE)
        assert flow.submit_contact() and flow.step == "review"
        assert flow.send("fi")
        assert str(flow.step) == "sent"  # str(): mypy would keep the narrowing from before send()
        reference = flow.reference
        promised = flow.replied_days

        terminal.seal(force=True)
        report = terminal.sync()
        assert report.push.statuses["accepted"] >= 2  # the seal and the feedback

        with httpx.Client(base_url=url) as public:
            page = public.get("/feedback/case", params={"code": reference})
        assert page.status_code == 200
        assert f"{reference}: vastaanotettu" in page.text
        kdir = terminal.kdir
        terminal.close()

    engine = sa.create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            cases = connection.execute(
                sa.text("SELECT record_id, reference, record_hash, place, due_on FROM feedback_cases")
            ).all()
            ((record_id, case_reference, record_hash, place, due_on),) = cases
            raw = connection.execute(sa.text("SELECT raw FROM records WHERE hash = :h"), {"h": record_hash}).scalar()
    finally:
        engine.dispose()
    assert case_reference == reference and place == "kallio" and due_on is not None
    assert promised == 7
    assert raw is not None
    box = json.loads(raw)["body"]["contact"]
    contact = json.loads(open_sealed(settings.load_keys().sealing, box, context=record_id.encode()))
    assert contact == {"name": "Aino Aaltonen", "email": EMAIL, "phone": PHONE}

    stored = b"".join(path.read_bytes() for path in store_path(kdir).parent.glob("kiosk.db*"))
    for personal in (EMAIL, "Aaltonen", "765 4321"):
        assert personal.encode() not in stored
