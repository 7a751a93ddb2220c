"""The HTTP edge: server errors become ``{"error": reason, "message": sentence}`` with a status."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from sync_server.errors import (
    BadRequest,
    CsrfRefused,
    Forbidden,
    NotSignedIn,
    RequestRefused,
    ServerError,
    SignInRefused,
    StaffInputError,
    TokenInvalid,
    TokenUsed,
    TooLarge,
    UnknownDevice,
    UnknownProcess,
)

__all__ = ["STATUS", "error_response", "install_error_handlers"]

STATUS: dict[type[ServerError], int] = {
    BadRequest: 400,
    UnknownDevice: 401,
    RequestRefused: 401,
    TokenInvalid: 403,
    TokenUsed: 403,
    UnknownProcess: 404,
    TooLarge: 413,
    NotSignedIn: 401,
    Forbidden: 403,
    CsrfRefused: 403,
    SignInRefused: 401,
    StaffInputError: 400,
}


def error_response(exc: ServerError) -> JSONResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)
    return JSONResponse({"error": exc.reason, "message": exc.message, **exc.detail}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    async def server_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServerError)
        return error_response(exc)

    async def invalid_request(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"])
        return JSONResponse({"error": "bad_request", "message": f"{where}: {first['msg']}"}, status_code=400)

    app.add_exception_handler(ServerError, server_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
