"""Counting speed: greedy and the Method of Equal Shares with Add1, ours and pabutools.

On ``Poland_Lodz_2023.pb`` (70,747 approval ballots, 139 projects) from the shared data
(read in place). Both count the same thing: greedy by votes (no score threshold; ties by
lower cost, then id) and MES with cost utilities and Add1 raising the share per voter
from budget/n by one currency unit (pabutools' ``voter_budget_increment=1``; ours
``ladder="exact"``), stopping at the first exhaustive outcome (our ``completion="add1"``).

pabutools runs in a child process with a time limit (``--pabutools-timeout``): on Lodz
its Add1 needs one full MES run (~2 s each here, 85 on Lodz) per unit of share. If it does not
finish in time, the comparison falls back to the largest other approval file where it
does, and both are printed.

Time: ``mes_*_s`` are CPU seconds of the MES+Add1 call (``time.process_time``), so the
ratio depends less on what else the machine runs; wall seconds are on the lines above.
Ours is the median of ``--repeat`` runs (default 3); pabutools' single run takes minutes.

Memory: ``peak_mb`` is the peak resident set size (``resource.getrusage``, ``ru_maxrss``)
of this process, which parses the file and runs our counts; pabutools' own peak (its
child process) is printed on its line.

Last line: ``mes_ours_s=<n> mes_pabutools_s=<n> speedup=<n> same_winners=<yes|no> peak_mb=<n>``.
Run: ``.venv/bin/python bench/tally.py [--file NAME.pb] [--repeat N] [--pabutools-timeout SECONDS]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared_models.pabulib import PbElection, parse_pb  # noqa: E402
from shared_models.tally import pb_inputs, tally_equal_shares, tally_greedy  # noqa: E402

DATA = ROOT / ".." / "shared" / "data" / "pabulib"


def load(path: Path) -> PbElection:
    return parse_pb(path.read_text(encoding="utf-8"))


def ours(path: Path, repeat: int = 1) -> dict[str, Any]:
    started = time.perf_counter()
    election = load(path)
    parse_s = time.perf_counter() - started
    projects, ballots, budget = pb_inputs(election)
    started = time.perf_counter()
    greedy = tally_greedy(projects, ballots, budget)
    greedy_s = time.perf_counter() - started
    walls, cpus = [], []
    for _ in range(repeat):  # the median of a few runs: CPU time still varies with the machine's load
        started, cpu = time.perf_counter(), time.process_time()
        mes = tally_equal_shares(projects, ballots, budget, completion="add1", ladder="exact")
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    mes_s, mes_cpu_s = statistics.median(walls), statistics.median(cpus)
    runs = len(mes.add1_steps)
    return {
        "parse_s": parse_s,
        "greedy_s": greedy_s,
        "greedy": sorted(greedy.selected),
        "mes_s": mes_s,
        "mes_cpu_s": mes_cpu_s,
        "mes": sorted(mes.selected),
        "runs": runs,
        "share": str(mes.run.voter_budget),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def pabutools_child(path: Path) -> None:
    """Runs in the child: pabutools' parse, greedy and MES+Add1; prints one JSON line."""
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares
    from pabutools.tiebreaking import TieBreakingRule

    started = time.perf_counter()
    instance, profile = parse_pabulib(str(path))
    multi = profile.as_multiprofile()
    parse_s = time.perf_counter() - started
    votes = {p.id: 0 for p in load(path).projects}
    for vote in load(path).votes:
        for project_id in vote.vote:
            votes[project_id] += 1
    greedy_ties = TieBreakingRule(lambda inst, prof, proj: (proj.cost, proj.name))
    mes_ties = TieBreakingRule(lambda inst, prof, proj: (proj.cost, -votes[proj.name], proj.name))
    started = time.perf_counter()
    greedy = greedy_utilitarian_welfare(instance, multi, sat_class=Cost_Sat, tie_breaking=greedy_ties)
    greedy_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    mes = method_of_equal_shares(instance, multi, sat_class=Cost_Sat, tie_breaking=mes_ties, voter_budget_increment=1)
    mes_s, mes_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    result = {
        "parse_s": parse_s,
        "greedy_s": greedy_s,
        "greedy": sorted(p.name for p in greedy),
        "mes_s": mes_s,
        "mes_cpu_s": mes_cpu_s,
        "mes": sorted(p.name for p in mes),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(result))


def pabutools(path: Path, timeout: float) -> dict[str, Any] | None:
    command = [sys.executable, str(Path(__file__).resolve()), "--pabutools-child", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def report(name: str, who: str, result: dict[str, Any]) -> None:
    extra = f" add1_runs={result['runs']} share={result['share']}" if "runs" in result else ""
    print(
        f"{name} {who}: parse_s={result['parse_s']:.2f} greedy_s={result['greedy_s']:.3f} "
        f"mes_add1_s={result['mes_s']:.2f} (cpu {result['mes_cpu_s']:.2f}) winners={len(result['mes'])}{extra} "
        f"peak_mb={result['peak_mb']:.0f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", default="Poland_Lodz_2023.pb")
    parser.add_argument("--pabutools-timeout", type=float, default=3600.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours; the median is reported")
    parser.add_argument("--pabutools-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pabutools_child:
        pabutools_child(args.pabutools_child)
        return
    if not DATA.is_dir():
        sys.exit(f"the shared pabulib data is absent: {DATA.resolve()}")
    main_path = DATA / args.file
    mine = ours(main_path, max(args.repeat, 1))
    report(main_path.name, "ours", mine)
    peak_mb = mine["peak_mb"]
    # The largest approval files first: Lodz, then the fallbacks.
    others = (p for p in DATA.glob("*.pb") if p != main_path and load(p).vote_type == "approval")
    candidates = [main_path, *sorted(others, key=lambda p: -p.stat().st_size)]
    for path in candidates:
        theirs = pabutools(path, args.pabutools_timeout)
        if theirs is None:
            print(f"{path.name} pabutools: MES+Add1 did not finish in {args.pabutools_timeout:.0f} s", flush=True)
            continue
        compared = mine if path == main_path else ours(path, max(args.repeat, 1))
        if path != main_path:
            report(path.name, "ours", compared)
        report(path.name, "pabutools", theirs)
        print(f"{path.name} greedy same_winners={'yes' if theirs['greedy'] == compared['greedy'] else 'no'}")
        same = "yes" if theirs["mes"] == compared["mes"] else "no"
        speedup = theirs["mes_cpu_s"] / compared["mes_cpu_s"]
        print(
            f"mes_ours_s={compared['mes_cpu_s']:.2f} mes_pabutools_s={theirs['mes_cpu_s']:.2f} speedup={speedup:.0f} "
            f"same_winners={same} peak_mb={peak_mb:.0f}"
        )
        return
    sys.exit("pabutools finished on no file")


if __name__ == "__main__":
    main()
