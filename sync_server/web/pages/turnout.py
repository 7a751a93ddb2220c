"""``/staff/turnout``: how many ballots have arrived, live, for staff with ``processes.view``.

- ``GET /staff/turnout``: the budget processes, each linking to its turnout;
- ``GET /staff/turnout/{process_id}``: ballots counted and received (superseded and
  invalid included) by district, by channel (terminal, paper) and by day with each day
  split by channel, and totals, "as of" the moment the page was made
  (``services.turnout.count_turnout``). Turnout shows how many, never what anyone chose,
  so it is shown while the vote is open.

Staying live: ``?live=1`` adds the header ``Refresh: 60`` (a reload every minute); the page
starts without it (nothing moves under a reader or a screen reader unasked) and links
turn it on and off, beside a plain "Update now" link. No script.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync_server.api.deps import SessionDep
from sync_server.errors import UnknownProcess
from sync_server.services.staff import Staff
from sync_server.services.turnout import CHANNELS, turnout
from sync_server.web.deps import ClockDep, require
from sync_server.web.i18n import language_of, translate
from sync_server.web.pages.results import _budget_processes, format_number, localized, log_state_cache
from sync_server.web.render import NavItem, render
from sync_server.web.timefmt import time_helpers

__all__ = ["REFRESH_SECONDS", "router"]

router = APIRouter()
NAV = [NavItem("turnout.nav", "/staff/turnout", "processes.view", order=35)]
Viewer = Annotated[Staff, require("processes.view")]
REFRESH_SECONDS = 60


@router.get("/staff/turnout", response_class=HTMLResponse)
def turnout_list(request: Request, session: SessionDep, staff: Viewer) -> HTMLResponse:
    lang = language_of(request)
    processes = _budget_processes(session, public_only=False)
    for p in processes:
        p["name"] = localized(p["title"], lang, p["id"])
    return render(request, "turnout_list.html", processes=processes)


@router.get("/staff/turnout/{process_id}", response_class=HTMLResponse)
def turnout_page(
    request: Request, process_id: str, session: SessionDep, staff: Viewer, now: ClockDep, live: str = ""
) -> HTMLResponse:
    lang = language_of(request)
    try:
        process, counts = log_state_cache(
            request, session, ("turnout", process_id), lambda: turnout(session, process_id)
        )
    except UnknownProcess:
        message = translate(lang, "turnout.unknown")
        return render(request, "error.html", status=404, message=message, reason="unknown_process")
    names = {d["id"]: localized(d["name"], lang, d["id"]) for d in process["districts"]}
    kinds = {d["id"]: d["kind"] for d in process["districts"]}
    response = render(
        request,
        "turnout.html",
        process=process,
        title=localized(process["title"], lang, process["id"]),
        turnout=counts,
        names=names,
        kinds=kinds,
        channels=CHANNELS,
        live=live == "1",
        refresh=REFRESH_SECONDS,
        now=now,
        number=lambda n: format_number(int(n), lang),
        **time_helpers(lang, now),
    )
    if live == "1":
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response
