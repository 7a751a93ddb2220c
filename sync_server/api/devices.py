"""GET /api/v1/devices/{id}/ack: a terminal asks what the server holds of it (signed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sync_server.api.deps import SessionDep
from sync_server.services.requests import device_ack

router = APIRouter()


@router.get("/devices/{device_id}/ack")
def ack(device_id: str, request: Request, session: SessionDep) -> dict[str, Any]:
    answer = device_ack(
        session,
        device_id=device_id,
        method=request.method,
        path=request.url.path,
        headers=request.headers,
    )
    return answer.model_dump()
