"""Dependencies for staff pages and staff endpoints, as ``Annotated`` aliases.

- ``StaffDep``: the signed-in ``Staff``; without a valid session cookie (none, forged,
  unknown, expired) ``NotSignedIn`` is raised: HTML requests are redirected (303) to
  ``/staff/sign-in?next=<path>``, ``/api`` requests get a JSON 401.
- ``OptionalStaffDep``: the ``Staff`` or None (for pages anyone may see).
- ``require(permission)``: use as ``staff: Annotated[Staff, require("terminals.manage")]``;
  a staff member without the permission gets a 403 page in words (JSON 403 on ``/api``).
- ``FormDep``: the POSTed form (``starlette.datastructures.FormData``) after the
  checks every state-changing POST needs: ``Origin``/``Referer`` host matches when
  present, the body is at most ``MAX_FORM_BYTES`` and each field at most
  ``MAX_FIELD_BYTES``, and the ``csrf`` field matches the session's token. Refusals
  are raised (``CsrfRefused`` -> 403, ``StaffInputError`` -> 400, ``TooLarge`` -> 413),
  logged, and nothing has been changed. Forms are ``application/x-www-form-urlencoded``.
- ``ClockDep``: now (the app's clock, replaceable in tests: ``create_app(settings, clock=...)``),
  ``client_ip(request)``.

A page route then looks like::

    router = APIRouter()
    NAV = [NavItem("nav.terminals", "/staff/terminals", "terminals.view", order=20)]

    @router.get("/staff/terminals", response_class=HTMLResponse)
    def terminals(request: Request, session: SessionDep,
                  staff: Annotated[Staff, require("terminals.view")]) -> HTMLResponse:
        return render(request, "terminals.html", rows=overview(session))

    @router.post("/staff/terminals/{device}/revoke")
    def revoke(request: Request, device: str, session: SessionDep, form: FormDep, now: ClockDep,
               staff: Annotated[Staff, require("terminals.manage")]) -> RedirectResponse:
        ...  # the action and audit.record_action(session, "device.revoked", at=now, actor=staff, ...)
        return RedirectResponse("/staff/terminals", status_code=303)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, cast
from urllib.parse import parse_qsl, urlsplit

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from sync_server.api.deps import SessionDep, read_body
from sync_server.errors import CsrfRefused, Forbidden, NotSignedIn, StaffInputError, TooLarge
from sync_server.logevents import log_event
from sync_server.services.staff import Staff, csrf_token_for, find_session
from sync_server.web.render import CSRF_FIELD

__all__ = [
    "LANG_MAX_AGE",
    "MAX_FIELD_BYTES",
    "MAX_FORM_BYTES",
    "PRE_COOKIE",
    "SESSION_COOKIE",
    "ClockDep",
    "FormDep",
    "OptionalStaffDep",
    "SameOriginDep",
    "StaffDep",
    "client_ip",
    "csrf_token",
    "require",
    "safe_next",
    "same_origin",
    "set_session_cookie",
    "staff_of",
]

SESSION_COOKIE = "osallistu_staff"
PRE_COOKIE = "osallistu_pre"  # a signed-out visitor's CSRF secret (the sign-in form)
MAX_FIELD_BYTES = 4 * 1024
MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 100
LANG_MAX_AGE = 365 * 24 * 3600


def now_of(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


ClockDep = Annotated[datetime, Depends(now_of)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def current_staff(request: Request, session: SessionDep) -> Staff | None:
    if hasattr(request.state, "staff"):
        cached: Staff | None = request.state.staff
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    staff = find_session(session, token=token, now=now_of(request)) if token else None
    request.state.staff = staff
    if token and staff is None:
        request.state.clear_session = True  # forged, unknown or expired: the cookie goes
    return staff


OptionalStaffDep = Annotated[Staff | None, Depends(current_staff)]


def signed_in(request: Request, staff: OptionalStaffDep) -> Staff:
    if staff is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NotSignedIn("sign in first", next=target)
    return staff


StaffDep = Annotated[Staff, Depends(signed_in)]


def require(permission: str) -> Any:
    """``Depends`` that gives the signed-in staff member if they have ``permission``, else 403."""

    def check(request: Request, staff: StaffDep) -> Staff:
        if not staff.can(permission):
            log_event("staff.refused", reason="forbidden", staff=staff.id, permission=permission, path=request.url.path)
            raise Forbidden(f"your role ({staff.role}) does not allow this ({permission})", permission=permission)
        return staff

    return Depends(check)


def staff_of(request: Request) -> Staff | None:
    """The staff member found for this request by ``current_staff`` (None if none was looked up)."""
    return getattr(request.state, "staff", None)


def csrf_token(request: Request) -> str:
    """The token forms of this request carry: the session's, or a signed-out visitor's."""
    staff = staff_of(request)
    if staff is not None:
        return staff.csrf
    secret = getattr(request.state, "pre_secret", None) or request.cookies.get(PRE_COOKIE)
    if not secret or len(secret) > 100:
        secret = secrets.token_urlsafe(24)
        request.state.pre_secret = secret  # set as a cookie by set_pending_cookies
    return csrf_token_for(secret)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or bool(request.app.state.settings.secure_cookies)


def set_session_cookie(request: Request, response: Response, token: str | None) -> None:
    """Set (or with None, delete) the session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    if token is None:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
        return
    response.set_cookie(
        SESSION_COOKIE, token, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )  # a browser-session cookie; the server ends the session after idle or absolute expiry


