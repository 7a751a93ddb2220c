from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared_models.ballot_rules import (
    PROBLEM_CODES,
    Problem,
    ballot_slot,
    can_add,
    check_choice,
    check_code,
    day_window,
    money_left,
    validate_ballot,
)
from shared_models.budget import BudgetSettings, parse_budget_settings, voter_tag
from shared_models.voting_codes import make_codes

SALT = "00112233445566778899aabbccddeeff"
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
CODES, TAGS = make_codes(3, SALT, random.Random(3))


def _t(text: str) -> dict[str, str]:
    return {"fi": text, "sv": text, "en": text}


def make_settings(ballot: dict[str, Any] | None = None, **changes: Any) -> BudgetSettings:
    settings: dict[str, Any] = {
        "voter_salt": SALT,
        "districts": [
            {
                "id": "kallio",
                "name": _t("Kallio"),
                "budget": 100_00,
                "projects": [
                    {"id": "a", "cost": 60_00, "title": _t("A")},
                    {"id": "b", "cost": 30_00, "title": _t("B")},
                    {"id": "c", "cost": 20_00, "title": _t("C")},
                ],
            },
            {
                "id": "malmi",
                "name": _t("Malmi"),
                "budget": 50_00,
                "projects": [{"id": "m", "cost": 10_00, "title": _t("M")}],
            },
        ],
        "citywide": {"id": "city", "name": _t("City"), "budget": 500_00, "projects": []},
        "voter_districts": "one_plus_citywide",
        "ballot": ballot or {},
    }
    settings.update(changes)
    return parse_budget_settings(settings)


APPROVAL = {"type": "approval", "min_share_percent": 50, "min_projects": 1, "max_projects": 2}
AT_MOST = {"type": "at_most", "max_projects": 2}
CUMULATIVE = {"type": "cumulative", "points": 5}

CHOICES = [
    ("fine", APPROVAL, "kallio", ["a", "b"], None, []),
    ("unknown_district", APPROVAL, "nowhere", ["a"], None, [Problem("unknown_district")]),
    ("unknown_project", APPROVAL, "kallio", ["a", "zz"], None, [Problem("unknown_project", project="zz")]),
    ("wrong_district", APPROVAL, "kallio", ["a", "m"], None, [Problem("wrong_district", project="m")]),
    ("duplicate_project", {}, "kallio", ["a", "a"], None, [Problem("duplicate_project", project="a")]),
    ("over_budget", {}, "kallio", ["a", "b", "c"], None, [Problem("over_budget", value=110_00, limit=100_00)]),
    ("below_min_share", APPROVAL, "kallio", ["c"], None, [Problem("below_min_share", value=20_00, limit=50_00)]),
    ("too_many_projects", AT_MOST, "kallio", ["a", "b", "c"], None, [Problem("too_many_projects", value=3, limit=2)]),
    (
        "too_few_projects",
        APPROVAL,
        "kallio",
        [],
        None,
        [Problem("too_few_projects", value=0, limit=1), Problem("below_min_share", value=0, limit=50_00)],
    ),
    ("at_most_ignores_cost", AT_MOST, "kallio", ["a", "b"], None, []),
    ("points_fine", CUMULATIVE, "kallio", ["a", "b"], {"a": 3, "b": 2}, []),
    ("points_total", CUMULATIVE, "kallio", ["a", "b"], {"a": 3, "b": 3}, [Problem("points_total", value=6, limit=5)]),
    ("points_missing", CUMULATIVE, "kallio", ["a"], None, [Problem("points_missing")]),
    ("points_not_expected", {}, "kallio", ["a"], {"a": 1}, [Problem("points_not_expected")]),
]


@pytest.mark.parametrize(
    ("ballot", "district", "chosen", "points", "expected"), [c[1:] for c in CHOICES], ids=[c[0] for c in CHOICES]
)
def test_check_choice(
    ballot: dict[str, Any], district: str, chosen: list[str], points: dict[str, int] | None, expected: list[Problem]
) -> None:
    assert check_choice(make_settings(ballot), district, chosen, points) == expected


