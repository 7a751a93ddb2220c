"""The librarian panel's budget tools by touch on the real terminal: behind the corner
hold and the PIN, a class session for two students (privacy screen between them), the
assisted mark landing on exactly one ballot, ending a session, and the events logged.
Pictures of the panel's new states go to ``/tmp/shots/kiosk_budget``."""

from __future__ import annotations

from typing import Any

import pytest
from kiosk_factories import PIN

from .driving import button, press, settle, texts
from .test_app_flow import hold_corner, type_pin
from .test_budget_kinds import kiosk_with, shot
from .test_budget_screens import (
    CODE,
    budget_registry,
    code_for,
    district_button,
    open_vote,
    toggles,
    type_code,
)

pytestmark = pytest.mark.gui

SECOND = code_for("NEXTSTU23")


@pytest.fixture
def demo_kiosk(enrolled_kiosk: Any, server: Any) -> Any:
    """The enrolled terminal holding the server's demo process (approval ballots)."""
    return kiosk_with(enrolled_kiosk, server)


def events(kiosk: Any) -> list[tuple[str, dict[str, Any]]]:
    found = [r for r in kiosk.store.records() if r.kind == "kiosk.event"]
    return [(r.body["event"], r.body["detail"]) for r in sorted(found, key=lambda r: r.body["at"])]


def budget_events(kiosk: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(name, detail) for name, detail in events(kiosk) if name.startswith("class.")]


def open_panel(app: Any, clock: Any) -> Any:
    hold_corner(app, clock)
    assert app.manager.current == "pin"
    type_pin(app, PIN)
    assert app.manager.current == "librarian"
    return app.manager.get_screen("librarian")


def start_session(app: Any, panel: Any, students: str) -> None:
    press(panel.ids.vote_tools)
    press(panel.ids.class_start)
    for digit in students:
        press(button(panel.ids.student_keys, digit))
    press(panel.ids.students_start)


def vote_once(app: Any, screen: Any, code: str) -> None:
    type_code(screen, code)
    press(screen.ids.code_next)
    press(district_button(screen, "Central"))
    press(toggles(screen)["kallio-benches"])
    press(screen.ids.to_review)
    press(screen.ids.confirm)
    assert app.tr("budget.thanks.title") in texts(screen)
    press(screen.ids.done)


def test_a_class_session_from_the_panel_two_students_and_one_assisted_ballot(
    make_app: Any, demo_kiosk: Any, clock: Any
) -> None:
    app = make_app(demo_kiosk, registry=budget_registry())
    app.set_language("en")
    panel = open_panel(app, clock)
    press(panel.ids.vote_tools)
    assert app.tr("panel.class_none") in texts(panel)
    press(panel.ids.class_start)
    assert app.tr("panel.students_prompt") in texts(panel)
    press(panel.ids.students_start)  # nothing typed yet
    assert app.tr("panel.students_missing") in texts(panel)
    press(button(panel.ids.student_keys, "2"))
    assert "2" in texts(panel)
    press(panel.ids.students_start)
    assert app.tr("panel.class_started", count=2) in texts(panel)
    press(panel.ids.assisted)
    assert app.tr("panel.assisted_done") in texts(panel)
    press(panel.ids.vote_back)
    press(panel.ids.close)
    assert app.manager.current == "welcome"
    assert budget_events(demo_kiosk) == [("class.session_started", {"students": 2})]

    screen = open_vote(app)
    vote_once(app, screen, CODE)
    shown = texts(screen)
    assert app.tr("budget.privacy.title") in shown and app.tr("budget.privacy.text", left=1) in shown
    assert "Benches" not in shown and "Central" not in shown  # the last student's choices are hidden
    press(screen.ids.next_student)
    assert "1 / 5" in texts(screen) and screen.flow.voter is None
    vote_once(app, screen, SECOND)
    assert app.manager.current == "welcome"  # the second of two: the session is over

    ballots = [r for r in demo_kiosk.store.records() if r.kind == "budget.ballot"]
    assert len(ballots) == 2 and len({b.body["voter"] for b in ballots}) == 2
    assert sum(1 for b in ballots if b.body.get("assisted")) == 1
    assert budget_events(demo_kiosk) == [
        ("class.session_started", {"students": 2}),
        ("class.session_ended", {"reason": "done"}),
    ]


def test_ending_a_session_from_the_panel(make_app: Any, demo_kiosk: Any, clock: Any) -> None:
    app = make_app(demo_kiosk, registry=budget_registry())
    app.set_language("en")
    panel = open_panel(app, clock)
    start_session(app, panel, "25")
    assert app.tr("panel.class_started", count=25) in texts(panel)
    press(panel.ids.vote_back)
    press(panel.ids.close)
    screen = open_vote(app)
    assert screen.flow.class_session is not None and screen.flow.class_session.students == 25
    app.manager.current = "welcome"  # the teacher walks away; the panel ends it
    panel = open_panel(app, clock)
    press(panel.ids.vote_tools)
    assert app.tr("panel.class_on", count=25) in texts(panel)
    press(panel.ids.class_end)
    assert app.tr("panel.class_ended") in texts(panel)
    press(panel.ids.class_end)  # nothing left to end: said, not logged twice
    assert app.tr("panel.class_none") in texts(panel)
    assert screen.flow.class_session is None and app.budget_pending == {}
    assert budget_events(demo_kiosk) == [
        ("class.session_started", {"students": 25}),
        ("class.session_ended", {"reason": "librarian"}),
    ]


def test_the_assisted_mark_without_a_session_lands_on_the_next_ballot_only(
    make_app: Any, demo_kiosk: Any, clock: Any
) -> None:
    app = make_app(demo_kiosk, registry=budget_registry())
    app.set_language("en")
    panel = open_panel(app, clock)
    press(panel.ids.vote_tools)
    press(panel.ids.assisted)
    press(panel.ids.vote_back)
    press(panel.ids.close)
    vote_once(app, open_vote(app), CODE)
    vote_once(app, open_vote(app), SECOND)
    ballots = sorted((r for r in demo_kiosk.store.records() if r.kind == "budget.ballot"), key=lambda r: r.day + r.id)
    assert sorted(bool(b.body.get("assisted")) for b in ballots) == [False, True]
    assert not [name for name, _ in events(demo_kiosk) if "assist" in name]  # no trace ties the desk to a ballot


@pytest.mark.parametrize("size", ["normal", "large"])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_pictures_and_text_fit_of_the_panel_tools(
    make_app: Any, demo_kiosk: Any, clock: Any, window: Any, lang: str, size: str
) -> None:
    from .test_text_fits import text_problems

    app = make_app(demo_kiosk, registry=budget_registry())
    panel = open_panel(app, clock)
    app.lang, app.large_text = lang, size == "large"
    settle()
    problems: list[str] = []

    def look(state: str) -> None:
        assert shot(app, f"panel-{state}-{lang}-{size}").exists()
        problems.extend(f"{state}: {p}" for p in text_problems(app.root, window))

    look("main")
    press(panel.ids.vote_tools)
    look("tools")
    press(panel.ids.class_start)
    press(button(panel.ids.student_keys, "2"))
    press(button(panel.ids.student_keys, "4"))
    look("students")
    press(panel.ids.students_start)
    look("started")
    press(panel.ids.assisted)
    look("assisted")
    assert not problems, "\n".join(problems)
