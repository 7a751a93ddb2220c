"""Dependencies as ``Annotated`` aliases: ``SettingsDep``, ``KeysDep``, ``SessionDep``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.requests import ClientDisconnect

from sync_server.errors import BadRequest
from sync_server.settings import ServerKeys, Settings

__all__ = ["Body", "KeysDep", "SessionDep", "SettingsDep", "read_body"]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_keys(request: Request) -> ServerKeys:
    keys: ServerKeys = request.app.state.keys
    return keys


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
KeysDep = Annotated[ServerKeys, Depends(get_keys)]
SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Body:
    """A request body read with a limit: ``data`` is None when it was larger than the limit."""

    data: bytes | None
    size: int
    sha256: str


async def read_body(request: Request, limit: int) -> Body:
    """Read at most ``limit`` bytes into memory; beyond that only hash and count (up to a cap)."""
    digest = hashlib.sha256()
    chunks: list[bytes] = []
    size = 0
    cap = max(limit * 4, 64 * 1024 * 1024)
    try:
        async for chunk in request.stream():
            size += len(chunk)
            digest.update(chunk)
            if size <= limit:
                chunks.append(chunk)
            elif size > cap:
                break
    except ClientDisconnect as exc:  # the connection broke mid-body: nothing is ingested
        raise BadRequest(f"the body was cut off after {size} bytes", reason="body_incomplete") from exc
    return Body(data=b"".join(chunks) if size <= limit else None, size=size, sha256=digest.hexdigest())
