"""POST /api/v1/enroll: a terminal redeems a one-time token."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from sync_server.api.deps import KeysDep, SessionDep
from sync_server.services.enrollment import enroll_device

router = APIRouter()


class EnrollRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token: str = Field(max_length=200)
    public_key: str = Field(max_length=200)  # base64 Ed25519
    name: str | None = Field(default=None, max_length=200)


@router.post("/enroll")
def enroll(request: EnrollRequest, session: SessionDep, keys: KeysDep) -> dict[str, Any]:
    """Answers ``{"device", "server_key", "sealing_key", "manifest"}``; ``manifest`` is the signed bytes as text."""
    enrollment = enroll_device(session, keys, token=request.token, public_key=request.public_key, name=request.name)
    return asdict(enrollment)
