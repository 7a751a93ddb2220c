"""The analysis, step by step as Polis runs it, and the result kept for audit.

``analyze`` reads like the algorithm (Polis ``conversation.clj`` ``small-conv-update-graph``):

1. vote matrix from the raw log (last vote wins);
2. who is clustered (``in-conv``);
3. PCA with column-mean imputation and sparsity-aware projection;
4. base clusters, then groups with k chosen by silhouette, labels matched to the previous run;
5. vote counts per group -> representativeness and representative statements;
6. group-informed consensus and divisiveness;
7. comment priorities.

Every intermediate value stays in the returned ``Analysis``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sync_server.analysis.clustering import BaseClusters, GroupClustering, base_clusters, group_clusters
from sync_server.analysis.group_stats import (
    GroupVotes,
    RepnessTable,
    RepStatement,
    count_group_votes,
    divisiveness,
    group_informed_consensus,
    repness_table,
    select_rep_statements,
)
from sync_server.analysis.matrix import VoteLog, VoteMatrix, build_vote_matrix
from sync_server.analysis.participation import select_in_conv
from sync_server.analysis.pca import PcaResult, sparsity_aware_pca
from sync_server.analysis.priority import comment_priority

__all__ = ["Analysis", "Carryover", "analyze", "consensus_for_groups"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DIVISIVE_MAX = 5


@dataclass(frozen=True)
class Carryover:
    """What one run hands to the next: who is in (they stay in) and where the groups were (labels stay)."""

    in_conv: tuple[int, ...] = ()
    group_centers: Mapping[int, tuple[float, float]] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Carryover:
        """From a previous ``Analysis.to_json()``."""
        return cls(
            in_conv=tuple(int(p) for p in data.get("in_conv", ())),
            group_centers={int(g["id"]): (float(g["center"][0]), float(g["center"][1])) for g in data["groups"]},
        )


@dataclass(frozen=True)
class Analysis:
    """One run of the analysis over a conversation, with every intermediate value."""

    matrix: VoteMatrix
    statement_ids: IntArray  # matrix columns, then statements nobody has voted on yet
    moderated_out: frozenset[int]
    meta: frozenset[int]
    in_conv: IntArray  # participant ids that were clustered, sorted
    pca: PcaResult
    base: BaseClusters
    clustering: GroupClustering
    in_conv_group: IntArray  # group id of each in-conv participant
    group_votes: GroupVotes
    repness_table: RepnessTable
    repness: dict[int, list[RepStatement]]
    consensus_agree: FloatArray
    consensus_disagree: FloatArray
    divisiveness: FloatArray
    priority: FloatArray

    @property
    def groups(self) -> dict[int, IntArray]:
        """Group id -> participant ids."""
        return {int(g): self.in_conv[self.in_conv_group == g] for g in self.clustering.group_ids}

    def divisive_statements(self, limit: int = DIVISIVE_MAX) -> list[int]:
        """Statement ids whose groups part the most (highest divisiveness), moderated-out ones excluded."""
        shown = [i for i, tid in enumerate(self.statement_ids.tolist()) if tid not in self.moderated_out]
        ranked = sorted(shown, key=lambda i: (-self.divisiveness[i], self.statement_ids[i]))
        return [int(self.statement_ids[i]) for i in ranked[:limit] if self.divisiveness[i] > 0]

    def carryover(self) -> Carryover:
        return Carryover(
            in_conv=tuple(int(p) for p in self.in_conv),
            group_centers={
                int(g): (float(c[0]), float(c[1]))
                for g, c in zip(self.clustering.group_ids, self.clustering.centers, strict=True)
            },
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data; participant and statement ids as in the vote log."""
        n_cols = self.matrix.shape[1]
        participant_group = dict(zip(self.in_conv.tolist(), self.in_conv_group.tolist(), strict=True))
        extremity = np.concatenate([self.pca.extremity, np.zeros(self.statement_ids.size - n_cols)])
        return {
            "matrix": {
                "participants": self.matrix.shape[0],
                "statements": n_cols,
                "votes": self.matrix.n_votes,
            },
            "in_conv": self.in_conv.tolist(),
            "pca": {
                "explained_variance": self.pca.explained_variance.tolist(),
                "explained_variance_ratio": self.pca.explained_variance_ratio.tolist(),
            },
            "k": self.clustering.k,
            "silhouette_by_k": {str(k): v for k, v in sorted(self.clustering.silhouette_by_k.items())},
            "groups": [
                {
                    "id": int(gid),
                    "center": [float(x) for x in center],
                    "participants": members.tolist(),
                    "representative": [
                        {
                            "statement_id": r.statement_id,
                            "repful_for": r.repful_for,
                            "n_success": r.n_success,
                            "n_trials": r.n_trials,
                            "p_success": r.p_success,
                            "repness": r.repness,
                            "best_agree": r.best_agree,
                        }
                        for r in self.repness[int(gid)]
                    ],
                }
                for gid, center, members in zip(
                    self.clustering.group_ids, self.clustering.centers, self.groups.values(), strict=True
                )
            ],
            "statements": [
                {
                    "id": tid,
                    "group_informed_consensus": float(self.consensus_agree[i]),
                    "group_informed_consensus_disagree": float(self.consensus_disagree[i]),
                    "divisiveness": float(self.divisiveness[i]),
                    "extremity": float(extremity[i]),
                    "priority": float(self.priority[i]),
                    "moderated_out": tid in self.moderated_out,
                    "meta": tid in self.meta,
                }
                for i, tid in enumerate(self.statement_ids.tolist())
            ],
            "divisive": self.divisive_statements(),
            "participants": [
                {"id": pid, "x": float(x), "y": float(y), "group": participant_group.get(pid)}
                for pid, (x, y) in zip(self.matrix.participant_ids.tolist(), self.pca.projections.tolist(), strict=True)
            ],
        }


