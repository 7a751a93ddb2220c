"""Voxit conversations for the public: what the last analysis found.

- ``GET /conversations``: the conversations (test ones left out) that have been analysed;
- ``GET /conversations/{process_id}``: the last analysis run (``services.voxit.latest_analysis``):
  participation counts; the opinion map (each clustered participant a dot at its PCA position,
  each group outlined by its convex hull and labelled A, B, C ... with its size; a table of the
  groups beside it is the text alternative); the statements most groups agreed on
  (group-informed consensus), each group's representative statements ("84% of group A
  agreed, vs 31% of everyone else") and the divisive statements, each with how every group
  voted (numbers in words and small stacked bars).

Only approved statements are listed: rejected (moderated out) and pending ones never, meta
statements not in these lists. A statement's text is shown in the page's language when it has
one (seeds), else in its own language, marked with ``lang``.

Per-group vote counts come from the run's ``group_votes`` (stored since this page exists);
for a run stored before, they are counted again from the raw log's first ``run.votes``
``voxit.vote`` records of the conversation, read only.

Everything is server-drawn inline SVG and CSS classes: no script, no inline style, no
external file (the CSP holds). Groups differ by colour *and* by the dots' shape, the hull's
line pattern and the letter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.api.deps import SessionDep
from sync_server.db.models import Process, RawRecord, VoxitParticipant, VoxitStatementRow
from sync_server.services import voxit
from sync_server.web.deps import ClockDep
from sync_server.web.i18n import language_of
from sync_server.web.pages.results import format_number, localized
from sync_server.web.render import render
from sync_server.web.timefmt import time_helpers

__all__ = [
    "MAP_HEIGHT",
    "MAP_WIDTH",
    "conversation_view",
    "convex_hull",
    "group_letter",
    "opinion_map",
    "router",
    "statement_text",
]

router = APIRouter()

MAP_WIDTH = 640
MAP_HEIGHT = 420
MAP_PAD = 44  # room for the hull's halo and the labels
LABEL_WIDTH = 170  # a group label ("B: 43 people") and its height, in map units
LABEL_HEIGHT = 24
DOT = 4.5
CONSENSUS_MAX = 5
REPRESENTATIVE_MAX = 5
SHAPES = ("circle", "square", "triangle", "diamond", "cross", "star")

Point = tuple[float, float]


# --- pure helpers -------------------------------------------------------------------------------


def group_letter(group_id: int) -> str:
    """Group 0 is ``A``, 1 ``B`` ... (ids are stable from one run to the next, so letters are too)."""
    return chr(ord("A") + group_id) if 0 <= group_id < 26 else str(group_id + 1)


def convex_hull(points: Iterable[Point]) -> list[Point]:
    """Counter-clockwise hull of ``points`` (Andrew's monotone chain); fewer than 3 distinct
    points come back as they are (sorted)."""
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _shape_path(shape: str, x: float, y: float, r: float) -> str:
    """An SVG path for one dot; every shape covers about the same area."""
    if shape == "square":
        s = r * 0.9
        return f"M{x - s:.1f} {y - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}z"
    if shape == "triangle":
        s = r * 1.3
        return f"M{x:.1f} {y - s:.1f}L{x + s:.1f} {y + s * 0.8:.1f}L{x - s:.1f} {y + s * 0.8:.1f}z"
    if shape == "diamond":
        s = r * 1.3
        return f"M{x:.1f} {y - s:.1f}L{x + s:.1f} {y:.1f}L{x:.1f} {y + s:.1f}L{x - s:.1f} {y:.1f}z"
    if shape == "cross":
        s, w = r * 1.2, r * 0.45
        return (
            f"M{x - w:.1f} {y - s:.1f}h{2 * w:.1f}v{s - w:.1f}h{s - w:.1f}v{2 * w:.1f}h{w - s:.1f}"
            f"v{s - w:.1f}h{-2 * w:.1f}v{w - s:.1f}h{w - s:.1f}v{-2 * w:.1f}h{s - w:.1f}z"
        )
    if shape == "star":
        corners = []
        for k in range(10):
            radius = r * 1.4 if k % 2 == 0 else r * 0.6
            angle = math.pi / 2 + k * math.pi / 5
            corners.append(f"{x + radius * math.cos(angle):.1f} {y - radius * math.sin(angle):.1f}")
        return "M" + "L".join(corners) + "z"
    return f"M{x - r:.1f} {y:.1f}a{r:.1f} {r:.1f} 0 1 0 {2 * r:.1f} 0a{r:.1f} {r:.1f} 0 1 0 {-2 * r:.1f} 0z"


MARKERS = [_shape_path(shape, 0.0, 0.0, 5.0) for shape in SHAPES]  # the legend's markers


def opinion_map(
    participants: Sequence[Mapping[str, Any]],
    group_ids: Sequence[int],
    *,
    width: int = MAP_WIDTH,
    height: int = MAP_HEIGHT,
    pad: int = MAP_PAD,
) -> dict[str, Any]:
    """The map drawn in a ``width`` x ``height`` box: one dot per clustered participant (``group``
    not None), one hull per group and where to put its label. The same scale on both axes (the
    distances are the analysis's), the y axis pointing up."""
    clustered = [p for p in participants if p.get("group") is not None]
    if not clustered:
        return {"width": width, "height": height, "dots": [], "groups": []}
    xs = [float(p["x"]) for p in clustered]
    ys = [float(p["y"]) for p in clustered]
    span_x = max(xs) - min(xs) or 1.0
    span_y = max(ys) - min(ys) or 1.0
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def place(x: float, y: float) -> Point:
        return (round(width / 2 + (x - mid_x) * scale, 1), round(height / 2 - (y - mid_y) * scale, 1))

    order = {g: i for i, g in enumerate(group_ids)}
    by_group: dict[int, list[Point]] = {g: [] for g in group_ids}
    dots = []
    for p in clustered:
        gid = int(p["group"])
        at = place(float(p["x"]), float(p["y"]))
        by_group.setdefault(gid, []).append(at)
        style = order.get(gid, len(order)) % len(SHAPES)
        dots.append({"group": gid, "style": style, "d": _shape_path(SHAPES[style], *at, DOT)})
    groups = []
    placed: list[tuple[float, float, float]] = []  # left, right, baseline of the labels so far
    for gid, points in by_group.items():
        if not points:
            continue
        hull = convex_hull(points)
        cx = sum(x for x, _ in points) / len(points)
        # a group left of the middle has its label end at its centre, one on the right starts
        # there: side-by-side groups get labels that point away from each other
        anchor = "end" if cx < width / 2 else "start"
        if anchor == "end":
            right = min(max(cx, LABEL_WIDTH + 4), width - 4)
            left = right - LABEL_WIDTH
        else:
            left = max(min(cx, width - LABEL_WIDTH - 4), 4)
            right = left + LABEL_WIDTH
        top = min(y for _, y in hull)
        bottom = max(y for _, y in hull)
        # baselines: above the hull's halo, else below it, else lower down; clear of the labels placed
        candidates = [top - 18, bottom + 34, *(bottom + 34 + k * LABEL_HEIGHT for k in range(1, 8))]
        fitting = [y for y in candidates if LABEL_HEIGHT <= y <= height - 4]
        label_y = next(
            (
                y
                for y in fitting
                if all(right <= a or b <= left or abs(y - base) >= LABEL_HEIGHT for a, b, base in placed)
            ),
            fitting[0] if fitting else height / 2,
        )
        placed.append((left, right, label_y))
        groups.append(
            {
                "id": gid,
                "letter": group_letter(gid),
                "style": order.get(gid, len(order)) % len(SHAPES),
                "size": len(points),
                "hull": " ".join(f"{x:.1f},{y:.1f}" for x, y in hull),
                "label_x": round(right if anchor == "end" else left, 1),
                "label_anchor": anchor,
                "label_y": round(label_y, 1),
            }
        )
    return {"width": width, "height": height, "dots": dots, "groups": groups}


def statement_text(text: Mapping[str, str], own_lang: str | None, page_lang: str) -> tuple[str, str | None]:
    """The text to show and its ``lang`` when it is not the page's (``""``: unknown language).
    The page's language when the statement has it, else the statement's own, else Finnish, else any."""
    if text.get(page_lang):
        return text[page_lang], None
    for code in (own_lang, "fi", *text):
        if code and text.get(code):
            return text[code], ("" if code == "und" else code)
    return "", None


def _share(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def conversation_view(
    result: Mapping[str, Any],
    statements: Mapping[int, Mapping[str, Any]],
    group_votes: Sequence[Mapping[str, Any]],
    lang: str,
) -> dict[str, Any]:
    """What the page shows of a stored run (``Analysis.to_json()`` plus ``group_votes``).

    ``statements``: statement number -> ``{"text", "lang", "state", "meta"}`` from the database;
    only approved, non-meta statements are listed. ``group_votes``: per group, agree / disagree /
    seen counts aligned with ``result["statements"]``."""
    group_ids = [int(g["id"]) for g in result["groups"]]
    letters = {g: group_letter(g) for g in group_ids}
    index = {int(s["id"]): i for i, s in enumerate(result["statements"])}
    counts = {int(g["id"]): g for g in group_votes}

    def listed(number: int) -> bool:
        row = statements.get(number)
        return row is not None and row["state"] == "approved" and not row["meta"]

    def votes_in(gid: int, i: int) -> tuple[int, int, int]:
        c = counts.get(gid)
        if c is None:
            return 0, 0, 0
        return int(c["agree"][i]), int(c["disagree"][i]), int(c["seen"][i])

    def by_group(i: int) -> list[dict[str, Any]]:
        out = []
        for gid in group_ids:
            agree, disagree, seen = votes_in(gid, i)
            out.append(
                {
                    "id": gid,
                    "letter": letters[gid],
                    "agree": _share(agree, seen),
                    "disagree": _share(disagree, seen),
                    "seen": seen,
                }
            )
        return out

    def shown(number: int) -> dict[str, Any]:
        row = statements[number]
        text, text_lang = statement_text(row["text"], row.get("lang"), lang)
        return {"id": number, "text": text, "lang": text_lang, "groups": by_group(index[number])}

    ranked = sorted(
        (s for s in result["statements"] if listed(int(s["id"]))), key=lambda s: -float(s["group_informed_consensus"])
    )
    consensus = [shown(int(s["id"])) for s in ranked[:CONSENSUS_MAX] if float(s["group_informed_consensus"]) > 0]

    groups = []
    for g in result["groups"]:
        gid = int(g["id"])
        representative = []
        for r in g["representative"]:
            number = int(r["statement_id"])
            if not listed(number) or number not in index:
                continue
            i = index[number]
            field = 0 if r["repful_for"] == "agree" else 1
            rest_part = rest_seen = 0
            for other in group_ids:
                if other != gid:
                    votes = votes_in(other, i)
                    rest_part += votes[field]
                    rest_seen += votes[2]
            representative.append(
                {
                    **shown(number),
                    "agree": r["repful_for"] == "agree",
                    "share": _share(int(r["n_success"]), int(r["n_trials"])),
                    "rest_share": _share(rest_part, rest_seen),
                    "rest_seen": rest_seen,
                }
            )
        groups.append(
            {
                "id": gid,
                "letter": letters[gid],
                "size": len(g["participants"]),
                "representative": representative[:REPRESENTATIVE_MAX],
            }
        )
    divisive = [shown(int(number)) for number in result.get("divisive", []) if listed(int(number))]
    return {"consensus": consensus, "groups": groups, "divisive": divisive}


# --- reading the database -----------------------------------------------------------------------


def _recount_group_votes(session: Session, run: voxit.AnalysisRun) -> list[dict[str, Any]]:
    """Per-group counts for a run stored without them: the first ``run.votes`` ``voxit.vote``
    records of the conversation (the ones that run read, in its order), last answer wins."""
    result = run.result
    group_of = {int(p): int(g["id"]) for g in result["groups"] for p in g["participants"]}
    column = {int(s["id"]): i for i, s in enumerate(result["statements"])}
    slugs = {
        slug: number
        for slug, number in session.execute(
            select(VoxitStatementRow.slug, VoxitStatementRow.number).where(
                VoxitStatementRow.process_id == run.process_id
            )
        )
    }
    numbers = {
        token: number
        for token, number in session.execute(
            select(VoxitParticipant.token, VoxitParticipant.number).where(VoxitParticipant.process_id == run.process_id)
        )
    }
    final: dict[tuple[int, int], int] = {}
    read = 0
    rows = session.execute(
        select(RawRecord.raw).where(RawRecord.kind == "voxit.vote").order_by(RawRecord.received_at, RawRecord.hash)
    )
    for (raw,) in rows:
        body = json.loads(raw)["body"]
        if body["process"] != run.process_id:
            continue
        read += 1
        if read > run.votes:
            break
        who = numbers.get(body["participant"])
        if who is None or who not in group_of:
            continue
        for slug, answer in body["answers"].items():
            number = slugs.get(slug)
            if number is not None and number in column:
                final[(who, number)] = int(answer)
    n = len(result["statements"])
    counts = {int(g["id"]): {"agree": [0] * n, "disagree": [0] * n, "seen": [0] * n} for g in result["groups"]}
    for (who, number), answer in final.items():
        c, i = counts[group_of[who]], column[number]
        c["seen"][i] += 1
        if answer == 1:
            c["agree"][i] += 1
        elif answer == -1:
            c["disagree"][i] += 1
    return [{"id": gid, **c} for gid, c in counts.items()]


def _public_conversations(session: Session) -> list[Process]:
    """Voxit conversations, test ones left out, that have been analysed at least once."""
    out = []
    for pid in voxit.voxit_process_ids(session):
        row = session.get(Process, pid)
        if row is not None and not row.test and voxit.latest_analysis(session, pid) is not None:
            out.append(row)
    return out


@router.get("/conversations", response_class=HTMLResponse)
def conversation_list(request: Request, session: SessionDep, now: ClockDep) -> HTMLResponse:
    lang = language_of(request)
    with session.begin():
        items = []
        for row in _public_conversations(session):
            run = voxit.latest_analysis(session, row.id)
            assert run is not None
            items.append(
                {
                    "id": row.id,
                    "name": localized(row.title, lang, row.id),
                    "open": row.status != "closed",
                    "participants": format_number(int(run.result["matrix"]["participants"]), lang),
                    "groups": len(run.result["groups"]),
                    "created_at": run.created_at,
                }
            )
    return render(request, "conversations_list.html", public=True, conversations=items, **time_helpers(lang, now))


@router.get("/conversations/{process_id}", response_class=HTMLResponse)
def conversation_page(request: Request, process_id: str, session: SessionDep, now: ClockDep) -> HTMLResponse:
    lang = language_of(request)
    with session.begin():
        row = session.get(Process, process_id)
        run = None
        if row is not None and "voxit" in (row.activities or []) and not row.test:
            run = voxit.latest_analysis(session, process_id)
        if row is None or run is None:
            return render(request, "conversation_missing.html", status=404, public=True)
        rows = voxit.statement_rows(session, process_id)
        statements = {r.number: {"text": dict(r.text), "lang": r.lang, "state": r.state, "meta": r.meta} for r in rows}
        group_votes = run.result.get("group_votes") or _recount_group_votes(session, run)
        settings = (row.settings or {}).get("voxit") or {}
        title = localized(row.title, lang, row.id)
        topic = localized(settings.get("topic"), lang, "")
        intro = localized(settings.get("intro"), lang, "")
        is_open = row.status != "closed"
    result = run.result
    view = conversation_view(result, statements, group_votes, lang)
    group_ids = [int(g["id"]) for g in result["groups"]]

    def number(n: int | str) -> str:
        return format_number(int(n), lang)

    return render(
        request,
        "conversation.html",
        public=True,
        process_id=process_id,
        title=title,
        topic=topic,
        intro=intro,
        is_open=is_open,
        run=run,
        counts={
            "participants": number(result["matrix"]["participants"]),
            "votes": number(result["matrix"]["votes"]),
            "statements": number(sum(1 for s in statements.values() if s["state"] == "approved")),
            "clustered": number(len(result["in_conv"])),
            "groups": len(group_ids),
        },
        map=opinion_map(result.get("participants", []), group_ids),
        shapes=SHAPES,
        marker_paths=MARKERS,
        group_style={g: i % len(SHAPES) for i, g in enumerate(group_ids)},
        number=number,
        **view,
        **time_helpers(lang, now),
    )
