"""How closely can Polis's own opinion groups be reproduced from a Polis export? A fidelity study.

Not a speed benchmark: it backs the claim in docs/design.md ("Opinion groups against
Polis's") that Polis's ``group-id`` carries the conversation's run history. For each
conversation under ``../shared/data/polis`` it groups the same clustered participants three
ways and scores each against Polis's ``group-id`` with the golden measures of
``tests/sync_server/analysis/test_golden.py`` (group-informed consensus Spearman over the
shown statements, top-10 shared, adjusted Rand index):

1. ``ours``: the server's analysis (``sync_server.analysis.analyze``);
2. ``seeds``: the same pipeline with seeds 0..``--seeds``-1; how many seeds pass both golden
   thresholds (Spearman >= 0.98, top-10 >= 9): near-equal k-means optima, picked by chance;
3. ``replay``: Polis's own update loop over the votes in time order, one update per
   ``--window`` seconds of votes, every update warm-started from the last (Polis
   ``conversation.clj`` ``small-conv-update-graph``: cumulative in-conv, ``:base-clusters``
   k-means with ``:last-clusters``, ``clusters.clj`` ``clean-start-clusters`` (recentre on
   members, merge identical centres, split off the most distal point until k), cluster steps
   until the sorted centres move < 0.01, group k-means over weighted base centres for
   k = 2..``max-k-fn`` each from its own last clustering, ``:group-k-smoother`` with buffer 4).
   Moderation is taken as final from the start; the PCA is exact (Polis iterates it, warm).

Run: ``.venv/bin/python bench/polis_fidelity.py [--window 3600 600] [--seeds 20] [NAME ...]``
(minutes per conversation for short windows). Last line per conversation:
``conversation=<name> ours=<s>/<t> seeds_pass=<n>/<N> replay_<w>s=<s>/<t> ...``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.stats import spearmanr
from sklearn.metrics import adjusted_rand_score

from sync_server.analysis import VoteMatrix, analyze, build_vote_matrix, consensus_for_groups
from sync_server.analysis.clustering import base_clusters, group_clusters, max_group_k
from sync_server.analysis.polis_export import read_comments_csv, read_participants_votes_csv, read_votes_csv

POLIS_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "polis"
FloatArray = NDArray[np.float64]
Clusters = dict[int, list[int]]  # cluster id -> member names (participant ids or base-cluster ids)


@dataclass(frozen=True)
class Golden:
    matrix: VoteMatrix
    shown: NDArray[np.bool_]
    polis_group: dict[int, int]

    def score(self, membership: dict[int, int]) -> tuple[float, int, float]:
        """(Spearman, top-10 shared, ARI) of ``membership`` against Polis's groups."""
        ours, _ = consensus_for_groups(self.matrix, membership)
        theirs, _ = consensus_for_groups(self.matrix, self.polis_group)
        ids = self.matrix.statement_ids[self.shown]

        def top10(values: FloatArray) -> set[int]:
            return set(ids[np.argsort(-values[self.shown], kind="stable")[:10]].tolist())

        both = [p for p in membership if p in self.polis_group]
        return (
            float(spearmanr(ours[self.shown], theirs[self.shown]).statistic),
            len(top10(ours) & top10(theirs)),
            float(adjusted_rand_score([self.polis_group[p] for p in both], [membership[p] for p in both])),
        )


def _centre(points: FloatArray, weights: FloatArray, rows: list[int]) -> FloatArray:
    w = weights[rows]
    centre: FloatArray = (points[rows] * w[:, np.newaxis]).sum(axis=0) / w.sum()
    return centre


def _clean_start(
    points: FloatArray, weights: FloatArray, rows_of: list[list[int]], ids: list[int], k: int
) -> dict[int, FloatArray]:
    """Polis ``clean-start-clusters``: last clusters recentred on their members, topped up to k with distal points."""
    clusters: list[tuple[int, list[int]]] = []
    for cid, rows in zip(ids, rows_of, strict=True):
        if not rows:
            continue
        centre = _centre(points, weights, rows)
        same = next(
            (i for i, (_, r) in enumerate(clusters) if np.array_equal(_centre(points, weights, r), centre)), None
        )
        if same is None:
            clusters.append((cid, rows))
        else:
            keep = clusters[same][0] if len(clusters[same][1]) >= len(rows) else cid
            clusters[same] = (keep, clusters[same][1] + rows)
    possible = min(k, np.unique(points, axis=0).shape[0])
    while len(clusters) < possible:
        centres = np.array([_centre(points, weights, r) if r else np.full(2, np.inf) for _, r in clusters])
        nearest = np.sqrt(((points[:, np.newaxis] - centres[np.newaxis]) ** 2).sum(axis=2)).min(axis=1)
        far = int(np.flatnonzero(nearest == nearest.max())[-1])
        if nearest[far] <= 0:
            break
        clusters = [(cid, [r for r in rows if r != far]) for cid, rows in clusters]
        clusters.append((max(cid for cid, _ in clusters) + 1, [far]))
    return {cid: _centre(points, weights, rows) for cid, rows in clusters if rows}


