"""'Read aloud' on the real terminal, with a fake espeak-ng on PATH that records what it was
asked to say: a Voxit statement and the budget projects read exactly as shown, in the
language on screen; a second press, the language switch and the idle reset stop the reading;
no button (and no error) without an engine; a broken engine is logged by name only, never
with the words; no button where contact details are typed. Pictures of a statement and the
projects with the button in Finnish, large text and high contrast."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from fake_espeak import alive, install_fake_espeak, recorded_runs, wait_ended

from kiosk.budget_flow import format_euros
from kiosk.read_aloud import spoken

from .driving import press, settle, visible, walk
from .screenshots import save
from .test_budget_screens import CODE, budget_registry, district_button, open_vote, type_code
from .test_feedback_screens import feedback_kiosk as feedback_kiosk  # a fixture
from .test_feedback_screens import feedback_registry, open_feedback
from .test_feedback_screens import type_on_keyboard as type_feedback
from .test_voxit_screens import open_conversation, voxit_registry
from .test_voxit_screens import voxit_kiosk as voxit_kiosk  # a fixture

pytestmark = pytest.mark.gui


@pytest.fixture
def described_kiosk(enrolled_kiosk: Any, server: Any) -> Any:
    """The demo process with a description for every project, in each language."""
    from kiosk_factories import install_manifest, make_manifest

    from sync_server.services.demo import demo_process

    process = demo_process().model_dump()
    for district in process["settings"]["budget"]["districts"]:
        for project in district["projects"]:
            title = project["title"]
            project["summary"] = {
                "fi": f"{title['fi']}: kaupunki rakentaa tämän ensi kesänä, jos se saa tarpeeksi ääniä.",
                "sv": f"{title['sv']}: staden bygger detta nästa sommar, om det får tillräckligt med röster.",
                "en": f"{title['en']}: the city builds this next summer if it gets enough votes.",
            }
    install_manifest(enrolled_kiosk.store, server, make_manifest(server.signing, server.sealing, [process], serial=2))
    return enrolled_kiosk


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake engine, on PATH before the app is made (the app looks for it once)."""
    return install_fake_espeak(tmp_path, monkeypatch)


def read_button(screen: Any) -> Any:
    from kiosk.widgets import ReadAloudButton

    found = [w for w in walk(screen) if isinstance(w, ReadAloudButton)]
    assert len(found) == 1, found
    (button,) = found
    assert visible(button) and screen.ids.read_aloud is button
    return button


def no_read_button(screen: Any) -> bool:
    from kiosk.widgets import ReadAloudButton

    return not [w for w in walk(screen) if isinstance(w, ReadAloudButton)]


def statement_text(screen: Any) -> str:
    """The statement as the card on screen shows it (the card's label in the largest type)."""
    from kiosk.widgets import BodyLabel

    (card,) = screen.ids.content.children
    labels = [w for w in walk(card) if isinstance(w, BodyLabel) and visible(w)]
    return str(max(labels, key=lambda label: label.font_size).text)


def events(kiosk: Any) -> list[dict[str, Any]]:
    return [r.body for r in kiosk.store.records() if r.kind == "kiosk.event"]


