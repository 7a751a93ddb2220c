"""Who is clustered: the participants "in the conversation".

Ported from Polis ``math/src/polismath/math/conversation.clj``, ``base-conv-update-graph``
``:in-conv``: a participant is in once they have voted on at least ``min(7, n-cmts)``
statements (``n-cmts`` counts every statement column, moderated or not); when fewer than
15 are in, the most active of the others are added until there are 15 ("greedy-n").
Once in, a participant stays in: pass the previous run's set as ``previous``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from sync_server.analysis.matrix import VoteMatrix

__all__ = ["GREEDY_N", "MIN_VOTES", "select_in_conv"]

MIN_VOTES = 7
GREEDY_N = 15


def select_in_conv(
    matrix: VoteMatrix,
    *,
    previous: Iterable[int] = (),
    min_votes: int = MIN_VOTES,
    greedy_n: int = GREEDY_N,
) -> NDArray[np.bool_]:
    """A mask over ``matrix.participant_ids``: True for the participants to cluster."""
    counts = matrix.votes_per_participant()
    threshold = min(min_votes, matrix.shape[1])
    in_conv = counts >= threshold
    in_conv |= np.isin(matrix.participant_ids, np.fromiter(previous, dtype=np.int64))
    missing = greedy_n - int(in_conv.sum())
    if missing > 0:
        # Most active first; among equals the lower participant id (a stable sort over sorted ids).
        candidates = np.flatnonzero(~in_conv)
        ranked = candidates[np.argsort(-counts[candidates], kind="stable")]
        in_conv[ranked[:missing]] = True
    return in_conv
