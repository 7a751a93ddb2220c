"""Rendering staff pages: one Jinja2 environment (autoescape on) and ``render``.

``render(request, "page.html", status=200, **context)`` gives an ``HTMLResponse``.
Every template sees, besides ``context``:

- ``t(key, **values)``: the text for ``key`` in the page's language (see ``i18n``);
- ``lang``: ``fi``, ``sv`` or ``en`` (``<html lang>``), ``languages``: code -> name;
- ``staff``: the signed-in ``Staff`` or None;
- ``csrf``: the CSRF token; every form that POSTs carries it as
  ``<input type="hidden" name="{{ CSRF_FIELD }}" value="{{ csrf }}">``
  (``CSRF_FIELD`` is ``"csrf"``; ``{{ csrf_input() }}`` writes that line);
- ``nav``: the navigation items the staff member may use (``NavItem``s), and
  ``path``: the current path (for ``aria-current`` and ``next``).

Templates live in ``templates/`` and extend ``base.html``, filling
``{% block title %}`` and ``{% block content %}``. User data is escaped by default;
never mark it ``|safe``.

Navigation: a page module under ``sync_server/web/pages/`` may declare
``NAV = [NavItem("nav.terminals", "/staff/terminals", "terminals.view", order=20)]``;
the items of every module are collected and shown to those with the permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from sync_server.web.i18n import LANGUAGES, language_of, translate

__all__ = ["CSRF_FIELD", "NavItem", "environment", "register_nav", "render"]

CSRF_FIELD = "csrf"
TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class NavItem:
    label: str  # catalog key
    href: str
    permission: str | None  # None: every signed-in staff member
    order: int = 50


_nav: list[NavItem] = []


def register_nav(items: list[NavItem]) -> None:
    for item in items:
        if item not in _nav:
            _nav.append(item)
    _nav.sort(key=lambda i: (i.order, i.href))


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["CSRF_FIELD"] = CSRF_FIELD


def render(request: Request, template: str, status: int = 200, *, public: bool = False, **context: Any) -> HTMLResponse:
    """The page ``template`` for ``request``, with the common context (see the module docstring).
    ``public``: a page for anyone (``public_base.html``): no staff, no navigation, no CSRF cookie."""
    from sync_server.web.deps import csrf_token, staff_of  # deps imports render's names

    lang = language_of(request)
    staff = None if public else staff_of(request)
    csrf = "" if public else csrf_token(request)

    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    def csrf_input() -> Markup:
        return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(csrf))

    nav = [item for item in _nav if staff is not None and (item.permission is None or staff.can(item.permission))]
    page = environment.get_template(template).render(
        {
            "t": t,
            "lang": lang,
            "languages": LANGUAGES,
            "staff": staff,
            "csrf": csrf,
            "csrf_input": csrf_input,
            "nav": nav,
            "path": request.url.path,
            "request": request,
            **context,
        }
    )
    response = HTMLResponse(page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    from sync_server.web.deps import set_pending_cookies

    set_pending_cookies(request, response)
    return response
