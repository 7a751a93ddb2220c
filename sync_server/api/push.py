"""POST /api/v1/push: a signed NDJSON batch -> ``PushResponse``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import SessionDep, SettingsDep, read_body
from sync_server.errors import TooLarge
from sync_server.services.requests import note_oversized, push_batch, server_time

router = APIRouter()


@router.post("/push")
async def push(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    body = await read_body(request, settings.max_batch_bytes)
    source = f"http {request.client.host if request.client else '?'}"
    if body.data is None:
        await run_in_threadpool(
            note_oversized,
            session,
            device_claimed=request.headers.get("X-Osallistu-Device"),
            size=body.size,
            sha256=body.sha256,
            limit=settings.max_batch_bytes,
            source=source,
        )
        raise TooLarge(
            f"the batch is {body.size} bytes, more than {settings.max_batch_bytes}", reason="batch_too_large"
        )
    report = await run_in_threadpool(
        push_batch,
        session,
        method=request.method,
        path=request.url.path,
        body=body.data,
        headers=request.headers,
        source=source,
    )
    content = report.push_response_json(server_time())
    return Response(content=content, media_type="application/json")
