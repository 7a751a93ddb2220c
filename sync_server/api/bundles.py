"""POST /api/v1/bundles: a USB bundle file -> the ingest report (self-authenticating)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import SessionDep, SettingsDep, read_body
from sync_server.errors import TooLarge
from sync_server.services.bundles import import_bundle

router = APIRouter()


@router.post("/bundles")
async def bundles(request: Request, session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
    body = await read_body(request, settings.max_bundle_bytes)
    if body.data is None:
        raise TooLarge(
            f"the bundle is {body.size} bytes, more than {settings.max_bundle_bytes}", reason="bundle_too_large"
        )
    source = f"http {request.client.host if request.client else '?'}"
    report = await run_in_threadpool(import_bundle, session, data=body.data, source=source)
    return report.summary()
