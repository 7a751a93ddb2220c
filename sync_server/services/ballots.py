"""Ballots of participatory-budget processes, projected from the raw log (docs/design.md,
"Counted ballots").

``project_ballots(records, processes, paper_devices)`` is pure: every ``budget.ballot``
record becomes a :class:`Ballot` (voter tag, district, projects, points, channel, device,
day, record hash and id) with its status:

- ``invalid``: the ballot breaks the process's rules (``reason`` says which: unknown
  process, not a budget process, process closed on that day, unknown district, unknown
  project, over budget, too few / too many projects, points wrong, code not in the set);
- ``counted``: the one counted ballot of its (process, voter tag, scope), scope being the
  slot the district fills (``district``, or ``citywide`` for the citywide pot): among the valid ballots of that key, the
  one with the earliest ``day``, then the lowest record hash. This depends only on the
  records, never on the order they arrived in;
- ``superseded``: the other valid ballots of that key (kept for audit, listed by
  ``anomalies_report``).

``load_ballots(session, process_id)`` reads the raw log and applies it. The projection is
recomputed on each call: it is a function of the append-only log, so nothing has to be
kept in step with it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.ballot_rules import ballot_slot, validate_ballot
from shared_models.budget import BudgetSettings, BudgetSettingsError, parse_budget_settings
from sync_server.db.models import Device, Process, RawRecord

__all__ = [
    "PAPER_DEVICE_NAME",
    "Ballot",
    "BallotRecord",
    "anomalies_report",
    "budget_settings",
    "check_ballot",
    "load_ballots",
    "project_ballots",
]

PAPER_DEVICE_NAME = "Paper ballots"

Status = Literal["counted", "superseded", "invalid"]
Channel = Literal["terminal", "paper"]


@dataclass(frozen=True)
class BallotRecord:
    """What the projection needs of one ``budget.ballot`` record of the raw log."""

    id: str
    hash: str
    device: str
    day: str
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Ballot:
    process: str
    voter: str
    district: str
    scope: str  # the district's kind: local or citywide ("" when the district is unknown)
    projects: tuple[str, ...]
    points: Mapping[str, int] | None
    channel: Channel
    device: str
    day: str
    record_hash: str
    record_id: str
    assisted: bool
    status: Status = "counted"
    reason: str | None = None
    counted_hash: str | None = field(default=None)  # for a superseded ballot: the one counted instead


def budget_settings(process: Mapping[str, Any]) -> dict[str, Any]:
    """``settings["budget"]`` of a process given as a dict (id, activities, status, settings)."""
    settings = process.get("settings") or {}
    budget = settings.get("budget") or {}
    return dict(budget)


def all_districts(budget: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The districts and the citywide pot (kind ``citywide``), if any."""
    districts = list(budget.get("districts", []))
    if budget.get("citywide"):
        districts.append({**budget["citywide"], "kind": "citywide"})
    return districts


def _district(budget: Mapping[str, Any], district_id: str) -> Mapping[str, Any] | None:
    return next((d for d in all_districts(budget) if d.get("id") == district_id), None)


def _parsed(budget: Mapping[str, Any]) -> BudgetSettings | None:
    """The settings as ``shared_models.budget`` reads them, or None (pabulib imports carry their own keys)."""
    return _parse_cached(json.dumps(budget, sort_keys=True))


@lru_cache(maxsize=64)
def _parse_cached(text: str) -> BudgetSettings | None:  # failures cached too: one parse per process
    try:
        return parse_budget_settings(json.loads(text))
    except BudgetSettingsError:
        return None


def scope_of(budget: Mapping[str, Any], district_id: str, parsed: BudgetSettings | bool | None = True) -> str:
    """``district`` or ``citywide``: the slot a ballot fills (one counted ballot per voter and slot).
    ``parsed``: the settings already parsed (None: they do not parse; True: parse them here)."""
    if parsed is True:
        parsed = _parsed(budget)
    if isinstance(parsed, BudgetSettings):
        return ballot_slot(parsed, district_id)
    district = _district(budget, district_id)
    return "citywide" if district is not None and district.get("kind") == "citywide" else "district"


def check_ballot(
    process: Mapping[str, Any] | None,
    body: Mapping[str, Any],
    day: str,
    parsed: BudgetSettings | bool | None = True,
) -> str | None:
    """Why a ballot body breaks its process's rules, or None. Pure.

    Settings that ``shared_models.budget`` reads are checked with
    ``shared_models.ballot_rules.validate_ballot`` (a record carries only its day: the period
    refuses it only when the whole day, in any time zone, lies outside); the settings of pabulib
    imports (their own count rule, currency and ballot keys) with the same codes here.
    """
    if process is None:
        return "unknown_process"
    if "budget" not in process.get("activities", []):
        return "not_a_budget_process"
    budget = budget_settings(process)
    if parsed is True:
        parsed = _parsed(budget)
    if isinstance(parsed, BudgetSettings):
        problem = validate_ballot(parsed, body, day=date.fromisoformat(day))
        return None if problem is None else problem.code
    period = budget.get("voting_period") or {}
    if (period.get("start") and day < period["start"]) or (period.get("end") and day > period["end"]):
        return "process_closed"
    tags = budget.get("code_tags")
    if tags and body.get("voter") not in set(tags):
        return "unknown_code"
    district = _district(budget, str(body.get("district")))
    if district is None:
        return "unknown_district"
    costs = {p["id"]: int(p["cost"]) for p in district.get("projects", [])}
    projects = list(body.get("projects", []))
    for p in projects:
        if p not in costs:
            elsewhere = any(p == q["id"] for d in all_districts(budget) for q in d.get("projects", []))
            return "wrong_district" if elsewhere else "unknown_project"
    rule = budget.get("ballot") or {}
    kind = rule.get("type", "approval")
    points = body.get("points")
    if kind == "cumulative":
        if points is None:
            return "points_missing"
        total = sum(points.values())
        if total > int(rule.get("max_points", total)) or total < int(rule.get("min_points", 0)):
            return "points_total"
    elif points is not None:
        return "points_not_expected"
    if len(projects) < int(rule.get("min_projects", 0)):
        return "too_few_projects"
    if rule.get("max_projects") is not None and len(projects) > int(rule["max_projects"]):
        return "too_many_projects"
    if rule.get("within_budget", kind == "approval"):
        spent = sum(costs[p] for p in projects)
        if spent > int(district["budget"]):
            return "over_budget"
        share = rule.get("min_share")
        if share is not None and spent < float(share) * int(district["budget"]):
            return "below_min_share"
    return None


