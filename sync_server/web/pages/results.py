"""Results of participatory budgeting: public pages, and a staff preview.

- ``GET /results``: the budget processes (test processes left out), each with whether its
  results are out;
- ``GET /results/{process_id}``: per district (and the citywide pot) every project with its
  title in the page's language, votes, cost, whether it was selected and a bar of its
  votes, counted by ``services.tally.tally_process`` with the process's count rule. The
  counts are **public once the process is closed** (``status`` ``closed``, which stops the
  terminals); while it is open the page says so and shows no count, and a test process
  is never published;
- ``GET /staff/results``: every budget process with links to both pages (``results.view``);
- ``GET /staff/results/{process_id}``: the same page for staff with ``results.view``
  whatever the status (a preview, marked as such).

The bars are inline SVG (no script, no external file, no inline style: the CSP holds);
a selected project's bar is hatched and its row says "Selected" in words.

Counting a large process takes seconds (Lodz: 70,747 ballots), too long to repeat for
every visitor, so ``log_state_cache`` keeps the last few answers per app, keyed by the
process and the state of the log: the number of raw records (the log is append-only, so
any new record changes it) and the newest manifest serial (a changed or closed process
publishes a new manifest).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_server.api.deps import SessionDep
from sync_server.db.models import ManifestRow, Process, RawRecord
from sync_server.services.staff import Staff
from sync_server.services.tally import tally_process
from sync_server.web.deps import ClockDep, require
from sync_server.web.i18n import catalog, language_of, translate
from sync_server.web.render import NavItem, render
from sync_server.web.timefmt import time_helpers

__all__ = ["format_money", "format_number", "is_public", "localized", "log_state_cache", "router"]

router = APIRouter()
NAV = [NavItem("results.nav", "/staff/results", "results.view", order=40)]
Viewer = Annotated[Staff, require("results.view")]

NBSP = "\u00a0"
CACHE_SIZE = 16
T = TypeVar("T")


def log_state_cache(request: Request, session: Session, key: tuple[str, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or its answer kept from an earlier request while the log and the processes
    are unchanged (see the module docstring). Kept on the app, at most ``CACHE_SIZE`` answers."""
    with session.begin():
        records = session.scalar(select(func.count()).select_from(RawRecord)) or 0
        serial = session.scalar(select(func.max(ManifestRow.serial))) or 0
    cache: dict[tuple[Any, ...], Any] | None = getattr(request.app.state, "log_state_cache", None)
    if cache is None:
        cache = request.app.state.log_state_cache = {}
    full = (*key, records, serial)
    if full in cache:
        found: T = cache[full]
        return found
    value = compute()
    cache[full] = value
    while len(cache) > CACHE_SIZE:
        cache.pop(next(iter(cache)))
    return value


def format_number(value: int, lang: str) -> str:
    """``120 000`` in Finnish and Swedish (no-break space between groups), ``120,000`` in English."""
    grouped = f"{value:,}"
    return grouped if lang == "en" else grouped.replace(",", NBSP)


def format_money(cents: int, lang: str, currency: str = "EUR") -> str:
    """Money from cents: ``120 000 €`` (``€120,000`` in English); another currency by its code
    (``150 000 PLN``, ``PLN 150,000``: pabulib imports keep theirs). Cents only when there are some."""
    units, rest = divmod(abs(cents), 100)
    amount = format_number(units, lang)
    if rest:
        amount += ("." if lang == "en" else ",") + f"{rest:02d}"
    if currency == "EUR":
        text = translate(lang, "results.money", amount=amount)
    else:
        text = translate(lang, "results.money_other", amount=amount, currency=currency)
    return ("-" if cents < 0 else "") + text.replace(" ", NBSP)


def localized(value: Any, lang: str, fallback: str) -> str:
    """A text given per language (``{"fi": ..., "sv": ..., "en": ...}``) in ``lang``, else Finnish, else any."""
    if isinstance(value, dict):
        text = value.get(lang) or value.get("fi") or next((v for v in value.values() if v), None)
        return str(text) if text else fallback
    return str(value) if value else fallback


def is_public(process: dict[str, Any]) -> bool:
    """Whether anyone may see the counts: a real (not test) process that has closed."""
    return process["status"] == "closed" and not process["test"]


def _budget_processes(session: Session, *, public_only: bool) -> list[dict[str, Any]]:
    with session.begin():
        rows = session.scalars(select(Process).order_by(Process.id)).all()
        processes = [
            {"id": r.id, "title": r.title, "status": r.status, "test": r.test}
            for r in rows
            if "budget" in (r.activities or [])
        ]
    return [p for p in processes if not (public_only and p["test"])]


