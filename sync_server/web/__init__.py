"""The staff web: server-rendered pages under ``/staff`` (Jinja2, our own stylesheet, fi/sv/en).

- ``render.py``: the template environment and ``render(request, template, **context)``;
- ``i18n.py``: the language (``lang`` cookie) and the catalogs in ``catalogs/``;
- ``deps.py``: ``StaffDep``, ``require(permission)``, ``FormDep`` (CSRF and size
  checks), ``ClockDep``: how a page route looks is shown there;
- ``pages/``: one module per area; each module's ``router`` is included and its ``NAV``
  items registered automatically (no list to edit when adding a page module).

``install_web(app)`` mounts ``/staff/static`` and the page routers, and puts refusals
into words: on ``/staff`` pages as HTML (a redirect to sign-in when signed out), on
``/api`` as the usual JSON errors.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from sync_server.api.errors import STATUS, error_response
from sync_server.errors import NotSignedIn, ServerError
from sync_server.web.deps import set_session_cookie
from sync_server.web.i18n import catalog, language_of, translate
from sync_server.web.pages import page_router
from sync_server.web.render import render

__all__ = ["install_web"]

STATIC = Path(__file__).with_name("static")


def _is_api(request: Request) -> bool:
    return not request.url.path.startswith("/staff")


def install_web(app: FastAPI) -> None:
    app.mount("/staff/static", StaticFiles(directory=STATIC), name="staff-static")
    app.include_router(page_router)

    async def not_signed_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotSignedIn)
        if _is_api(request):
            response: Response = error_response(exc)
        else:
            target = str(exc.detail.get("next") or "/staff/")
            response = RedirectResponse(f"/staff/sign-in?next={quote(target, safe='/')}", status_code=303)
        if request.cookies.get("osallistu_staff"):
            set_session_cookie(request, response, None)
        return response

    async def server_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServerError)
        if _is_api(request):
            return error_response(exc)
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)
        lang = language_of(request)
        key = f"error.{exc.reason}"
        message = translate(lang, key) if key in catalog(lang) else exc.message
        return render(request, "error.html", status=status, message=message, reason=exc.reason)

    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(ServerError, server_error)
