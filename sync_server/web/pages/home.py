"""The staff front page: what the signed-in staff member may open."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync_server.web.deps import StaffDep
from sync_server.web.render import NavItem, render

router = APIRouter()
NAV = [NavItem("nav.home", "/staff/", None, order=0)]


@router.get("/staff/", response_class=HTMLResponse)
def home(request: Request, staff: StaffDep) -> HTMLResponse:
    return render(request, "home.html")
