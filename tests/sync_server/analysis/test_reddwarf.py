"""Against red-dwarf 0.4.0 (a Python port of Polis's math) on vtaiwan.uberx: same PCA, same consensus formula."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.stats import spearmanr

from sync_server.analysis import consensus_for_groups
from sync_server.analysis.group_stats import count_group_votes, repness_table
from tests.sync_server.analysis.conftest import Conversation

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*:UserWarning:pydantic"),
    pytest.mark.filterwarnings("ignore:Passing a list to DataFrame.from_dict"),
]


@pytest.fixture(scope="module")
def reddwarf_result() -> tuple[Conversation, Any]:
    polis = pytest.importorskip("reddwarf.implementations.polis")
    from tests.sync_server.analysis.conftest import load_conversation

    vtaiwan = load_conversation("vtaiwan.uberx")
    m = vtaiwan.matrix
    votes = [
        {
            "participant_id": int(m.participant_ids[r]),
            "statement_id": int(m.statement_ids[c]),
            "vote": int(v),
            "modified": 0,
        }
        for r, c, v in zip(m.rows.tolist(), m.cols.tolist(), m.values.tolist(), strict=True)
    ]
    return vtaiwan, polis.run_pipeline(votes=votes, mod_out_statement_ids=vtaiwan.moderated_out, random_state=0)


def test_pca_projections_agree_with_reddwarf(reddwarf_result: tuple[Conversation, Any]) -> None:
    vtaiwan, result = reddwarf_result
    theirs = np.array([result.participant_projections[p] for p in vtaiwan.matrix.participant_ids.tolist()])
    ours = vtaiwan.analysis().pca.projections
    for axis in range(2):
        assert abs(np.corrcoef(theirs[:, axis], ours[:, axis])[0, 1]) > 0.99
    # Same sign convention as scikit-learn's PCA, so they agree even in sign (its solver is iterative: 1e-3).
    np.testing.assert_allclose(ours, theirs, atol=1e-3)


def test_group_informed_consensus_agrees_with_reddwarf(reddwarf_result: tuple[Conversation, Any]) -> None:
    vtaiwan, result = reddwarf_result
    labels = result.participants_df["cluster_id"].dropna()
    membership = {int(p): int(g) for p, g in labels.items()}
    agree, disagree = consensus_for_groups(vtaiwan.matrix, membership)
    tids = vtaiwan.matrix.statement_ids.tolist()
    np.testing.assert_allclose(agree, [result.group_aware_consensus["agree"][t] for t in tids], rtol=1e-12)
    np.testing.assert_allclose(disagree, [result.group_aware_consensus["disagree"][t] for t in tids], rtol=1e-12)
    # With each side's own groups the rankings still agree.
    ours = vtaiwan.analysis().consensus_agree[: len(tids)]
    assert spearmanr(ours, agree).statistic > 0.95


def test_repness_statistics_agree_with_reddwarf(reddwarf_result: tuple[Conversation, Any]) -> None:
    vtaiwan, result = reddwarf_result
    m = vtaiwan.matrix
    labels = result.participants_df["cluster_id"]
    row_group = np.array([-1 if np.isnan(x) else int(x) for x in labels.astype(float).tolist()], dtype=np.int64)
    group_ids = np.unique(row_group[row_group >= 0])
    table = repness_table(count_group_votes(m, row_group, group_ids, m.shape[1]))
    stats = result.group_comment_stats
    for g in group_ids.tolist():
        theirs = stats.xs(g, level="group_id").reindex(m.statement_ids.tolist())
        for column in ("pa", "pd", "pat", "pdt", "ra", "rd", "rat", "rdt"):
            np.testing.assert_allclose(getattr(table, column)[g], theirs[column].to_numpy(), rtol=1e-9)
