"""shared_models.voxit: the conversation settings, the weighted draw and the participant's place.

The placement is checked against the server's own projection (sync_server.analysis) on a
real Polis conversation, so the terminal and the server agree on where a participant stands.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shared_models.voxit import (
    NEW_STATEMENT_PRIORITY,
    SCALE,
    OpinionMap,
    VoxitSettingsError,
    draw_next,
    parse_voxit_settings,
    place_participant,
    statement_priorities,
    text_for,
    weighted_order,
)
from sync_server.analysis.pipeline import analyze
from sync_server.analysis.polis_export import read_comments_csv, read_votes_csv
from sync_server.services.demo import STATEMENTS
from sync_server.services.voxit import opinion_map_of, priorities_of

POLIS = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
SEED = {"id": "s1", "text": {"fi": "Yksi", "sv": "Ett", "en": "One"}}


def test_the_demo_settings_parse_with_defaults() -> None:
    settings = parse_voxit_settings({"allow_proposals": True, "statements": STATEMENTS})
    assert settings.allow_proposals and len(settings.statements) == 8
    assert all(s.origin == "seed" and not s.meta for s in settings.statements)
    assert settings.priorities is None and settings.opinion_map is None
    assert settings.to_dict()["statements"][0] == {**STATEMENTS[0], "origin": "seed", "meta": False}
    assert "priorities" not in settings.to_dict()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"statements": [{"id": "s1", "text": {"fi": "Vain suomeksi"}}]}, "needs a text in sv, en"),
        ({"statements": [SEED, SEED]}, "unique"),
        ({"topic": {"fi": "Aihe"}}, "needs a text in sv, en"),
        ({"opens": "2026-06-01T00:00:00Z", "closes": "2026-05-01T00:00:00Z"}, "opens must be before closes"),
        ({"opens": "2026-02-30T00:00:00Z"}, "opens"),
        ({"allow_proposals": "yes"}, "allow_proposals"),
        ({"colour": "red"}, "colour"),
        ({"statements": [{**SEED, "text": {"fi": " ", "sv": "x", "en": "x"}}]}, "empty"),
    ],
)
def test_settings_that_describe_no_conversation_are_refused_in_words(change: dict[str, Any], words: str) -> None:
    with pytest.raises(VoxitSettingsError, match=words) as raised:
        parse_voxit_settings({"statements": [SEED], **change})
    assert raised.value.reason == "invalid_voxit_settings"


def test_a_participant_statement_may_have_one_language_and_text_for_falls_back() -> None:
    settings = parse_voxit_settings(
        {"statements": [SEED, {"id": "7", "text": {"sv": "Mera bänkar"}, "origin": "participant"}]}
    )
    proposed = settings.statement("7")
    assert proposed is not None
    assert text_for(proposed, "fi") == "Mera bänkar"
    assert text_for(settings.statements[0], "sv") == "Ett"
    assert text_for(settings.statements[0], "de") == "Yksi"


def test_an_opinion_map_must_be_consistent() -> None:
    good = {
        "run": 1,
        "columns": 3,
        "moderated": 1,
        "statements": ["a", "b"],
        "center": [0, 0],
        "components": [[1, 0], [0, 1]],
        "groups": [{"id": 0, "x": 0, "y": 0, "size": 2}],
    }
    assert OpinionMap.model_validate(good).columns == 3
    for bad in ({"columns": 2}, {"center": [0]}, {"components": [[1, 0], [0]]}, {"center": [0.5, 0]}):
        with pytest.raises(VoxitSettingsError):
            parse_voxit_settings({"opinion_map": {**good, **bad}})


def test_missing_priorities_weigh_as_a_new_statement() -> None:
    settings = parse_voxit_settings({"statements": [SEED, {**SEED, "id": "s2"}], "priorities": {"s1": 1_000_000}})
    assert statement_priorities(settings) == {"s1": 1_000_000, "s2": NEW_STATEMENT_PRIORITY}
    # The Polis priority of a statement nobody has seen: ((1 - 1/2) * 1 * 1/2 * (1 + 8)) ** 2.
    assert round(((1 - 0.5) * 1 * 0.5 * 9) ** 2 * SCALE) == NEW_STATEMENT_PRIORITY


def test_the_draw_is_weighted_by_priority() -> None:
    priorities = {"heavy": 9_000_000, "light": 1_000_000}
    firsts = Counter(draw_next(priorities, set(), random.Random(seed)) for seed in range(4000))
    share = firsts["heavy"] / 4000
    assert 0.87 < share < 0.93  # 0.9 expected; 6 standard deviations either side
    assert draw_next(priorities, {"heavy"}, random.Random(0)) == "light"
    assert draw_next(priorities, {"heavy", "light"}, random.Random(0)) is None


def test_a_zero_priority_is_drawn_only_when_nothing_else_remains() -> None:
    priorities = {"a": 0, "b": 5, "c": 0}
    assert {draw_next(priorities, set(), random.Random(seed)) for seed in range(200)} == {"b"}
    assert {draw_next(priorities, {"b"}, random.Random(seed)) for seed in range(200)} == {"a", "c"}


def test_weighted_order_is_a_permutation_and_reproducible() -> None:
    priorities = {f"s{i}": (i + 1) * 1000 for i in range(30)}
    order = weighted_order(priorities, random.Random(7))
    assert sorted(order) == sorted(priorities)
    assert order == weighted_order(priorities, random.Random(7))
    # Heavier statements come earlier on average.
    positions: dict[str, list[int]] = {sid: [] for sid in priorities}
    for seed in range(300):
        for index, sid in enumerate(weighted_order(priorities, random.Random(seed))):
            positions[sid].append(index)
    assert np.mean(positions["s29"]) < np.mean(positions["s15"]) < np.mean(positions["s0"])


def test_place_participant_agrees_with_the_server_projection() -> None:
    folder = POLIS / "15-per-hour-seattle"
    comments = read_comments_csv((folder / "comments.csv").read_text(encoding="utf-8"))
    votes = read_votes_csv((folder / "votes.csv").read_text(encoding="utf-8"))
    moderated_out = [c.id for c in comments if c.moderated == -1]
    analysis = analyze(votes, moderated_out=moderated_out, statement_ids=[c.id for c in comments])
    assert set(moderated_out) & set(analysis.matrix.statement_ids.tolist())  # the moderated count matters here
    opinion_map = OpinionMap.model_validate(
        opinion_map_of(analysis, {int(n): str(n) for n in analysis.statement_ids.tolist()}, run=1)
    )
    assert opinion_map.moderated > 0
    dense = analysis.matrix.to_dense()
    centers = {int(g): c for g, c in zip(analysis.clustering.group_ids, analysis.clustering.centers, strict=True)}
    groups = analysis.groups
    checked = agree = 0
    for row, pid in enumerate(analysis.matrix.participant_ids.tolist()):
        answers = {
            str(int(sid)): int(v)
            for sid, v in zip(analysis.matrix.statement_ids.tolist(), dense[row], strict=True)
            if not np.isnan(v)
        }
        placed = place_participant(answers, opinion_map)
        x, y = analysis.pca.projections[row]
        assert abs(placed.x / SCALE - x) < 1e-3 and abs(placed.y / SCALE - y) < 1e-3
        nearest = min(centers, key=lambda g: (float(np.hypot(*(centers[g] - (x, y)))), g))
        assert placed.group == nearest
        if pid in analysis.in_conv:
            checked += 1
            agree += int(any(pid in members for g, members in groups.items() if g == placed.group))
    # The nearest centre is the Polis group for nearly every clustered participant.
    assert checked > 100 and agree / checked > 0.9


def test_place_participant_without_groups_or_answers() -> None:
    empty = OpinionMap(run=1, columns=0, statements=[], center=[], components=[[], []], groups=[])
    assert place_participant({"a": 1}, empty) == (0, 0, None)


@pytest.mark.parametrize(
    "conversation", sorted(p.name for p in POLIS.iterdir() if (p / "votes.csv").is_file()) if POLIS.is_dir() else []
)
def test_shipped_priorities_never_collapse_to_one_value(conversation: str) -> None:
    """A fresh run (no previous state, where Polis's regression gave every statement the same
    priority) ships priorities that tell the statements apart, and a draw follows them."""
    folder = POLIS / conversation
    comments = read_comments_csv((folder / "comments.csv").read_text(encoding="utf-8"))
    votes = read_votes_csv((folder / "votes.csv").read_text(encoding="utf-8"))
    shown = {c.id for c in comments if c.moderated != -1}
    analysis = analyze(votes, moderated_out=[c.id for c in comments if c.moderated == -1], statement_ids=shown)
    priorities = priorities_of(analysis, {int(n): str(n) for n in analysis.statement_ids.tolist()}, shown)
    assert set(priorities) == {str(n) for n in shown}
    assert min(priorities.values()) >= 1
    # Statements with the same counts (e.g. one agree each, no extremity) share a priority; the rest differ.
    assert len(set(priorities.values())) > len(priorities) // 2
    top = max(priorities, key=lambda sid: priorities[sid])
    bottom = min(priorities, key=lambda sid: priorities[sid])
    firsts = Counter(draw_next(priorities, set(), random.Random(seed)) for seed in range(3000))
    assert firsts[top] > firsts[bottom]
