"""Comment priority: the weight of each statement in the terminal's random draw.

Ported from Polis ``math/src/polismath/math/conversation.clj``:

- ``importance-metric``: ``(1 - p) * (E + 1) * a`` with ``p = (P + 1) / (S + 2)`` (pass),
  ``a = (A + 1) / (S + 2)`` (agree) and ``E`` the statement's extremity.
- ``priority-metric``: ``(importance * (1 + 8 * 2^(-S / 5)))^2``, the factor letting new
  statements bubble up; meta statements get ``meta-priority`` = 7 before squaring.
- ``:comment-priorities`` sums A, D, S, P over the groups' votes. Polis reads those from
  the *previous* conversation state (``(:group-votes conv)``), which is empty on a fresh
  run and collapses every priority to one value (the regression the tests guard against);
  here they are the counts of this run.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["META_PRIORITY", "comment_priority", "importance"]

FloatArray = NDArray[np.float64]

META_PRIORITY = 7.0


def importance(agree: FloatArray, passes: FloatArray, seen: FloatArray, extremity: FloatArray) -> FloatArray:
    """Polis ``importance-metric``."""
    p = (passes + 1.0) / (seen + 2.0)
    a = (agree + 1.0) / (seen + 2.0)
    result: FloatArray = (1.0 - p) * (extremity + 1.0) * a
    return result


def comment_priority(
    *, agree: FloatArray, passes: FloatArray, seen: FloatArray, extremity: FloatArray, is_meta: NDArray[np.bool_]
) -> FloatArray:
    """Polis ``priority-metric`` for every statement at once."""
    newness = 1.0 + 8.0 * np.power(2.0, -seen / 5.0)
    raw = np.where(is_meta, META_PRIORITY, importance(agree, passes, seen, extremity) * newness)
    result: FloatArray = raw**2
    return result
