"""Every way the server refuses an operation, as one tree.

The tree::

    ServerError                 base of every error raised by sync_server
     +-- DataDirError           the data folder is missing, not empty, or lacks its keys or settings
     +-- UnknownDevice          no terminal with that device id is enrolled
     +-- RequestRefused         a signed request that does not verify (bad_signature, clock_skew, unsigned_request,
     |                          wrong_device)
     +-- TokenInvalid           an enrollment token that is malformed or was never issued
     +-- TokenUsed              an enrollment token that was already used
     +-- BadRequest             a request body the server cannot use (already_enrolled, bad_public_key, ...)
     +-- TooLarge               a batch or bundle over the size limit (batch_too_large, bundle_too_large)
     +-- UnknownProcess         no process with that id
     +-- NotSignedIn            a staff page or staff endpoint without a valid session (unknown, forged, expired)
     +-- Forbidden              a signed-in staff member without the permission a page or endpoint asks for
     +-- CsrfRefused            a form without its CSRF token, with a wrong one, or from another origin
     +-- SignInRefused          a wrong email or password (sign_in_failed) or a locked account (account_locked)
     +-- StaffInputError        an unusable staff account input (weak_password, unknown_role, email_taken,
                                unknown_staff, wrong_password, field_too_large, form_too_large)

Every error has a stable ``reason`` (snake_case, used in HTTP error bodies and
tests) and a sentence for people. Expected failures inside a batch are not
raised: the ingest reports them per line. Only the edges (``sync_server.api``,
the ``osallistu`` command) turn these into HTTP answers or words.
"""

from __future__ import annotations

from typing import Any

from shared_models.errors import ReasonedError

__all__ = [
    "BadRequest",
    "CsrfRefused",
    "DataDirError",
    "Forbidden",
    "NotSignedIn",
    "RequestRefused",
    "ServerError",
    "SignInRefused",
    "StaffInputError",
    "TokenInvalid",
    "TokenUsed",
    "TooLarge",
    "UnknownDevice",
    "UnknownProcess",
]


class ServerError(ReasonedError):
    """Base of every error raised by sync_server; ``detail`` travels to the HTTP answer."""

    reason: str = "server_error"

    def __init__(self, message: str, *, reason: str | None = None, **detail: Any) -> None:
        super().__init__(message, reason=reason)
        self.detail = detail


class DataDirError(ServerError):
    reason = "data_dir"


class UnknownDevice(ServerError):
    reason = "unknown_device"


class RequestRefused(ServerError):
    reason = "bad_signature"


class TokenInvalid(ServerError):
    reason = "token_invalid"


class TokenUsed(ServerError):
    reason = "token_used"


class BadRequest(ServerError):
    reason = "bad_request"


class TooLarge(ServerError):
    reason = "too_large"


class UnknownProcess(ServerError):
    reason = "unknown_process"


class NotSignedIn(ServerError):
    reason = "not_signed_in"


class Forbidden(ServerError):
    reason = "forbidden"


class CsrfRefused(ServerError):
    reason = "csrf_refused"


class SignInRefused(ServerError):
    reason = "sign_in_failed"


class StaffInputError(ServerError):
    reason = "bad_input"
