"""The real Finnish routing task (``../shared/data/feedback/eduskunta_vkk_fi``, read in place):
train on the 49,106-row train split, test on the 3,000-row test split, accuracy at least 0.73.

The shared data README gives about 0.73 for a TF-IDF (words and characters) + linear SVM
baseline. Macro-F1 and top-3 accuracy are printed and recorded (``record_property``); they
are asserted only against a floor well below what the router reaches (0.70 and 0.90 on the
dev split), to catch a broken pipeline rather than to pin a figure. Training takes about a
minute on two idle cores, longer on a busy machine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sync_server.routing import evaluate, train_router
from sync_server.routing.csvfile import read_csv_rows

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "feedback" / "eduskunta_vkk_fi"


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_eduskunta_routing_reaches_the_baseline(record_property: Callable[[str, Any], None]) -> None:
    if not (DATA / "train.csv.bz2").is_file():
        pytest.skip(f"the eduskunta_vkk_fi data is not at {DATA} (the shared data folder is absent)")
    train = read_csv_rows(DATA / "train.csv.bz2", text="sentence", label="ministry")
    test = read_csv_rows(DATA / "test.csv.bz2", text="sentence", label="ministry")
    assert train.labels is not None and test.labels is not None
    assert (len(train.texts), len(test.texts), len(set(train.labels))) == (49_106, 3_000, 15)
    router = train_router(train.texts, train.labels, label_name="ministry")
    scores = evaluate(router, test.texts, test.labels)
    for name, value in scores.to_json().items():
        record_property(name, value)
    print(
        f"eduskunta_vkk_fi test: accuracy={scores.accuracy:.4f} macro_f1={scores.macro_f1:.4f} "
        f"top3_accuracy={scores.top3_accuracy:.4f}"
    )
    assert scores.accuracy >= 0.73
    assert scores.macro_f1 >= 0.6
    assert scores.top3_accuracy >= 0.85
