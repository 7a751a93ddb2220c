"""The staff audit log: who did what, to what, when and from where.

Actions are declared once in ``AUDIT_ACTIONS`` with a one-line meaning each;
``record_action`` refuses an undeclared one. ``record_action`` only adds the row to
the caller's session, so the action and its audit row commit in one transaction.
The ``audit_log`` table is append-only (database triggers refuse UPDATE, DELETE and,
on PostgreSQL, TRUNCATE); no code path changes a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_server.db.models import AuditEntry

__all__ = ["AUDIT_ACTIONS", "Actor", "AuditPage", "list_entries", "record_action"]

AUDIT_ACTIONS: dict[str, str] = {
    "sign_in.ok": "a staff member signed in",
    "sign_in.failed": "a sign-in with an unknown email or a wrong password was refused",
    "sign_in.locked": "a sign-in was refused because the account is locked after repeated failures",
    "sign_out": "a staff member signed out",
    "password.changed": "a staff member changed their own password on the staff pages",
    "password.set": "a staff member's password was set with 'osallistu server user passwd'",
    "user.added": "a staff account was created (staff pages or 'osallistu server user add')",
    "user.changed": "a staff account's role, team or name was changed",
    "token.issued": "a one-time terminal enrollment token was issued from the staff pages",
    "device.revoked": "a terminal was revoked from the staff pages",
    "bundle.imported": "a USB bundle was imported over HTTP by a signed-in staff member",
    "statement.moderated": "a conversation statement was approved, rejected or marked meta on the moderation page",
    "statement.seed_added": "a seed statement was added to a conversation on the moderation page",
    "conversation.imported": "a Polis export was imported as a conversation with 'osallistu server import-polis'",
    "feedback.routed": "a feedback case was sent to a team from the triage queue, confirmed or re-routed",
    "feedback.status": "a feedback case's status was changed",
    "feedback.answered": "a responder answered a feedback case",
    "feedback.published": "a feedback case was published with its answer",
    "feedback.unpublished": "a published feedback case was taken off the public page",
    "feedback.contact_shown": "a responder opened a feedback case's sealed contact details",
    "feedback.contact_failed": "a feedback case's sealed contact details did not open",
    "open311.key_issued": (
        "an Open311 API key was issued to an application (staff page or 'osallistu server open311-key')"
    ),
    "open311.key_revoked": "an Open311 API key was revoked on the staff pages; the application's POSTs are refused",
}


class Actor(Protocol):
    """Who acts: a signed-in ``Staff`` (or anything with an id and an email)."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...


def record_action(
    session: Session,
    action: str,
    *,
    at: datetime,
    actor: Actor | None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    client_ip: str | None = None,
    email: str | None = None,
) -> None:
    """Add one audit row to ``session`` (the caller commits). ``email`` names an actor that is not
    signed in (a failed sign-in's email, the command line)."""
    if action not in AUDIT_ACTIONS:
        raise KeyError(f"undeclared audit action {action!r}")
    session.add(
        AuditEntry(
            at=at,
            staff_id=actor.id if actor else None,
            staff_email=actor.email if actor else email,
            action=action,
            target=target[:300] if target else None,
            detail=detail or {},
            client_ip=client_ip,
        )
    )


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int  # 1-based
    pages: int
    total: int


def list_entries(session: Session, *, page: int = 1, per_page: int = 50) -> AuditPage:
    """The newest entries first, ``per_page`` at a time."""
    total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = session.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return AuditPage(entries=list(rows), page=page, pages=pages, total=total)
