"""Every way the terminal core refuses or fails, each with a plain sentence.

The tree::

    KioskError                  base of every error raised by the terminal core
     +-- NotEnrolled            the folder holds no enrolled terminal
     +-- AlreadyEnrolled        the folder already holds an enrolled terminal
     +-- EnrollmentFailed       the server refused, or answered with the wrong key
     +-- KeyFileError           the device key is missing, damaged or readable by others
     +-- CaptureRefused         a citizen action cannot be recorded
     |    +-- NoManifest        the terminal holds no manifest yet
     |    +-- ProcessNotOpen    the process is unknown, closed or not in the manifest
     |    +-- ActivityNotEnabled the process does not take this kind of input
     +-- NotATestProcess        a drill was asked to cast into a real process
     +-- SyncFailed             push or pull did not complete; records stay on the terminal
     +-- ExportFailed           the USB bundle could not be written

Each error has a stable ``reason`` (snake_case, for scripts and logs) and its
message is a sentence that the command line and the screens may show as is.
Expected outcomes that are not failures (a wrong PIN, a refused manifest during
a sync) are returned as results, not raised.
"""

from __future__ import annotations

from shared_models.errors import ReasonedError

__all__ = [
    "ActivityNotEnabled",
    "AlreadyEnrolled",
    "CaptureRefused",
    "EnrollmentFailed",
    "ExportFailed",
    "KeyFileError",
    "KioskError",
    "NoManifest",
    "NotATestProcess",
    "NotEnrolled",
    "ProcessNotOpen",
    "SyncFailed",
]


class KioskError(ReasonedError):
    """Base of every error raised by the terminal core."""

    reason: str = "kiosk_error"


class NotEnrolled(KioskError):
    reason = "not_enrolled"


class AlreadyEnrolled(KioskError):
    reason = "already_enrolled"


class EnrollmentFailed(KioskError):
    reason = "enrollment_failed"


class KeyFileError(KioskError):
    reason = "key_file"


class CaptureRefused(KioskError):
    reason = "capture_refused"


class NoManifest(CaptureRefused):
    reason = "no_manifest"


class ProcessNotOpen(CaptureRefused):
    reason = "process_not_open"


class ActivityNotEnabled(CaptureRefused):
    reason = "activity_not_enabled"


class NotATestProcess(KioskError):
    reason = "not_a_test_process"


class SyncFailed(KioskError):
    reason = "sync_failed"


class ExportFailed(KioskError):
    reason = "export_failed"
