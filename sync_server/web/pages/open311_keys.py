"""``/staff/open311/keys``: the Open311 API keys of applications, for staff with ``open311.manage``.

A new key is shown once, on the page that issued it (``no-store``, as every staff page); only its
sha256 is kept. Issuing and revoking each write an audit row (``services.open311``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync_server.api.deps import SessionDep
from sync_server.services import open311
from sync_server.services.staff import Staff
from sync_server.web.deps import ClockDep, FormDep, client_ip, require
from sync_server.web.i18n import language_of, translate
from sync_server.web.render import NavItem, render
from sync_server.web.timefmt import time_helpers

__all__ = ["router"]

router = APIRouter()
NAV = [NavItem("open311.keys.nav", "/staff/open311/keys", "open311.manage", order=92)]
Manager = Annotated[Staff, require("open311.manage")]


def _page(request: Request, session: SessionDep, now: Any, status: int = 200, **context: Any) -> HTMLResponse:
    with session.begin():
        keys = open311.list_keys(session)
        return render(
            request, "open311_keys.html", status=status, keys=keys, **time_helpers(language_of(request), now), **context
        )


@router.get("/staff/open311/keys", response_class=HTMLResponse)
def keys_page(request: Request, session: SessionDep, staff: Manager, now: ClockDep) -> HTMLResponse:
    return _page(request, session, now)


@router.post("/staff/open311/keys", response_class=HTMLResponse)
def issue(request: Request, session: SessionDep, staff: Manager, form: FormDep, now: ClockDep) -> HTMLResponse:
    lang = language_of(request)
    name = str(form.get("name", "")).strip()
    try:
        key = open311.issue_key(session, name=name, now=now, actor=staff, client_ip=client_ip(request))
    except ValueError:
        return _page(request, session, now, status=400, error=translate(lang, "open311.keys.bad_name"))
    state = request.app.state
    open311.ensure_intake(session, state.keys, state.settings.data_dir)
    return _page(request, session, now, status=201, new_key=key, new_name=name)


@router.post("/staff/open311/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request, key_id: int, session: SessionDep, staff: Manager, form: FormDep, now: ClockDep
) -> HTMLResponse:
    lang = language_of(request)
    name = open311.revoke_key(session, key_id=key_id, now=now, actor=staff, client_ip=client_ip(request))
    if name is None:
        return _page(request, session, now, status=404, error=translate(lang, "open311.keys.unknown"))
    return _page(request, session, now, done=translate(lang, "open311.keys.revoked", name=name))
