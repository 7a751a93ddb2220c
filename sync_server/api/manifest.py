"""GET /api/v1/manifest: the newest signed manifest, exact bytes."""

from __future__ import annotations

from fastapi import APIRouter, Response

from sync_server.api.deps import SessionDep
from sync_server.services.manifest import current_manifest

router = APIRouter()


@router.get("/manifest")
def manifest(session: SessionDep) -> Response:
    with session.begin():
        raw = current_manifest(session)
    return Response(content=raw, media_type="application/json")