def test_a_statement_is_read_as_shown_and_stopped_by_a_press_the_language_and_the_idle_reset(
    make_app: Any, voxit_kiosk: Any, runs: Path, clock: Any
) -> None:
    app = make_app(voxit_kiosk, registry=voxit_registry())
    screen = open_conversation(app)
    assert read_button(screen).text == "Lue ääneen"  # the introduction has one too
    press(screen.ids.start)
    if screen.flow.current == "p9":  # the order is the participant's own: p9 is only in Swedish
        press(screen.ids.skip)
    shown = statement_text(screen)
    button = read_button(screen)
    press(button)
    (first,) = recorded_runs(runs, 1)
    assert first["stdin"] == shown and first["argv"][:2] == ["-v", "fi"]
    assert button.text == "Pysäytä" and alive(first["pid"])  # not "Lopeta": Finish says that
    press(button)  # the same button again: stop
    assert wait_ended(first["pid"]) and button.text == "Lue ääneen"

    press(button)
    second = recorded_runs(runs, 2)[1]
    app.set_language("sv")  # the words change language: the reading stops
    settle()
    assert wait_ended(second["pid"])
    button = read_button(screen)
    assert button.text == "Läs högt"
    press(button)
    third = recorded_runs(runs, 3)[2]
    assert third["stdin"] == statement_text(screen) != shown and third["argv"][:2] == ["-v", "sv"]

    press(screen.ids.agree)  # the next statement: the reading of the last one ends
    assert wait_ended(third["pid"]) and read_button(screen).text == "Läs högt"
    press(read_button(screen))
    fourth = recorded_runs(runs, 4)[3]
    clock.advance(app.idle.idle_seconds + app.idle.warning_seconds + 5)  # walked away mid-reading
    settle()
    settle()
    assert app.manager.current == "welcome" and wait_ended(fourth["pid"])
    assert not app.read_aloud.speaking()
    assert [e for e in events(voxit_kiosk) if e["event"] == "error.unexpected"] == []


def test_a_statement_only_in_swedish_is_read_in_the_swedish_voice(make_app: Any, voxit_kiosk: Any, runs: Path) -> None:
    app = make_app(voxit_kiosk, registry=voxit_registry())
    screen = open_conversation(app)
    press(screen.ids.start)
    while screen.flow.current != "p9":
        press(screen.ids.skip)
    press(read_button(screen))
    (run,) = recorded_runs(runs, 1)
    assert run["stdin"] == "Mer plats för barnvagnar." and run["argv"][:2] == ["-v", "sv"]


def test_the_budget_projects_are_read_with_title_cost_and_description_in_the_language_on_screen(
    make_app: Any, described_kiosk: Any, runs: Path
) -> None:
    from kiosk.widgets import BodyLabel

    app = make_app(described_kiosk, registry=budget_registry())
    app.set_language("en")
    settle()
    screen = open_vote(app)
    assert no_read_button(screen)  # the code step: no button where a code is typed
    type_code(screen, CODE)
    press(screen.ids.code_next)
    press(district_button(screen, "Central"))
    assert screen.flow.step == "projects"
    shown = [w for w in walk(screen.ids.content) if isinstance(w, BodyLabel) and w.text and visible(w)]
    shown.sort(key=lambda w: (-w.to_window(w.x, w.top)[1], w.to_window(w.x, w.y)[0]))  # top to bottom
    labels = [w.text for w in shown]
    flow = screen.flow
    for project in flow.projects():
        assert project.title_in("en") in labels and project.summary_in("en") in labels
    press(read_button(screen))
    (run,) = recorded_runs(runs, 1)
    # what the engine got is the labels on screen, top to bottom, a line each (sums as one number)
    assert run["stdin"] == spoken(labels) and run["argv"][:2] == ["-v", "en-gb"]
    lines = run["stdin"].splitlines()
    first = flow.projects()[0]
    at = lines.index(first.title_in("en"))
    assert lines[at + 1] == spoken([format_euros(first.cost)]) and lines[at + 2] == first.summary_in("en")
    app.set_language("fi")
    settle()
    assert wait_ended(run["pid"])
    press(read_button(screen))
    finnish = recorded_runs(runs, 2)[1]
    assert first.title_in("fi") in finnish["stdin"].splitlines() and finnish["argv"][:2] == ["-v", "fi"]

    screen.flow.toggle(first.id)
    screen.flow.to_review()
    screen.render()
    settle()
    assert wait_ended(finnish["pid"])
    press(read_button(screen))  # the review: the choices and sums, then what Confirm means
    review = recorded_runs(runs, 3)[2]
    assert first.title_in("fi") in review["stdin"]
    assert review["stdin"].splitlines()[-1] == app.tr("budget.review.final")