def set_pending_cookies(request: Request, response: Response) -> None:
    """Cookies decided while handling the request: a new pre-session secret, a dropped session."""
    pre = getattr(request.state, "pre_secret", None)
    if pre and staff_of(request) is None:
        response.set_cookie(PRE_COOKIE, pre, path="/staff", httponly=True, samesite="strict", secure=_secure(request))
    if getattr(request.state, "clear_session", False):
        set_session_cookie(request, response, None)


def same_origin(request: Request) -> None:
    """Refuse a request whose ``Origin`` (or, without it, ``Referer``) names another host."""
    host = request.headers.get("host", "")
    origin = request.headers.get("origin")
    source = origin if origin is not None else request.headers.get("referer")
    if source is None:
        return
    if source == "null" or urlsplit(source).netloc.lower() != host.lower():
        log_event("staff.refused", reason="cross_origin", origin=source[:200], path=request.url.path)
        raise CsrfRefused("this form was sent from another site and was refused; nothing was changed")


SameOriginDep = Depends(same_origin)


async def checked_form(request: Request, staff: OptionalStaffDep) -> FormData:
    same_origin(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request, MAX_FORM_BYTES)
    if body.data is None:
        log_event("staff.refused", reason="form_too_large", size=body.size, path=request.url.path)
        raise TooLarge(f"the form is larger than {MAX_FORM_BYTES // 1024} KiB and was refused", reason="form_too_large")
    if body.data and content_type != "application/x-www-form-urlencoded":
        raise StaffInputError("the form was not sent as a web form", reason="bad_form")
    try:
        pairs = parse_qsl(
            body.data.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise StaffInputError("the form could not be read", reason="bad_form") from exc
    for name, value in pairs:
        if len(value.encode()) > MAX_FIELD_BYTES:
            log_event("staff.refused", reason="field_too_large", field=name[:40], path=request.url.path)
            raise StaffInputError(
                f"the field {name[:40]!r} is longer than {MAX_FIELD_BYTES // 1024} KiB and was refused",
                reason="field_too_large",
            )
    form = FormData(cast(Any, pairs))
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not secrets.compare_digest(sent.encode(), csrf_token(request).encode()):
        log_event(
            "staff.refused",
            reason="csrf_missing" if sent is None else "csrf_wrong",
            staff=staff.id if staff else None,
            path=request.url.path,
        )
        raise CsrfRefused("this form has expired or was not sent from our page; nothing was changed, please try again")
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


def safe_next(value: str | None, default: str = "/staff/") -> str:
    """``value`` if it is a local path (``/...``, not ``//host`` or a URL), else ``default``."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 32 or c == "\\" for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value