def project_ballots(
    records: Iterable[BallotRecord],
    processes: Mapping[str, Mapping[str, Any]],
    paper_devices: Iterable[str] = (),
) -> list[Ballot]:
    """Every ballot record with its status (see the module docstring), sorted by record hash."""
    paper = set(paper_devices)
    ballots: list[Ballot] = []
    settings: dict[str, tuple[dict[str, Any], BudgetSettings | None]] = {}
    for record in records:
        body = record.body
        process_id = str(body.get("process"))
        process = processes.get(process_id)
        if process is not None and process_id not in settings:
            budget = budget_settings(process)
            settings[process_id] = (budget, _parsed(budget))
        budget, parsed = settings.get(process_id, ({}, None))
        district = _district(budget, str(body.get("district"))) if process else None
        reason = check_ballot(process, body, record.day, parsed)
        points = body.get("points")
        ballots.append(
            Ballot(
                process=process_id,
                voter=str(body.get("voter")),
                district=str(body.get("district")),
                scope=scope_of(budget, str(body.get("district")), parsed) if district else "",
                projects=tuple(body.get("projects", [])),
                points=dict(points) if points is not None else None,
                channel="paper" if record.device in paper else "terminal",
                device=record.device,
                day=record.day,
                record_hash=record.hash,
                record_id=record.id,
                assisted=bool(body.get("assisted", False)),
                status="invalid" if reason else "counted",
                reason=reason,
            )
        )
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for index, ballot in enumerate(ballots):
        if ballot.status == "counted":
            groups[(ballot.process, ballot.voter, ballot.scope)].append(index)
    for indices in groups.values():
        if len(indices) < 2:
            continue
        winner = min(indices, key=lambda i: (ballots[i].day, ballots[i].record_hash))
        for i in indices:
            if i != winner:
                ballots[i] = replace(ballots[i], status="superseded", counted_hash=ballots[winner].record_hash)
    return sorted(ballots, key=lambda b: b.record_hash)


def _process_dict(row: Process) -> dict[str, Any]:
    return {"id": row.id, "activities": row.activities, "status": row.status, "settings": row.settings}


def paper_devices(session: Session) -> list[str]:
    return list(session.scalars(select(Device.id).where(Device.name == PAPER_DEVICE_NAME)))


def load_ballots(session: Session, process_id: str | None = None) -> list[Ballot]:
    """The projection over the raw log; only ``process_id``'s ballots when given."""
    processes = {row.id: _process_dict(row) for row in session.scalars(select(Process))}
    rows = session.execute(
        select(RawRecord.id, RawRecord.hash, RawRecord.device, RawRecord.day, RawRecord.raw).where(
            RawRecord.kind == "budget.ballot"
        )
    )
    records = []
    for record_id, record_hash, device, day, raw in rows:
        body = json.loads(raw)["body"]
        if process_id is None or body.get("process") == process_id:
            records.append(BallotRecord(record_id, record_hash, device, day, body))
    return project_ballots(records, processes, paper_devices(session))


def anomalies_report(ballots: Iterable[Ballot]) -> dict[str, Any]:
    """Voter tags used more than once (per process and scope: how many ballots, on which devices
    and channels, which one was counted) and the invalid ballots with their reasons."""
    groups: dict[tuple[str, str, str], list[Ballot]] = defaultdict(list)
    invalid: list[dict[str, Any]] = []
    for ballot in ballots:
        if ballot.status == "invalid":
            invalid.append(
                {
                    "record": ballot.record_hash,
                    "device": ballot.device,
                    "channel": ballot.channel,
                    "district": ballot.district,
                    "reason": ballot.reason,
                }
            )
        else:
            groups[(ballot.process, ballot.voter, ballot.scope)].append(ballot)
    reused = []
    for (process, voter, scope), members in sorted(groups.items()):
        if len(members) < 2:
            continue
        counted = next(b for b in members if b.status == "counted")
        reused.append(
            {
                "process": process,
                "voter": voter,
                "scope": scope,
                "ballots": len(members),
                "devices": sorted({b.device for b in members}),
                "channels": sorted({b.channel for b in members}),
                "counted": counted.record_hash,
                "superseded": sorted(b.record_hash for b in members if b.status == "superseded"),
            }
        )
    reasons: dict[str, int] = defaultdict(int)
    for row in invalid:
        reasons[str(row["reason"])] += 1
    return {"reused_codes": reused, "invalid": invalid, "invalid_by_reason": dict(sorted(reasons.items()))}
