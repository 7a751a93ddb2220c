"""Turnout counting (``services.turnout.count_turnout``), pure: ballots in, counts out."""

from __future__ import annotations

from typing import Any

from sync_server.services.ballots import Ballot
from sync_server.services.turnout import Counts, count_turnout

DISTRICTS = ["keskinen", "itainen", "city"]


def make_ballot(n: int, **fields: Any) -> Ballot:
    values: dict[str, Any] = {
        "process": "p",
        "voter": f"voter-{n}",
        "district": "keskinen",
        "scope": "district",
        "projects": ("a",),
        "points": None,
        "channel": "terminal",
        "device": "dev-1",
        "day": "2026-11-21",
        "record_hash": f"{n:064x}",
        "record_id": f"id{n}",
        "assisted": False,
        **fields,
    }
    return Ballot(**values)


def test_no_ballots_still_lists_every_district_and_both_channels() -> None:
    turnout = count_turnout([], DISTRICTS)
    assert turnout.total == Counts() and turnout.total.received == 0 and turnout.voters == 0
    assert [(d.id, d.counts, d.known) for d in turnout.by_district] == [(d, Counts(), True) for d in DISTRICTS]
    assert turnout.by_channel == {"terminal": Counts(), "paper": Counts()}
    assert turnout.by_day == []


def test_ballots_are_counted_by_district_channel_and_day_with_superseded_and_invalid_apart() -> None:
    ballots = [
        make_ballot(1),
        make_ballot(2, day="2026-11-22"),
        make_ballot(3, day="2026-11-22", channel="paper", district="itainen"),
        make_ballot(4, day="2026-11-22", channel="paper", district="itainen", voter="voter-3", status="superseded"),
        make_ballot(5, day="2026-11-20", district="nowhere", status="invalid", reason="unknown_district"),
        make_ballot(6, day="2026-11-22", district="city", scope="citywide", voter="voter-2"),
    ]
    turnout = count_turnout(ballots, DISTRICTS)

    assert turnout.total == Counts(counted=4, superseded=1, invalid=1)
    assert turnout.total.received == 6
    assert turnout.voters == 3  # voter-2 has a district and a citywide ballot: two ballots, one voter
    assert [(d.id, d.counts, d.known) for d in turnout.by_district] == [
        ("keskinen", Counts(2, 0, 0), True),
        ("itainen", Counts(1, 1, 0), True),
        ("city", Counts(1, 0, 0), True),
        ("nowhere", Counts(0, 0, 1), False),  # not a district of the process: after them, marked
    ]
    assert turnout.by_channel == {"terminal": Counts(3, 0, 1), "paper": Counts(1, 1, 0)}
    assert [(d.day, d.counts) for d in turnout.by_day] == [
        ("2026-11-20", Counts(0, 0, 1)),
        ("2026-11-21", Counts(1, 0, 0)),
        ("2026-11-22", Counts(3, 1, 0)),
    ]
    by_day = {d.day: d.by_channel for d in turnout.by_day}
    assert by_day["2026-11-22"] == {"terminal": Counts(2, 0, 0), "paper": Counts(1, 1, 0)}
    assert by_day["2026-11-21"] == {"terminal": Counts(1, 0, 0), "paper": Counts()}


def test_the_counts_do_not_depend_on_the_order_of_the_ballots() -> None:
    ballots = [
        make_ballot(n, day=f"2026-11-2{n % 3}", channel="paper" if n % 2 else "terminal", district=DISTRICTS[n % 3])
        for n in range(12)
    ]
    forward, backward = count_turnout(ballots, DISTRICTS), count_turnout(ballots[::-1], DISTRICTS)
    assert forward == backward
    assert sum(d.counts.counted for d in forward.by_day) == forward.total.counted == 12
    assert sum(c.counted for c in forward.by_channel.values()) == 12
    assert sum(d.counts.counted for d in forward.by_district) == 12
