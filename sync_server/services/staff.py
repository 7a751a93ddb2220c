"""Staff accounts, roles and permissions, passwords, sign-in with back-off, and sessions.

Pages and endpoints ask for a **permission**, never a role: ``PERMISSIONS`` maps each
role to what it may do, and ``PERMISSION_MEANINGS`` says once what each permission is.

Passwords are hashed with argon2id (argon2-cffi's ``PasswordHasher``, RFC 9106
parameters); a hash made with older parameters is replaced at the next sign-in.
A password has at least ``MIN_PASSWORD`` characters.

Sign-in back-off: every wrong password for an account counts; from the
``LOCK_AFTER``-th failure on, the account is locked for ``LOCK_FIRST`` seconds,
doubling with each further failure up to ``LOCK_MAX``. A success resets the count.
While locked no password is checked. An unknown email and a wrong password get the
same answer (and cost the same hash).

Sessions: the cookie holds a random token; the table holds only its sha256. A
session ends after ``SESSION_IDLE`` without use or ``SESSION_MAX`` after sign-in.
Every function takes ``now`` so tests can move the clock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sync_server.db.models import StaffSession, StaffUser
from sync_server.errors import SignInRefused, StaffInputError
from sync_server.services.audit import record_action

__all__ = [
    "LOCK_AFTER",
    "LOCK_FIRST",
    "LOCK_MAX",
    "MIN_PASSWORD",
    "PERMISSIONS",
    "PERMISSION_MEANINGS",
    "ROLES",
    "SESSION_IDLE",
    "SESSION_MAX",
    "SignedIn",
    "Staff",
    "add_user",
    "change_password",
    "csrf_token_for",
    "end_session",
    "find_session",
    "hash_password",
    "list_users",
    "set_password",
    "set_role",
    "sign_in",
]

ROLES: dict[str, str] = {
    "admin": "everything, including staff accounts and the audit log",
    "operator": "terminals: enrollment, revocation, USB bundles; the ingest's anomalies",
    "process_owner": "processes and their results",
    "moderator": "conversation statements",
    "responder": "feedback of their own team",
    "dispatcher": "feedback triage: sends feedback no team has yet to the right team",
    "viewer": "reads terminals, anomalies, processes and results; changes nothing",
}

PERMISSION_MEANINGS: dict[str, str] = {
    "terminals.view": "see the terminals and their sync state",
    "terminals.manage": "issue enrollment tokens, revoke terminals, import USB bundles",
    "anomalies.view": "see the ingest's anomalies (gaps, equivocation, quarantine)",
    "processes.view": "see the processes",
    "processes.manage": "create and change processes",
    "results.view": "see tallies and results",
    "results.publish": "publish results",
    "statements.moderate": "accept or reject conversation statements",
    "feedback.view": "read the feedback of one's team",
    "feedback.respond": "answer the feedback of one's team",
    "feedback.triage": "see all feedback, send feedback from the triage queue to a team, re-route between teams",
    "open311.manage": "issue and revoke the Open311 API keys of applications that send feedback",
    "audit.view": "read the staff audit log",
    "users.manage": "add staff accounts and change their roles",
}

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSION_MEANINGS),
    "operator": frozenset({"terminals.view", "terminals.manage", "anomalies.view", "processes.view"}),
    "process_owner": frozenset(
        {"processes.view", "processes.manage", "results.view", "results.publish", "terminals.view", "anomalies.view"}
    ),
    "moderator": frozenset({"processes.view", "statements.moderate"}),
    "responder": frozenset({"feedback.view", "feedback.respond"}),
    "dispatcher": frozenset({"feedback.view", "feedback.triage"}),
    "viewer": frozenset({"terminals.view", "anomalies.view", "processes.view", "results.view"}),
}

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
LOCK_AFTER = 5
LOCK_FIRST = 60  # seconds
LOCK_MAX = 3600
SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=12)
TOUCH_EVERY = timedelta(seconds=60)  # last_used_at is written at most this often

HASHER = PasswordHasher()  # argon2id with argon2-cffi's RFC 9106 low-memory parameters
_dummy_hash: str | None = None


@dataclass(frozen=True)
class Staff:
    """A signed-in staff member, as pages see them."""

    id: int
    email: str
    name: str
    role: str
    team: str | None
    token_hash: str  # of the session that signed them in
    csrf: str  # the session's CSRF token for forms

    @property
    def permissions(self) -> frozenset[str]:
        return PERMISSIONS.get(self.role, frozenset())

    def can(self, permission: str) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class SignedIn:
    token: str  # goes into the cookie; never stored
    staff: Staff


def hash_password(password: str) -> str:
    _check_password(password)
    return HASHER.hash(password)


def csrf_token_for(secret: str) -> str:
    """The CSRF token for a session token (or a signed-out visitor's pre-session cookie)."""
    return hmac.new(secret.encode(), b"osallistu//csrf", hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives naive UTC back


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StaffInputError(f"a password needs at least {MIN_PASSWORD} characters", reason="weak_password")
    if len(password) > MAX_PASSWORD:
        raise StaffInputError(f"a password has at most {MAX_PASSWORD} characters", reason="weak_password")


def _normal_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise StaffInputError(f"{email!r} is not an email address", reason="bad_email")
    return email


def _check_role(role: str, team: str | None) -> None:
    if role not in ROLES:
        raise StaffInputError(f"there is no role {role!r}; roles: {', '.join(ROLES)}", reason="unknown_role")


def add_user(
    session: Session,
    *,
    email: str,
    role: str,
    password: str,
    now: datetime,
    name: str | None = None,
    team: str | None = None,
    actor: Staff | None = None,
    client_ip: str | None = None,
) -> int:
    """Create an account; returns its id. Refuses a taken email, an unknown role, a short password."""
    email = _normal_email(email)
    _check_role(role, team)
    hashed = hash_password(password)
    with session.begin():
        if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
            raise StaffInputError(f"there is already a staff account for {email}", reason="email_taken")
        user = StaffUser(
            email=email,
            name=(name or email.split("@")[0]).strip()[:200],
            role=role,
            team=team or None,
            password_hash=hashed,
            created_at=now,
            password_changed_at=now,
            failed_count=0,
        )
        session.add(user)
        session.flush()
        record_action(
            session,
            "user.added",
            at=now,
            actor=actor,
            email=None if actor else "command line",
            target=email,
            detail={"role": role, "team": team},
            client_ip=client_ip,
        )
        return user.id


def list_users(session: Session) -> list[dict[str, Any]]:
    users = session.scalars(select(StaffUser).order_by(StaffUser.email)).all()
    return [
        {
            "id": u.id,
            "email": u.email,
            "name": u.name,
            "role": u.role,
            "team": u.team,
            "created_at": _aware(u.created_at).isoformat(),
            "locked_until": _aware(u.locked_until).isoformat() if u.locked_until else None,
            "failed_count": u.failed_count,
        }
        for u in users
    ]


def set_role(
    session: Session,
    *,
    user_id: int,
    role: str,
    team: str | None,
    now: datetime,
    actor: Staff | None,
    client_ip: str | None = None,
) -> None:
    _check_role(role, team)
    with session.begin():
        user = session.get(StaffUser, user_id, with_for_update=True)
        if user is None:
            raise StaffInputError(f"there is no staff account {user_id}", reason="unknown_staff")
        before = {"role": user.role, "team": user.team}
        user.role, user.team = role, team or None
        record_action(
            session,
            "user.changed",
            at=now,
            actor=actor,
            target=user.email,
            detail={"before": before, "after": {"role": role, "team": team or None}},
            client_ip=client_ip,
        )


def set_password(session: Session, *, email: str, password: str, now: datetime) -> int:
    """Set a password from the command line (no current password asked); ends the account's sessions."""
    hashed = hash_password(password)
    email = _normal_email(email)
    with session.begin():
        user = session.scalar(select(StaffUser).where(StaffUser.email == email).with_for_update())
        if user is None:
            raise StaffInputError(f"there is no staff account for {email}", reason="unknown_staff")
        user.password_hash, user.password_changed_at = hashed, now
        user.failed_count, user.locked_until = 0, None
        session.execute(delete(StaffSession).where(StaffSession.staff_id == user.id))
        record_action(session, "password.set", at=now, actor=None, email="command line", target=email)
        return user.id


def change_password(
    session: Session, staff: Staff, *, current: str, new: str, now: datetime, client_ip: str | None = None
) -> None:
    """Change one's own password: the current one must be right. Other sessions of the account end."""
    _check_password(new)
    with session.begin():
        user = session.get(StaffUser, staff.id, with_for_update=True)
        if user is None or not _verify(user.password_hash, current):
            raise StaffInputError("the current password is not right", reason="wrong_password")
        user.password_hash, user.password_changed_at = HASHER.hash(new), now
        session.execute(
            delete(StaffSession).where(StaffSession.staff_id == user.id, StaffSession.token_hash != staff.token_hash)
        )
        record_action(session, "password.changed", at=now, actor=staff, target=staff.email, client_ip=client_ip)


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = HASHER.hash(secrets.token_hex(16))
    return _dummy_hash


def lock_seconds(failed_count: int) -> int:
    """How long an account is locked after its ``failed_count``-th failure in a row (0: not locked)."""
    if failed_count < LOCK_AFTER:
        return 0
    return int(min(LOCK_MAX, LOCK_FIRST * 2 ** min(failed_count - LOCK_AFTER, 20)))


def sign_in(session: Session, *, email: str, password: str, now: datetime, client_ip: str | None = None) -> SignedIn:
    """Check the password and open a session; raises ``SignInRefused`` (``sign_in_failed`` or
    ``account_locked`` with ``until``). Failures and their audit rows are committed before raising."""
    email = email.strip().lower()
    refusal: SignInRefused | None = None
    with session.begin():
        user = session.scalar(select(StaffUser).where(StaffUser.email == email).with_for_update())
        if user is None or user.disabled_at is not None:
            _verify(_dummy(), password)  # the same cost as a wrong password
            record_action(session, "sign_in.failed", at=now, actor=None, email=email[:254], client_ip=client_ip)
            refusal = SignInRefused("the email or the password is wrong", reason="sign_in_failed")
        elif user.locked_until is not None and _aware(user.locked_until) > now:
            until = _aware(user.locked_until)
            record_action(
                session,
                "sign_in.locked",
                at=now,
                actor=None,
                email=user.email,
                target=user.email,
                detail={"until": until.isoformat()},
                client_ip=client_ip,
            )
            refusal = SignInRefused(
                "this account is locked after repeated failed sign-ins",
                reason="account_locked",
                until=until.isoformat(),
            )
        elif not _verify(user.password_hash, password):
            user.failed_count += 1
            seconds = lock_seconds(user.failed_count)
            user.locked_until = now + timedelta(seconds=seconds) if seconds else None
            detail: dict[str, Any] = {"failed_count": user.failed_count}
            if seconds:
                detail["locked_for_s"] = seconds
            record_action(
                session,
                "sign_in.failed",
                at=now,
                actor=None,
                email=user.email,
                target=user.email,
                detail=detail,
                client_ip=client_ip,
            )
            if seconds:
                until = now + timedelta(seconds=seconds)
                refusal = SignInRefused(
                    "this account is locked after repeated failed sign-ins",
                    reason="account_locked",
                    until=until.isoformat(),
                )
            else:
                refusal = SignInRefused("the email or the password is wrong", reason="sign_in_failed")
        else:
            if HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = HASHER.hash(password)
            user.failed_count, user.locked_until = 0, None
            token = secrets.token_urlsafe(32)
            hashed = _token_hash(token)
            session.add(
                StaffSession(
                    token_hash=hashed,
                    staff_id=user.id,
                    created_at=now,
                    last_used_at=now,
                    expires_at=now + SESSION_MAX,
                    client_ip=client_ip,
                )
            )
            staff = _staff(user, hashed, token)
            record_action(session, "sign_in.ok", at=now, actor=staff, target=user.email, client_ip=client_ip)
            # old sessions past their time go at each sign-in; the table stays small
            session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    if refusal is not None:
        raise refusal
    return SignedIn(token=token, staff=staff)


def _staff(user: StaffUser, token_hash: str, token: str) -> Staff:
    return Staff(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        team=user.team,
        token_hash=token_hash,
        csrf=csrf_token_for(token),
    )


def find_session(session: Session, *, token: str, now: datetime) -> Staff | None:
    """The staff member whose session cookie holds ``token``, or None (unknown, idle too long, too old)."""
    if not token or len(token) > 200:
        return None
    hashed = _token_hash(token)
    row = session.get(StaffSession, hashed)
    if row is None:
        session.rollback()
        return None
    user = session.get(StaffUser, row.staff_id)
    expired = _aware(row.expires_at) <= now or _aware(row.last_used_at) + SESSION_IDLE <= now
    if user is None or user.disabled_at is not None or expired:
        session.rollback()
        with session.begin():
            session.execute(delete(StaffSession).where(StaffSession.token_hash == hashed))
        return None
    staff = _staff(user, hashed, token)
    if now - _aware(row.last_used_at) >= TOUCH_EVERY:
        session.rollback()
        with session.begin():
            fresh = session.get(StaffSession, hashed)
            if fresh is not None:
                fresh.last_used_at = now
    else:
        session.rollback()  # end the read transaction; pages open their own
    return staff


def end_session(session: Session, staff: Staff, *, now: datetime, client_ip: str | None = None) -> None:
    """Sign out: the session row goes, so its cookie is worthless from now on."""
    with session.begin():
        session.execute(delete(StaffSession).where(StaffSession.token_hash == staff.token_hash))
        record_action(session, "sign_out", at=now, actor=staff, target=staff.email, client_ip=client_ip)


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StaffUser)) or 0
