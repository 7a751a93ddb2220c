"""PCA of the vote matrix with column-mean imputation and sparsity-aware projection.

Sources:

- Moderated-out statements are zeroed for every participant before the PCA (Polis
  ``conversation.clj`` ``:rating-mat`` via ``nm/zero-out-columns``; red-dwarf
  ``reddwarf.utils.matrix.simple_filter_matrix``), so they carry no variance but count as
  answered in the sparsity scaling.
- Missing votes are replaced by the column mean (Polis ``conversation.clj`` ``:mat``;
  red-dwarf ``SimpleImputer(strategy="mean")`` in ``reddwarf.utils.reducer.base``). After
  centring, an imputed cell is exactly zero, so the centred matrix has the sparsity of the
  vote matrix and is kept sparse here.
- Two principal components of the centred matrix (Polis ``pca.clj`` ``powerit-pca``
  computes them by power iteration; here exactly: eigenvectors of the Gram matrix for
  small matrices, ARPACK ``svds`` with a fixed start vector for large ones).
- Projection of participant ``i``: ``sqrt(n_statements / max(n_votes_i, 1)) * (x_i - mean) . pc``
  over answered cells only (Polis ``pca.clj`` ``sparsity-aware-project-ptpt``; red-dwarf
  ``reddwarf.sklearn.transformers.SparsityAwareScaler``).
- Statement projection: a virtual participant who agreed with that statement only
  (Polis ``pca.clj`` ``pca-project-cmnts``; red-dwarf ``generate_virtual_vote_matrix``);
  its length is the statement's *extremity* (Polis ``conversation.clj`` ``with-proj-and-extremtiy``).

Sign convention: each component is flipped so that its largest loading (by absolute value,
first such statement on ties) is positive, as scikit-learn's ``svd_flip`` with
``u_based_decision=False`` (what ``sklearn.decomposition.PCA`` uses), so projections
match scikit-learn's and red-dwarf's signs, and are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.linalg import svds

from sync_server.analysis.matrix import AGREE, VoteMatrix

__all__ = ["PcaResult", "sparsity_aware_pca"]

FloatArray = NDArray[np.float64]

# Below this many cells the dense SVD is both exact and fast.
DENSE_SVD_CELLS = 4_000_000


@dataclass(frozen=True)
class PcaResult:
    """Everything the PCA step computed, kept for audit."""

    center: FloatArray  # (n_statements,) column means after zeroing moderated-out columns
    components: FloatArray  # (2, n_statements) unit principal axes
    explained_variance: FloatArray  # (2,) as sklearn: singular value squared / (n - 1)
    explained_variance_ratio: FloatArray  # (2,)
    projections: FloatArray  # (n_participants, 2) sparsity-aware participant coordinates
    statement_projections: FloatArray  # (n_statements, 2)
    extremity: FloatArray  # (n_statements,) length of each statement projection


def _centred_sparse(matrix: VoteMatrix, moderated_out: NDArray[np.bool_]) -> tuple[sp.csr_matrix, FloatArray]:
    n_rows, n_cols = matrix.shape
    keep = ~moderated_out[matrix.cols]
    rows, cols = matrix.rows[keep], matrix.cols[keep]
    values = matrix.values[keep].astype(np.float64)
    sums = np.bincount(cols, weights=values, minlength=n_cols)
    seen = np.bincount(cols, minlength=n_cols)
    center = np.divide(sums, seen, out=np.zeros(n_cols), where=seen > 0)
    centred = sp.csr_matrix((values - center[cols], (rows, cols)), shape=(n_rows, n_cols))
    return centred, center


def _top_two_axes(centred: sp.csr_matrix, n_components: int) -> tuple[FloatArray, FloatArray]:
    """Singular values and right singular vectors (rows), largest first."""
    n_rows, n_cols = centred.shape
    if min(n_rows, n_cols) <= n_components + 1:
        _, s, vt = np.linalg.svd(centred.toarray(), full_matrices=False)
        return s[:n_components], vt[:n_components]
    if n_rows * n_cols <= DENSE_SVD_CELLS:
        # Right singular vectors are the eigenvectors of the Gram matrix Z'Z (n_statements square).
        gram = np.asarray((centred.T @ centred).toarray())
        eigenvalues, eigenvectors = np.linalg.eigh(gram)
        top = np.argsort(-eigenvalues, kind="stable")[:n_components]
        return np.sqrt(np.maximum(eigenvalues[top], 0.0)), eigenvectors[:, top].T
    v0 = np.full(min(n_rows, n_cols), 1.0 / np.sqrt(min(n_rows, n_cols)))
    _, s, vt = svds(centred, k=n_components, v0=v0, solver="arpack", random_state=0)
    order = np.argsort(-s, kind="stable")
    return s[order], vt[order]


def _flip_signs(components: FloatArray) -> FloatArray:
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(components.shape[0]), largest])
    signs[signs == 0] = 1.0
    flipped: FloatArray = components * signs[:, np.newaxis]
    return flipped


def sparsity_aware_pca(matrix: VoteMatrix, *, moderated_out: Iterable[int] = (), n_components: int = 2) -> PcaResult:
    """Project every participant and statement of ``matrix`` onto its first two principal components."""
    n_rows, n_cols = matrix.shape
    mod_mask = np.isin(matrix.statement_ids, np.fromiter(moderated_out, dtype=np.int64))
    centred, center = _centred_sparse(matrix, mod_mask)
    singular, axes = _top_two_axes(centred, n_components)
    components = np.zeros((n_components, n_cols))
    components[: axes.shape[0]] = _flip_signs(axes)
    explained = np.zeros(n_components)
    explained[: singular.size] = singular**2 / max(n_rows - 1, 1)
    total = float(centred.multiply(centred).sum())
    ratio = explained * max(n_rows - 1, 1) / total if total > 0 else np.zeros(n_components)

    # Answered cells per participant: real votes on kept statements plus every zeroed column.
    answered = np.bincount(matrix.rows[~mod_mask[matrix.cols]], minlength=n_rows) + int(mod_mask.sum())
    scale = np.sqrt(n_cols / np.maximum(answered, 1))
    projections = np.asarray(centred @ components.T) * scale[:, np.newaxis]

    agree_offset = np.where(mod_mask, 0.0, AGREE - center)
    statement_projections = (agree_offset[:, np.newaxis] * components.T) * np.sqrt(n_cols)
    return PcaResult(
        center=center,
        components=components,
        explained_variance=explained,
        explained_variance_ratio=ratio,
        projections=projections,
        statement_projections=statement_projections,
        extremity=np.linalg.norm(statement_projections, axis=1),
    )
