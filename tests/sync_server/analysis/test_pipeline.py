"""The analysis as a whole: deterministic, stable labels, priorities that do not collapse, sane edges."""

from __future__ import annotations

import json

import numpy as np

from sync_server.analysis import VoteLog, analyze
from sync_server.analysis.priority import META_PRIORITY, comment_priority
from tests.sync_server.analysis.conftest import Conversation


def make_planted_log(*, participants: int = 120, statements: int = 30, seed: int = 1) -> VoteLog:
    """Two planted opinion groups that answer half the statements oppositely."""
    rng = np.random.default_rng(seed)
    side = np.where(np.arange(participants) % 3 == 0, -1, 1)
    stance = np.where(np.arange(statements) % 2 == 0, 1, 0)
    rows = []
    for p in range(participants):
        for s in rng.choice(statements, size=12, replace=False):
            lean = side[p] if stance[s] else 1
            vote = lean if rng.random() < 0.85 else int(rng.choice([-1, 0, 1]))
            rows.append((p, int(s), int(vote), p * 1000 + int(s)))
    return VoteLog.from_rows(rows)


def test_same_input_gives_the_same_output() -> None:
    log = make_planted_log()
    assert json.dumps(analyze(log).to_json()) == json.dumps(analyze(log).to_json())


def test_planted_groups_are_found() -> None:
    analysis = analyze(make_planted_log())
    assert analysis.clustering.k == 2
    minority = set(range(0, 120, 3))
    found = [set(m.tolist()) for m in analysis.groups.values()]
    assert max(len(minority & g) / len(minority | g) for g in found) > 0.9


def test_group_labels_survive_a_slightly_changed_input(vtaiwan: Conversation) -> None:
    first = vtaiwan.analysis()
    keep = np.random.default_rng(7).random(len(vtaiwan.log)) > 0.01  # drop 1 % of the votes
    log = vtaiwan.log
    changed = VoteLog.from_arrays(log.participant[keep], log.statement[keep], log.vote[keep], log.timestamp[keep])
    # Pretend the earlier run had the groups in the other order: matching must follow the centres.
    carry = first.carryover()
    assert carry.group_centers is not None
    swapped = dict(zip(reversed(list(carry.group_centers)), carry.group_centers.values(), strict=True))
    second = analyze(changed, moderated_out=vtaiwan.moderated_out, previous=type(carry)(carry.in_conv, swapped))
    assert sorted(second.groups) == sorted(swapped)
    for old_id, old_members in first.groups.items():
        new_id = next(g for g, c in swapped.items() if c == carry.group_centers[old_id])
        overlap = len(set(old_members.tolist()) & set(second.groups[new_id].tolist()))
        assert overlap / len(old_members) > 0.75


def test_priorities_do_not_collapse_to_one_value(conversation: Conversation) -> None:
    priority = conversation.analysis().priority
    shown = ~np.isin(conversation.analysis().statement_ids, conversation.moderated_out)
    assert np.unique(np.round(priority[shown], 9)).size > shown.sum() // 3
    assert priority.min() >= 0 and np.isfinite(priority).all()


def test_meta_statements_get_the_fixed_priority_and_new_ones_bubble_up() -> None:
    seen = np.array([0.0, 40.0, 40.0])
    priority = comment_priority(
        agree=np.array([0.0, 20.0, 20.0]),
        passes=np.array([0.0, 5.0, 5.0]),
        seen=seen,
        extremity=np.zeros(3),
        is_meta=np.array([False, False, True]),
    )
    assert priority[2] == META_PRIORITY**2
    assert priority[0] > priority[1]


def test_statements_nobody_voted_on_are_listed_with_a_newness_priority(conversation: Conversation) -> None:
    analysis = conversation.analysis()
    listed = [s["id"] for s in analysis.to_json()["statements"]]
    assert sorted(listed) == sorted(c.id for c in conversation.comments)


def test_json_holds_groups_and_statements_with_export_ids(conversation: Conversation) -> None:
    data = json.loads(json.dumps(conversation.analysis().to_json()))
    participants = set(conversation.matrix.participant_ids.tolist())
    assert {"id", "participants"} <= set(data["groups"][0])
    assert all(set(g["participants"]) <= participants for g in data["groups"])
    assert {"id", "group_informed_consensus", "priority"} <= set(data["statements"][0])
    for group in data["groups"]:
        assert group["representative"], "every group has at least one representative statement"
        assert not {r["statement_id"] for r in group["representative"]} & set(conversation.moderated_out)


def test_a_tiny_conversation_still_analyses() -> None:
    analysis = analyze(VoteLog.from_rows([(1, 1, 1, 0), (2, 1, -1, 1), (3, 2, 0, 2)]))
    data = analysis.to_json()
    assert sum(len(g["participants"]) for g in data["groups"]) == 3
    assert len(data["statements"]) == 2
