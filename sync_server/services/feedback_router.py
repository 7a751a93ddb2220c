"""The trained router a server uses for feedback, reloaded when ``train-router`` saves a new one.

``router_for(data_dir)`` gives the router stored under ``DIR/router/`` (``sync_server.routing``),
or None when none was trained. The loaded router is kept per data folder and loaded again
when its sidecar file changes, so a server that is running picks up a new training without
a restart. A stored router that does not load (corrupt, or trained with another
scikit-learn) is logged (``feedback.router_unusable``) and treated as none: feedback then
waits in the triage queue, nothing is lost.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sync_server.logevents import log_event

if TYPE_CHECKING:  # scikit-learn is imported only when a router is looked for
    from sync_server.routing import Router

__all__ = ["router_for"]

_lock = threading.Lock()
_loaded: dict[Path, tuple[float | None, Router | None]] = {}


def _stamp(data_dir: Path) -> float | None:
    from sync_server.routing.store import ROUTER_FOLDER, SIDECAR

    try:
        return (data_dir / ROUTER_FOLDER / SIDECAR).stat().st_mtime_ns / 1e9
    except FileNotFoundError:
        return None


def router_for(data_dir: Path) -> Router | None:
    """The current router of the data folder ``data_dir`` (None: no usable router)."""
    key = Path(data_dir).resolve()
    stamp = _stamp(key)
    with _lock:
        held = _loaded.get(key)
        if held is not None and held[0] == stamp:
            return held[1]
        from sync_server.routing import RoutingError, load_router

        router: Router | None = None
        if stamp is not None:
            try:
                router = load_router(key)
            except RoutingError as exc:
                log_event("feedback.router_unusable", reason=exc.reason, message=exc.message)
        _loaded[key] = (stamp, router)
        return router
