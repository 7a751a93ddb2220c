"""``/staff/terminals``: every terminal and its sync state (``terminals.view``); enrollment
tokens and revocation (``terminals.manage``), each written to the audit log in the same
transaction as the action.

- ``GET /staff/terminals``: the table (``services.terminals_overview``), and for managers
  the form that issues an enrollment token;
- ``POST /staff/terminals/tokens``: issues a token and shows it once, with the command to
  run on the terminal (the page is ``no-store``; the server keeps only the token's hash);
- ``GET /staff/terminals/{device}/revoke``: asks for confirmation;
- ``POST /staff/terminals/{device}/revoke``: revokes, then back to the table (303).

Times are shown in Helsinki time (``web.timefmt``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from sync_server.api.deps import SessionDep
from sync_server.db.models import Device
from sync_server.errors import UnknownDevice
from sync_server.services import devices, enrollment
from sync_server.services.audit import record_action
from sync_server.services.staff import Staff
from sync_server.services.terminals_overview import terminals_overview
from sync_server.web.deps import ClockDep, FormDep, client_ip, require
from sync_server.web.i18n import language_of, translate
from sync_server.web.pages.anomalies import reason_text_for
from sync_server.web.render import NavItem, render
from sync_server.web.timefmt import time_helpers

router = APIRouter()
NAV = [NavItem("nav.terminals", "/staff/terminals", "terminals.view", order=20)]
Viewer = Annotated[Staff, require("terminals.view")]
Manager = Annotated[Staff, require("terminals.manage")]
MAX_NAME = 200  # the devices and enrollment_tokens columns


def _page(
    request: Request, session: Session, staff: Staff, now: ClockDep, status: int = 200, **context: Any
) -> HTMLResponse:
    behind_after = timedelta(hours=request.app.state.settings.terminal_behind_hours)
    rows = terminals_overview(session, now=now, behind_after=behind_after)
    counts = {
        status: sum(1 for row in rows if row.status == status) for status in ("behind", "never_synced", "revoked")
    }
    return render(
        request,
        "terminals.html",
        status=status,
        rows=rows,
        counts=counts,
        behind_hours=_hours(request.app.state.settings.terminal_behind_hours),
        manage=staff.can("terminals.manage"),
        reason_text=reason_text_for(language_of(request)),
        **time_helpers(language_of(request), now),
        **context,
    )


@router.get("/staff/terminals", response_class=HTMLResponse)
def terminals(
    request: Request, session: SessionDep, staff: Viewer, now: ClockDep, revoked: str | None = None
) -> Response:
    notice = None
    if revoked:
        with session.begin():
            device = session.get(Device, revoked)
        if device is not None and device.revoked_at is not None:
            notice = translate(language_of(request), "terminals.revoked_notice", name=device.name)
    return _page(request, session, staff, now, notice=notice)


@router.post("/staff/terminals/tokens", response_class=HTMLResponse)
def issue_token(request: Request, session: SessionDep, staff: Manager, form: FormDep, now: ClockDep) -> Response:
    lang = language_of(request)
    name = " ".join(str(form.get("name", "")).split())
    place = " ".join(str(form.get("place", "")).split()) or None
    if not name or len(name) > MAX_NAME or (place is not None and len(place) > MAX_NAME):
        error = translate(lang, "terminals.token_name_needed", max=MAX_NAME)
        return _page(request, session, staff, now, status=400, error=error, form_name=name, form_place=place or "")

    def audit(tx: Session) -> None:
        record_action(
            tx,
            "token.issued",
            at=now,
            actor=staff,
            target=name,
            detail={"name": name, "place": place},
            client_ip=client_ip(request),
        )

    token = enrollment.issue_token(session, request.app.state.keys, name=name, place=place, audit=audit)
    server_url = str(request.base_url).rstrip("/")
    return render(
        request, "terminals_token.html", status=201, token=token, name=name, place=place, server_url=server_url
    )


def _device_or_404(request: Request, session: Session, device_id: str) -> Device | Response:
    with session.begin():
        device = session.get(Device, device_id)
    if device is None:
        message = translate(language_of(request), "terminals.unknown_device")
        return render(request, "error.html", status=404, message=message, reason="unknown_device")
    return device


@router.get("/staff/terminals/{device_id}/revoke", response_class=HTMLResponse)
def confirm_revoke(request: Request, device_id: str, session: SessionDep, staff: Manager, now: ClockDep) -> Response:
    device = _device_or_404(request, session, device_id)
    if isinstance(device, Response):
        return device
    return render(request, "terminals_revoke.html", device=device, **time_helpers(language_of(request), now))


@router.post("/staff/terminals/{device_id}/revoke")
def revoke(
    request: Request, device_id: str, session: SessionDep, staff: Manager, form: FormDep, now: ClockDep
) -> Response:
    def audit(tx: Session, newly: bool) -> None:
        record_action(
            tx,
            "device.revoked",
            at=now,
            actor=staff,
            target=device_id,
            detail={"already_revoked": not newly},
            client_ip=client_ip(request),
        )

    try:
        devices.revoke(session, device_id=device_id, audit=audit)
    except UnknownDevice:
        message = translate(language_of(request), "terminals.unknown_device")
        return render(request, "error.html", status=404, message=message, reason="unknown_device")
    return RedirectResponse(f"/staff/terminals?revoked={device_id}", status_code=303)


def _hours(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
