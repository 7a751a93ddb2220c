"""The feedback presenter without a window: the steps, bad input refused in words, contact
details sealed on the terminal (and opened with the server's key), nothing personal in the
terminal's database in the clear, the reference code, and the idle reset."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from kiosk_factories import FakeServer

from kiosk.feedback_flow import MESSAGE_LIMIT, FeedbackFlow, check_email, check_phone
from kiosk.terminal import Terminal, store_path
from shared_models import validate_body
from shared_models.errors import SealedBoxError
from shared_models.receipts import receipt_code
from shared_models.records import verify_record
from shared_models.sealed_box import open_sealed

RECORD_ID = "abcdefghijklmnopqrstuvwxyz"
SETTINGS: dict[str, Any] = {
    "topics": [
        {"id": "streets", "name": {"fi": "Kadut", "sv": "Gator", "en": "Streets"}},
        {"id": "parks", "name": {"fi": "Puistot", "sv": "Parker", "en": "Parks"}},
    ],
    "places": [
        {"id": "kallio", "name": {"fi": "Kallio", "sv": "Berghäll", "en": "Kallio"}},
        {"id": "malmi", "name": {"fi": "Malmi", "sv": "Malm", "en": "Malmi"}},
    ],
    "reply_days": 5,
}


@dataclass
class Process:
    settings: dict[str, Any]
    id: str = "palaute-2026"


@dataclass
class Captured:
    id: str


@dataclass
class Recorder:
    """The terminal's ``capture``: keeps what it is given; can be told to fail."""

    captured: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    fail: bool = False

    def capture(self, kind: str, body: dict[str, Any], *, record_id: str | None = None) -> Captured:
        if self.fail:
            raise OSError("disk full")
        self.captured.append((kind, body, record_id))
        return Captured(record_id or RECORD_ID)


@pytest.fixture
def server_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def step_of(flow: Any) -> str:
    """The flow's step now (a call, so mypy does not keep an earlier narrowing of ``flow.step``)."""
    return str(flow.step)


def make_flow(
    terminal: Any = None, *, key: X25519PrivateKey | None = None, settings: dict[str, Any] | None = None
) -> FeedbackFlow:
    return FeedbackFlow(
        Process({"feedback": settings if settings is not None else SETTINGS}),
        terminal if terminal is not None else Recorder(),
        sealing_key=key.public_key() if key is not None else None,
        new_id=lambda: RECORD_ID,
    )


MESSAGE = "Katuvalo on rikki Mäkelänkadulla."


def to_review(flow: FeedbackFlow, *, message: str = MESSAGE, place: str | None = "kallio") -> None:
    assert flow.choose_topic("streets")
    flow.set_message(message)
    assert flow.submit_message()
    assert flow.choose_place(place)
    assert flow.choose_reply(False)
    assert step_of(flow) == "review"


def test_the_steps_in_order_with_their_numbers() -> None:
    flow = make_flow()
    seen = [(flow.step, flow.number)]
    flow.choose_topic("parks")
    seen.append((flow.step, flow.number))
    flow.set_message("Penkki puuttuu.")
    flow.submit_message()
    seen.append((flow.step, flow.number))
    flow.choose_place(None)
    seen.append((flow.step, flow.number))
    flow.choose_reply(False)
    seen.append((flow.step, flow.number))
    assert seen == [("topic", 1), ("message", 2), ("place", 3), ("reply", 4), ("review", 5)]


def test_an_anonymous_feedback_is_captured_once_with_its_reference_code() -> None:
    recorder = Recorder()
    flow = make_flow(recorder)
    to_review(flow)
    assert flow.send("fi")
    ((kind, body, record_id),) = recorder.captured
    assert kind == "feedback.item" and record_id == RECORD_ID
    assert body == {
        "process": "palaute-2026",
        "topic": "streets",
        "message": "Katuvalo on rikki Mäkelänkadulla.",
        "lang": "fi",
        "place": "kallio",
    }
    validate_body("feedback.item", body)
    assert step_of(flow) == "sent" and flow.reference == receipt_code(RECORD_ID) == "ABCD-EFGH-IJ"
    assert flow.replied_days == 0
    assert flow.message == "" and flow.topic_id is None  # nothing of the feedback kept past the capture


def test_no_place_leaves_the_place_out_of_the_body() -> None:
    recorder = Recorder()
    flow = make_flow(recorder)
    to_review(flow, place=None)
    flow.send("sv")
    assert "place" not in recorder.captured[0][1] and recorder.captured[0][1]["lang"] == "sv"


def test_a_process_without_places_skips_the_place_step() -> None:
    flow = make_flow(settings={**SETTINGS, "places": []})
    flow.choose_topic("streets")
    flow.set_message("Hyvä.")
    flow.submit_message()
    assert step_of(flow) == "reply"
    assert flow.back() and step_of(flow) == "message"