ADDS = [
    ("fits", {}, "kallio", ["b"], "a", None, None),
    ("unknown_district", {}, "nowhere", [], "a", None, Problem("unknown_district")),
    ("unknown_project", {}, "kallio", [], "zz", None, Problem("unknown_project", project="zz")),
    ("wrong_district", {}, "kallio", [], "m", None, Problem("wrong_district", project="m")),
    ("already_chosen", {}, "kallio", ["a"], "a", None, Problem("already_chosen", project="a")),
    (
        "over_budget",
        {},
        "kallio",
        ["a", "b"],
        "c",
        None,
        Problem("over_budget", project="c", value=110_00, limit=100_00),
    ),
    (
        "too_many_projects",
        AT_MOST,
        "kallio",
        ["a", "b"],
        "c",
        None,
        Problem("too_many_projects", project="c", value=3, limit=2),
    ),
    ("points_left", CUMULATIVE, "kallio", ["a"], "b", {"a": 4}, None),
    (
        "points_total",
        CUMULATIVE,
        "kallio",
        ["a"],
        "b",
        {"a": 5},
        Problem("points_total", project="b", value=6, limit=5),
    ),
]


@pytest.mark.parametrize(
    ("ballot", "district", "chosen", "project", "points", "expected"), [a[1:] for a in ADDS], ids=[a[0] for a in ADDS]
)
def test_can_add(
    ballot: dict[str, Any],
    district: str,
    chosen: list[str],
    project: str,
    points: dict[str, int] | None,
    expected: Problem | None,
) -> None:
    assert can_add(make_settings(ballot), district, chosen, project, points=points) == expected


def test_money_left_counts_down_and_goes_negative() -> None:
    settings = make_settings()
    assert money_left(settings, "kallio", []) == 100_00
    assert money_left(settings, "kallio", ["a", "b"]) == 10_00
    assert money_left(settings, "kallio", ["a", "b", "c"]) == -10_00


def make_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"process": "demo", "district": "kallio", "voter": TAGS[0], "projects": ["a", "b"]}
    body.update(changes)
    return body


PERIOD = {"opens": "2026-11-01T08:00:00Z", "closes": "2026-11-30T20:00:00Z"}
BALLOTS = [
    ("countable", {}, make_body(), NOW, None),
    ("countable_with_codes", {"code_tags": TAGS}, make_body(), NOW, None),
    ("invalid_body", {}, make_body(projects=["b", "a"]), NOW, "invalid_body"),
    ("process_not_open", PERIOD, make_body(), datetime(2026, 10, 31, tzinfo=UTC), "process_not_open"),
    ("process_closed", PERIOD, make_body(), datetime(2026, 11, 30, 20, tzinfo=UTC), "process_closed"),
    ("unknown_code", {"code_tags": TAGS}, make_body(voter="f" * 64), NOW, "unknown_code"),
    ("unknown_district", {}, make_body(district="nowhere"), NOW, "unknown_district"),
    ("unknown_project", {}, make_body(projects=["a", "zz"]), NOW, "unknown_project"),
    ("wrong_district", {}, make_body(projects=["a", "m"]), NOW, "wrong_district"),
    ("over_budget", {}, make_body(projects=["a", "b", "c"]), NOW, "over_budget"),
    ("below_min_share", {"ballot": APPROVAL}, make_body(projects=["c"]), NOW, "below_min_share"),
    ("too_many_projects", {"ballot": AT_MOST}, make_body(projects=["a", "b", "c"]), NOW, "too_many_projects"),
    ("too_few_projects", {"ballot": {"min_projects": 3}}, make_body(projects=["a"]), NOW, "too_few_projects"),
    ("points_total", {"ballot": CUMULATIVE}, make_body(points={"a": 5, "b": 1}), NOW, "points_total"),
    ("points_missing", {"ballot": CUMULATIVE}, make_body(), NOW, "points_missing"),
    ("points_not_expected", {}, make_body(points={"a": 1, "b": 1}), NOW, "points_not_expected"),
]


@pytest.mark.parametrize(("changes", "body", "now", "code"), [b[1:] for b in BALLOTS], ids=[b[0] for b in BALLOTS])
def test_validate_ballot(changes: dict[str, Any], body: dict[str, Any], now: datetime, code: str | None) -> None:
    rest = {key: value for key, value in changes.items() if key != "ballot"}
    settings = make_settings(changes.get("ballot"), **rest)
    problem = validate_ballot(settings, body, now=now)
    assert (problem.code if problem else None) == code
    if problem is not None:
        assert problem.describe()


def test_every_problem_code_is_tested_and_worded() -> None:
    tested: set[str] = {c[-1][0].code for c in CHOICES if c[-1]} | {a[-1].code for a in ADDS if a[-1]}
    tested |= {b[-1] for b in BALLOTS if b[-1]} | {"malformed_code"}
    assert tested == set(PROBLEM_CODES)
    assert all(Problem(code).describe() for code in PROBLEM_CODES)  # type: ignore[arg-type]


