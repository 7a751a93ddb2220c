"""Cumulative and one-plus-citywide ballots by touch on the real terminal: captured,
signed, validated, and counted by the server's projection; pictures of every new
state in fi, sv and en, normal and large text, into ``/tmp/shots/kiosk_budget`` (or
``$OSALLISTU_BUDGET_SHOTS``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kiosk_factories import install_manifest, make_manifest

from shared_models.ballot_rules import validate_ballot
from shared_models.bodies import validate_body
from shared_models.budget import parse_budget_settings, voter_tag
from shared_models.records import verify_record
from sync_server.services.ballots import BallotRecord, project_ballots
from sync_server.services.demo import demo_process
from tests.kiosk.test_budget_flow import CITYWIDE

from .driving import buttons, press, settle, texts, walk
from .test_budget_screens import CODE, budget_registry, code_for, district_button, open_vote, toggles, type_code

pytestmark = pytest.mark.gui

SHOTS = Path(os.environ.get("OSALLISTU_BUDGET_SHOTS", "/tmp/shots/kiosk_budget"))


def shot(app: Any, name: str) -> Path:
    settle(6)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    app.root.export_to_png(str(path))
    return path


def kiosk_with(enrolled_kiosk: Any, server: Any, **budget: Any) -> Any:
    """The enrolled terminal holding the demo process with these budget settings."""
    process = demo_process().model_dump()
    process["settings"]["budget"] = {**process["settings"]["budget"], **budget}
    parse_budget_settings(process["settings"]["budget"])
    raw = make_manifest(server.signing, server.sealing, [process], serial=2)
    install_manifest(enrolled_kiosk.store, server, raw)
    return enrolled_kiosk


@pytest.fixture
def points_kiosk(enrolled_kiosk: Any, server: Any) -> Any:
    return kiosk_with(enrolled_kiosk, server, ballot={"type": "cumulative", "points": 5})


@pytest.fixture
def city_kiosk(enrolled_kiosk: Any, server: Any) -> Any:
    return kiosk_with(enrolled_kiosk, server, citywide=CITYWIDE, voter_districts="one_plus_citywide")


def ballots_of(kiosk: Any) -> list[Any]:
    return sorted((r for r in kiosk.store.records() if r.kind == "budget.ballot"), key=lambda r: r.body["district"])


def checked(kiosk: Any, records: list[Any]) -> list[Any]:
    """Each record verifies and passes the shared rules; returns the server's projection."""
    process = kiosk.manifest().process("demo")
    settings = parse_budget_settings(process.settings["budget"])
    for record in records:
        verify_record(record, kiosk.key.public_key())
        validate_body("budget.ballot", record.body)
        assert validate_ballot(settings, record.body, now=datetime.now(UTC)) is None
    rows = [BallotRecord(r.id, r.hash, r.device, r.day, r.body) for r in records]
    return project_ballots(
        rows, {"demo": {"id": "demo", "activities": ["budget"], "status": "open", **process.model_dump()}}
    )


def point_buttons(screen: Any, project: str) -> tuple[Any, Any]:
    """(-, +) of a project's card; - is None while the project has no points."""
    found = {b.point_action: b for b in walk(screen.ids.content) if getattr(b, "project_id", None) == project}
    return found.get("remove"), found["add"]


def tap(screen: Any, widget: Any) -> None:
    """Scroll the card into view as a voter would, then touch."""
    screen.ids.scroll.scroll_to(widget, animate=False)
    settle()
    press(widget)


def plus(screen: Any, project: str, times: int = 1) -> None:
    for _ in range(times):
        tap(screen, point_buttons(screen, project)[1])


def test_a_cumulative_ballot_by_touch_is_captured_and_counted(make_app: Any, points_kiosk: Any) -> None:
    app = make_app(points_kiosk, registry=budget_registry())
    app.set_language("en")
    screen = open_vote(app)
    type_code(screen, CODE)
    press(screen.ids.code_next)
    press(district_button(screen, "Central"))
    shown = texts(screen)
    assert app.tr("budget.projects.prompt_points", count=5) in shown and "Points left 5 of 5" in shown
    assert point_buttons(screen, "kallio-benches")[0] is None  # no points to take yet: no - button
    assert all(hasattr(b, "point_action") for b in toggles(screen).values())  # + and -, no choose toggle
    plus(screen, "kallio-benches", 3)
    plus(screen, "toolo-bay-lights", 2)
    assert "Points left 0 of 5" in texts(screen)
    plus(screen, "sornainen-skatepark")  # no points left: refused, said by its card
    assert app.tr("budget.rule.points_total", count=5) in texts(screen)
    tap(screen, point_buttons(screen, "toolo-bay-lights")[0])
    tap(screen, point_buttons(screen, "toolo-bay-lights")[0])  # its last point: off the ballot
    plus(screen, "sornainen-skatepark")
    assert "Points left 1 of 5" in texts(screen)
    press(screen.ids.to_review)
    shown = texts(screen)
    assert "4 / 5" in shown and "3 points" in shown and "Points left 1 of 5" in shown
    press(screen.ids.confirm)
    assert "5 / 5" in texts(screen)

    (record,) = ballots_of(points_kiosk)
    salt = points_kiosk.manifest().process("demo").settings["budget"]["voter_salt"]
    assert record.body == {
        "process": "demo",
        "district": "keskinen",
        "voter": voter_tag(salt, CODE),
        "projects": ["kallio-benches", "sornainen-skatepark"],
        "points": {"kallio-benches": 3, "sornainen-skatepark": 1},
    }
    (ballot,) = checked(points_kiosk, [record])
    assert (ballot.status, ballot.scope, ballot.points) == ("counted", "district", record.body["points"])


