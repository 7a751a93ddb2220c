"""The catalogue of server log events: each declared once, with what it means.

``log_event`` refuses a name that is not declared here; ``logged_action`` logs a
long action's start and its end (``.finished`` or ``.failed``) with its duration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["EVENTS", "log_event", "logged_action"]

logger = logging.getLogger("sync_server")

EVENTS: dict[str, str] = {
    "data_dir.init.started": "a new server data folder is being created",
    "data_dir.init.finished": "the data folder, keys, settings and database are ready",
    "data_dir.init.failed": "creating the data folder failed",
    "db.migrate.started": "database migrations are being applied",
    "db.migrate.finished": "the database schema is at the newest version",
    "db.migrate.failed": "applying database migrations failed",
    "ingest.started": "a batch of record lines is being ingested",
    "ingest.finished": "a batch was ingested; counts per status are given",
    "ingest.failed": "ingesting a batch failed and was rolled back",
    "ingest.gap": "a seal arrived after a missing seal; it was rejected and an anomaly written",
    "ingest.equivocation": "a record id or seal seq arrived with other content; an anomaly was written",
    "log.verified": "the raw log was re-verified from its stored bytes (osallistu server verify)",
    "bundle.quarantined": "a USB bundle failed verification; the file is kept in quarantine",
    "push.too_large": "a push body over the size limit was refused (413); a note was quarantined",
    "request.refused": "a signed request did not verify (unknown device, bad signature, clock skew)",
    "device.enrolled": "a terminal was enrolled with a one-time token",
    "device.revoked": "a terminal was revoked; its later records are quarantined",
    "token.created": "a one-time enrollment token was issued",
    "manifest.published": "a new signed manifest was published after the processes changed",
    "process.saved": "a process was created or changed",
    "voxit.statements_queued": "participants' statements from the raw log entered the moderation queue",
    "voxit.projection_failed": "a voxit.statement was not queued at ingest (collect_statements queues it later)",
    "voxit.statement_moderated": "a moderator approved, rejected or marked meta a statement (audit log has who)",
    "voxit.seed_added": "a staff seed statement was added to a conversation",
    "voxit.analysed": "a conversation was analysed; priorities and opinion map went into a new manifest",
    "voxit.analysis_failed": "the background analysis of a conversation failed; it is tried again next round",
    "feedback.projected": "a feedback record became a case (problem and near-duplicate given when there are any)",
    "feedback.routed": "pending feedback cases were routed: to teams by the router's suggestion, or to triage",
    "feedback.contact_refused": "someone not answering a feedback case asked for its contact details; refused",
    "feedback.projection_failed": "a feedback record could not become a case (kept in the raw log; retried later)",
    "feedback.router_unusable": "the stored feedback router does not load; feedback waits in the triage queue",
    "open311.intake_enrolled": "the server enrolled its Open311 intake device (the signer of web submissions)",
    "open311.submitted": "an Open311 POST became a signed, sealed feedback record in the raw log",
    "server.started": "the HTTP server is starting",
    "staff.refused": "a staff request was refused (csrf_missing, csrf_wrong, cross_origin, forbidden, "
    "form_too_large, field_too_large); nothing was changed",
    "staff.signed_in": "a staff member signed in (the audit log has the details)",
    "staff.sign_in_refused": "a staff sign-in was refused (wrong email or password, or a locked account)",
}


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one declared event with key=value fields."""
    if event not in EVENTS:
        raise KeyError(f"undeclared log event {event!r}")
    text = " ".join(f"{key}={value}" for key, value in fields.items())
    logger.log(level, "%s %s", event, text, extra={"event": event, "fields": fields})


@contextmanager
def logged_action(action: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Log ``action.started``, then ``action.finished`` (with fields added to the yielded dict) or ``action.failed``."""
    start = time.perf_counter()
    result: dict[str, Any] = {}
    log_event(f"{action}.started", **fields)
    try:
        yield result
    except BaseException as exc:
        log_event(f"{action}.failed", logging.ERROR, **fields, error=type(exc).__name__, ms=_ms(start))
        raise
    log_event(f"{action}.finished", **fields, **result, ms=_ms(start))


def _ms(start: float) -> int:
    return round((time.perf_counter() - start) * 1000)
