"""Feedback on the terminal, as a plain-Python presenter.

``FeedbackFlow`` holds one person's feedback while they give it and says what the screens
show; ``kiosk/screens/feedback_screen.py`` only renders it and passes touches in. Messages
are catalog keys with fields (``librarian_panel.Message``), never words.

Steps, numbered for the "2 / 5" the screen shows: ``topic`` (1, large tiles with a picture
and words) -> ``message`` (2, typed on the on-screen keyboard) -> ``place`` (3, a district
from the process's places, or "no place"; skipped when the process lists none) -> ``reply``
(4, anonymous by default; "I want a reply" leads to ``contact``, also 4) -> ``review`` (5,
every part in words with its own Change button) -> ``sent`` (the reference code).

Bad input is refused in words where it is made: an empty message (``feedback.message.empty``),
a topic or place the process does not offer (``feedback.topic.unknown`` /
``feedback.place.unknown``; a screen only offers known ones, so this guards the presenter),
a message longer than ``MESSAGE_LIMIT`` is cut at the limit as it is typed (the keyboard takes
nothing more; ``set_message`` cuts a longer text the same way), contact details without an
email or a phone number, or with one that is not plausible (``feedback.contact.*``).

Contact details: only when the person asks for a reply, and only on a terminal that holds the
server's sealing key (``can_reply``; without it the reply step says in words that this
terminal cannot take contact details). On Send they are sealed on the terminal
(``shared_models.sealed_box.seal_to``, the record id as context, the JSON ``{"email", "name",
"phone"}`` the server's ``reveal_contact`` reads) into the body before the record is
captured; the clear text is never stored, logged or put in a record, and it is forgotten
(with the message) as soon as the record is stored.

Reference code: ``shared_models.receipts.receipt_code(record.id)``, the same code the server
gives the case (``sync_server.services.feedback``) and its public page
``/feedback/case?code=...`` accepts. The thank-you (``sent``) shows only after the capture
returned, i.e. after the record is durably stored.

Idle reset (the person walked away): ``walked_away()`` forgets everything (topic, typed
text, contact details) and captures nothing: feedback is only given by pressing Send after
the review, and a half-written message may be something the writer did not mean to send.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Literal, Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from kiosk.librarian_panel import Message
from shared_models.bodies import MAX_MESSAGE, validate_body
from shared_models.feedback import FeedbackSettings, Place, Topic, parse_feedback_settings
from shared_models.receipts import receipt_code
from shared_models.records import new_record_id
from shared_models.sealed_box import seal_to

__all__ = [
    "CONTACT_FIELDS",
    "CONTACT_LIMITS",
    "MESSAGE_LIMIT",
    "STEPS",
    "STEP_COUNT",
    "FeedbackFlow",
    "check_email",
    "check_phone",
    "contact_plaintext",
]

Step = Literal["topic", "message", "place", "reply", "contact", "review", "sent"]
Field = Literal["name", "email", "phone"]
STEPS: tuple[Step, ...] = ("topic", "message", "place", "reply", "contact", "review", "sent")
STEP_NUMBER: dict[str, int] = {"topic": 1, "message": 2, "place": 3, "reply": 4, "contact": 4, "review": 5}
STEP_COUNT = 5
MESSAGE_LIMIT = MAX_MESSAGE  # what a feedback body may carry
CONTACT_FIELDS: tuple[Field, ...] = ("name", "email", "phone")
CONTACT_LIMITS: dict[str, int] = {"name": 100, "email": 100, "phone": 20}
EDITABLE = ("topic", "message", "place", "reply")

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()-]+$")


class FeedbackTerminal(Protocol):
    def capture(self, kind: str, body: dict[str, Any], *, record_id: str | None = None) -> Any: ...


def check_email(text: str) -> str | None:
    """The catalog key saying what is wrong with an email address, or None when it looks right."""
    if not _EMAIL.fullmatch(text) or ".." in text:
        return "feedback.contact.email_bad"
    return None


def check_phone(text: str) -> str | None:
    """The catalog key saying what is wrong with a phone number (7 to 15 digits, may start with +)."""
    digits = sum(c.isdigit() for c in text)
    if not _PHONE_CHARS.fullmatch(text) or not 7 <= digits <= 15:
        return "feedback.contact.phone_bad"
    return None


def contact_plaintext(contact: dict[str, str]) -> bytes:
    """What is sealed: the fields given, as compact sorted JSON (UTF-8)."""
    given = {name: value for name, value in contact.items() if value}
    return json.dumps(given, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class FeedbackFlow:
    """One person's feedback; ``reset()`` forgets it all for the next person."""

    def __init__(
        self,
        process: Any,
        terminal: FeedbackTerminal,
        *,
        sealing_key: X25519PublicKey | None,
        new_id: Callable[[], str] = new_record_id,
    ) -> None:
        self.process = process
        self.terminal = terminal
        self.settings: FeedbackSettings = parse_feedback_settings(process.settings.get("feedback", {}))
        self.sealing_key = sealing_key
        self._new_id = new_id
        self.reset()

    # -- state -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the person: no topic, no text, no place, no contact details, back to the topics."""
        self.step: Step = "topic"
        self.topic_id: str | None = None
        self.message = ""
        self.place_id: str | None = None
        self.place_chosen = False  # "no place" is a choice too
        self.wants_reply = False
        self.contact: dict[str, str] = dict.fromkeys(CONTACT_FIELDS, "")
        self.field: Field = "email"
        self.editing = False  # came from the review to change one part
        self.error: Message | None = None
        self.reference = ""  # the sent feedback's reference code
        self.replied_days = 0  # the reply promise shown on the thank-you (0: no reply asked)

    @property
    def can_reply(self) -> bool:
        """Whether this terminal can take contact details (it holds the server's sealing key)."""
        return self.sealing_key is not None

    @property
    def reply_days(self) -> int:
        return self.settings.reply_days

    @property
    def topics(self) -> list[Topic]:
        return list(self.settings.topics)

    @property
    def places(self) -> list[Place]:
        return list(self.settings.places)

    @property
    def topic(self) -> Topic | None:
        return self.settings.topic(self.topic_id)

    @property
    def place(self) -> Place | None:
        return self.settings.place(self.place_id)

    @property
    def number(self) -> int:
        """The step on screen counted from 1 (0 on the thank-you)."""
        return STEP_NUMBER.get(self.step, 0)

    @property
    def count(self) -> int:
        return len(self.message)

    def _next(self, step: Step) -> None:
        self.error = None
        if self.editing and step in ("message", "place", "reply"):
            step = "review"  # one part changed: back to the review
        if step == "place" and not self.places:
            step = "reply" if not self.editing else "review"
        if step == "review":
            self.editing = False
        self.step = step

    # -- topic -------------------------------------------------------------------

    def choose_topic(self, topic_id: str) -> bool:
        if self.settings.topic(topic_id) is None:
            self.error = Message("feedback.topic.unknown", tone="error")
            return False
        self.topic_id = topic_id
        self._next("message")
        return True

    # -- message -----------------------------------------------------------------

    def set_message(self, text: str) -> None:
        """The text as typed, cut at ``MESSAGE_LIMIT``."""
        self.message = text[:MESSAGE_LIMIT]
        if self.message.strip() and self.error is not None and self.error.key == "feedback.message.empty":
            self.error = None

    def submit_message(self) -> bool:
        self.message = self.message.strip()
        if not self.message:
            self.error = Message("feedback.message.empty", tone="error")
            return False
        self._next("place")
        return True

    # -- place -------------------------------------------------------------------

    def choose_place(self, place_id: str | None) -> bool:
        """A district the process lists, or None for "no place"."""
        if place_id is not None and self.settings.place(place_id) is None:
            self.error = Message("feedback.place.unknown", tone="error")
            return False
        self.place_id = place_id
        self.place_chosen = True
        self._next("reply")
        return True

    # -- reply and contact details -------------------------------------------------

    def choose_reply(self, wanted: bool) -> bool:
        if not wanted:
            self.wants_reply = False
            self.contact = dict.fromkeys(CONTACT_FIELDS, "")
            self.editing = False
            self._next("review")
            return True
        if not self.can_reply:
            self.error = Message("feedback.reply.unavailable", tone="error")
            return False
        self.wants_reply = True
        self.error = None
        self.field = "email" if not self.contact["phone"] or self.contact["email"] else "phone"
        self.step = "contact"
        return True

    def select_field(self, field: Field) -> None:
        if field not in CONTACT_FIELDS:
            raise ValueError(f"no contact field {field!r}")
        self.field = field

    def set_contact(self, field: Field, text: str) -> None:
        if field not in CONTACT_FIELDS:
            raise ValueError(f"no contact field {field!r}")
        if field == "email":
            text = text.lower()  # addresses are written in lower case; the keyboard capitalises first letters
        self.contact[field] = text[: CONTACT_LIMITS[field]]
        if self.error is not None and self.error.key.startswith("feedback.contact."):
            self.error = None

    def contact_problem(self) -> tuple[Field, str] | None:
        """The first problem with the contact details, as (field, catalog key), or None."""
        email, phone = self.contact["email"].strip(), self.contact["phone"].strip()
        if not email and not phone:
            return "email", "feedback.contact.missing"
        if email and (key := check_email(email)):
            return "email", key
        if phone and (key := check_phone(phone)):
            return "phone", key
        return None

    def submit_contact(self) -> bool:
        self.contact = {name: value.strip() for name, value in self.contact.items()}
        problem = self.contact_problem()
        if problem is not None:
            self.field, key = problem
            self.error = Message(key, tone="error")
            return False
        self.editing = False
        self._next("review")
        return True

    # -- review --------------------------------------------------------------------

    def edit(self, part: str) -> None:
        """A Change button on the review: that part's step, then straight back to the review."""
        if part not in EDITABLE:
            raise ValueError(f"no part {part!r} to change")
        self.error = None
        self.editing = True
        self.step = part  # type: ignore[assignment]  # checked against EDITABLE

    def back(self) -> bool:
        """The screen's Back: one step back; False when the screen should leave (from the topics)."""
        self.error = None
        if self.editing and self.step in EDITABLE:
            self.editing = False
            self.step = "review"
            return True
        previous: dict[str, Step] = {
            "message": "topic",
            "place": "message",
            "reply": "place" if self.places else "message",
            "contact": "reply",
            "review": "contact" if self.wants_reply else "reply",
        }
        if self.step == "contact":
            self.wants_reply = False  # the "yes" is not complete without contact details
        if self.step in previous:
            self.step = previous[self.step]
            return True
        return False

    def body(self, lang: str, record_id: str) -> dict[str, Any]:
        """The ``feedback.item`` body; the contact details sealed to the server key with ``record_id``."""
        if self.topic_id is None:
            raise ValueError("no topic chosen")
        body: dict[str, Any] = {
            "process": self.process.id,
            "topic": self.topic_id,
            "message": self.message.strip(),
            "lang": lang,
        }
        if self.place_id is not None:
            body["place"] = self.place_id
        if self.wants_reply:
            if self.sealing_key is None:
                raise ValueError("no sealing key: contact details cannot be taken")
            body["wants_reply"] = True
            body["contact"] = seal_to(self.sealing_key, contact_plaintext(self.contact), context=record_id.encode())
        return body

    def send(self, lang: str) -> bool:
        """Seal, capture durably, then the thank-you with the reference code. On failure a plain
        error and everything kept, so the person can try again."""
        if self.step != "review":
            return False
        if self.wants_reply and (problem := self.contact_problem()) is not None:
            self.field, key = problem
            self.error = Message(key, tone="error")
            self.step = "contact"
            return False
        record_id = self._new_id()
        body = self.body(lang, record_id)
        validate_body("feedback.item", body)
        try:
            record = self.terminal.capture("feedback.item", body, record_id=record_id)
        except Exception:
            self.error = Message("feedback.save_failed", tone="error")
            return False
        reference = receipt_code(record.id)
        replied_days = self.reply_days if self.wants_reply else 0
        self.reset()  # the text and the contact details are not kept past the capture
        self.reference = reference
        self.replied_days = replied_days
        self.step = "sent"
        return True

    def walked_away(self) -> None:
        """The idle reset: forget everything, capture nothing (the person did not press Send)."""
        self.reset()
