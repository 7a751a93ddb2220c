"""``/staff/users``: staff accounts; add one, change a role (permission ``users.manage``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync_server.api.deps import SessionDep
from sync_server.errors import StaffInputError
from sync_server.services import staff as staff_service
from sync_server.services.staff import ROLES, Staff
from sync_server.web.deps import ClockDep, FormDep, client_ip, require
from sync_server.web.i18n import language_of, translate
from sync_server.web.render import NavItem, render

router = APIRouter()
NAV = [NavItem("nav.users", "/staff/users", "users.manage", order=90)]
Manager = Annotated[Staff, require("users.manage")]


def _page(request: Request, session: SessionDep, status: int = 200, **context: Any) -> HTMLResponse:
    with session.begin():
        users = staff_service.list_users(session)
    return render(request, "users.html", status=status, users=users, roles=list(ROLES), **context)


@router.get("/staff/users", response_class=HTMLResponse)
def users(request: Request, session: SessionDep, staff: Manager) -> HTMLResponse:
    return _page(request, session)


@router.post("/staff/users", response_class=HTMLResponse)
def add_user(request: Request, session: SessionDep, staff: Manager, form: FormDep, now: ClockDep) -> HTMLResponse:
    lang = language_of(request)
    email = str(form.get("email", ""))
    try:
        staff_service.add_user(
            session,
            email=email,
            role=str(form.get("role", "")),
            name=str(form.get("name", "")) or None,
            team=str(form.get("team", "")) or None,
            password=str(form.get("password", "")),
            now=now,
            actor=staff,
            client_ip=client_ip(request),
        )
    except StaffInputError as exc:
        return _page(request, session, status=400, error=translate(lang, "users.error", message=exc.message))
    return _page(request, session, status=201, done=translate(lang, "users.added", email=email.strip().lower()))


@router.post("/staff/users/{user_id}/role", response_class=HTMLResponse)
def change_role(
    request: Request, user_id: int, session: SessionDep, staff: Manager, form: FormDep, now: ClockDep
) -> HTMLResponse:
    lang = language_of(request)
    try:
        staff_service.set_role(
            session,
            user_id=user_id,
            role=str(form.get("role", "")),
            team=str(form.get("team", "")) or None,
            now=now,
            actor=staff,
            client_ip=client_ip(request),
        )
    except StaffInputError as exc:
        return _page(request, session, status=400, error=translate(lang, "users.error", message=exc.message))
    email = next((u["email"] for u in staff_service.list_users(session) if u["id"] == user_id), "")
    session.rollback()
    return _page(request, session, done=translate(lang, "users.changed", email=email))
