"""``/staff/feedback/dashboard``: feedback counts by topic, place and week, the trend, and reply
times against the promise, for staff with ``feedback.view`` (a responder sees their own team;
``feedback.triage`` sees every team, or one chosen).

The charts are inline SVG drawn here on the server (no script): bars carry their number as text,
the reply-time bar marks its parts with patterns as well as colours and a legend, and each chart
has its table beside it as the text alternative. The figures come from the pure functions of
``services.feedback_dashboard``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sync_server.api.deps import SessionDep
from sync_server.services.feedback_dashboard import (
    Replies,
    WeekCount,
    count_by,
    dashboard_cases,
    reply_times,
    trend,
    week_counts,
    week_start,
)
from sync_server.services.staff import Staff
from sync_server.web.deps import ClockDep, require
from sync_server.web.feedback_views import Names, all_teams, refresh
from sync_server.web.i18n import language_of, translate
from sync_server.web.render import NavItem, render
from sync_server.web.timefmt import local

__all__ = ["PERIODS", "router"]

router = APIRouter()
NAV = [NavItem("dashboard.nav", "/staff/feedback/dashboard", "feedback.view", order=43)]
Viewer = Annotated[Staff, require("feedback.view")]
PERIODS = (4, 8, 12, 26, 52)  # weeks
DEFAULT_PERIOD = 12
TREND_SPAN = 4
# Chart geometry (SVG user units; the SVG scales to the page's width).
WIDTH = 640
LABEL_W = 190
BAR_MAX = 380
ROW_H = 30
WEEK_H = 200
MAX_BARS = 15


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    y: int
    width: float


def _bars(items: Sequence[tuple[str, int]]) -> list[Bar]:
    top = max((n for _, n in items), default=0) or 1
    return [Bar(label, n, i * ROW_H, round(BAR_MAX * n / top, 1)) for i, (label, n) in enumerate(items[:MAX_BARS])]


@dataclass(frozen=True)
class Column:
    label: str
    title: str
    count: int
    x: float
    width: float
    height: float
    show_label: bool
    show_count: bool  # numbers above the bars when they fit (the table always has them)


def _columns(weekly: Sequence[WeekCount]) -> list[Column]:
    top = max((w.count for w in weekly), default=0) or 1
    slot = (WIDTH - 40) / max(1, len(weekly))
    every = 1 if len(weekly) <= 13 else 4
    return [
        Column(
            label=f"{w.start.isocalendar()[1]}",
            title=w.label,
            count=w.count,
            x=round(30 + i * slot + slot * 0.15, 1),
            width=round(slot * 0.7, 1),
            height=round((WEEK_H - 60) * w.count / top, 1),
            show_label=(len(weekly) - 1 - i) % every == 0,
            show_count=slot >= 20,
        )
        for i, w in enumerate(weekly)
    ]


def _segments(replies: Replies) -> list[dict[str, Any]]:
    """The reply-time bar's parts: in time, late, overdue, closed unanswered (each with its pattern)."""
    total = replies.decided or 1
    parts = [
        ("in_time", replies.answered_in_time, "#1b5e20", None),
        ("late", replies.answered_late, "#8a4b00", "url(#dash-stripes)"),
        ("overdue", replies.overdue_now, "#b00020", "url(#dash-cross)"),
        ("closed", replies.unanswered_past_due_closed, "#555555", "url(#dash-dots)"),
    ]
    out, x = [], 0.0
    for key, n, colour, pattern in parts:
        width = round(WIDTH * n / total, 1) if replies.decided else 0.0
        out.append({"key": key, "count": n, "x": x, "width": width, "colour": colour, "pattern": pattern})
        x += width
    return out


@router.get("/staff/feedback/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: SessionDep,
    staff: Viewer,
    now: ClockDep,
    weeks: str | None = None,
    team: str | None = None,
) -> Response:
    lang = language_of(request)
    period = int(weeks) if weeks and weeks.isdigit() and int(weeks) in PERIODS else DEFAULT_PERIOD
    everyone = staff.can("feedback.triage")
    chosen = (team or None) if everyone else staff.team
    refresh(request, session, now)
    today = local(now).date()
    since = week_start(today) - timedelta(weeks=period - 1)
    with session.begin():
        names = Names(session, lang)
        cases = dashboard_cases(session, since=since, team=chosen) if (everyone or chosen) else []
        topic_process = {c.topic: c.process for c in cases}
        place_process = {c.place: c.process for c in cases if c.place}
        none = translate(lang, "dashboard.no_place")
        by_topic = [(names.topic(topic_process[k], k), n) for k, n in count_by(cases, lambda c: c.topic) if k]
        by_place = [(names.place(place_process[k], k) if k else none, n) for k, n in count_by(cases, lambda c: c.place)]
        known_teams = all_teams(session, lang)
        teams = known_teams if everyone else []
        team_name = next((name for tid, name in known_teams if tid == chosen), chosen)
    weekly = week_counts(cases, today=today, weeks=period)
    replies = reply_times(cases, today=today)
    change = trend(weekly, span=TREND_SPAN)
    return render(
        request,
        "feedback_dashboard.html",
        period=period,
        periods=PERIODS,
        team=chosen,
        team_name=team_name,
        teams=teams,
        everyone=everyone,
        total=len(cases),
        since=since,
        today=today,
        by_topic=by_topic,
        by_place=by_place,
        topic_bars=_bars(by_topic),
        place_bars=_bars(by_place),
        weekly=weekly,
        columns=_columns(weekly),
        trend=change,
        replies=replies,
        segments=_segments(replies),
        percent=lambda share: "–" if share is None else f"{round(share * 100)} %",
        days=lambda value: "–" if value is None else f"{value:.1f}".replace(".", "," if lang != "en" else "."),
        geometry={"width": WIDTH, "label_w": LABEL_W, "bar_max": BAR_MAX, "row_h": ROW_H, "week_h": WEEK_H},
    )
