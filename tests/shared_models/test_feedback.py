"""Feedback settings, the body checks against them, the reply promise and markup detection (pure)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shared_models.feedback import (
    FeedbackSettingsError,
    check_feedback_body,
    looks_like_markup,
    parse_feedback_settings,
    reply_due,
)


def names(word: str) -> dict[str, str]:
    return {"fi": word, "sv": word, "en": word}


TOPICS = [
    {"id": "streets", "name": names("Streets"), "team": "street-care", "icon": "streets.png"},
    {"id": "parks", "name": names("Parks"), "team": "green"},
]
PLACES = [{"id": "kallio", "name": names("Kallio")}]
TEAMS = [{"id": "street-care", "name": "Katujen kunnossapito"}, {"id": "green", "name": names("Green areas")}]


def settings(**overrides: Any) -> dict[str, Any]:
    return {"topics": TOPICS, "places": PLACES, "teams": TEAMS, **overrides}


def test_full_settings_parse_with_defaults_and_team_names_in_every_language() -> None:
    parsed = parse_feedback_settings(settings())
    assert (parsed.reply_days, parsed.route_min_confidence_percent) == (7, 60)
    assert parsed.team_of_topic("streets") == "street-care"
    team = parsed.team("street-care")
    assert team is not None and team.name == names("Katujen kunnossapito")
    assert parsed.to_dict()["topics"][0]["icon"] == "streets.png"
    assert parse_feedback_settings(parsed.to_dict()) == parsed  # what goes into the manifest reads back


def test_without_teams_each_topic_is_its_own_team() -> None:
    parsed = parse_feedback_settings({"topics": [{"id": "waste", "name": names("Waste")}]})
    assert [t.id for t in parsed.all_teams] == ["waste"]
    assert parsed.team_of_topic("waste") == "waste"
    assert parsed.places == []


@pytest.mark.parametrize(
    ("value", "words"),
    [
        pytest.param({"topics": []}, "topics", id="no-topics"),
        pytest.param(settings(topics=[TOPICS[0], TOPICS[0]]), "topic ids must be unique", id="duplicate-topic"),
        pytest.param(settings(places=[*PLACES, *PLACES]), "place ids must be unique", id="duplicate-place"),
        pytest.param(settings(teams=TEAMS[:1]), "not listed: green", id="topic-team-not-listed"),
        pytest.param(
            settings(topics=[{"id": "x", "name": {"fi": "X", "sv": "X"}}], teams=[]), "en", id="name-missing-en"
        ),
        pytest.param(settings(reply_days=0), "reply_days", id="reply-days-zero"),
        pytest.param(settings(reply_days=7.0), "reply_days", id="float-days"),
        pytest.param(settings(route_min_confidence_percent=101), "route_min_confidence", id="threshold-over-100"),
        pytest.param(settings(colour="red"), "colour", id="unknown-key"),
        pytest.param(settings(topics=[{"id": "Bad Id", "name": names("x")}], teams=[]), "topics.0.id", id="bad-id"),
        pytest.param([], "must be an object", id="not-an-object"),
    ],
)
def test_bad_settings_are_refused_with_the_first_problem_in_words(value: Any, words: str) -> None:
    with pytest.raises(FeedbackSettingsError, match=words) as refused:
        parse_feedback_settings(value)
    assert refused.value.reason == "invalid_feedback_settings"


@pytest.mark.parametrize(
    ("topic", "place", "problem"),
    [
        pytest.param("parks", "kallio", None, id="ok"),
        pytest.param("parks", None, None, id="no-place"),
        pytest.param("potholes", "kallio", "unknown_topic", id="unknown-topic"),
        pytest.param("parks", "atlantis", "unknown_place", id="invalid-place"),
    ],
)
def test_a_body_is_checked_against_the_settings(topic: str, place: str | None, problem: str | None) -> None:
    assert check_feedback_body(parse_feedback_settings(settings()), topic=topic, place=place) == problem


@pytest.mark.parametrize(
    ("given", "days", "due"),
    [
        pytest.param(date(2026, 11, 28), 7, date(2026, 12, 5), id="one-week"),
        pytest.param(date(2026, 12, 28), 7, date(2027, 1, 4), id="over-new-year"),
        pytest.param(date(2028, 2, 25), 7, date(2028, 3, 3), id="leap-year"),
        pytest.param(date(2026, 11, 28), 14, date(2026, 12, 12), id="two-weeks"),
    ],
)
def test_a_reply_is_due_reply_days_after_the_day_given(given: date, days: int, due: date) -> None:
    assert reply_due(given, days) == due


@pytest.mark.parametrize(
    ("text", "markup"),
    [
        pytest.param('<script>alert("x")</script>', True, id="script"),
        pytest.param("<IMG SRC=x onerror=alert(1)>", True, id="img"),
        pytest.param("katso javascript:alert(1)", True, id="js-url"),
        pytest.param("Hinta < 5 € ja > 2 €", False, id="less-than"),
        pytest.param("Kadulla on kuoppa", False, id="plain"),
    ],
)
def test_markup_is_recognised(text: str, markup: bool) -> None:
    assert looks_like_markup(text) is markup