def polis_kmeans(
    points: FloatArray, names: list[int], k: int, max_iters: int, weights: FloatArray, last: Clusters | None
) -> Clusters:
    """Polis ``clusters.clj`` ``kmeans``: warm start from ``last`` (by member names), else the first k distinct rows."""
    if last:
        row = {name: i for i, name in enumerate(names)}
        ids = list(last)
        centres = _clean_start(points, weights, [[row[m] for m in last[c] if m in row] for c in ids], ids, k)
    else:
        _, first = np.unique(points, axis=0, return_index=True)
        centres = {i: points[j].copy() for i, j in enumerate(sorted(first.tolist())[:k])}
    for remaining in range(max_iters, -1, -1):
        ids = list(centres)
        distances = ((points[:, np.newaxis] - np.array([centres[c] for c in ids])[np.newaxis]) ** 2).sum(axis=2)
        labels = np.argmin(distances, axis=1)
        moved = {
            c: _centre(points, weights, np.flatnonzero(labels == i).tolist())
            for i, c in enumerate(ids)
            if (labels == i).any()
        }
        old, new = sorted(map(tuple, centres.values())), sorted(map(tuple, moved.values()))
        settled = all(np.hypot(a[0] - b[0], a[1] - b[1]) < 0.01 for a, b in zip(old, new, strict=False))
        centres = moved
        if remaining == 0 or settled:
            break
    return {c: [names[j] for j in np.flatnonzero(labels == ids.index(c))] for c in centres}


def _silhouette(points: FloatArray, clusters: Clusters, names: list[int]) -> float:
    """Polis ``clusters.clj`` ``silhouette`` over base-cluster centres (0 for a singleton's member)."""
    at = {name: i for i, name in enumerate(names)}
    dist = np.sqrt(((points[:, np.newaxis] - points[np.newaxis]) ** 2).sum(axis=2))
    values = []
    for cid, members in clusters.items():
        for m in members:
            others = [at[o] for o in members if o != m]
            if not others:
                values.append(0.0)
                continue
            a = dist[at[m], others].mean()
            b = min(dist[at[m], [at[o] for o in ms]].mean() for c, ms in clusters.items() if c != cid)
            values.append(float((b - a) / max(a, b)))
    return float(np.mean(values))


@dataclass
class PolisReplay:
    """Polis's conversation state between updates."""

    mod_out: set[int]
    rows: dict[int, int] = field(default_factory=dict)
    cols: dict[int, int] = field(default_factory=dict)
    votes: FloatArray = field(default_factory=lambda: np.full((0, 0), np.nan))
    in_conv: set[int] = field(default_factory=set)
    base: Clusters = field(default_factory=dict)
    groups: dict[int, Clusters] = field(default_factory=dict)
    last_k: int = 0
    last_k_count: int = 0
    smoothed_k: int = 0
    group_of: dict[int, int] = field(default_factory=dict)

    def add(self, batch: list[tuple[int, int, int]]) -> None:
        for pid, tid, _ in batch:
            self.rows.setdefault(pid, len(self.rows))
            self.cols.setdefault(tid, len(self.cols))
        grown = np.full((len(self.rows), len(self.cols)), np.nan)
        grown[: self.votes.shape[0], : self.votes.shape[1]] = self.votes
        self.votes = grown
        for pid, tid, vote in batch:
            self.votes[self.rows[pid], self.cols[tid]] = vote

    def update(self) -> None:
        pids = list(self.rows)
        counts = (~np.isnan(self.votes)).sum(axis=1)
        self.in_conv |= {p for p, n in zip(pids, counts, strict=True) if n >= min(7, len(self.cols))}
        if len(self.in_conv) < 15:
            top_up = sorted((-n, i) for i, n in enumerate(counts) if pids[i] not in self.in_conv)
            self.in_conv |= {pids[i] for _, i in top_up[: 15 - len(self.in_conv)]}
        rated = self.votes.copy()
        rated[:, [self.cols[t] for t in self.mod_out if t in self.cols]] = 0.0
        answered = ~np.isnan(rated)
        centred = np.where(answered, rated - np.nanmean(rated, axis=0), 0.0)
        if centred.shape[1] >= 2:
            eigenvalues, vectors = np.linalg.eigh(centred.T @ centred)
            axes = vectors[:, np.argsort(-eigenvalues, kind="stable")[:2]]
        else:
            axes = np.zeros((centred.shape[1], 2))
            axes[0, 0] = 1.0
        projected = (centred @ axes) * np.sqrt(centred.shape[1] / np.maximum(answered.sum(axis=1), 1))[:, np.newaxis]
        names = [p for p in pids if p in self.in_conv]  # rating-matrix order, as rowname-subset keeps it
        points = projected[[self.rows[p] for p in names]]
        self.base = dict(sorted(polis_kmeans(points, names, 100, 100, np.ones(len(names)), self.base).items()))
        at = {p: i for i, p in enumerate(names)}
        bids = list(self.base)
        centres = np.array([points[[at[m] for m in self.base[b]]].mean(axis=0) for b in bids])
        sizes = np.array([len(self.base[b]) for b in bids], dtype=np.float64)
        silhouettes: dict[int, float] = {}
        for k in range(2, max_group_k(len(bids)) + 1):
            self.groups[k] = polis_kmeans(centres, bids, k, 20, sizes, self.groups.get(k))
            silhouettes[k] = _silhouette(centres, self.groups[k], bids) if len(self.groups[k]) > 1 else -1.0
        if not silhouettes:
            return
        this_k = max(silhouettes, key=lambda k: (silhouettes[k], k))  # max-key keeps the last best
        self.last_k_count = self.last_k_count + 1 if this_k == self.last_k else 1
        self.last_k = this_k
        if self.last_k_count >= 4 or not self.smoothed_k:
            self.smoothed_k = this_k
        chosen = self.groups.get(self.smoothed_k, self.groups[this_k])
        self.group_of = {p: gid for gid, bs in chosen.items() for b in bs for p in self.base[b]}


