"""The router itself, pure (no files, no database): train, suggest, calibrate, evaluate.

Pipeline: ``normalise_text`` (NFC, lower case, whitespace collapsed; å, ä and ö stay letters),
then two TF-IDF blocks side by side, both with sublinear term frequency: character 2- to
5-grams within word boundaries (``char_wb``) and ``word_stems`` (each word cut to its first 5
letters; uni- and bigrams of those); then a linear SVM (``LinearSVC``, one-vs-rest, squared
hinge, C = 0.3). Both blocks carry Finnish inflection (``terveydenhuollon`` and
``terveydenhuolto`` share most n-grams and the stem ``terve``); the stem bigrams carry phrases
in every form (``sosia terve``, "social and health ..."). Chosen on the eduskunta dev split
(trained on train): words 1-2 + char_wb 2-5 gave accuracy 0.738 / macro-F1 0.696, adding the
stems 0.749 / 0.716, char_wb + stems without the word block 0.753 / 0.716 (and trains faster).

**Confidence.** An SVM gives decision scores, not probabilities. A suggestion's confidences
are the softmax of the decision scores divided by a temperature ``T`` (temperature scaling,
Guo et al., "On Calibration of Modern Neural Networks", 2017). ``calibrate_temperature``
fits ``T`` by minimising the log loss on held-out rows (``osallistu server train-router``
does so on its held-out part); a router that has not been calibrated uses
``DEFAULT_TEMPERATURE``, fitted that way on the eduskunta dev split. Dividing by ``T`` never
changes the order of the labels, so calibrating on the rows that are also evaluated does not
touch accuracy, macro-F1 or top-3. The confidences of one text sum to 1 over all labels.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from sync_server.routing.errors import RoutingInputError

__all__ = [
    "DEFAULT_TEMPERATURE",
    "Router",
    "Scores",
    "Suggestion",
    "calibrate_temperature",
    "evaluate",
    "normalise_text",
    "score_suggestions",
    "stratified_holdout",
    "train_router",
    "word_stems",
]

DEFAULT_TEMPERATURE = 0.27  # fitted on the eduskunta dev split (0.266) by calibrate_temperature
SVM_C = 0.3  # tuned on the eduskunta dev split (0.1 ... 1.0 within 0.005 accuracy)
MIN_DF_FROM = 1000  # with at least this many rows, n-grams seen in one text only are dropped
TOP = 3
BATCH = 4096  # texts per decision call: bounded memory for a long backlog


STEM = 5  # letters kept of each word by ``word_stems``
_WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def word_stems(text: str) -> list[str]:
    """A crude Finnish stemmer for features: each word of two or more letters cut to ``STEM`` letters,
    and the pairs of neighbouring cut words. ``Kunnan terveyspalveluissa`` -> ``kunna``, ``terve``, ``kunna terve``."""
    stems = [word[:STEM] for word in _WORD.findall(normalise_text(text))]
    return stems + [f"{a} {b}" for a, b in itertools.pairwise(stems)]


def normalise_text(text: str) -> str:
    """NFC, lower case, runs of whitespace as one space. Letters stay letters: ``Äiti`` -> ``äiti``."""
    return " ".join(unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower()).split())


@dataclass(frozen=True)
class Suggestion:
    """The router's best label for one text, its confidence, and the best three (best first)."""

    label: str
    confidence: float
    top3: tuple[tuple[str, float], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "top3": [{"label": label, "confidence": round(c, 4)} for label, c in self.top3],
        }


@dataclass(frozen=True)
class Scores:
    """How a router did on labelled rows: share right, macro-averaged F1, share with the right label in the top 3."""

    accuracy: float
    macro_f1: float
    top3_accuracy: float

    def to_json(self) -> dict[str, float]:
        return {
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "top3_accuracy": round(self.top3_accuracy, 4),
        }


