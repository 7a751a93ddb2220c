"""POST /api/v1/bundles: a USB bundle file -> the ingest report.

Bundles are brought in by operators, so the endpoint needs a signed-in staff session
(the ``osallistu_staff`` cookie) with ``terminals.manage``: 401 without one, 403 for a
role without it, and a request from another site (``Origin``/``Referer``) is refused.
The bundle itself is still verified line by line, as every ingest is.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import SessionDep, SettingsDep, read_body
from sync_server.errors import TooLarge
from sync_server.services.audit import record_action
from sync_server.services.bundles import import_bundle
from sync_server.services.staff import Staff
from sync_server.web.deps import ClockDep, SameOriginDep, client_ip, require

router = APIRouter()


@router.post("/bundles", dependencies=[SameOriginDep])
async def bundles(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    staff: Annotated[Staff, require("terminals.manage")],
    now: ClockDep,
) -> dict[str, Any]:
    body = await read_body(request, settings.max_bundle_bytes)
    if body.data is None:
        raise TooLarge(
            f"the bundle is {body.size} bytes, more than {settings.max_bundle_bytes}", reason="bundle_too_large"
        )
    source = f"http {client_ip(request) or '?'} by {staff.email}"
    report = await run_in_threadpool(import_bundle, session, data=body.data, source=source)
    summary = report.summary()
    with session.begin():
        record_action(
            session,
            "bundle.imported",
            at=now,
            actor=staff,
            target=str(summary.get("device") or ""),
            detail={"bytes": body.size, "sha256": body.sha256, "counts": summary.get("counts", {})},
            client_ip=client_ip(request),
        )
    return summary
