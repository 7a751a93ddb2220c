from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from shared_models.budget import (
    BudgetSettings,
    BudgetSettingsError,
    CountRule,
    normalise_code,
    parse_budget_settings,
    voter_tag,
)
from shared_models.tally import RULES
from sync_server.services.demo import demo_process

SALT = "00112233445566778899aabbccddeeff"


def _t(text: str) -> dict[str, str]:
    return {"fi": text, "sv": text, "en": text}


def make_settings(**changes: Any) -> dict[str, Any]:
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
                ],
            }
        ],
    }
    settings.update(changes)
    return settings


def test_demo_settings_are_valid_with_defaults() -> None:
    settings = parse_budget_settings(demo_process().settings["budget"])
    assert settings.currency == "EUR"
    assert settings.ballot.type == "approval" and settings.count_rule.rule == "greedy"
    assert settings.code_tags == [] and settings.opens is None
    assert settings.district("keskinen") is not None and settings.district("nowhere") is None


def test_settings_round_trip_through_the_manifest_dict() -> None:
    settings = parse_budget_settings(
        make_settings(citywide=make_settings()["districts"][0] | {"id": "city", "projects": []})
    )
    assert parse_budget_settings(settings.to_dict()) == settings


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"voter_salt": "xyz"}, "voter_salt"),
        ({"currency": "SEK"}, "currency"),
        ({"unknown": 1}, "unknown"),
        ({"districts": []}, "districts"),
        ({"ballot": {"type": "at_most"}}, "ballot"),
        ({"ballot": {"type": "cumulative"}}, "ballot"),
        ({"ballot": {"type": "approval", "points": 5}}, "ballot"),
        ({"ballot": {"min_projects": 3, "max_projects": 2}}, "ballot"),
        ({"ballot": {"type": "at_most", "max_projects": 2, "min_share_percent": 10}}, "ballot"),
        ({"count_rule": {"rule": "greedy", "completion": "add1"}}, "count_rule"),
        ({"voter_districts": "one_plus_citywide"}, "budget"),
        ({"code_tags": ["b" * 64, "a" * 64]}, "code_tags"),
        ({"opens": "2026-12-01T00:00:00Z", "closes": "2026-11-01T00:00:00Z"}, "budget"),
        ({"opens": "2026-13-45T00:00:00Z"}, "opens"),
        ({"districts": [make_settings()["districts"][0]] * 2}, "budget"),
    ],
    ids=[
        "bad_salt",
        "other_currency",
        "unknown_field",
        "no_districts",
        "at_most_without_max",
        "cumulative_without_points",
        "points_on_approval",
        "min_over_max",
        "min_share_on_at_most",
        "completion_on_greedy",
        "citywide_missing",
        "tags_unsorted",
        "closes_before_opens",
        "impossible_time",
        "duplicate_district",
    ],
)
def test_invalid_settings_are_refused_with_where(changes: dict[str, Any], where: str) -> None:
    with pytest.raises(BudgetSettingsError) as caught:
        parse_budget_settings(make_settings(**changes))
    assert caught.value.reason == "invalid_budget_settings"
    assert where in str(caught.value)


def test_a_title_needs_every_language() -> None:
    settings = make_settings()
    settings["districts"][0]["projects"][0]["title"] = {"fi": "A"}
    with pytest.raises(BudgetSettingsError, match="sv, en"):
        parse_budget_settings(settings)


def test_cents_must_be_integers() -> None:
    settings = make_settings()
    settings["districts"][0]["budget"] = 100.0
    with pytest.raises(BudgetSettingsError):
        parse_budget_settings(settings)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"rule": "greedy"}, "greedy"),
        ({"rule": "greedy_helsinki"}, "greedy-helsinki"),
        ({"rule": "equal_shares"}, "equalshares"),
        ({"rule": "equal_shares", "completion": "add1"}, "equalshares/add1"),
        ({"rule": "equal_shares", "completion": "add1_exhaustive"}, "equalshares/add1-exhaustive"),
    ],
    ids=["greedy", "helsinki", "mes", "mes_add1", "mes_add1_exhaustive"],
)
def test_count_rule_maps_onto_a_tally_rule(rule: dict[str, Any], expected: str) -> None:
    name = CountRule.model_validate(rule).tally_rule()
    assert name == expected and name in RULES


def test_voter_tag_hashes_the_normalised_code() -> None:
    expected = hashlib.sha256(bytes.fromhex(SALT) + b"ABCDEFGHJK").hexdigest()
    assert voter_tag(SALT, "abcd-efgh-jk") == voter_tag(SALT, " ABCD EFGH JK") == expected
    assert normalise_code("ab cd-ef") == "ABCDEF"


def test_voting_period_is_half_open() -> None:
    settings = parse_budget_settings(make_settings(opens="2026-11-01T08:00:00Z", closes="2026-11-30T20:00:00Z"))
    assert not settings.is_open(datetime(2026, 11, 1, 7, 59, 59, tzinfo=UTC))
    assert settings.is_open(datetime(2026, 11, 1, 8, tzinfo=UTC))
    assert not settings.is_open(datetime(2026, 11, 30, 20, tzinfo=UTC))


def test_code_tags_grow_sorted_and_unique() -> None:
    settings = BudgetSettings.model_validate(make_settings(code_tags=["b" * 64]))
    grown = settings.with_code_tags(["c" * 64, "a" * 64, "b" * 64])
    assert grown.code_tags == ["a" * 64, "b" * 64, "c" * 64]
