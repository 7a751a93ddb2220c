"""Near-duplicate detection (pure): character shingles and Jaccard similarity."""

from __future__ import annotations

import pytest

from sync_server.services.feedback_text import best_match, jaccard, normalise, shingles


def test_normalising_ignores_case_punctuation_and_spacing() -> None:
    assert normalise("  Kadulla  ON kuoppa!!! ") == "kadulla on kuoppa"
    assert normalise("Ｋａｄｕ") == "kadu"  # NFKC: full-width letters


def test_identical_texts_score_one_and_unrelated_texts_near_zero() -> None:
    a = shingles("Kallion puiston penkki on rikki")
    assert jaccard(a, a) == 1.0
    assert jaccard(a, shingles("Kirjaston aukioloajat ovat liian lyhyet")) < 0.1
    assert jaccard(frozenset(), frozenset()) == 0.0


@pytest.mark.parametrize(
    ("other", "duplicate"),
    [
        pytest.param("kallion puiston penkki on rikki.", True, id="case-and-punctuation"),
        pytest.param("Kallion puiston penkki on rikkii", True, id="typo"),
        pytest.param("Kallion puistossa penkki on rikki", True, id="inflection"),
        pytest.param("Penkki on rikki", False, id="much-shorter"),
        pytest.param("Kallion puiston roskis on täynnä", False, id="other-matter"),
    ],
)
def test_near_duplicates_of_one_message(other: str, duplicate: bool) -> None:
    match = best_match("Kallion puiston penkki on rikki", [(7, other)])
    assert (match is not None) is duplicate


def test_the_best_match_wins_and_ties_go_to_the_earliest_case() -> None:
    text = "Katuvalo ei pala Vuosaaren sillalla"
    candidates = [(9, text), (4, text), (5, "Katuvalo ei pala Vuosaaren sillalla illalla")]
    match = best_match(text, candidates)
    assert match is not None and (match.case_id, match.score) == (4, 1.0)
    assert best_match(text, [(1, "Roskis on täynnä")]) is None
