"""The dashboard's figures, counted by the pure functions of ``services.feedback_dashboard``."""

from __future__ import annotations

from datetime import date

import pytest

from sync_server.services.feedback_dashboard import (
    DashboardCase,
    WeekCount,
    count_by,
    reply_times,
    trend,
    week_counts,
    week_start,
)

TODAY = date(2026, 11, 29)  # a Sunday


def make_case(
    day: str = "2026-11-20",
    *,
    topic: str = "parks",
    place: str | None = "kallio",
    status: str = "received",
    due_on: str | None = None,
    answered_on: str | None = None,
) -> DashboardCase:
    return DashboardCase(
        day=date.fromisoformat(day),
        process="demo",
        topic=topic,
        place=place,
        team=topic,
        status=status,
        due_on=date.fromisoformat(due_on) if due_on else None,
        answered_on=date.fromisoformat(answered_on) if answered_on else None,
    )


def test_counts_go_most_first_ties_by_name_and_no_place_last() -> None:
    cases = [
        make_case(topic="streets", place=None),
        make_case(topic="parks"),
        make_case(topic="waste", place="vuosaari"),
        make_case(topic="parks", place=None),
    ]
    assert count_by(cases, lambda c: c.topic) == [("parks", 2), ("streets", 1), ("waste", 1)]
    assert count_by(cases, lambda c: c.place) == [(None, 2), ("kallio", 1), ("vuosaari", 1)]
    assert count_by([*cases, make_case(place="kallio")], lambda c: c.place)[0] == ("kallio", 2)


def test_weeks_run_monday_to_sunday_oldest_first_with_empty_weeks_kept() -> None:
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)
    assert week_start(date(2026, 11, 23)) == date(2026, 11, 23)
    cases = [make_case("2026-11-23"), make_case("2026-11-29"), make_case("2026-11-22"), make_case("2026-11-02")]
    weekly = week_counts(cases, today=TODAY, weeks=4)
    assert [(w.label, w.start.isoformat(), w.count) for w in weekly] == [
        ("2026-W45", "2026-11-02", 1),
        ("2026-W46", "2026-11-09", 0),
        ("2026-W47", "2026-11-16", 1),
        ("2026-W48", "2026-11-23", 2),
    ]


def test_cases_before_the_period_are_not_counted_in_any_week() -> None:
    weekly = week_counts([make_case("2026-10-01")], today=TODAY, weeks=4)
    assert sum(w.count for w in weekly) == 0


@pytest.mark.parametrize(
    ("counts", "recent", "previous", "change", "direction"),
    [
        pytest.param([1, 1, 1, 1, 2, 2, 2, 2], 8, 4, 100, "up", id="doubled"),
        pytest.param([5, 5, 5, 5, 1, 1, 1, 1], 4, 20, -80, "down", id="fell"),
        pytest.param([2, 2, 2, 2, 2, 2, 2, 2], 8, 8, 0, "same", id="level"),
        pytest.param([0, 0, 0, 0, 3, 0, 0, 0], 3, 0, None, "up", id="nothing-before"),
    ],
)
def test_the_trend_compares_the_last_four_weeks_with_the_four_before(
    counts: list[int], recent: int, previous: int, change: int | None, direction: str
) -> None:
    weekly = [
        WeekCount(date(2026, 10, 5 + 7 * i) if i < 4 else date(2026, 11, 2 + 7 * (i - 4)), n)
        for i, n in enumerate(counts)
    ]
    result = trend(weekly, span=4)
    assert (result.recent, result.previous, result.change_percent, result.direction) == (
        recent,
        previous,
        change,
        direction,
    )


def test_a_short_series_compares_halves() -> None:
    weekly = [WeekCount(date(2026, 11, 16), 2), WeekCount(date(2026, 11, 23), 3)]
    result = trend(weekly, span=4)
    assert (result.weeks, result.recent, result.previous) == (1, 3, 2)


def test_reply_times_against_the_promise() -> None:
    cases = [
        make_case("2026-11-01", due_on="2026-11-08", answered_on="2026-11-03"),  # in time, 2 days
        make_case("2026-11-01", due_on="2026-11-08", answered_on="2026-11-08"),  # in time on the due day, 7
        make_case("2026-11-01", due_on="2026-11-08", answered_on="2026-11-12"),  # late, 11
        make_case("2026-11-10", due_on="2026-11-17"),  # overdue now
        make_case("2026-11-10", due_on="2026-11-17", status="rejected"),  # closed without an answer
        make_case("2026-11-27", due_on="2026-12-04"),  # waiting
        make_case("2026-11-20", answered_on="2026-11-21"),  # answered, no reply asked: 1 day
        make_case("2026-11-20"),  # neither
    ]
    replies = reply_times(cases, today=TODAY)
    assert replies.promised == 6
    assert (replies.answered_in_time, replies.answered_late) == (2, 1)
    assert (replies.overdue_now, replies.unanswered_past_due_closed, replies.waiting) == (1, 1, 1)
    assert replies.decided == 5
    assert replies.share_in_time == pytest.approx(0.4)
    assert replies.answered == 4
    assert replies.median_days == 4.5  # of 1, 2, 7, 11


def test_due_today_is_not_overdue_yet() -> None:
    replies = reply_times([make_case("2026-11-22", due_on="2026-11-29")], today=TODAY)
    assert (replies.overdue_now, replies.waiting, replies.share_in_time) == (0, 1, None)


def test_no_cases_give_no_share_and_no_median() -> None:
    replies = reply_times([], today=TODAY)
    assert (replies.share_in_time, replies.median_days, replies.decided) == (None, None, 0)


@pytest.mark.parametrize(("weeks", "labelled", "counted"), [(12, 12, 12), (52, 13, 0)], ids=["12-weeks", "52-weeks"])
def test_week_chart_labels_and_numbers_only_where_they_fit(weeks: int, labelled: int, counted: int) -> None:
    from sync_server.web.pages.feedback_dashboard import _columns

    columns = _columns(week_counts([make_case("2026-11-20")], today=TODAY, weeks=weeks))
    assert len(columns) == weeks
    assert sum(c.show_label for c in columns) == labelled
    assert columns[-1].show_label  # the current week is always named
    assert sum(c.show_count for c in columns) == counted
    assert max(c.height for c in columns) > 0 and all(c.x + c.width <= 640 for c in columns)
