"""Opinion analysis speed: ours against red-dwarf (Polis math in Python) in the same run.

Two inputs: the real vtaiwan.uberx conversation (read in place from ``../shared/data/polis``),
and a synthetic conversation of 20,000 participants x 2,000 statements with 2 M votes and
three planted opinion groups (seeded). Both sides start from the raw vote rows and end with
groups, consensus and priorities; each figure is the best of ``--repeat`` runs after a warm-up.
red-dwarf needs one vote per cell, so its timing includes the last-vote-wins step (pandas).
It runs on the synthetic input only with ``--reddwarf-synthetic`` (it takes minutes there).

Last line: ``ours_s=<n> reddwarf_s=<n> speedup=<n> synthetic_2m_s=<n>`` (ours_s and
reddwarf_s on vtaiwan). Run: ``.venv/bin/python bench/clustering.py``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sync_server.analysis import VoteLog, analyze
from sync_server.analysis.polis_export import read_comments_csv, read_votes_csv

POLIS_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "polis"


def best_of(repeat: int, run: Callable[[], Any]) -> float:
    run()  # warm-up: imports, thread pools, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def synthetic_log(participants: int, statements: int, votes: int, *, seed: int = 2024) -> VoteLog:
    """Planted groups: each statement has a stance per group; participants follow their group 90 % of the time."""
    rng = np.random.default_rng(seed)
    groups = rng.choice(3, size=participants, p=[0.5, 0.3, 0.2])
    stance = rng.choice([-1, 0, 1], size=(3, statements), p=[0.45, 0.1, 0.45])
    per = votes // participants
    participant = np.repeat(np.arange(participants), per)
    # Each participant answers ``per`` distinct statements drawn at random.
    statement = np.argpartition(rng.random((participants, statements)), per, axis=1)[:, :per].ravel()
    follow = rng.random(participant.size) < 0.9
    vote = np.where(follow, stance[groups[participant], statement], rng.choice([-1, 0, 1], size=participant.size))
    timestamp = np.arange(participant.size, dtype=np.int64)
    return VoteLog.from_arrays(participant, statement, vote, timestamp)


def reddwarf_run(log: VoteLog, moderated_out: list[int]) -> Callable[[], Any]:
    import pandas as pd
    from reddwarf.implementations.polis import run_pipeline

    rows = pd.DataFrame(
        {
            "participant_id": log.participant,
            "statement_id": log.statement,
            "vote": log.vote.astype(np.int64),
            "modified": log.timestamp,
        }
    )

    def run() -> Any:
        last = rows.sort_values("modified", kind="stable").drop_duplicates(
            ["participant_id", "statement_id"], keep="last"
        )
        return run_pipeline(votes=last.to_dict("records"), mod_out_statement_ids=moderated_out, random_state=0)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--statements", type=int, default=2_000)
    parser.add_argument("--votes", type=int, default=2_000_000)
    parser.add_argument("--reddwarf-synthetic", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    folder = POLIS_DATA / "vtaiwan.uberx"
    log = read_votes_csv((folder / "votes.csv").read_text(encoding="utf-8"))
    moderated_out = [
        c.id for c in read_comments_csv((folder / "comments.csv").read_text(encoding="utf-8")) if c.moderated == -1
    ]
    ours_s = best_of(args.repeat, lambda: analyze(log, moderated_out=moderated_out).to_json())
    reddwarf_s = best_of(args.repeat, reddwarf_run(log, moderated_out))
    print(f"vtaiwan.uberx: {len(log)} votes, ours {ours_s:.3f} s, red-dwarf {reddwarf_s:.3f} s")

    synthetic = synthetic_log(args.participants, args.statements, args.votes)
    result = analyze(synthetic)
    synthetic_s = best_of(max(1, args.repeat - 1), lambda: analyze(synthetic).to_json())
    print(
        f"synthetic: {len(synthetic)} votes, {args.participants} x {args.statements}, ours {synthetic_s:.3f} s, "
        f"k={result.clustering.k} group sizes={result.clustering.sizes.tolist()}"
    )
    if args.reddwarf_synthetic:
        start = time.perf_counter()
        reddwarf_run(synthetic, [])()
        print(f"synthetic: red-dwarf {time.perf_counter() - start:.3f} s (one run)")
    speedup = reddwarf_s / ours_s
    print(f"ours_s={ours_s:.3f} reddwarf_s={reddwarf_s:.3f} speedup={speedup:.1f} synthetic_2m_s={synthetic_s:.3f}")


if __name__ == "__main__":
    main()
