"""``/staff/anomalies`` (permission ``anomalies.view``): what the ingest flagged, from
``services.terminals_overview.anomalies_summary``: counts by kind (gap, equivocation)
and by quarantine reason, then per device (as claimed by what arrived) the newest
entries with their detail. Reasons are named in the catalogs (``reason.<code>``); a
reason without a text is shown as its code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync_server.api.deps import SessionDep
from sync_server.services.staff import Staff
from sync_server.services.terminals_overview import ITEMS_PER_DEVICE, anomalies_summary
from sync_server.web.deps import ClockDep, require
from sync_server.web.i18n import catalog, language_of, translate
from sync_server.web.render import NavItem, render
from sync_server.web.timefmt import time_helpers

__all__ = ["reason_text_for", "router"]

router = APIRouter()
NAV = [NavItem("nav.anomalies", "/staff/anomalies", "anomalies.view", order=25)]


def reason_text_for(lang: str) -> Callable[[str], str]:
    """``reason_text(code)``: the catalog's words for a quarantine reason or anomaly kind, else the code."""

    def reason_text(code: str) -> str:
        key = f"reason.{code}"
        return translate(lang, key) if key in catalog(lang) else code

    return reason_text


@router.get("/staff/anomalies", response_class=HTMLResponse)
def anomalies(
    request: Request, session: SessionDep, staff: Annotated[Staff, require("anomalies.view")], now: ClockDep
) -> HTMLResponse:
    lang = language_of(request)
    summary = anomalies_summary(session)
    return render(
        request,
        "anomalies.html",
        summary=summary,
        per_device=ITEMS_PER_DEVICE,
        reason_text=reason_text_for(lang),
        **time_helpers(lang, now),
    )
