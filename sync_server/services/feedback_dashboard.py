"""The feedback dashboard's figures: counts by topic, place and week, the trend, reply times.

The counting is pure (``DashboardCase`` rows in, figures out; tested directly);
``dashboard_cases`` reads the rows from ``feedback_cases`` (the projection of the raw log).

Definitions (the reply promise is ``reply_days`` after the day the feedback was given, only
when the citizen asked for a reply: ``due_on``):

- **topic**: where the case is now (``topic``), else as sent (``sent_topic``);
- **week**: ISO week (Monday to Sunday) of the day the feedback was given (``day``);
- **trend**: the last ``span`` whole-or-current weeks against the ``span`` weeks before them;
- **answered in time**: answered on or before ``due_on`` (the Helsinki date of the first
  answer); the share is over the promised cases whose outcome is known: answered, or
  unanswered with ``due_on`` already past;
- **median days to answer**: from the day the feedback was given to the Helsinki date of its
  first answer, over every answered case (asked for a reply or not);
- **overdue now**: promised, unanswered, still open, ``due_on`` before today.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.db.models import FeedbackCase

__all__ = [
    "OPEN_STATUSES",
    "DashboardCase",
    "Replies",
    "Trend",
    "WeekCount",
    "count_by",
    "dashboard_cases",
    "reply_times",
    "trend",
    "week_counts",
    "week_start",
]

HELSINKI = ZoneInfo("Europe/Helsinki")
OPEN_STATUSES = ("received", "in_process")


@dataclass(frozen=True)
class DashboardCase:
    """What the dashboard needs of one case."""

    day: date
    process: str
    topic: str
    place: str | None
    team: str | None
    status: str
    due_on: date | None
    answered_on: date | None  # the Helsinki date of the first answer


@dataclass(frozen=True)
class WeekCount:
    start: date  # the Monday
    count: int

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Trend:
    recent: int  # cases in the last ``weeks`` weeks
    previous: int  # cases in the ``weeks`` weeks before
    weeks: int

    @property
    def change_percent(self) -> int | None:
        """Rounded change from ``previous`` to ``recent``; None when there was nothing before."""
        if self.previous == 0:
            return None
        return round((self.recent - self.previous) * 100 / self.previous)

    @property
    def direction(self) -> str:
        return "up" if self.recent > self.previous else "down" if self.recent < self.previous else "same"


@dataclass(frozen=True)
class Replies:
    promised: int  # cases that asked for a reply
    answered_in_time: int
    answered_late: int
    overdue_now: int  # unanswered, open, past due
    unanswered_past_due_closed: int  # closed (processed/rejected) without an answer, past due
    waiting: int  # unanswered and not yet due
    median_days: float | None  # to the first answer, over every answered case
    answered: int  # every answered case (the median's base)

    @property
    def decided(self) -> int:
        """Promised cases whose outcome against the promise is known."""
        return self.answered_in_time + self.answered_late + self.overdue_now + self.unanswered_past_due_closed

    @property
    def share_in_time(self) -> float | None:
        return self.answered_in_time / self.decided if self.decided else None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def count_by(
    cases: Iterable[DashboardCase], key: Callable[[DashboardCase], str | None]
) -> list[tuple[str | None, int]]:
    """(value, count) pairs, the most frequent first, ties by value (None, "no value", last)."""
    counts = Counter(key(case) for case in cases)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, item[0] or ""))


def week_counts(cases: Iterable[DashboardCase], *, today: date, weeks: int) -> list[WeekCount]:
    """Cases per ISO week for the ``weeks`` weeks ending with today's week, oldest first, zeros kept."""
    last = week_start(today)
    starts = [last - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts = Counter(week_start(case.day) for case in cases)
    return [WeekCount(start, counts.get(start, 0)) for start in starts]


def trend(weekly: Sequence[WeekCount], *, span: int = 4) -> Trend:
    """The last ``span`` weeks against the ``span`` weeks before (fewer when the series is short)."""
    span = max(1, min(span, len(weekly) // 2))
    recent = sum(w.count for w in weekly[-span:])
    previous = sum(w.count for w in weekly[-2 * span : -span])
    return Trend(recent, previous, span)


def reply_times(cases: Iterable[DashboardCase], *, today: date) -> Replies:
    promised = in_time = late = overdue = closed_unanswered = waiting = 0
    days: list[int] = []
    for case in cases:
        if case.answered_on is not None:
            days.append((case.answered_on - case.day).days)
        if case.due_on is None:
            continue
        promised += 1
        if case.answered_on is not None:
            if case.answered_on <= case.due_on:
                in_time += 1
            else:
                late += 1
        elif case.due_on < today:
            if case.status in OPEN_STATUSES:
                overdue += 1
            else:
                closed_unanswered += 1
        else:
            waiting += 1
    median = float(statistics.median(days)) if days else None
    return Replies(promised, in_time, late, overdue, closed_unanswered, waiting, median, len(days))


def _helsinki_date(moment: datetime) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(HELSINKI).date()


def dashboard_cases(session: Session, *, since: date, team: str | None = None) -> list[DashboardCase]:
    """The cases given on or after ``since`` (of ``team`` only, when given), in the caller's transaction."""
    query = select(
        FeedbackCase.day,
        FeedbackCase.process,
        FeedbackCase.topic,
        FeedbackCase.sent_topic,
        FeedbackCase.place,
        FeedbackCase.team,
        FeedbackCase.status,
        FeedbackCase.due_on,
        FeedbackCase.answered_at,
    ).where(FeedbackCase.day >= since.isoformat())
    if team is not None:
        query = query.where(FeedbackCase.team == team)
    return [
        DashboardCase(
            day=date.fromisoformat(row.day),
            process=row.process,
            topic=row.topic or row.sent_topic,
            place=row.place,
            team=row.team,
            status=row.status,
            due_on=date.fromisoformat(row.due_on) if row.due_on else None,
            answered_on=_helsinki_date(row.answered_at) if row.answered_at else None,
        )
        for row in session.execute(query)
    ]