@pytest.mark.parametrize("message", ["", "   ", "\n \t"], ids=["empty", "spaces", "whitespace"])
def test_an_empty_message_is_refused_in_words(message: str) -> None:
    flow = make_flow()
    flow.choose_topic("streets")
    flow.set_message(message)
    assert not flow.submit_message()
    assert step_of(flow) == "message"
    assert flow.error is not None and flow.error.key == "feedback.message.empty" and flow.error.tone == "error"
    flow.set_message("Nyt on sanoja.")
    assert flow.error is None  # the error goes as soon as there is text


def test_ten_thousand_characters_are_cut_at_the_limit() -> None:
    recorder = Recorder()
    flow = make_flow(recorder)
    flow.choose_topic("streets")
    flow.set_message("ä" * 10_000)
    assert flow.count == MESSAGE_LIMIT < 10_000
    assert flow.submit_message()
    flow.choose_place(None)
    flow.choose_reply(False)
    assert flow.send("fi")
    body = recorder.captured[0][1]
    assert len(body["message"]) == MESSAGE_LIMIT
    validate_body("feedback.item", body)


def test_an_unknown_topic_is_refused_and_nothing_moves() -> None:
    flow = make_flow()
    assert not flow.choose_topic("weather")
    assert step_of(flow) == "topic" and flow.topic_id is None
    assert flow.error is not None and flow.error.key == "feedback.topic.unknown"


def test_a_place_not_offered_is_refused() -> None:
    flow = make_flow()
    flow.choose_topic("streets")
    flow.set_message("Kuoppa.")
    flow.submit_message()
    assert not flow.choose_place("espoo")
    assert step_of(flow) == "place" and flow.place_id is None
    assert flow.error is not None and flow.error.key == "feedback.place.unknown"


def test_a_terminal_without_the_sealing_key_cannot_take_a_reply() -> None:
    flow = make_flow(key=None)
    flow.choose_topic("streets")
    flow.set_message("Kuoppa.")
    flow.submit_message()
    flow.choose_place(None)
    assert not flow.can_reply
    assert not flow.choose_reply(True)
    assert step_of(flow) == "reply" and not flow.wants_reply
    assert flow.error is not None and flow.error.key == "feedback.reply.unavailable"


def reply_flow(recorder: Recorder, key: X25519PrivateKey) -> FeedbackFlow:
    flow = make_flow(recorder, key=key)
    flow.choose_topic("parks")
    flow.set_message("Puiston valot eivät toimi.")
    flow.submit_message()
    flow.choose_place("malmi")
    assert flow.choose_reply(True)
    assert step_of(flow) == "contact" and flow.number == 4
    return flow


def test_contact_details_are_sealed_to_the_server_key_with_the_record_id(server_key: X25519PrivateKey) -> None:
    recorder = Recorder()
    flow = reply_flow(recorder, server_key)
    flow.set_contact("name", "Äijö Åström")
    flow.set_contact("email", "Aijo.Astrom@Example.FI")
    assert flow.submit_contact() and step_of(flow) == "review"
    assert flow.send("fi")
    ((_kind, body, _record_id),) = recorder.captured
    assert body["wants_reply"] is True
    assert "aijo" not in json.dumps(body).lower() and "Åström" not in json.dumps(body, ensure_ascii=False)
    plaintext = open_sealed(server_key, body["contact"], context=RECORD_ID.encode())
    assert json.loads(plaintext) == {"name": "Äijö Åström", "email": "aijo.astrom@example.fi"}
    with pytest.raises(SealedBoxError):  # bound to its record: another id does not open it
        open_sealed(server_key, body["contact"], context=b"zzzzzzzzzzzzzzzzzzzzzzzzzz")
    assert flow.replied_days == 5
    assert flow.contact == {"name": "", "email": "", "phone": ""}  # forgotten after the capture


@pytest.mark.parametrize(
    ("email", "phone", "key", "field"),
    [
        ("", "", "feedback.contact.missing", "email"),
        ("matti", "", "feedback.contact.email_bad", "email"),
        ("matti@", "", "feedback.contact.email_bad", "email"),
        ("matti@example", "", "feedback.contact.email_bad", "email"),
        ("a@b@example.fi", "", "feedback.contact.email_bad", "email"),
        ("", "123", "feedback.contact.phone_bad", "phone"),
        ("", "040 123 4567 890 123 45", "feedback.contact.phone_bad", "phone"),
        ("", "040-abc-4567", "feedback.contact.phone_bad", "phone"),
    ],
    ids=["nothing", "no-at", "no-domain", "no-dot", "two-ats", "short-phone", "long-phone", "letters-in-phone"],
)
def test_bad_contact_details_are_refused_in_words(
    server_key: X25519PrivateKey, email: str, phone: str, key: str, field: str
) -> None:
    recorder = Recorder()
    flow = reply_flow(recorder, server_key)
    flow.set_contact("email", email)
    flow.set_contact("phone", phone)
    assert not flow.submit_contact()
    assert step_of(flow) == "contact" and flow.field == field
    assert flow.error is not None and flow.error.key == key
    assert not recorder.captured


