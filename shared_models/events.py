"""The catalogue of kiosk events: each declared once, with what it means."""

from __future__ import annotations

__all__ = ["EVENTS"]

EVENTS: dict[str, str] = {
    "kiosk.enrolled": "the terminal was enrolled with a server",
    "kiosk.started": "the terminal app started",
    "librarian.signed_in": "a librarian opened the panel with the PIN",
    "librarian.pin_failed": "a wrong librarian PIN was entered",
    "librarian.locked_out": "the librarian panel locked after repeated wrong PINs",
    "librarian.signed_out": "the librarian panel was closed",
    "librarian.forced_seal": "a librarian sealed the pending records before the minimum was reached",
    "class.session_started": "a teacher or librarian started a class session",
    "class.session_ended": "a class session ended",
    "sync.succeeded": "records were pushed and the manifest pulled",
    "sync.failed": "a sync attempt failed; the records stay on the terminal",
    "export.written": "a USB bundle was written",
    "manifest.applied": "a newer signed manifest was verified and applied",
    "manifest.refused": "a manifest failed verification and was not applied",
    "idle.reset": "the terminal returned to the welcome screen after inactivity",
    "drill.run": "synthetic records were cast into a test process",
    "error.unexpected": "an unexpected error was caught and the screen reset",
}
