"""Against Polis on real conversations: group-informed consensus with our groups vs Polis's ``group-id``s.

The ranking compared is over the statements the public sees (moderated-out ones excluded,
as Polis's ``select-consensus-comments`` excludes them). The adjusted Rand index against
Polis's groups is recorded (``record_property`` and printed), not asserted beyond sanity:
Polis seeds each k-means with the previous run's clusters, so its groups carry the
conversation's history, which an analysis from the final votes alone cannot replay.

Two cells miss (strict xfail, figures in ``SHORTFALL``). The cause is not the consensus
formula, nor who is clustered: the clustered sets are Polis's, and Polis's own groups put
through ``consensus_for_groups`` on our clustered set give Spearman 1.0. It is the choice
between two k-means solutions of almost equal within-group sum of squares in the same
PCA plane, which Polis settles by its run history (``test_shortfall_is_a_near_tie``
keeps that claim checked; docs/design.md, "Opinion groups against Polis's"). A port of
Polis's own warm-started update loop, replayed over the votes (``bench/polis_fidelity.py``),
does not reproduce seattle's groups either (0.969/9 at hourly updates, 0.944/8 at one a minute).
"""

from __future__ import annotations

from collections.abc import Callable

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
    ): "8 of 10: our small group has 19 members where Polis's has 16 (3 boundary participants, ARI 0.898);"
    " both are k-means optima, within-group SS 1174.99 ours vs 1175.10 Polis's; Polis's pick is run history",
    (
        "15-per-hour-seattle",
        "spearman",
    ): "0.969: our minority group has 43 members where Polis's has 39 (4 boundary participants, ARI 0.884);"
    " within-group SS 388.15 ours vs 389.78 Polis's; Polis's pick is run history",
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
def test_consensus_ranking_follows_polis_groups(name: str, record_property: Callable[[str, object], None]) -> None:
    result = figures(load_conversation(name))
    record_property("spearman", result["spearman"])
    print(f"{name}: spearman={result['spearman']:.4f}")
    assert result["spearman"] >= 0.98


@pytest.mark.parametrize("name", cases("top10"))
def test_consensus_top_ten_mostly_shared_with_polis(name: str, record_property: Callable[[str, object], None]) -> None:
    result = figures(load_conversation(name))
    record_property("top10", result["top10"])
    print(f"{name}: top10_shared={result['top10']:.0f}")
    assert result["top10"] >= 9


@pytest.mark.parametrize("name", CONVERSATIONS)
def test_groups_resemble_polis_groups(name: str, record_property: Callable[[str, object], None]) -> None:
    result = figures(load_conversation(name))
    record_property("adjusted_rand_index", result["ari"])
    print(f"{name}: k={result['k']:.0f} adjusted_rand_index={result['ari']:.3f}")
    assert result["k"] == 2  # Polis found two groups in each
    assert result["ari"] > 0.5


def within_group_sum_of_squares(points: np.ndarray, labels: np.ndarray) -> float:
    return float(sum(((points[labels == g] - points[labels == g].mean(axis=0)) ** 2).sum() for g in np.unique(labels)))


@pytest.mark.parametrize("name", sorted({name for name, _ in SHORTFALL}))
def test_shortfall_is_a_near_tie(name: str) -> None:
    """Where we miss, Polis clustered the same people and its groups are as good a k-means solution as ours."""
    conversation = load_conversation(name)
    analysis = conversation.analysis()
    polis = conversation.participants_votes.group
    assert set(analysis.in_conv.tolist()) == set(polis)
    points = analysis.pca.projections[np.searchsorted(analysis.matrix.participant_ids, analysis.in_conv)]
    polis_labels = np.array([polis[p] for p in analysis.in_conv.tolist()])
    assert not np.array_equal(polis_labels == polis_labels[0], analysis.in_conv_group == analysis.in_conv_group[0])
    ours = within_group_sum_of_squares(points, analysis.in_conv_group)
    theirs = within_group_sum_of_squares(points, polis_labels)
    assert ours <= theirs <= ours * 1.01