def _row_groups(n_rows: int, rows: IntArray, labels: IntArray, group_ids: IntArray) -> IntArray:
    row_group = np.full(n_rows, -1, dtype=np.int64)
    row_group[rows] = np.searchsorted(group_ids, labels)
    return row_group


def consensus_for_groups(matrix: VoteMatrix, membership: Mapping[int, int]) -> tuple[FloatArray, FloatArray]:
    """Group-informed consensus (agree, disagree) per matrix column for a given participant -> group map.

    Used to compare with another clustering (for instance Polis's own ``group-id``).
    """
    pids = np.fromiter(membership.keys(), dtype=np.int64)
    labels = np.fromiter(membership.values(), dtype=np.int64)
    rows = np.searchsorted(matrix.participant_ids, pids)
    group_ids = np.unique(labels)
    votes = count_group_votes(matrix, _row_groups(matrix.shape[0], rows, labels, group_ids), group_ids, matrix.shape[1])
    return group_informed_consensus(votes)


def analyze(
    votes: VoteLog | VoteMatrix,
    *,
    moderated_out: Iterable[int] = (),
    meta: Iterable[int] = (),
    statement_ids: Iterable[int] = (),
    previous: Carryover | None = None,
    seed: int = 0,
) -> Analysis:
    """Run the whole analysis over a conversation's votes.

    ``moderated_out``: statements removed by moderation (zeroed in the PCA, never representative).
    ``meta``: statements marked meta (fixed priority). ``statement_ids``: every known statement,
    so those nobody has voted on yet still get a priority. ``previous``: the last run's carryover.
    """
    matrix = votes if isinstance(votes, VoteMatrix) else build_vote_matrix(votes)
    mod_out = frozenset(int(t) for t in moderated_out)
    meta_ids = frozenset(int(t) for t in meta)
    carry = previous or Carryover()

    extra = np.setdiff1d(np.fromiter(statement_ids, dtype=np.int64), matrix.statement_ids)
    all_statements = np.concatenate([matrix.statement_ids, np.sort(extra)])
    n_statements = all_statements.size

    in_conv_mask = select_in_conv(matrix, previous=carry.in_conv)
    in_conv_rows = np.flatnonzero(in_conv_mask)

    pca = sparsity_aware_pca(matrix, moderated_out=mod_out)

    base = base_clusters(pca.projections[in_conv_rows], seed=seed)
    previous_centers = (
        {g: np.asarray(c, dtype=np.float64) for g, c in carry.group_centers.items()} if carry.group_centers else None
    )
    clustering = group_clusters(base, seed=seed, previous_centers=previous_centers)
    in_conv_group = clustering.base_group[base.labels] if base.labels.size else np.zeros(0, np.int64)

    row_group = _row_groups(matrix.shape[0], in_conv_rows, in_conv_group, clustering.group_ids)
    group_votes = count_group_votes(matrix, row_group, clustering.group_ids, n_statements)
    table = repness_table(group_votes)
    repness = select_rep_statements(table, all_statements, clustering.group_ids, moderated_out=mod_out)
    consensus_agree, consensus_disagree = group_informed_consensus(group_votes)

    agree = group_votes.agree.sum(axis=0).astype(np.float64)
    seen = group_votes.seen.sum(axis=0).astype(np.float64)
    passes = seen - agree - group_votes.disagree.sum(axis=0)
    extremity = np.concatenate([pca.extremity, np.zeros(extra.size)])
    priority = comment_priority(
        agree=agree,
        passes=passes,
        seen=seen,
        extremity=extremity,
        is_meta=np.isin(all_statements, np.fromiter(meta_ids, dtype=np.int64)),
    )

    return Analysis(
        matrix=matrix,
        statement_ids=all_statements,
        moderated_out=mod_out,
        meta=meta_ids,
        in_conv=matrix.participant_ids[in_conv_rows],
        pca=pca,
        base=base,
        clustering=clustering,
        in_conv_group=in_conv_group.astype(np.int64),
        group_votes=group_votes,
        repness_table=table,
        repness=repness,
        consensus_agree=consensus_agree,
        consensus_disagree=consensus_disagree,
        divisiveness=divisiveness(table),
        priority=priority,
    )