@pytest.mark.parametrize(
    ("email", "phone"),
    [("matti@example.fi", ""), ("", "+358 40 123 4567"), ("", "040-1234567"), ("m.v@kunta.hel.fi", "0401234567")],
    ids=["email", "international-phone", "dashed-phone", "both"],
)
def test_plausible_contact_details_pass(email: str, phone: str) -> None:
    assert (check_email(email) if email else None) is None
    assert (check_phone(phone) if phone else None) is None


def test_a_phone_number_alone_is_enough(server_key: X25519PrivateKey) -> None:
    recorder = Recorder()
    flow = reply_flow(recorder, server_key)
    flow.set_contact("phone", "040 123 4567")
    assert flow.submit_contact()
    flow.send("en")
    plaintext = open_sealed(server_key, recorder.captured[0][1]["contact"], context=RECORD_ID.encode())
    assert json.loads(plaintext) == {"phone": "040 123 4567"}


def test_changing_a_part_from_the_review_comes_back_to_the_review() -> None:
    flow = make_flow()
    to_review(flow)
    flow.edit("topic")
    assert step_of(flow) == "topic"
    flow.choose_topic("parks")
    assert step_of(flow) == "review" and flow.topic_id == "parks"
    flow.edit("message")
    flow.set_message("Toinen teksti.")
    flow.submit_message()
    assert step_of(flow) == "review" and flow.message == "Toinen teksti."
    flow.edit("place")
    flow.choose_place("malmi")
    assert step_of(flow) == "review" and flow.place_id == "malmi"
    flow.edit("message")
    assert flow.back() and step_of(flow) == "review"  # Back while changing: the review again, unchanged
    with pytest.raises(ValueError, match="no part"):
        flow.edit("contact-in-the-clear")


def test_leaving_the_contact_step_by_back_withdraws_the_reply(server_key: X25519PrivateKey) -> None:
    recorder = Recorder()
    flow = reply_flow(recorder, server_key)
    assert flow.back() and step_of(flow) == "reply" and not flow.wants_reply
    flow.choose_reply(False)
    flow.send("fi")
    assert "contact" not in recorder.captured[0][1]


def test_a_failed_capture_keeps_everything_and_says_so() -> None:
    recorder = Recorder(fail=True)
    flow = make_flow(recorder)
    to_review(flow)
    assert not flow.send("fi")
    assert step_of(flow) == "review" and flow.message.startswith("Katuvalo")
    assert flow.error is not None and flow.error.key == "feedback.save_failed"
    recorder.fail = False
    assert flow.send("fi") and step_of(flow) == "sent"


def test_the_idle_reset_forgets_everything_and_captures_nothing(server_key: X25519PrivateKey) -> None:
    recorder = Recorder()
    flow = reply_flow(recorder, server_key)
    flow.set_contact("email", "matti@example.fi")
    flow.walked_away()
    assert recorder.captured == []
    assert (flow.step, flow.topic_id, flow.message, flow.place_id, flow.wants_reply) == ("topic", None, "", None, False)
    assert flow.contact == {"name": "", "email": "", "phone": ""}


def test_on_a_real_terminal_the_record_verifies_and_no_contact_rests_in_the_clear(
    enrolled_kiosk: Terminal, server: FakeServer
) -> None:
    manifest = enrolled_kiosk.manifest()
    assert manifest is not None
    process = manifest.process("demo")
    flow = FeedbackFlow(process, enrolled_kiosk, sealing_key=server.sealing.public_key())
    flow.choose_topic("streets")
    flow.set_message("Katulamppu vilkkuu Kalliossa.")
    flow.submit_message()
    flow.choose_place("kallio")
    flow.choose_reply(True)
    flow.set_contact("name", "Maija Meikäläinen")
    flow.set_contact("email", "maija.meikalainen@example.fi")
    flow.set_contact("phone", "040 765 4321")
    flow.submit_contact()
    assert flow.send("fi")
    (record,) = [r for r in enrolled_kiosk.store.records() if r.kind == "feedback.item"]
    verify_record(record, enrolled_kiosk.key.public_key())
    assert flow.reference == receipt_code(record.id)
    contact = open_sealed(server.sealing, record.body["contact"], context=record.id.encode())
    assert json.loads(contact)["email"] == "maija.meikalainen@example.fi"
    enrolled_kiosk.store.close()
    stored = b"".join(p.read_bytes() for p in store_path(enrolled_kiosk.kdir).parent.glob("kiosk.db*"))
    for personal in ("maija.meikalainen", "Meikäläinen", "765 4321"):
        assert personal.encode() not in stored
    assert b"Katulamppu" in stored  # the message itself is stored (it is not personal data)


def test_markup_in_the_text_is_kept_as_plain_text_for_the_server_to_flag() -> None:
    """The on-screen keyboard has no < or > keys; a text with markup that arrives anyway is
    sent as typed (never interpreted here); the server stores it as text and flags it."""
    recorder = Recorder()
    flow = make_flow(recorder)
    to_review(flow, message="<script>alert(1)</script> Katu")
    assert flow.send("fi")
    assert recorder.captured[0][1]["message"] == "<script>alert(1)</script> Katu"
