"""Opinion groups: base clusters, then groups of base clusters with k chosen by silhouette.

Sources (Polis ``math/src/polismath/math/conversation.clj``, ``small-conv-update-graph``):

- ``:base-clusters``: k-means with ``base-k`` = 100 clusters over the projections of the
  in-conv participants (fewer when there are fewer distinct points).
- ``:group-clusterings``: k-means over the base-cluster centres, weighted by their member
  counts (``:weights base-clusters-weights``), for k = 2 .. ``max-k-fn`` =
  ``min(5, 2 + n_base // 12)``.
- ``:group-clusterings-silhouettes``: the silhouette of each clustering over the base-cluster
  centres, the plain mean over centres (``clusters.clj`` ``silhouette``); the best k wins
  (``:group-k-smoother`` picks ``max-key``; its smoothing keeps the previous k until a new
  best k has won ``:group-k-buffer`` = 4 runs in a row, and on a first run, with no
  previous k, ``smoothed-k`` is this run's best k, which is what is done here every run;
  ties go to the smaller k).

Polis's k-means (``clusters.clj`` ``kmeans``) starts from the previous run's clusters
(``:last-clusters``), or on a first run from the first k distinct rows (``init-clusters``),
and stops when the sorted centres move less than 0.01 (``same-clustering?``) or after
``max-iters`` steps (100 for base clusters; 20 for groups, as ``:group-clusterings`` passes
``:cluster-iters``, which ``kmeans`` does not read). Those starts and stops were tried
against the real conversations and do not follow Polis's groups better than best-of-n
k-means++: where we differ, Polis's groups and ours are two k-means optima of nearly equal
quality, and which one Polis holds is its run history (docs/design.md, "Opinion groups
against Polis's").

Polis seeds k-means with the previous run's clusters; here base clusters are scikit-learn's
k-means (k-means++, fixed seed, one run, as Polis runs one), and groups a small weighted
Lloyd k-means in numpy over the at most 100 base centres (k-means++ seeding from a fixed
seed, best of ``GROUP_N_INIT`` runs by weighted inertia); deterministic for the same input. Labels
stay stable from run to run by matching the new group centres to the previous ones
(minimum total distance, Hungarian method via ``scipy.optimize.linear_sum_assignment``).
Without previous centres groups are numbered by size, largest first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

__all__ = [
    "BASE_K",
    "MAX_K",
    "BaseClusters",
    "GroupClustering",
    "base_clusters",
    "group_clusters",
    "weighted_kmeans",
]

BASE_K = 100
MAX_K = 5
GROUP_N_INIT = 10

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class BaseClusters:
    """Base clusters of the in-conv participants: ``labels[i]`` is the base cluster of the i-th one."""

    centers: FloatArray  # (n_base, 2)
    sizes: IntArray  # (n_base,)
    labels: IntArray  # (n_in_conv,)


@dataclass(frozen=True)
class GroupClustering:
    """Groups over base clusters, with the silhouette of every k tried."""

    k: int
    silhouette_by_k: dict[int, float]
    base_group: IntArray  # (n_base,) group id of each base cluster
    group_ids: IntArray  # (k,) sorted
    centers: FloatArray  # (k, 2) weighted centre of each group, in group_ids order
    sizes: IntArray  # (k,) participants per group


def _kmeans(points: FloatArray, k: int, *, seed: int) -> KMeans:
    model = KMeans(n_clusters=k, init="k-means++", n_init=1, random_state=seed, algorithm="lloyd")
    # One OpenMP thread: on 2-D points the threads cost more than they bring, and a busy
    # machine makes spinning threads very slow.
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(points)
    return model


def _sq_dist(points: FloatArray, centers: FloatArray) -> FloatArray:
    result: FloatArray = ((points[:, np.newaxis, :] - centers[np.newaxis, :, :]) ** 2).sum(axis=2)
    return result


def weighted_kmeans(
    points: FloatArray, weights: FloatArray, k: int, *, seed: int, n_init: int = GROUP_N_INIT, max_iter: int = 100
) -> IntArray:
    """Lloyd's k-means with weighted points (Polis ``clusters.clj`` ``kmeans`` with ``:weights``).

    k-means++ seeding (weighted) from ``numpy.random.default_rng(seed)``; best of ``n_init`` by inertia.
    """
    rng = np.random.default_rng(seed)
    best_labels = np.zeros(points.shape[0], np.int64)
    best_inertia = np.inf
    for _ in range(n_init):
        centers = points[[int(rng.choice(points.shape[0], p=weights / weights.sum()))]]
        while centers.shape[0] < k:
            d2 = _sq_dist(points, centers).min(axis=1) * weights
            if d2.sum() <= 0:
                break
            centers = np.vstack([centers, points[int(rng.choice(points.shape[0], p=d2 / d2.sum()))]])
        labels = np.zeros(points.shape[0], np.int64)
        for _ in range(max_iter):
            labels = np.argmin(_sq_dist(points, centers), axis=1)
            mass = np.bincount(labels, weights=weights, minlength=centers.shape[0])
            sums = np.stack(
                [np.bincount(labels, weights=weights * points[:, j], minlength=centers.shape[0]) for j in range(2)],
                axis=1,
            )
            moved = np.where(mass[:, np.newaxis] > 0, sums / np.maximum(mass, 1e-300)[:, np.newaxis], centers)
            if np.allclose(moved, centers, rtol=0.0, atol=1e-12):
                break
            centers = moved
        labels = np.argmin(_sq_dist(points, centers), axis=1)
        inertia = float((_sq_dist(points, centers)[np.arange(points.shape[0]), labels] * weights).sum())
        if inertia < best_inertia - 1e-12:
            best_inertia, best_labels = inertia, labels.astype(np.int64)
    return best_labels


def base_clusters(projections: FloatArray, *, seed: int = 0, base_k: int = BASE_K) -> BaseClusters:
    """k-means with up to ``base_k`` clusters over the in-conv projections (Polis ``:base-clusters``)."""
    n_distinct = np.unique(projections, axis=0).shape[0] if projections.size else 0
    k = min(base_k, n_distinct)
    if k == 0:
        return BaseClusters(np.zeros((0, 2)), np.zeros(0, np.int64), np.zeros(0, np.int64))
    model = _kmeans(projections, k, seed=seed)
    labels = np.asarray(model.labels_, dtype=np.int64)
    # Renumber by first appearance so base-cluster ids do not depend on k-means' internal order.
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first, kind="stable")
    renumber = np.empty(order.size, np.int64)
    renumber[np.unique(labels)[order]] = np.arange(order.size)
    labels = renumber[labels]
    sizes = np.bincount(labels, minlength=order.size).astype(np.int64)
    centers = np.zeros((order.size, projections.shape[1]))
    np.add.at(centers, labels, projections)
    centers /= sizes[:, np.newaxis]
    return BaseClusters(centers=centers, sizes=sizes, labels=labels)


def max_group_k(n_base: int, max_k: int = MAX_K) -> int:
    """Polis ``conversation.clj`` ``max-k-fn``: ``min(max-k, 2 + n // 12)``."""
    return min(max_k, 2 + n_base // 12)


def _label_order(
    labels: IntArray, centers: FloatArray, sizes: FloatArray, previous: Mapping[int, FloatArray] | None
) -> dict[int, int]:
    """Map k-means label -> stable group id."""
    k = centers.shape[0]
    by_size = sorted(range(k), key=lambda g: (-sizes[g], centers[g, 0], centers[g, 1]))
    if not previous:
        return {g: i for i, g in enumerate(by_size)}
    old_ids = sorted(previous)
    old_centers = np.array([previous[i] for i in old_ids], dtype=np.float64).reshape(len(old_ids), -1)
    cost = np.linalg.norm(centers[:, np.newaxis, :] - old_centers[np.newaxis, :, :], axis=2)
    new_rows, old_cols = linear_sum_assignment(cost)
    mapping = {int(r): old_ids[int(c)] for r, c in zip(new_rows, old_cols, strict=True)}
    next_id = max(old_ids) + 1
    for g in by_size:
        if g not in mapping:
            mapping[g] = next_id
            next_id += 1
    return mapping


def group_clusters(
    base: BaseClusters,
    *,
    seed: int = 0,
    max_k: int = MAX_K,
    previous_centers: Mapping[int, FloatArray] | None = None,
) -> GroupClustering:
    """Cluster the base clusters into 2..max-k groups and keep the k with the best silhouette."""
    n_base = base.centers.shape[0]
    weights = base.sizes.astype(np.float64)
    silhouettes: dict[int, float] = {}
    labelings: dict[int, IntArray] = {}
    for k in range(2, max_group_k(n_base, max_k) + 1):
        if k >= n_base:
            break
        labels = weighted_kmeans(base.centers, weights, k, seed=seed)
        if np.unique(labels).size < 2:
            continue
        labelings[k] = labels.astype(np.int64)
        silhouettes[k] = float(silhouette_score(base.centers, labels))
    if not labelings:
        # Too few distinct base clusters to split: everyone in one group.
        labelings[1] = np.zeros(n_base, np.int64)
    best_k = max(labelings, key=lambda k: (silhouettes.get(k, -1.0), -k))
    raw = labelings[best_k]
    used = np.unique(raw)
    sizes = np.array([weights[raw == g].sum() for g in used])
    centers = np.array([np.average(base.centers[raw == g], axis=0, weights=weights[raw == g]) for g in used])
    mapping = _label_order(np.searchsorted(used, raw), centers, sizes, previous_centers)
    base_group = np.array([mapping[int(i)] for i in np.searchsorted(used, raw)], dtype=np.int64)
    order = sorted(range(used.size), key=lambda g: mapping[g])
    return GroupClustering(
        k=int(used.size),
        silhouette_by_k=silhouettes,
        base_group=base_group,
        group_ids=np.array([mapping[g] for g in order], dtype=np.int64),
        centers=centers[order],
        sizes=sizes[order].astype(np.int64),
    )
