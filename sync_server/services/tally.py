"""Counting a budget process and exporting it (pabulib ``.pb``, CSV).

Per district, the counted ballots (``services.ballots``) are counted with
``shared_models.tally.tally_by_rule``: the process's ``count_rule`` (a pabulib name) or the
rule given. Money is counted in ``count_unit`` cents (100 for processes imported from
pabulib, so that Add1 raises each voter's share one whole currency unit at a time, as the
cities do) when every cost and the budget divide by it, else in cents.

Rule names: the pabulib names of ``shared_models.tally.RULES``, and the spellings
``greedy_helsinki``, ``equal_shares``, ``equal_shares/add1``, ``equal_shares/add1_exhaustive``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from shared_models.pabulib import PbElection, PbProject, PbVote, write_pb
from shared_models.tally import Ballot as TallyBallot
from shared_models.tally import Project, tally_by_rule
from sync_server.db.models import Process
from sync_server.errors import UnknownProcess
from sync_server.services.ballots import Ballot, all_districts, budget_settings, load_ballots

__all__ = ["export_csv", "export_pb", "normalize_rule", "tally_process"]


def normalize_rule(rule: str) -> str:
    """A pabulib rule name from either spelling (``equal_shares/add1_exhaustive`` = pabulib's)."""
    return rule.strip().lower().replace("equal_shares", "equalshares").replace("_", "-")


def _rule_name(setting: Any) -> str:
    """The rule a process names: a pabulib name (imports) or ``shared_models.budget.CountRule``."""
    if isinstance(setting, str):
        return setting
    if isinstance(setting, dict):
        name = str(setting.get("rule", "greedy"))
        completion = setting.get("completion")
        return f"{name}/{completion}" if name == "equal_shares" and completion else name
    return "greedy"


def _process(session: Session, process_id: str) -> dict[str, Any]:
    with session.begin():
        row = session.get(Process, process_id)
        if row is None:
            raise UnknownProcess(f"no process {process_id!r}")
        return {"id": row.id, "title": row.title, "activities": row.activities, "settings": row.settings}


def _count_district(
    district: Mapping[str, Any], ballots: list[Ballot], rule: str, budget: dict[str, Any]
) -> dict[str, Any]:
    costs = {p["id"]: int(p["cost"]) for p in district.get("projects", [])}
    unit = int(budget.get("count_unit", 1)) or 1
    if any(c % unit for c in costs.values()) or int(district["budget"]) % unit:
        unit = 1
    projects = [Project(pid, cost // unit) for pid, cost in costs.items()]
    cumulative = (budget.get("ballot") or {}).get("type") == "cumulative"
    inputs: list[TallyBallot] = [dict(b.points or {}) if cumulative else frozenset(b.projects) for b in ballots]
    chosen: tuple[str, ...] = ()
    if inputs:  # no ballot, nothing selected (Equal Shares needs a voter)
        result = tally_by_rule(
            rule, projects, inputs, int(district["budget"]) // unit, meta=budget.get("count_meta") or {}
        )
        chosen = result.selected
    votes: Counter[str] = Counter(p for b in ballots for p in b.projects)
    scores: Counter[str] = Counter()
    for b in ballots:
        scores.update(b.points or {p: 1 for p in b.projects})
    selected = set(chosen)
    return {
        "id": district["id"],
        "name": district.get("name"),
        "kind": district.get("kind", "local"),
        "budget": int(district["budget"]),
        "selected": list(chosen),
        "spent": sum(costs[p] for p in chosen),
        "ballots": len(ballots),
        "projects": [
            {
                "id": pid,
                "pb_id": next((p.get("pb_id") for p in district["projects"] if p["id"] == pid), None) or pid,
                "title": next((p.get("title") for p in district["projects"] if p["id"] == pid), None),
                "cost": cost,
                "votes": votes[pid],
                "score": scores[pid],
                "selected": pid in selected,
            }
            for pid, cost in costs.items()
        ],
    }


def tally_process(session: Session, process_id: str, *, rule: str | None = None) -> dict[str, Any]:
    """The count of every district of a budget process (JSON-ready; money in cents)."""
    return _tally(session, process_id, rule)[0]


def _tally(session: Session, process_id: str, rule: str | None) -> tuple[dict[str, Any], list[Ballot]]:
    process = _process(session, process_id)
    budget = budget_settings(process)
    name = normalize_rule(rule or _rule_name(budget.get("count_rule")))
    with session.begin():
        ballots = load_ballots(session, process_id)
    statuses = Counter(b.status for b in ballots)
    counted = [b for b in ballots if b.status == "counted"]
    districts = [
        _count_district(d, [b for b in counted if b.district == d["id"]], name, budget) for d in all_districts(budget)
    ]
    return {
        "process": process_id,
        "rule": name,
        "currency": budget.get("currency", "EUR"),
        "ballots": {k: statuses.get(k, 0) for k in ("counted", "superseded", "invalid")},
        "districts": districts,
    }, counted


def export_pb(session: Session, process_id: str) -> dict[str, str]:
    """District id -> ``.pb`` text (money in whole currency units when it divides, else cents)."""
    result, counted = _tally(session, process_id, None)
    process = _process(session, process_id)
    budget = budget_settings(process)
    cumulative = (budget.get("ballot") or {}).get("type") == "cumulative"
    out: dict[str, str] = {}
    for district in result["districts"]:
        costs = [p["cost"] for p in district["projects"]] + [district["budget"]]
        unit = 100 if all(c % 100 == 0 for c in costs) else 1
        pb_ids = {p["id"]: p["pb_id"] for p in district["projects"]}
        projects = tuple(
            PbProject(
                p["pb_id"],
                p["cost"] // unit,
                {
                    "project_id": p["pb_id"],
                    "cost": str(p["cost"] // unit),
                    "votes": str(p["votes"]),
                    **({"score": str(p["score"])} if cumulative else {}),
                    "name": (p["title"] or {}).get("en", p["id"]) if isinstance(p["title"], dict) else p["id"],
                    "selected": "1" if p["selected"] else "0",
                },
            )
            for p in district["projects"]
        )
        ballots = sorted((b for b in counted if b.district == district["id"]), key=lambda b: b.voter)
        votes = tuple(
            PbVote(
                b.voter[:16],
                tuple(pb_ids[p] for p in b.projects),
                tuple((b.points or {})[p] for p in b.projects) if cumulative else None,
            )
            for b in ballots
        )
        meta = {
            "description": str((process["title"] or {}).get("en", process_id)),
            "unit": str(district["id"]),
            "num_projects": str(len(projects)),
            "num_votes": str(len(votes)),
            "budget": str(district["budget"] // unit),
            "vote_type": "cumulative" if cumulative else "approval",
            "rule": result["rule"],
            "currency": str(result["currency"]) if unit == 100 else f"{result['currency']} cents",
        }
        columns = ("project_id", "cost", "votes", *(("score",) if cumulative else ()), "name", "selected")
        vote_columns = ("voter_id", "vote", *(("points",) if cumulative else ()))
        out[district["id"]] = write_pb(PbElection(meta, columns, projects, vote_columns, votes))
    return out


def export_csv(result: dict[str, Any]) -> str:
    """Per district and project: district, project, cost (cents), votes, score, selected."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["district", "project", "cost_cents", "votes", "score", "selected"])
    for district in result["districts"]:
        for p in district["projects"]:
            writer.writerow(
                [district["id"], p["id"], p["cost"], p["votes"], p["score"], "yes" if p["selected"] else "no"]
            )
    return out.getvalue()
