"""The budget vote by touch on the real terminal with the demo process: every step,
two fingers making one choice, the ballot captured, and pictures of every step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kiosk_factories import install_manifest, make_manifest

from shared_models import validate_body
from shared_models.budget import voter_tag
from sync_server.services.demo import demo_process

from .driving import buttons, centre, press, settle, texts
from .screenshots import save

pytestmark = pytest.mark.gui

MODES = {"normal": (False, False), "large": (True, False), "contrast": (False, True)}


def code_for(body: str) -> str:
    try:
        from shared_models.voting_codes import check_character
    except ImportError:
        return body + "A"
    return body + check_character(body)


CODE = code_for("KALLE2345")


def budget_registry() -> Any:
    from kiosk.activity_registry import ActivityRegistry
    from kiosk.screens.budget_vote import make_budget_screen

    registry = ActivityRegistry()
    registry.register("budget", make_budget_screen)
    return registry


@pytest.fixture
def demo_kiosk(enrolled_kiosk: Any, server: Any) -> Any:
    """The enrolled terminal holding a manifest with the server's demo process."""
    process = demo_process().model_dump()
    raw = make_manifest(server.signing, server.sealing, [process], serial=2)
    install_manifest(enrolled_kiosk.store, server, raw)
    return enrolled_kiosk


def open_vote(app: Any) -> Any:
    welcome = app.manager.get_screen("welcome")
    (activity,) = [b for b in welcome.ids.activities.children if b.offered.activity == "budget"]
    press(activity)
    screen = app.manager.current_screen
    assert screen.name.startswith("activity:demo:budget")
    return screen


def type_code(screen: Any, code: str) -> None:
    for char in code:
        (key,) = [b for b in buttons(screen.ids.side) if b.text == char]
        press(key)


def toggles(screen: Any) -> dict[str, Any]:
    return {b.project_id: b for b in buttons(screen.ids.content) if hasattr(b, "project_id")}


def district_button(screen: Any, name: str) -> Any:
    (found,) = [b for b in buttons(screen.ids.content) if b.text.startswith(name + "\n")]
    return found


def test_a_whole_vote_by_touch_captures_one_ballot(make_app: Any, demo_kiosk: Any) -> None:
    app = make_app(demo_kiosk, registry=budget_registry())
    app.set_language("en")
    settle()
    screen = open_vote(app)
    assert "1 / 5" in texts(screen)
    type_code(screen, CODE)
    assert "-".join([CODE[:4], CODE[4:8], CODE[8:]]) in texts(screen)
    press(screen.ids.code_next)
    assert "2 / 5" in texts(screen)
    press(district_button(screen, "Central"))
    assert "3 / 5" in texts(screen) and "Money left 600\u00a0000\u00a0€ of 600\u00a0000\u00a0€" in texts(screen)

    press(toggles(screen)["sornainen-skatepark"])
    press(toggles(screen)["toolo-bay-lights"])
    press(toggles(screen)["kallio-benches"])  # 120 000 € with 50 000 € left: refused, said by the card
    assert "Not enough money for this" in texts(screen)
    assert toggles(screen)["kallio-benches"].text == app.tr("budget.projects.choose")
    press(toggles(screen)["toolo-bay-lights"])  # unselect, then the benches fit
    press(toggles(screen)["kallio-benches"])
    assert toggles(screen)["kallio-benches"].text == app.tr("budget.projects.selected")
    press(screen.ids.to_review)
    shown = texts(screen)
    assert "4 / 5" in shown and "Total 420\u00a0000\u00a0€" in shown
    assert demo_kiosk.store.counts()["pending"] == 0 or not [
        r for r in demo_kiosk.store.records() if r.kind == "budget.ballot"
    ]
    press(screen.ids.confirm)
    assert "5 / 5" in texts(screen)

    (ballot,) = [r for r in demo_kiosk.store.records() if r.kind == "budget.ballot"]
    validate_body("budget.ballot", ballot.body)
    salt = demo_kiosk.manifest().process("demo").settings["budget"]["voter_salt"]
    assert ballot.body == {
        "process": "demo",
        "district": "keskinen",
        "voter": voter_tag(salt, CODE),
        "projects": ["kallio-benches", "sornainen-skatepark"],
    }
    receipt = screen.flow.receipt
    assert receipt.replace("-", "") == ballot.id[:10].upper() and receipt in texts(screen)
    press(screen.ids.done)
    assert app.manager.current == "welcome"

    again = open_vote(app)  # the same code again on this terminal
    type_code(again, CODE)
    assert app.tr("budget.code.used") in texts(again)