def _process(session: Session, process_id: str) -> dict[str, Any] | None:
    with session.begin():
        row = session.get(Process, process_id)
        if row is None or "budget" not in (row.activities or []):
            return None
        ballot = ((row.settings or {}).get("budget") or {}).get("ballot") or {}
        return {
            "id": row.id,
            "title": row.title,
            "status": row.status,
            "test": row.test,
            "points": ballot.get("type") == "cumulative",
        }


def _rule_text(lang: str, rule: str) -> str:
    key = f"results.rule.{rule}"
    return translate(lang, key) if key in catalog(lang) else rule


def _districts(result: dict[str, Any], lang: str, *, points: bool) -> list[dict[str, Any]]:
    """The tally shaped for the page: names in ``lang``, projects by votes (most first), bar lengths.
    ``points``: cumulative ballots, whose projects are ordered and drawn by their points."""
    out = []
    for district in result["districts"]:
        measure = "score" if points else "votes"
        projects = [
            {
                **p,
                "name": localized(p.get("title"), lang, p["id"]),
                "count": p[measure],
            }
            for p in district["projects"]
        ]
        projects.sort(key=lambda p: (-p["count"], p["name"].casefold(), p["id"]))
        top = max((p["count"] for p in projects), default=0)
        for p in projects:
            p["bar"] = round(100 * p["count"] / top, 1) if top else 0
            p["share"] = round(100 * p["votes"] / district["ballots"]) if district["ballots"] else 0
        out.append(
            {
                "id": district["id"],
                "name": localized(district.get("name"), lang, district["id"]),
                "kind": district["kind"],
                "budget": district["budget"],
                "spent": district["spent"],
                "ballots": district["ballots"],
                "selected_count": len(district["selected"]),
                "projects": projects,
                "points": points,
            }
        )
    return out


def _results_page(
    request: Request, session: Session, process: dict[str, Any], *, preview: bool, now: ClockDep
) -> HTMLResponse:
    lang = language_of(request)
    public = is_public(process)
    shown = public or preview
    context: dict[str, Any] = {
        "process": process,
        "title": localized(process["title"], lang, process["id"]),
        "public_results": public,
        "preview": preview,
        "shown": shown,
        "layout": "base.html" if preview else "public_base.html",
        "number": lambda n: format_number(int(n), lang),
        "now": now,
        **time_helpers(lang, now),
    }
    if shown:
        result = log_state_cache(
            request, session, ("tally", process["id"]), lambda: tally_process(session, process["id"])
        )
        currency = str(result.get("currency") or "EUR")
        context.update(
            money=lambda cents: format_money(int(cents), lang, currency),
            result=result,
            rule=_rule_text(lang, result["rule"]),
            districts=_districts(result, lang, points=bool(process["points"])),
        )
    return render(request, "results.html", public=not preview, **context)


def _not_found(request: Request, *, preview: bool) -> HTMLResponse:
    return render(
        request,
        "results_missing.html",
        status=404,
        public=not preview,
        layout="base.html" if preview else "public_base.html",
    )


@router.get("/results", response_class=HTMLResponse)
def public_list(request: Request, session: SessionDep) -> HTMLResponse:
    lang = language_of(request)
    processes = _budget_processes(session, public_only=True)
    for p in processes:
        p["name"] = localized(p["title"], lang, p["id"])
        p["public"] = is_public(p)
    return render(request, "results_list.html", public=True, processes=processes)


@router.get("/results/{process_id}", response_class=HTMLResponse)
def public_results(request: Request, process_id: str, session: SessionDep, now: ClockDep) -> HTMLResponse:
    process = _process(session, process_id)
    if process is None:
        return _not_found(request, preview=False)
    return _results_page(request, session, process, preview=False, now=now)


@router.get("/staff/results", response_class=HTMLResponse)
def staff_list(request: Request, session: SessionDep, staff: Viewer) -> HTMLResponse:
    lang = language_of(request)
    processes = _budget_processes(session, public_only=False)
    for p in processes:
        p["name"] = localized(p["title"], lang, p["id"])
        p["public"] = is_public(p)
    return render(request, "results_staff.html", processes=processes)


@router.get("/staff/results/{process_id}", response_class=HTMLResponse)
def staff_preview(request: Request, process_id: str, session: SessionDep, staff: Viewer, now: ClockDep) -> HTMLResponse:
    process = _process(session, process_id)
    if process is None:
        return _not_found(request, preview=True)
    return _results_page(request, session, process, preview=True, now=now)
