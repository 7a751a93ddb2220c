"""GET /api/v1/receipts/{code}: was the ballot behind a receipt code counted (never its content)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sync_server.api.deps import SessionDep
from sync_server.services.receipts import check_receipt

router = APIRouter()


@router.get("/receipts/{code}")
def receipt(code: str, session: SessionDep) -> dict[str, Any]:
    return check_receipt(session, code)