def test_check_code() -> None:
    settings = make_settings(code_tags=TAGS)
    assert check_code(settings, CODES[0].lower()) is None
    assert check_code(settings, CODES[0][:-1] + ("A" if CODES[0][-1] != "A" else "B")) == Problem("malformed_code")
    other, _ = make_codes(1, SALT, random.Random(99))
    assert check_code(settings, other[0]) == Problem("unknown_code")
    assert check_code(make_settings(), other[0]) is None  # no code tags: a drill or test process
    assert voter_tag(SALT, CODES[0]) in TAGS


def test_citywide_ballot_is_a_second_slot() -> None:
    settings = make_settings()
    assert ballot_slot(settings, "kallio") == "district"
    assert ballot_slot(settings, "city") == "citywide"
    assert ballot_slot(make_settings(voter_districts="one"), "city") == "district"


@given(
    costs=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=8),
    budget=st.integers(min_value=1, max_value=300),
    max_projects=st.none() | st.integers(min_value=1, max_value=8),
    order=st.randoms(use_true_random=False),
)
def test_adding_what_can_add_allows_never_breaks_the_budget_or_the_maximum(
    costs: list[int], budget: int, max_projects: int | None, order: random.Random
) -> None:
    settings = parse_budget_settings(
        {
            "voter_salt": SALT,
            "districts": [
                {
                    "id": "d",
                    "name": _t("D"),
                    "budget": budget,
                    "projects": [{"id": f"p{i}", "cost": cost, "title": _t("P")} for i, cost in enumerate(costs)],
                }
            ],
            "ballot": {"max_projects": max_projects},
        }
    )
    chosen: list[str] = []
    candidates = [f"p{i}" for i in range(len(costs))]
    order.shuffle(candidates)
    for project in candidates:
        refused = can_add(settings, "d", chosen, project)
        if refused is None:
            chosen.append(project)
        else:
            assert refused.code in {"over_budget", "too_many_projects"}
    assert check_choice(settings, "d", chosen) == []
    assert money_left(settings, "d", chosen) >= 0


def test_day_window_spans_the_day_in_every_time_zone() -> None:
    start, end = day_window(date(2026, 11, 30))
    assert start == datetime(2026, 11, 30, tzinfo=timezone(timedelta(hours=14)))
    assert end == datetime(2026, 12, 1, tzinfo=timezone(timedelta(hours=-12)))


# A midday closing and an afternoon opening, in Helsinki time (UTC+2 in November).
MIDDAY = {"opens": "2026-11-02T14:00:00Z", "closes": "2026-11-30T10:00:00Z"}
BY_DAY = [
    ("opening_day", date(2026, 11, 2), None),
    ("day_before_opening", date(2026, 11, 1), "process_not_open"),
    ("closing_day", date(2026, 11, 30), None),  # a ballot at 11:00 Helsinki; noon UTC would refuse it
    ("day_after_closing", date(2026, 12, 1), "process_closed"),
]


@pytest.mark.parametrize(("day", "code"), [b[1:] for b in BY_DAY], ids=[b[0] for b in BY_DAY])
def test_the_server_refuses_a_day_only_when_all_of_it_is_outside_the_period(day: date, code: str | None) -> None:
    problem = validate_ballot(make_settings(**MIDDAY), make_body(), day=day)
    assert (problem.code if problem else None) == code


@pytest.mark.parametrize("period", [MIDDAY, PERIOD], ids=["midday", "evening"])
def test_what_the_terminal_accepts_the_server_never_refuses(period: dict[str, str]) -> None:
    settings = make_settings(**period)
    body = make_body()
    refused_by_day = 0
    for hours in range(-12, 15):  # every whole-hour zone a terminal can be in
        zone = timezone(timedelta(hours=hours))
        for edge in (period["opens"], period["closes"]):
            around = datetime.fromisoformat(edge.replace("Z", "+00:00"))
            for minutes in range(-36 * 60, 36 * 60 + 1, 30):
                moment = around + timedelta(minutes=minutes)
                day = moment.astimezone(zone).date()
                at_terminal = validate_ballot(settings, body, now=moment)
                at_server = validate_ballot(settings, body, day=day)
                if at_terminal is None:
                    assert at_server is None, (moment, hours)
                refused_by_day += at_server is not None
    assert refused_by_day > 0  # days wholly outside the period are still refused


def test_validate_ballot_needs_the_moment_or_the_day() -> None:
    with pytest.raises(TypeError):
        validate_ballot(make_settings(), make_body())
