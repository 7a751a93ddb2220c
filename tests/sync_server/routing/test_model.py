"""The router's pure logic on small synthetic data: it learns, ranks, normalises, is deterministic."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sync_server.routing import (
    DEFAULT_TEMPERATURE,
    Router,
    RoutingInputError,
    Scores,
    calibrate_temperature,
    evaluate,
    normalise_text,
    score_suggestions,
    stratified_holdout,
    train_router,
)
from tests.sync_server.routing.conftest import make_texts


def test_the_router_learns_the_topics_of_unseen_texts(small_router: Router) -> None:
    texts, labels = make_texts(20, seed=99)
    scores = evaluate(small_router, texts, labels)
    assert scores.accuracy >= 0.95
    assert scores.macro_f1 >= 0.95
    assert scores.top3_accuracy == 1.0
    assert small_router.labels == ("kadut", "koulut", "puistot")
    assert small_router.label_name == "topic"
    assert small_router.trained_rows == 120


def test_a_plain_message_goes_to_its_topic(small_router: Router) -> None:
    [streets, schools] = small_router.suggest(["Kadulla on iso kuoppa asfaltissa", "Koulun ruokala on huono"])
    assert streets.label == "kadut"
    assert schools.label == "koulut"


def test_top3_is_ordered_best_first_and_starts_with_the_suggestion(small_router: Router) -> None:
    for suggestion in small_router.suggest(make_texts(5, seed=7)[0] + ["", "jotain aivan muuta"]):
        assert len(suggestion.top3) == 3
        confidences = [c for _, c in suggestion.top3]
        assert confidences == sorted(confidences, reverse=True)
        assert suggestion.top3[0] == (suggestion.label, suggestion.confidence)
        assert {label for label, _ in suggestion.top3} == set(small_router.labels)


def test_confidences_are_probabilities_that_sum_to_one(small_router: Router) -> None:
    texts = make_texts(5, seed=8)[0]
    matrix = small_router.confidences(texts)
    assert matrix.shape == (len(texts), 3)
    assert np.all((matrix >= 0) & (matrix <= 1))
    assert np.allclose(matrix.sum(axis=1), 1.0)
    for suggestion in small_router.suggest(texts):
        assert 1 / 3 <= suggestion.confidence <= 1
        assert math.isclose(sum(c for _, c in suggestion.top3), 1.0, rel_tol=1e-9)


def test_a_clear_text_is_more_confident_than_a_mixed_one(small_router: Router) -> None:
    clear, mixed = small_router.suggest(["katu kuoppa asfaltti auraus", "katu puisto koulu"])
    assert clear.confidence > mixed.confidence


def test_with_only_two_labels_top3_has_two(small_router: Router) -> None:
    texts, labels = make_texts(10, seed=3)
    pairs = [(t, label) for t, label in zip(texts, labels, strict=True) if label != "koulut"]
    router = train_router([t for t, _ in pairs], [label for _, label in pairs], label_name="topic")
    [suggestion] = router.suggest(["puisto penkki nurmikko"])
    assert suggestion.label == "puistot"
    assert len(suggestion.top3) == 2
    assert suggestion.confidence > 0.5
    assert math.isclose(sum(c for _, c in suggestion.top3), 1.0)


def test_training_is_deterministic() -> None:
    texts, labels = make_texts(15, seed=4)
    first = train_router(texts, labels, label_name="topic")
    second = train_router(texts, labels, label_name="topic")
    probe = make_texts(5, seed=5)[0]
    assert first.suggest(probe) == second.suggest(probe)
    assert np.array_equal(first.decision_scores(probe), second.decision_scores(probe))


def test_normalisation_keeps_finnish_letters_and_composes_them() -> None:
    decomposed = "A\u0308iti\u0301 O\u0308ljy  A\u030aland"
    assert normalise_text(decomposed) == "äití öljy åland"
    assert normalise_text("ÄÖÅ\tkatu\n") == "äöå katu"


def test_a_and_a_umlaut_are_different_words() -> None:
    texts = ["tämä on sää", "sää on hyvä", "sää sää", "tama on saa", "saa on hyva", "saa saa"]
    labels = ["fi", "fi", "fi", "ascii", "ascii", "ascii"]
    router = train_router(texts, labels, label_name="kind")
    assert [s.label for s in router.suggest(["SÄÄ", "SAA"])] == ["fi", "ascii"]


def test_one_label_is_not_enough_to_train() -> None:
    with pytest.raises(RoutingInputError, match="at least two") as caught:
        train_router(["a b", "c d"], ["x", "x"], label_name="topic")
    assert caught.value.reason == "too_few_labels"


def test_texts_and_labels_must_pair_up() -> None:
    with pytest.raises(RoutingInputError) as caught:
        train_router(["a", "b", "c"], ["x", "y"], label_name="topic")
    assert caught.value.reason == "length_mismatch"


def test_calibration_fits_a_temperature_without_changing_the_ranking(small_router: Router) -> None:
    assert small_router.temperature == DEFAULT_TEMPERATURE
    texts, labels = make_texts(10, seed=11)
    calibrated = calibrate_temperature(small_router, texts, labels)
    assert calibrated.temperature != small_router.temperature
    assert 0.01 <= calibrated.temperature <= 10
    before, after = small_router.suggest(texts), calibrated.suggest(texts)
    assert [s.label for s in before] == [s.label for s in after]
    assert [[label for label, _ in s.top3] for s in before] == [[label for label, _ in s.top3] for s in after]
    assert evaluate(calibrated, texts, labels) == evaluate(small_router, texts, labels)


def test_calibration_lowers_the_log_loss_on_its_rows(small_router: Router) -> None:
    texts, labels = make_texts(10, seed=12)
    index = [small_router.labels.index(label) for label in labels]

    def log_loss(router: Router) -> float:
        p = router.confidences(texts)
        return float(-np.mean(np.log(p[np.arange(len(index)), index])))

    assert log_loss(calibrate_temperature(small_router, texts, labels)) <= log_loss(small_router)


def test_calibration_on_unknown_labels_only_changes_nothing(small_router: Router) -> None:
    assert calibrate_temperature(small_router, ["katu"], ["satama"]) is small_router


def test_scores_count_an_unknown_label_as_a_miss(small_router: Router) -> None:
    scores = evaluate(small_router, ["katu kuoppa asfaltti", "puisto penkki"], ["kadut", "satama"])
    assert scores == Scores(accuracy=0.5, macro_f1=scores.macro_f1, top3_accuracy=0.5)
    assert 0 < scores.macro_f1 < 1


def test_scores_need_rows() -> None:
    with pytest.raises(RoutingInputError, match="no labelled rows"):
        score_suggestions([], [])


def test_holdout_is_stratified_deterministic_and_disjoint() -> None:
    texts, labels = make_texts(30, seed=2)
    texts, labels = [*texts, "yksinäinen"], [*labels, "satama"]
    train, held = stratified_holdout(texts, labels, 0.1)
    assert sorted(train + held) == list(range(len(texts)))
    assert not set(train) & set(held)
    assert [labels[i] for i in held].count("kadut") == 3
    assert [labels[i] for i in held].count("koulut") == 3
    assert "satama" not in {labels[i] for i in held}  # one row: it stays in training
    assert stratified_holdout(texts, labels, 0.1) == (train, held)


def test_holdout_of_a_row_does_not_depend_on_other_labels() -> None:
    texts, labels = make_texts(30, seed=2)
    _, held = stratified_holdout(texts, labels, 0.1)
    streets = {texts[i] for i in held if labels[i] == "kadut"}
    only = [(t, label) for t, label in zip(texts, labels, strict=True) if label == "kadut"]
    _, held_alone = stratified_holdout([t for t, _ in only], [label for _, label in only], 0.1)
    assert {only[i][0] for i in held_alone} == streets


def test_a_label_with_two_rows_keeps_one_for_training() -> None:
    train, held = stratified_holdout(["a", "b", "c", "d"], ["x", "x", "y", "y"], 0.1)
    assert len(held) == 2 and len(train) == 2
    assert {["x", "x", "y", "y"][i] for i in train} == {"x", "y"}
