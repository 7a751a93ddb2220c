"""Near-duplicate feedback, as pure functions (no database).

Two messages are near-duplicates when the Jaccard similarity of their character
shingles is at least ``DUPLICATE_THRESHOLD``. A message is normalised first (NFKC,
lower case, every run of non-letters and non-digits one space), then cut into
overlapping ``SHINGLE`` -character pieces, so word order changes, typos and
punctuation move the score a little and a different message moves it a lot.
Character shingles suit Finnish, whose long inflected words defeat word matching
("kuoppa", "kuopassa", "kuoppia" share most shingles).

The service compares a new case only with recent cases of the same process,
topic (as sent) and place (``services.feedback``); a near-duplicate is flagged with
the earliest matching case, never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["DUPLICATE_THRESHOLD", "SHINGLE", "Match", "best_match", "jaccard", "normalise", "shingles"]

SHINGLE = 4
DUPLICATE_THRESHOLD = 0.6
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """NFKC, lower case, every run of characters that are not letters or digits as one space."""
    return _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


@lru_cache(maxsize=8192)
def shingles(text: str, size: int = SHINGLE) -> frozenset[str]:
    """The set of ``size``-character pieces of the normalised text (the whole text when shorter).
    Cached: the recent cases a new one is compared with are mostly the same from case to case."""
    clean = normalise(text)
    if len(clean) <= size:
        return frozenset({clean}) if clean else frozenset()
    return frozenset(clean[i : i + size] for i in range(len(clean) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; 0 for two empty sets."""
    if not a and not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


@dataclass(frozen=True)
class Match:
    case_id: int
    score: float


def best_match(
    text: str, candidates: Iterable[tuple[int, str]], *, threshold: float = DUPLICATE_THRESHOLD
) -> Match | None:
    """The candidate ``(case_id, text)`` most similar to ``text`` at or above ``threshold``; on equal
    scores the lowest case id (the earliest case) wins. None when none is similar enough."""
    mine = shingles(text)
    best: Match | None = None
    for case_id, other in candidates:
        theirs = shingles(other)
        small, large = sorted((len(mine), len(theirs)))
        if large == 0 or small < threshold * large:  # |A ∩ B| / |A ∪ B| <= small / large
            continue
        score = jaccard(mine, theirs)
        if score < threshold:
            continue
        if best is None or score > best.score or (score == best.score and case_id < best.case_id):
            best = Match(case_id, round(score, 4))
    return best
