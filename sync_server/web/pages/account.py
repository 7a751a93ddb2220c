"""Signing in and out, changing one's password, choosing the language."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync_server.api.deps import SessionDep
from sync_server.errors import SignInRefused, StaffInputError
from sync_server.logevents import log_event
from sync_server.services import staff as staff_service
from sync_server.web.deps import (
    LANG_MAX_AGE,
    ClockDep,
    FormDep,
    OptionalStaffDep,
    StaffDep,
    client_ip,
    safe_next,
    set_session_cookie,
)
from sync_server.web.i18n import LANG_COOKIE, LANGUAGES, language_of, translate
from sync_server.web.render import render

router = APIRouter()


@router.get("/staff", include_in_schema=False)
def staff_root() -> RedirectResponse:
    return RedirectResponse("/staff/", status_code=303)


@router.get("/staff/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, staff: OptionalStaffDep, next: str | None = None) -> Response:
    target = safe_next(next)
    if staff is not None:
        return RedirectResponse(target, status_code=303)
    return render(request, "sign_in.html", next=target, email="")


@router.post("/staff/sign-in", response_class=HTMLResponse)
def sign_in(request: Request, session: SessionDep, form: FormDep, now: ClockDep) -> Response:
    email = str(form.get("email", ""))
    target = safe_next(str(form.get("next", "")))
    try:
        signed = staff_service.sign_in(
            session, email=email, password=str(form.get("password", "")), now=now, client_ip=client_ip(request)
        )
    except SignInRefused as exc:
        log_event("staff.sign_in_refused", reason=exc.reason, ip=client_ip(request))
        lang = language_of(request)
        if exc.reason == "account_locked":
            until = datetime.fromisoformat(str(exc.detail["until"]))
            seconds = max(1, int((until - now).total_seconds()))
            message = translate(lang, "sign_in.locked", time=until.strftime("%H:%M:%S UTC"), seconds=seconds)
            status = 429
        else:
            message = translate(lang, "sign_in.failed")
            status = 401
        return render(request, "sign_in.html", status=status, error=message, next=target, email=email)
    log_event("staff.signed_in", staff=signed.staff.id)
    request.state.staff = signed.staff  # this response's CSRF token is the new session's
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, signed.token)
    return response


@router.post("/staff/sign-out")
def sign_out(request: Request, session: SessionDep, staff: StaffDep, form: FormDep, now: ClockDep) -> Response:
    staff_service.end_session(session, staff, now=now, client_ip=client_ip(request))
    response = RedirectResponse("/staff/sign-in?signed_out=1", status_code=303)
    set_session_cookie(request, response, None)
    return response


@router.get("/staff/password", response_class=HTMLResponse)
def password_form(request: Request, staff: StaffDep) -> Response:
    return render(request, "password.html")


@router.post("/staff/password", response_class=HTMLResponse)
def change_password(request: Request, session: SessionDep, staff: StaffDep, form: FormDep, now: ClockDep) -> Response:
    lang = language_of(request)
    new, again = str(form.get("new", "")), str(form.get("again", ""))
    if new != again:
        return render(request, "password.html", status=400, error=translate(lang, "password.mismatch"))
    try:
        staff_service.change_password(
            session, staff, current=str(form.get("current", "")), new=new, now=now, client_ip=client_ip(request)
        )
    except StaffInputError as exc:
        key = "password.wrong" if exc.reason == "wrong_password" else "password.weak"
        message = translate(lang, key, min=staff_service.MIN_PASSWORD)
        return render(request, "password.html", status=400, error=message)
    return render(request, "password.html", done=translate(lang, "password.changed"))


@router.get("/staff/language/{lang}")
@router.get("/language/{lang}")
def choose_language(request: Request, lang: str, next: Annotated[str | None, Query()] = None) -> Response:
    """A link on every page: the choice is a cookie (a preference, not a staff action). Public pages
    link ``/language/{lang}``, staff pages ``/staff/language/{lang}``: the same choice."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_MAX_AGE, path="/", samesite="lax")
    return response