def test_two_fingers_make_one_choice(make_app: Any, demo_kiosk: Any) -> None:
    from kivy.tests.common import UnitTestTouch

    app = make_app(demo_kiosk, registry=budget_registry())
    screen = open_vote(app)
    type_code(screen, CODE)
    press(screen.ids.code_next)
    press(district_button(screen, "Keskinen"))
    first, second = toggles(screen)["kallio-benches"], toggles(screen)["toolo-bay-lights"]
    one, two = UnitTestTouch(*centre(first)), UnitTestTouch(*centre(second))
    one.touch_down()
    two.touch_down()
    two.touch_up()
    one.touch_up()
    settle()
    assert screen.flow.chosen == ["kallio-benches"]


def test_back_and_idle_reset_forget_the_voter(make_app: Any, demo_kiosk: Any, clock: Any) -> None:
    app = make_app(demo_kiosk, registry=budget_registry())
    screen = open_vote(app)
    type_code(screen, CODE)
    press(screen.ids.code_next)
    press(screen.ids.back)
    assert screen.flow.step == "code" and "1 / 5" in texts(screen)
    press(screen.ids.code_next)  # the code was not kept once accepted: asks again
    assert app.tr("budget.code.short", count=10) in texts(screen)
    clock.advance(app.idle.idle_seconds + app.idle.warning_seconds + 5)
    settle()
    assert app.manager.current == "welcome"
    assert not [s for s in app.manager.screens if s.name.startswith("activity:")]


def every_step(app: Any, kiosk: Any) -> Iterator[str]:
    screen = open_vote(app)
    screen.flow.start_class_session(2)  # to show the privacy step after the thank-you
    yield "code"
    type_code(screen, CODE[:5])
    yield "code-typing"
    type_code(screen, CODE[5:])
    press(screen.ids.code_next)
    yield "district"
    press(district_button(screen, screen.flow.district_name(screen.flow.districts[0], app.lang)))
    flow = screen.flow
    flow.toggle("sornainen-skatepark")
    flow.toggle("toolo-bay-lights")
    flow.toggle("kallio-benches")  # refused: the note shows by its card
    screen.render()
    yield "projects"
    flow.toggle("toolo-bay-lights")
    flow.to_review()
    screen.render()
    yield "review"
    press(screen.ids.confirm)
    yield "thanks"
    press(screen.ids.done)
    yield "privacy"
    screen.flow.idle_reset()
    screen.render()


@pytest.mark.parametrize("mode", list(MODES), ids=list(MODES))
def test_screenshots_of_every_step(make_app: Any, demo_kiosk: Any, mode: str) -> None:
    app = make_app(demo_kiosk, registry=budget_registry())
    app.large_text, app.high_contrast = MODES[mode]
    settle()
    for step in every_step(app, demo_kiosk):
        assert save(app, f"budget-{step}-{mode}").exists()


@pytest.mark.parametrize("size", ["normal", "large"])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_budget_text_fits_its_widget(make_app: Any, demo_kiosk: Any, window: Any, lang: str, size: str) -> None:
    """The text-fit check of ``test_text_fits`` over every step of the vote."""
    from .test_text_fits import text_problems

    app = make_app(demo_kiosk, registry=budget_registry())
    app.lang, app.large_text = lang, size == "large"
    settle()
    problems: list[str] = []
    for step in every_step(app, demo_kiosk):
        settle(6)
        problems += [f"{step}: {problem}" for problem in text_problems(app.root, window)]
    assert not problems, "\n".join(problems)


def test_librarian_class_session_and_assisted_ballot(make_app: Any, demo_kiosk: Any) -> None:
    app = make_app(demo_kiosk, registry=budget_registry())
    app.start_class_session(2)
    app.mark_next_ballot_assisted()
    for number, code in enumerate((CODE, code_for("NEXTSTU23")), start=1):
        screen = app.manager.current_screen if number > 1 else open_vote(app)
        type_code(screen, code)
        press(screen.ids.code_next)
        press(district_button(screen, "Keskinen"))
        press(toggles(screen)["kallio-benches"])
        press(screen.ids.to_review)
        press(screen.ids.confirm)
        press(screen.ids.done)
        if number == 1:
            assert app.tr("budget.privacy.title") in texts(screen) and "Penkkejä" not in texts(screen)
            press(screen.ids.next_student)
    assert app.manager.current == "welcome"
    ballots = sorted((r for r in demo_kiosk.store.records() if r.kind == "budget.ballot"), key=lambda r: r.id)
    assert sorted(b.body.get("assisted", False) for b in ballots) == [False, True]
