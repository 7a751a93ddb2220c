"""Staff page modules. Every module here with a ``router`` (an ``APIRouter``) is included,
and its ``NAV`` (a list of ``NavItem``) registered, by ``page_router`` below: add a module,
not a line here. Routes use full paths (``/staff/...``)."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter

from sync_server.web.render import register_nav

__all__ = ["page_router"]

page_router = APIRouter(include_in_schema=False)

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    _router = getattr(_module, "router", None)
    if isinstance(_router, APIRouter):
        page_router.include_router(_router)
    register_nav(list(getattr(_module, "NAV", [])))
