"""``/staff/audit``: the audit log, newest first, paginated (permission ``audit.view``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from sync_server.api.deps import SessionDep
from sync_server.services.audit import AUDIT_ACTIONS, list_entries
from sync_server.services.staff import Staff
from sync_server.web.deps import require
from sync_server.web.render import NavItem, render

router = APIRouter()
NAV = [NavItem("nav.audit", "/staff/audit", "audit.view", order=80)]
PER_PAGE = 50


@router.get("/staff/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    session: SessionDep,
    staff: Annotated[Staff, require("audit.view")],
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    with session.begin():
        entries = list_entries(session, page=page, per_page=PER_PAGE)
    return render(request, "audit.html", log=entries, meanings=AUDIT_ACTIONS)