def test_feedback_reads_the_topics_and_never_offers_it_where_contact_details_are_typed(
    make_app: Any, feedback_kiosk: Any, runs: Path
) -> None:
    app = make_app(feedback_kiosk, registry=feedback_registry())
    screen = open_feedback(app)
    press(read_button(screen))
    (run,) = recorded_runs(runs, 1)
    assert app.tr("feedback.topic.text") in run["stdin"] and screen.ids["topic:streets"].text in run["stdin"]
    press(screen.ids["topic:streets"])
    assert no_read_button(screen) and wait_ended(run["pid"])  # the message: typed words
    press(screen.ids.next)
    type_feedback(screen, "Katuvalo on rikki")
    press(screen.ids.next)
    press(screen.ids["place:kallio"])
    assert screen.flow.step == "reply"
    press(read_button(screen))
    assert app.tr("feedback.reply.text") in recorded_runs(runs, 2)[1]["stdin"]
    press(screen.ids.wants_reply)
    type_feedback(screen, "maija")
    assert screen.flow.step == "contact" and no_read_button(screen)
    press(screen.ids.next)
    assert no_read_button(screen)


def test_without_espeak_ng_there_is_no_button_and_no_error(
    make_app: Any, voxit_kiosk: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    app = make_app(voxit_kiosk, registry=voxit_registry())
    screen = open_conversation(app)
    assert no_read_button(screen)
    press(screen.ids.start)
    assert no_read_button(screen) and app.error_message == ""
    assert [e for e in events(voxit_kiosk) if e["event"] == "error.unexpected"] == []
    assert app.tr("read_aloud.start") not in [b.text for b in walk(app.root) if hasattr(b, "text")]


def test_a_broken_engine_takes_the_button_away_and_is_logged_without_the_words(
    make_app: Any, voxit_kiosk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_espeak(tmp_path, monkeypatch, exit_status=1)
    app = make_app(voxit_kiosk, registry=voxit_registry())
    screen = open_conversation(app)
    press(screen.ids.start)
    shown = statement_text(screen)
    press(read_button(screen))
    for _ in range(100):  # the button notices the failed reading on its next check (every 0.25 s)
        time.sleep(0.05)
        settle()
        if no_read_button(screen):
            break
    assert no_read_button(screen) and app.error_message == "" and app.manager.current == screen.name
    (failure,) = [e for e in events(voxit_kiosk) if e["event"] == "error.unexpected"]
    assert failure["detail"] == {"error": "read_aloud_failed"}
    everything = json.dumps([r.body for r in voxit_kiosk.store.records()], ensure_ascii=False)
    assert shown not in everything
    press(screen.ids.agree)
    assert no_read_button(screen)  # not offered again


def look(app: Any, name: str) -> None:
    """Reading (the button says "Pysäytä"), then the picture, and every text fits."""
    from .test_text_fits import text_problems

    screen = app.manager.current_screen
    press(read_button(screen))
    assert read_button(screen).text == "Pysäytä"
    assert save(app, name).exists()
    assert text_problems(app.root, app.root.get_root_window()) == []


def test_screenshot_of_a_statement_with_the_button(make_app: Any, voxit_kiosk: Any, runs: Path) -> None:
    app = make_app(voxit_kiosk, registry=voxit_registry())
    app.large_text = app.high_contrast = True
    screen = open_conversation(app)
    press(screen.ids.start)
    look(app, "read-aloud-statement-fi-large-contrast")


def test_screenshot_of_the_projects_with_the_button(make_app: Any, described_kiosk: Any, runs: Path) -> None:
    app = make_app(described_kiosk, registry=budget_registry())
    app.large_text = app.high_contrast = True
    screen = open_vote(app)
    type_code(screen, CODE)
    press(screen.ids.code_next)
    press(district_button(screen, screen.flow.district_name(screen.flow.districts[0], "fi")))
    assert screen.flow.step == "projects"
    look(app, "read-aloud-projects-fi-large-contrast")
