"""Every way a record, seal, manifest, bundle or sealed box can be refused.

The tree::

    ReasonedError               (also the base of kiosk.errors and sync_server.errors)
    OsallistuError
     +-- RecordError            a record or a line of a batch that is not acceptable
     |    +-- MalformedRecord   not JSON, wrong shape, a float, a non-NFC string
     |    +-- NonCanonical      valid JSON but not the canonical bytes
     |    +-- UnknownKind       unknown kind or version
     |    +-- InvalidBody       the body does not validate for its kind
     |    +-- BadSignature      the signature does not verify with the device key
     +-- ChainError             a seal does not link to the chain held
     +-- ManifestError          a manifest that is unsigned, wrongly signed or older
     +-- BundleError            a USB bundle that is cut short, altered or not ours
     +-- ReplyError             a reply file from the server that is cut short, altered, not the
                                server's, for another terminal, or that does not fit the terminal
     +-- SealedBoxError         sealed personal data that does not open

Every error has a stable ``reason`` (a short snake_case code that scripts,
the quarantine table and tests rely on) and a sentence for people.
Expected failures inside a batch are reported as results by the ingest; these
exceptions are how the pure checks say *why*.
"""

from __future__ import annotations


class ReasonedError(Exception):
    """An error with a stable ``reason`` code and a sentence; the base the terminal's and
    the server's own error trees share with this one."""

    reason: str = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.reason


class OsallistuError(ReasonedError):
    """Base of every error raised by shared_models."""


class RecordError(OsallistuError):
    reason = "bad_record"


class MalformedRecord(RecordError):
    reason = "malformed"


class NonCanonical(RecordError):
    reason = "non_canonical"


class UnknownKind(RecordError):
    reason = "unknown_kind"


class InvalidBody(RecordError):
    reason = "invalid_body"


class BadSignature(RecordError):
    reason = "bad_signature"


class ChainError(OsallistuError):
    reason = "chain_broken"


class ManifestError(OsallistuError):
    reason = "bad_manifest"


class BundleError(OsallistuError):
    reason = "bad_bundle"


class ReplyError(OsallistuError):
    """A reply file (the server's ack and manifest carried back on a USB stick) that is refused.

    Reasons: ``not_a_reply``, ``reply_truncated``, ``reply_altered``, ``bad_signature``,
    ``wrong_device``, and on the terminal ``ack_unknown_seal``, ``ack_mismatch`` and the
    manifest's own reasons (``rollback``, ``wrong_server``, ``same_serial``, ...)."""

    reason = "bad_reply"


class SealedBoxError(OsallistuError):
    reason = "sealed_box"
