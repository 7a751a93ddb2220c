"""Feedback routing speed and quality on the real Finnish routing task (eduskunta_vkk_fi).

Trains the router (``sync_server.routing``: TF-IDF words + character n-grams, linear SVM) on
the 49,106-row train split, read in place from ``../shared/data/feedback``, then classifies
the 3,000-row test split ``--repeat`` times (best run counts; the first is a warm-up when
``--repeat`` > 1). Training time is one run: it is the figure an operator waits for. The peer
in the same run is the bare SVM's decision function on already vectorised rows, so the ratio
shows what the text features cost. The shared data README names a TF-IDF + linear SVM
baseline of about 0.73 accuracy on the same split.

Last line: ``train_s=<n> classify_per_s=<n> accuracy=<n> macro_f1=<n>``.
Run: ``.venv/bin/python bench/routing.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sync_server.routing import evaluate, train_router
from sync_server.routing.csvfile import read_csv_rows

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "feedback" / "eduskunta_vkk_fi"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not (DATA / "train.csv.bz2").is_file():
        sys.exit(f"the shared eduskunta_vkk_fi data is absent: {DATA.resolve()}")
    train = read_csv_rows(DATA / "train.csv.bz2", text="sentence", label="ministry")
    test = read_csv_rows(DATA / "test.csv.bz2", text="sentence", label="ministry")
    assert train.labels is not None and test.labels is not None
    print(f"train {len(train.texts)} rows, test {len(test.texts)} rows, {len(set(train.labels))} labels", flush=True)

    start = time.perf_counter()
    router = train_router(train.texts, train.labels, label_name="ministry")
    train_s = time.perf_counter() - start
    print(f"trained in {train_s:.1f} s", flush=True)

    classify_s = float("inf")
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        router.suggest(test.texts)
        classify_s = min(classify_s, time.perf_counter() - start)
    classify_per_s = len(test.texts) / classify_s

    features = router.pipeline.named_steps["features"].transform(test.texts)
    svm = router.pipeline.named_steps["svm"]
    bare_s = float("inf")
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        svm.decision_function(features)
        bare_s = min(bare_s, time.perf_counter() - start)
    print(
        f"classify: {classify_per_s:.0f} texts/s end to end, bare SVM on vectorised rows {len(test.texts) / bare_s:.0f}"
        f" rows/s (features take {1 - bare_s / classify_s:.0%} of the time)",
        flush=True,
    )

    scores = evaluate(router, test.texts, test.labels)
    print(f"test: top3_accuracy={scores.top3_accuracy:.4f} (baseline accuracy in the data README: about 0.73)")
    print(
        f"train_s={train_s:.1f} classify_per_s={classify_per_s:.0f} "
        f"accuracy={scores.accuracy:.4f} macro_f1={scores.macro_f1:.4f}"
    )


if __name__ == "__main__":
    main()
