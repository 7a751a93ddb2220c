"""HTTP API v1: thin routers (parse, call one service, shape the answer)."""

from fastapi import APIRouter

from sync_server.api import bundles, devices, enroll, health, manifest, push, receipts

__all__ = ["api_router"]

api_router = APIRouter(prefix="/api/v1")
for module in (health, enroll, push, manifest, devices, bundles, receipts):
    api_router.include_router(module.router)
