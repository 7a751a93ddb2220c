"""The vote matrix: the raw vote log folded into one answer per participant and statement.

Polis keeps the vote matrix as a named matrix of participants (rows) by statements
(columns), the later vote replacing the earlier one (Polis ``named_matrix.clj``,
``update-nmat``; red-dwarf ``reddwarf.utils.matrix.generate_raw_matrix``). Votes are
agree = 1, disagree = -1, pass = 0; an unanswered cell is missing (NaN when dense).

Here the matrix is kept sparse (one entry per answered cell), because conversations are
sparse (a few percent of cells answered) and every later step needs only the answered
cells: counts per group are ``bincount`` over entries, and the centred matrix used by
the PCA is zero wherever a vote is missing. ``to_dense()`` gives the NaN-filled matrix
(as in Polis's ``participants-votes.csv``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["AGREE", "DISAGREE", "PASS", "VoteLog", "VoteMatrix", "build_vote_matrix"]

AGREE = 1
DISAGREE = -1
PASS = 0

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class VoteLog:
    """The raw vote log as columns: who voted what on which statement, and when (any monotonic clock)."""

    participant: IntArray
    statement: IntArray
    vote: NDArray[np.int8]
    timestamp: IntArray

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int, int, int]]) -> VoteLog:
        """From ``(participant, statement, vote, timestamp)`` rows, e.g. the raw log of a conversation."""
        data = np.array(list(rows), dtype=np.int64).reshape(-1, 4)
        return cls.from_arrays(data[:, 0], data[:, 1], data[:, 2], data[:, 3])

    @classmethod
    def from_arrays(
        cls,
        participant: NDArray[np.integer],
        statement: NDArray[np.integer],
        vote: NDArray[np.integer],
        timestamp: NDArray[np.integer],
    ) -> VoteLog:
        """From four equally long columns; refuses votes other than -1, 0 and 1."""
        p, s, v, t = (np.asarray(a, dtype=np.int64) for a in (participant, statement, vote, timestamp))
        if not (p.shape == s.shape == v.shape == t.shape) or p.ndim != 1:
            raise ValueError("vote log columns must be one-dimensional and of equal length")
        if v.size and (v.min() < DISAGREE or v.max() > AGREE):
            raise ValueError("a vote must be -1 (disagree), 0 (pass) or 1 (agree)")
        return cls(participant=p, statement=s, vote=v.astype(np.int8), timestamp=t)

    def __len__(self) -> int:
        return int(self.participant.size)


@dataclass(frozen=True)
class VoteMatrix:
    """Final votes, sparse: entry ``k`` is ``values[k]`` at ``(rows[k], cols[k])``.

    ``participant_ids`` and ``statement_ids`` are sorted; rows and columns index them.
    Entries are sorted by (row, col), one per answered cell.
    """

    participant_ids: IntArray
    statement_ids: IntArray
    rows: IntArray
    cols: IntArray
    values: NDArray[np.int8]

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.participant_ids.size), int(self.statement_ids.size))

    @property
    def n_votes(self) -> int:
        return int(self.values.size)

    def votes_per_participant(self) -> IntArray:
        """How many statements each participant answered (pass included), as Polis's ``user-vote-counts``."""
        return np.bincount(self.rows, minlength=self.shape[0]).astype(np.int64)

    def to_dense(self) -> FloatArray:
        """The NaN-filled matrix, participants by statements."""
        dense = np.full(self.shape, np.nan)
        dense[self.rows, self.cols] = self.values
        return dense


def build_vote_matrix(log: VoteLog) -> VoteMatrix:
    """Fold the log into the final matrix: the last vote per (participant, statement) wins.

    "Last" is by timestamp, and for equal timestamps by position in the log (a stable
    sort), as Polis applies votes in arrival order (``named_matrix.clj`` ``update-nmat``).
    Columns are the statements with at least one vote, as in ``participants-votes.csv``.
    """
    participant_ids, rows = np.unique(log.participant, return_inverse=True)
    statement_ids, cols = np.unique(log.statement, return_inverse=True)
    n_statements = statement_ids.size
    order = np.argsort(log.timestamp, kind="stable")
    keys = rows[order].astype(np.int64) * n_statements + cols[order]
    # The first occurrence in the reversed order is the last vote in time.
    reversed_keys = keys[::-1]
    unique_keys, first = np.unique(reversed_keys, return_index=True)
    final_votes = log.vote[order][::-1][first]
    return VoteMatrix(
        participant_ids=participant_ids.astype(np.int64),
        statement_ids=statement_ids.astype(np.int64),
        rows=(unique_keys // n_statements).astype(np.int64) if n_statements else unique_keys,
        cols=(unique_keys % n_statements).astype(np.int64) if n_statements else unique_keys,
        values=final_votes.astype(np.int8),
    )