def test_a_one_plus_citywide_vote_by_touch_captures_two_counted_ballots(make_app: Any, city_kiosk: Any) -> None:
    app = make_app(city_kiosk, registry=budget_registry())
    app.set_language("en")
    screen = open_vote(app)
    assert "1 / 6" in texts(screen)
    type_code(screen, CODE)
    press(screen.ids.code_next)
    assert app.tr("budget.district.prompt_plus") in texts(screen)
    assert not [b for b in buttons(screen.ids.content) if b.text.startswith("Whole city")]
    press(district_button(screen, "East"))
    press(toggles(screen)["kontula-gym"])
    assert screen.ids.to_review.text == app.tr("budget.next")
    press(screen.ids.to_review)
    shown = texts(screen)
    assert (
        "4 / 6" in shown
        and app.tr("budget.citywide.title") in shown
        and "Money left 1\u00a0000\u00a0000\u00a0€" in shown
    )
    press(toggles(screen)["city-library-bus"])
    press(toggles(screen)["city-swim-school"])
    press(screen.ids.to_review)
    shown = texts(screen)
    assert "5 / 6" in shown and "Area: East" in shown and "Area: Whole city" in shown
    assert "Swimming school for all" in shown
    press(screen.ids.confirm)
    assert "6 / 6" in texts(screen) and app.tr("budget.thanks.receipts") in texts(screen)

    records = ballots_of(city_kiosk)
    assert [(r.body["district"], r.body["projects"]) for r in records] == [
        ("itainen", ["kontula-gym"]),
        ("koko-kaupunki", ["city-library-bus", "city-swim-school"]),
    ]
    assert len({r.body["voter"] for r in records}) == 1
    for record in records:
        assert record.id[:4].upper() in texts(screen)  # each ballot's receipt is shown
    ballots = checked(city_kiosk, records)
    assert sorted((b.district, b.scope, b.status) for b in ballots) == [
        ("itainen", "district", "counted"),
        ("koko-kaupunki", "citywide", "counted"),
    ]
    press(screen.ids.done)
    again = open_vote(app)
    type_code(again, CODE)
    assert app.tr("budget.code.used") in texts(again)


def test_at_most_n_projects_by_touch(make_app: Any, enrolled_kiosk: Any, server: Any) -> None:
    kiosk = kiosk_with(enrolled_kiosk, server, ballot={"type": "at_most", "max_projects": 2})
    app = make_app(kiosk, registry=budget_registry())
    app.set_language("en")
    screen = open_vote(app)
    type_code(screen, CODE)
    press(screen.ids.code_next)
    press(district_button(screen, "Central"))
    assert app.tr("budget.projects.prompt_at_most", count=2) in texts(screen)
    press(toggles(screen)["sornainen-skatepark"])
    press(toggles(screen)["toolo-bay-lights"])
    assert "Chosen 2 of 2 projects" in texts(screen)
    press(toggles(screen)["kallio-benches"])
    assert app.tr("budget.rule.too_many", count=2) in texts(screen)
    press(screen.ids.to_review)
    press(screen.ids.confirm)
    (record,) = ballots_of(kiosk)
    assert record.body["projects"] == ["sornainen-skatepark", "toolo-bay-lights"]
    (ballot,) = checked(kiosk, [record])
    assert ballot.status == "counted"


# -- pictures ------------------------------------------------------------------------------


def points_states(app: Any) -> Iterator[str]:
    screen = open_vote(app)
    type_code(screen, CODE)
    press(screen.ids.code_next)
    flow = screen.flow
    flow.choose_district("keskinen")
    screen.render()
    yield "points-start"
    for pid in ("kallio-benches", "kallio-benches", "kallio-benches", "toolo-bay-lights", "toolo-bay-lights"):
        flow.add_point(pid)
    flow.add_point("sornainen-skatepark")  # refused: no points left
    screen.render()
    yield "points-none-left"
    flow.to_review()
    screen.render()
    yield "points-review"


def citywide_states(app: Any) -> Iterator[str]:
    screen = open_vote(app)
    type_code(screen, code_for("CTYW23456"))
    press(screen.ids.code_next)
    yield "city-district"
    flow = screen.flow
    flow.choose_district("keskinen")
    flow.toggle("kallio-benches")
    flow.to_review()
    flow.toggle("city-library-bus")
    flow.toggle("city-tree-planting")
    flow.toggle("city-swim-school")  # refused: over the pot
    screen.render()
    yield "city-citywide"
    flow.to_review()
    screen.render()
    yield "city-review"
    press(screen.ids.confirm)
    yield "city-thanks"


LANGS = ["fi", "sv", "en"]
SIZES = ["normal", "large"]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGS)
def test_pictures_and_text_fit_of_points_ballots(
    make_app: Any, points_kiosk: Any, window: Any, lang: str, size: str
) -> None:
    from .test_text_fits import text_problems

    app = make_app(points_kiosk, registry=budget_registry())
    app.lang, app.large_text = lang, size == "large"
    problems: list[str] = []
    for state in points_states(app):
        assert shot(app, f"{state}-{lang}-{size}").exists()
        problems += [f"{state}: {p}" for p in text_problems(app.root, window)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGS)
def test_pictures_and_text_fit_of_citywide_ballots(
    make_app: Any, city_kiosk: Any, window: Any, lang: str, size: str
) -> None:
    from .test_text_fits import text_problems

    app = make_app(city_kiosk, registry=budget_registry())
    app.lang, app.large_text = lang, size == "large"
    problems: list[str] = []
    for state in citywide_states(app):
        assert shot(app, f"{state}-{lang}-{size}").exists()
        problems += [f"{state}: {p}" for p in text_problems(app.root, window)]
    assert not problems, "\n".join(problems)
