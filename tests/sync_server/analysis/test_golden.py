"""Against Polis on real conversations: group-informed consensus with our groups vs Polis's ``group-id``s.

The ranking compared is over the statements the public sees (moderated-out ones excluded,
as Polis's ``select-consensus-comments`` excludes them). The adjusted Rand index against
Polis's groups is recorded (``record_property`` and printed), not asserted beyond sanity:
Polis seeds each k-means with the previous run's clusters, so its groups carry the
conversation's history, which an analysis from the final votes alone cannot replay.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import adjusted_rand_score

from sync_server.analysis import consensus_for_groups
from tests.sync_server.analysis.conftest import CONVERSATIONS, Conversation, load_conversation

# Known shortfalls, kept visible: strict, so a fix turns them into failures to remove.
SHORTFALL = {
    (
        "canadian-electoral-reform",
        "top10",
    ): "our small group has 19 members where Polis's history kept 16; 8 of 10 shared",
    ("15-per-hour-seattle", "spearman"): "our minority group differs from Polis's by a few boundary participants",
}


def figures(conversation: Conversation) -> dict[str, float]:
    analysis = conversation.analysis()
    matrix = conversation.matrix
    ours, _ = consensus_for_groups(
        matrix, dict(zip(analysis.in_conv.tolist(), analysis.in_conv_group.tolist(), strict=True))
    )
    polis, _ = consensus_for_groups(matrix, conversation.participants_votes.group)
    shown = ~np.isin(matrix.statement_ids, conversation.moderated_out)
    ids = matrix.statement_ids[shown]

    def top10(values: np.ndarray) -> set[int]:
        return set(ids[np.argsort(-values[shown], kind="stable")[:10]].tolist())

    both = [p for p in analysis.in_conv.tolist() if p in conversation.participants_votes.group]
    ours_by_pid = dict(zip(analysis.in_conv.tolist(), analysis.in_conv_group.tolist(), strict=True))
    return {
        "spearman": float(spearmanr(ours[shown], polis[shown]).statistic),
        "top10": float(len(top10(ours) & top10(polis))),
        "ari": float(
            adjusted_rand_score(
                [conversation.participants_votes.group[p] for p in both], [ours_by_pid[p] for p in both]
            )
        ),
        "k": float(analysis.clustering.k),
    }


def cases(metric: str) -> list[object]:
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=SHORTFALL[(name, metric)])]
            if (name, metric) in SHORTFALL
            else [],
        )
        for name in CONVERSATIONS
    ]


@pytest.mark.parametrize("name", cases("spearman"))
def test_consensus_ranking_follows_polis_groups(name: str, record_property: pytest.RecordProperty) -> None:
    result = figures(load_conversation(name))
    record_property("spearman", result["spearman"])
    print(f"{name}: spearman={result['spearman']:.4f}")
    assert result["spearman"] >= 0.98


@pytest.mark.parametrize("name", cases("top10"))
def test_consensus_top_ten_mostly_shared_with_polis(name: str, record_property: pytest.RecordProperty) -> None:
    result = figures(load_conversation(name))
    record_property("top10", result["top10"])
    print(f"{name}: top10_shared={result['top10']:.0f}")
    assert result["top10"] >= 9


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_groups_resemble_polis_groups(name: str, record_property: pytest.RecordProperty) -> None:
    result = figures(load_conversation(name))
    record_property("adjusted_rand_index", result["ari"])
    print(f"{name}: k={result['k']:.0f} adjusted_rand_index={result['ari']:.3f}")
    assert result["k"] == 2  # Polis found two groups in each
    assert result["ari"] > 0.5