def replay(folder: Path, mod_out: set[int], window_s: float) -> dict[int, int]:
    log = read_votes_csv((folder / "votes.csv").read_text(encoding="utf-8"))
    order = np.argsort(log.timestamp, kind="stable")
    state = PolisReplay(mod_out=mod_out)
    batch: list[tuple[int, int, int]] = []
    started: int | None = None
    for i in order.tolist():
        moment = int(log.timestamp[i])
        if started is not None and moment - started >= window_s * 1000:
            state.add(batch)
            state.update()
            batch, started = [], None
        started = moment if started is None else started
        batch.append((int(log.participant[i]), int(log.statement[i]), int(log.vote[i])))
    state.add(batch)
    state.update()
    return state.group_of


def study(name: str, windows: list[float], n_seeds: int) -> str:
    folder = POLIS_DATA / name
    log = read_votes_csv((folder / "votes.csv").read_text(encoding="utf-8"))
    comments = read_comments_csv((folder / "comments.csv").read_text(encoding="utf-8"))
    mod_out = {c.id for c in comments if c.moderated == -1}
    polis = read_participants_votes_csv((folder / "participants-votes.csv").read_text(encoding="utf-8"))
    matrix = build_vote_matrix(log)
    golden = Golden(matrix, ~np.isin(matrix.statement_ids, list(mod_out)), polis.group)
    analysis = analyze(log, moderated_out=mod_out, statement_ids=[c.id for c in comments])

    def fmt(score: tuple[float, int, float]) -> str:
        return f"{score[0]:.3f}/{score[1]}"

    ours = golden.score(dict(zip(analysis.in_conv.tolist(), analysis.in_conv_group.tolist(), strict=True)))
    print(f"{name}: ours spearman={ours[0]:.3f} top10={ours[1]} ari={ours[2]:.3f}", flush=True)
    points = analysis.pca.projections[np.searchsorted(matrix.participant_ids, analysis.in_conv)]
    passed = 0
    for seed in range(n_seeds):
        base = base_clusters(points, seed=seed)
        groups = group_clusters(base, seed=seed)
        score = golden.score(dict(zip(analysis.in_conv.tolist(), groups.base_group[base.labels].tolist(), strict=True)))
        passed += score[0] >= 0.98 and score[1] >= 9
        print(f"{name}: seed {seed} spearman={score[0]:.3f} top10={score[1]} ari={score[2]:.3f}", flush=True)
    line = f"conversation={name} ours={fmt(ours)} seeds_pass={passed}/{n_seeds}"
    for window in windows:
        score = golden.score(replay(folder, mod_out, window))
        print(f"{name}: replay {window:.0f} s spearman={score[0]:.3f} top10={score[1]} ari={score[2]:.3f}", flush=True)
        line += f" replay_{window:.0f}s={fmt(score)}"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=sorted(p.name for p in POLIS_DATA.iterdir() if p.is_dir()))
    parser.add_argument("--window", type=float, nargs="+", default=[3600.0, 600.0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    for name in args.names:
        print(study(name, args.window, args.seeds), flush=True)


if __name__ == "__main__":
    main()