@dataclass(frozen=True)
class Router:
    """A trained router: ``suggest`` texts a label (one of ``labels``, the values of ``label_name``)."""

    label_name: str
    labels: tuple[str, ...]
    trained_rows: int
    temperature: float
    pipeline: Pipeline

    def decision_scores(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """The SVM's decision score per text and label (rows: texts, columns: ``labels``)."""
        raw = np.asarray(self.pipeline.decision_function(list(texts)), dtype=np.float64)
        if raw.ndim == 1:  # two labels: one score, positive for labels[1]
            raw = np.column_stack([-raw, raw])
        return raw

    def confidences(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Softmax of the decision scores over ``temperature``: each row sums to 1."""
        return softmax(self.decision_scores(texts), self.temperature)

    def suggest(self, texts: Sequence[str]) -> list[Suggestion]:
        """One suggestion per text, in order. An empty list for no texts."""
        suggestions = []
        for start in range(0, len(texts), BATCH):
            probabilities = self.confidences(texts[start : start + BATCH])
            # Stable sort on the negated confidence: ties keep the labels' own (sorted) order.
            order = np.argsort(-probabilities, axis=1, kind="stable")[:, :TOP]
            for row, best in zip(probabilities, order, strict=True):
                top = tuple((self.labels[i], float(row[i])) for i in best)
                suggestions.append(Suggestion(label=top[0][0], confidence=top[0][1], top3=top))
        return suggestions

    def with_temperature(self, temperature: float) -> Router:
        if not (math.isfinite(temperature) and temperature > 0):
            raise ValueError(f"a temperature must be a positive number, not {temperature}")
        return replace(self, temperature=float(temperature))


def softmax(scores: NDArray[np.float64], temperature: float) -> NDArray[np.float64]:
    scaled = scores / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result


def _pipeline(rows: int) -> Pipeline:
    min_df = 2 if rows >= MIN_DF_FROM else 1
    common: dict[str, Any] = {
        "preprocessor": normalise_text,
        "sublinear_tf": True,
        "min_df": min_df,
        "dtype": np.float32,
        "strip_accents": None,  # å, ä and ö are letters of their own, not a, a and o
    }
    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common)),
            (
                "stems",
                TfidfVectorizer(analyzer=word_stems, sublinear_tf=True, min_df=min_df, dtype=np.float32),
            ),
        ]
    )
    return Pipeline([("features", features), ("svm", LinearSVC(C=SVM_C, random_state=0))])


def _check_rows(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise RoutingInputError(
            f"there are {len(texts)} texts but {len(labels)} labels; give one label per text", reason="length_mismatch"
        )


def train_router(
    texts: Sequence[str], labels: Sequence[str], *, label_name: str, temperature: float = DEFAULT_TEMPERATURE
) -> Router:
    """Train a router on labelled texts (deterministic: the same rows give the same router)."""
    _check_rows(texts, labels)
    distinct = sorted(set(labels))
    if len(distinct) < 2:
        raise RoutingInputError(
            f"training needs at least two different values of {label_name!r}, found {len(distinct)}",
            reason="too_few_labels",
        )
    pipeline = _pipeline(len(texts))
    pipeline.fit(list(texts), list(labels))
    for _, vectorizer in pipeline.named_steps["features"].transformer_list:
        vectorizer.stop_words_ = None  # the n-grams dropped by min_df: large, and not needed to predict
    classes = tuple(str(c) for c in pipeline.classes_)
    if classes != tuple(distinct):
        raise AssertionError(f"the SVM's classes {classes} differ from the labels {distinct}")
    return Router(
        label_name=label_name, labels=classes, trained_rows=len(texts), temperature=temperature, pipeline=pipeline
    ).with_temperature(temperature)


def calibrate_temperature(router: Router, texts: Sequence[str], labels: Sequence[str]) -> Router:
    """The router with the temperature that minimises the log loss on these (held-out) rows.

    Rows whose label the router does not know are left out; with none left the router is unchanged."""
    _check_rows(texts, labels)
    index = {label: i for i, label in enumerate(router.labels)}
    known = [(t, index[label]) for t, label in zip(texts, labels, strict=True) if label in index]
    if not known:
        return router
    scores = router.decision_scores([t for t, _ in known])
    truth = np.array([i for _, i in known])

    def log_loss(log_t: float) -> float:
        scaled = scores / math.exp(log_t)
        scaled -= scaled.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scaled).sum(axis=1))
        return float(np.mean(log_norm - scaled[np.arange(len(truth)), truth]))

    best = minimize_scalar(log_loss, bounds=(math.log(0.01), math.log(10.0)), method="bounded")
    return router.with_temperature(round(math.exp(float(best.x)), 6))


def evaluate(router: Router, texts: Sequence[str], labels: Sequence[str]) -> Scores:
    """Accuracy, macro-F1 (over every label that is true or predicted) and top-3 accuracy on labelled rows.

    A label the router never saw counts as a miss."""
    _check_rows(texts, labels)
    return score_suggestions(router.suggest(texts), labels)


def score_suggestions(suggestions: Sequence[Suggestion], labels: Sequence[str]) -> Scores:
    """``evaluate`` for suggestions already made (one per label, in order)."""
    if len(suggestions) != len(labels):
        raise RoutingInputError(
            f"there are {len(suggestions)} suggestions but {len(labels)} labels", reason="length_mismatch"
        )
    if not suggestions:
        raise RoutingInputError("there are no labelled rows to evaluate on", reason="empty_file")
    predicted = [s.label for s in suggestions]
    truth = list(labels)
    accuracy = float(np.mean([p == t for p, t in zip(predicted, truth, strict=True)]))
    top3 = float(np.mean([t in {label for label, _ in s.top3} for s, t in zip(suggestions, truth, strict=True)]))
    macro_f1 = float(f1_score(truth, predicted, average="macro", zero_division=0))
    return Scores(accuracy=accuracy, macro_f1=macro_f1, top3_accuracy=top3)


def stratified_holdout(texts: Sequence[str], labels: Sequence[str], share: float) -> tuple[list[int], list[int]]:
    """Indices (train, held out): about ``share`` of each label's rows held out, chosen by the sha256 of
    the text (then the row index), so the split does not depend on a random seed or on the order of the
    other labels' rows. A label with one row stays in training; a label with n >= 2 rows keeps at least one."""
    _check_rows(texts, labels)
    if not 0 <= share < 1:
        raise ValueError(f"the held-out share must be in [0, 1), not {share}")
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_label[label].append(i)
    held: list[int] = []
    for rows in by_label.values():
        if len(rows) < 2 or share == 0:
            continue
        count = min(len(rows) - 1, max(1, round(len(rows) * share)))
        ranked = sorted(rows, key=lambda i: (hashlib.sha256(texts[i].encode("utf-8")).digest(), i))
        held.extend(ranked[:count])
    held_set = set(held)
    return [i for i in range(len(labels)) if i not in held_set], sorted(held)
