"""Feedback by touch on the real terminal: a topic tile, a message typed on the on-screen
keyboard with ä, ö and å, a place from the list, a reply asked for with contact details
typed on the keyboard, the review, Send; the captured record verifies, its body matches and
its contact details open with the server's key. The idle reset mid-message clears the text.
Text fit, target sizes, and pictures of every step (fi, sv, large text, high contrast) in
``/tmp/shots/feedback_kiosk/``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kiosk_factories import install_manifest, make_manifest

from shared_models import validate_body
from shared_models.receipts import receipt_code
from shared_models.records import verify_record
from shared_models.sealed_box import open_sealed
from sync_server.services.demo import demo_process

from .driving import buttons, press, settle, texts, walk

pytestmark = pytest.mark.gui

SHOTS = Path("/tmp/shots/feedback_kiosk")
MODES = {
    "fi": ("fi", False, False),
    "sv": ("sv", False, False),
    "large": ("fi", True, False),
    "contrast": ("fi", False, True),
}


def feedback_registry() -> Any:
    from kiosk.activity_registry import ActivityRegistry
    from kiosk.screens.feedback_screen import make_feedback_screen

    registry = ActivityRegistry()
    registry.register("feedback", make_feedback_screen)
    return registry


@pytest.fixture
def feedback_kiosk(enrolled_kiosk: Any, server: Any) -> Any:
    """The enrolled terminal holding the demo process: five topics, five districts, a reply in 7 days."""
    process = demo_process().model_dump()
    install_manifest(enrolled_kiosk.store, server, make_manifest(server.signing, server.sealing, [process], serial=2))
    return enrolled_kiosk


def open_feedback(app: Any) -> Any:
    welcome = app.manager.get_screen("welcome")
    (activity,) = [b for b in welcome.ids.activities.children if b.offered.activity == "feedback"]
    press(activity)
    screen = app.manager.current_screen
    assert screen.name.startswith("activity:demo:feedback")
    return screen


def feedback_records(kiosk: Any) -> list[Any]:
    return [r for r in kiosk.store.records() if r.kind == "feedback.item"]


def key_for(keyboard: Any, value: str) -> Any:
    (key,) = [k for k in buttons(keyboard) if k.key is not None and k.key.value == value]
    return key


def type_on_keyboard(screen: Any, text: str) -> None:
    """Each character by touch on its key; Capital pressed when the case on the key differs."""
    keyboard = screen.ids.keyboard
    for char in text:
        if char == " ":
            press(key_for(keyboard, "space"))
            continue
        if char.isalpha() and (char.isupper() != keyboard.shift):
            press(key_for(keyboard, "shift"))
        (key,) = [k for k in buttons(keyboard) if not k.key.special and k.text == char]
        press(key)


def test_feedback_by_touch_with_a_reply_is_captured_sealed_and_verifies(
    make_app: Any, feedback_kiosk: Any, server: Any
) -> None:
    app = make_app(feedback_kiosk, registry=feedback_registry())
    screen = open_feedback(app)
    assert "1 / 5" in screen.ids.heading.text and "Kadut ja liikenne" in texts(screen)
    press(screen.ids["topic:streets"])
    assert screen.flow.step == "message" and "2 / 5" in screen.ids.heading.text
    press(screen.ids.next)  # nothing typed: refused in words, next to the text
    assert "Viesti on tyhjä" in texts(screen) and screen.flow.step == "message"
    type_on_keyboard(screen, "Töölössä on kuoppa, älä ajä")
    press(key_for(screen.ids.keyboard, "erase"))
    press(key_for(screen.ids.keyboard, "erase"))
    type_on_keyboard(screen, "å.")
    assert screen.ids.keyboard.text == "Töölössä on kuoppa, älä aå."
    assert "27 / 5000" in screen.ids.keyboard.count_text
    press(screen.ids.next)
    assert screen.flow.step == "place" and "3 / 5" in screen.ids.heading.text
    press(screen.ids["place:kannelmaki"])
    assert screen.flow.step == "reply"
    press(screen.ids.wants_reply)
    assert screen.flow.step == "contact"
    type_on_keyboard(screen, "matti")
    press(screen.ids.next)  # no @: a plain sentence, the email field still marked
    shown = texts(screen)
    assert "Tarkista sähköpostiosoite. Esimerkiksi nimi@esimerkki.fi" in shown and screen.flow.field == "email"
    type_on_keyboard(screen, "@example.fi")
    press(screen.ids["field:name"])
    type_on_keyboard(screen, "Matti Mäkelä")
    assert screen.flow.contact["email"] == "matti@example.fi" and screen.ids["field:name"].kind == "selected"
    press(screen.ids.next)
    assert screen.flow.step == "review" and "5 / 5" in screen.ids.heading.text
    shown = texts(screen)
    for words in ("Kadut ja liikenne", "Töölössä on kuoppa, älä aå.", "Kannelmäki", "matti@example.fi", "7 päivän"):
        assert words in shown, (words, shown.splitlines())
    press(screen.ids["edit:place"])
    press(screen.ids["place:malmi"])
    assert screen.flow.step == "review" and "Malmi" in texts(screen)
    assert feedback_records(feedback_kiosk) == []  # nothing is final before Send
    press(screen.ids.send)
    (record,) = feedback_records(feedback_kiosk)
    verify_record(record, feedback_kiosk.key.public_key())
    validate_body("feedback.item", record.body)
    assert {k: v for k, v in record.body.items() if k != "contact"} == {
        "process": "demo",
        "topic": "streets",
        "message": "Töölössä on kuoppa, älä aå.",
        "lang": "fi",
        "place": "malmi",
        "wants_reply": True,
    }
    contact = json.loads(open_sealed(server.sealing, record.body["contact"], context=record.id.encode()))
    assert contact == {"name": "Matti Mäkelä", "email": "matti@example.fi"}
    assert screen.ids.reference.text == receipt_code(record.id)
    shown = texts(screen)
    assert "osoitteessa osallistu.test/feedback/case. Kirjoita sinne tämä tunnus." in shown
    assert "Saat vastauksen 7 päivän kuluessa." in shown
    press(screen.ids.done)
    assert app.manager.current == "welcome"


def test_an_anonymous_feedback_with_no_place_in_swedish(make_app: Any, feedback_kiosk: Any) -> None:
    app = make_app(feedback_kiosk, registry=feedback_registry())
    app.set_language("sv")
    screen = open_feedback(app)
    press(screen.ids["topic:parks"])
    type_on_keyboard(screen, "Fler bänkar")
    press(screen.ids.next)
    press(screen.ids["place:none"])
    press(screen.ids.no_reply)
    assert "Ingen särskild plats" in texts(screen) and "Jag vill inte ha svar" in texts(screen)
    press(screen.ids.send)
    (record,) = feedback_records(feedback_kiosk)
    assert record.body == {"process": "demo", "topic": "parks", "message": "Fler bänkar", "lang": "sv"}
    assert "Tack för din respons" in texts(app.root)


def test_idle_reset_mid_message_clears_the_text_and_captures_nothing(
    make_app: Any, feedback_kiosk: Any, clock: Any
) -> None:
    app = make_app(feedback_kiosk, registry=feedback_registry())
    screen = open_feedback(app)
    press(screen.ids["topic:waste"])
    type_on_keyboard(screen, "Roskis on täynnä")
    keyboard = screen.ids.keyboard
    clock.advance(app.idle.idle_seconds + 1)
    settle()
    assert app.warning is not None  # the warning first, with time to answer
    clock.advance(app.idle.warning_seconds + 1)
    settle()
    assert app.manager.current == "welcome" and app.warning is None
    assert feedback_records(feedback_kiosk) == []
    assert screen.flow.message == "" and screen.flow.topic_id is None and keyboard.text == ""
    again = open_feedback(app)
    assert again.flow.step == "topic" and "Roskis" not in texts(again)
    press(again.ids["topic:waste"])
    assert again.ids.keyboard.text == "" and "Roskis" not in texts(again)


def test_a_terminal_without_a_sealing_key_explains_that_it_cannot_take_a_reply(
    make_app: Any, feedback_kiosk: Any
) -> None:
    from kiosk.screens.feedback_screen import FeedbackScreen

    app = make_app(feedback_kiosk, registry=feedback_registry())
    screen = open_feedback(app)
    screen.flow.sealing_key = None  # as on a terminal whose manifest has no usable key
    press(screen.ids["topic:streets"])
    type_on_keyboard(screen, "Hei")
    press(screen.ids.next)
    press(screen.ids["place:none"])
    assert isinstance(screen, FeedbackScreen)
    assert "ei voi ottaa vastaan yhteystietoja" in texts(screen)
    assert "wants_reply" not in screen.ids and "no_reply" in screen.ids


def every_step(app: Any, *, lang: str) -> Iterator[str]:
    """Walks the feedback by touch, yielding a name at every step to look at."""
    screen = open_feedback(app)
    yield "1-topic"
    press(screen.ids["topic:streets"])
    press(screen.ids.next)
    yield "2-message-empty-refused"
    type_on_keyboard(screen, "Katuvalo on rikki Töölössä" if lang == "fi" else "Gatlampan är trasig")
    yield "2-message-typed"
    press(screen.ids.next)
    yield "3-place"
    press(screen.ids["place:kallio"])
    yield "4-reply"
    press(screen.ids.wants_reply)
    type_on_keyboard(screen, "maija")
    press(screen.ids.next)
    yield "4-contact-bad-email"
    type_on_keyboard(screen, "@example.fi")
    press(screen.ids["field:phone"])
    type_on_keyboard(screen, "0401234567")
    yield "4-contact-typed"
    press(screen.ids.next)
    yield "5-review"
    press(screen.ids.send)
    yield "6-thank-you"


@pytest.mark.parametrize("mode", list(MODES), ids=list(MODES))
def test_screenshots_of_every_step(make_app: Any, feedback_kiosk: Any, mode: str) -> None:
    app = make_app(feedback_kiosk, registry=feedback_registry())
    lang, app.large_text, app.high_contrast = MODES[mode]
    app.set_language(lang)
    settle()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for step in every_step(app, lang=lang):
        settle(6)
        path = SHOTS / f"feedback-{step}-{mode}.png"
        app.root.export_to_png(str(path))
        assert path.exists()
    assert len(feedback_records(feedback_kiosk)) == 1


@pytest.mark.parametrize("size", ["normal", "large"])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_feedback_text_fits_its_widget(
    make_app: Any, feedback_kiosk: Any, window: Any, lang: str, size: str
) -> None:
    """The text-fit check of ``test_text_fits`` (no word cut or split, nothing off screen) over every step."""
    from .test_text_fits import text_problems

    app = make_app(feedback_kiosk, registry=feedback_registry())
    app.lang, app.large_text = lang, size == "large"
    settle()
    problems: list[str] = []
    for step in every_step(app, lang=lang):
        settle(6)
        problems += [f"{step}: {problem}" for problem in text_problems(app.root, window)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_buttons_and_keys_are_at_least_20_mm_and_3_mm_apart(make_app: Any, feedback_kiosk: Any, large: bool) -> None:
    from kivy.metrics import Metrics

    from kiosk.theme import MIN_BUTTON_MM, MIN_GAP_MM, px_to_mm

    from .test_app_flow import _on_screen, _visible_rect

    app = make_app(feedback_kiosk, registry=feedback_registry())
    app.large_text = large
    settle()
    checked = 0
    for step in every_step(app, lang="fi"):
        settle(6)
        shown = [b for b in buttons(app.manager.current_screen) if _on_screen(app, b)]
        assert shown, step
        for b in shown:
            assert px_to_mm(min(b.width, b.height), Metrics.dpi) >= MIN_BUTTON_MM, (step, b.text)
        rects = [(*_visible_rect(app, b), b.text) for b in shown]
        for i, (x1, y1, w1, h1, t1) in enumerate(rects):
            for x2, y2, w2, h2, t2 in rects[i + 1 :]:
                gap = max(x2 - (x1 + w1), x1 - (x2 + w2), y2 - (y1 + h1), y1 - (y2 + h2))
                assert px_to_mm(gap, Metrics.dpi) >= MIN_GAP_MM - 0.01, (step, t1, t2)
        checked += 1
    assert checked == 9


def test_keys_and_next_are_on_screen_whole_in_large_text(make_app: Any, feedback_kiosk: Any, window: Any) -> None:
    from .test_text_fits import _whole_on_screen

    app = make_app(feedback_kiosk, registry=feedback_registry())
    app.large_text = app.high_contrast = True
    app.set_language("sv")
    screen = open_feedback(app)
    press(screen.ids["topic:streets"])
    settle(6)
    keys = [w for w in walk(screen.ids.keyboard) if getattr(w, "key", None) is not None]
    assert len(keys) > 40 and all(_whole_on_screen(k, window) for k in keys)
    assert _whole_on_screen(screen.ids.next, window) and _whole_on_screen(screen.ids.typed, window)
    type_on_keyboard(screen, "Hej")
    press(screen.ids.next)
    press(screen.ids["place:none"])
    press(screen.ids.wants_reply)
    settle(6)
    keys = [w for w in walk(screen.ids.keyboard) if getattr(w, "key", None) is not None]
    assert any(k.key.value == "@" for k in keys) and all(_whole_on_screen(k, window) for k in keys)
    for name in ("field:name", "field:email", "field:phone", "next"):
        assert _whole_on_screen(screen.ids[name], window), name
