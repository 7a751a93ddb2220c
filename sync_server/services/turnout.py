"""Turnout of a budget process: how many ballots have arrived, by district, channel and day.

``count_turnout(ballots, districts)`` is pure: it takes the ballots of one process as
``services.ballots`` projects them from the raw log (every ballot record with its status)
and counts them. For every group it gives ``counted`` (the ballots that count), and
``received`` (every ballot record, superseded and invalid ones included), with the
``superseded`` and ``invalid`` ones apart. Groups:

- by district, in the process's order (``districts``), every district shown even at zero;
  a ballot naming a district the process does not have (always invalid) is counted under
  its own id after them, marked ``known=False``;
- by channel: ``terminal`` and ``paper`` (paper ballots are those the server's paper entry
  device signed, ``osallistu server import-pb --paper``), both always shown;
- by day (the record's day: a citizen record carries no time), oldest first, each day
  also split by channel;
- totals, and ``voters``: the distinct voter tags with a counted ballot (a voter may have
  a district ballot and a citywide one: two ballots, one voter).

``turnout(session, process_id)`` reads the process and its ballots and applies it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from sync_server.db.models import Process
from sync_server.errors import UnknownProcess
from sync_server.services.ballots import Ballot, all_districts, budget_settings, load_ballots

__all__ = ["CHANNELS", "Counts", "DistrictTurnout", "Turnout", "count_turnout", "turnout"]

CHANNELS: tuple[str, ...] = ("terminal", "paper")


@dataclass(frozen=True)
class Counts:
    counted: int = 0
    superseded: int = 0
    invalid: int = 0

    @property
    def received(self) -> int:
        """Every ballot record: counted, superseded and invalid."""
        return self.counted + self.superseded + self.invalid


@dataclass(frozen=True)
class DistrictTurnout:
    id: str
    counts: Counts
    known: bool = True  # False: a district the process does not have (its ballots are invalid)


@dataclass(frozen=True)
class DayTurnout:
    day: str
    counts: Counts
    by_channel: dict[str, Counts] = field(default_factory=dict)


@dataclass(frozen=True)
class Turnout:
    total: Counts
    voters: int
    by_district: list[DistrictTurnout]
    by_channel: dict[str, Counts]
    by_day: list[DayTurnout]


def _counts(found: Counter[str]) -> Counts:
    return Counts(found["counted"], found["superseded"], found["invalid"])


def count_turnout(ballots: Iterable[Ballot], districts: Sequence[str]) -> Turnout:
    """The turnout of one process's ballots (see the module docstring). Pure."""
    cells: Counter[tuple[str, str, str, str]] = Counter()  # (district, channel, day, status) -> ballots
    voters: set[str] = set()
    for ballot in ballots:
        cells[(ballot.district, ballot.channel, ballot.day, ballot.status)] += 1
        if ballot.status == "counted":
            voters.add(ballot.voter)
    total: Counter[str] = Counter()
    per_district: defaultdict[str, Counter[str]] = defaultdict(Counter)
    per_channel: defaultdict[str, Counter[str]] = defaultdict(Counter)
    per_day: defaultdict[str, Counter[str]] = defaultdict(Counter)
    per_day_channel: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for (district, channel, day, status), n in cells.items():
        total[status] += n
        per_district[district][status] += n
        per_channel[channel][status] += n
        per_day[day][status] += n
        per_day_channel[(day, channel)][status] += n
    known = set(districts)
    unknown = sorted(d for d in per_district if d not in known)
    channels = [*CHANNELS, *sorted(c for c in per_channel if c not in CHANNELS)]
    return Turnout(
        total=_counts(total),
        voters=len(voters),
        by_district=[DistrictTurnout(d, _counts(per_district[d]), d in known) for d in [*districts, *unknown]],
        by_channel={c: _counts(per_channel[c]) for c in channels},
        by_day=[
            DayTurnout(day, _counts(per_day[day]), {c: _counts(per_day_channel[(day, c)]) for c in channels})
            for day in sorted(per_day)
        ],
    )


def turnout(session: Session, process_id: str) -> tuple[dict[str, Any], Turnout]:
    """The process (id, title, status, districts with their names) and its turnout now."""
    with session.begin():
        row = session.get(Process, process_id)
        if row is None or "budget" not in (row.activities or []):
            raise UnknownProcess(f"no budget process {process_id!r}")
        process = {
            "id": row.id,
            "title": row.title,
            "status": row.status,
            "test": row.test,
            "settings": row.settings,
        }
        ballots = load_ballots(session, process_id)
    districts = all_districts(budget_settings(process))
    process["districts"] = [
        {"id": str(d["id"]), "name": d.get("name"), "kind": d.get("kind", "local")} for d in districts
    ]
    return process, count_turnout(ballots, [str(d["id"]) for d in districts])
