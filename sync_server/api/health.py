"""GET /api/v1/health: is the server up, which key does it hold, what time is it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from shared_models.keys import fingerprint
from sync_server.api.deps import KeysDep
from sync_server.services.requests import server_time

router = APIRouter()


@router.get("/health")
def health(keys: KeysDep) -> dict[str, Any]:
    return {"ok": True, "server": fingerprint(keys.signing), "time": server_time()}
