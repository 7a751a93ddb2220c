"""The server's tables (SQLAlchemy 2). ``records`` is the append-only raw log;
everything else is bookkeeping around it. The schema itself is created by the
migrations in ``migrations/versions``; these classes must match them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Anomaly",
    "AuditEntry",
    "Base",
    "Batch",
    "Device",
    "EnrollmentToken",
    "FeedbackAnswer",
    "FeedbackCase",
    "FeedbackRouting",
    "ManifestRow",
    "Open311Key",
    "Process",
    "Quarantine",
    "RawRecord",
    "Seal",
    "SealMember",
    "StaffSession",
    "StaffUser",
    "VoxitAnalysisRun",
    "VoxitParticipant",
    "VoxitStatementRow",
]

Stamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    pass


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(64), unique=True)  # base64 Ed25519
    enrolled_at: Mapped[datetime] = mapped_column(Stamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)
    last_seen: Mapped[datetime | None] = mapped_column(Stamp)
    clock_offset_s: Mapped[int | None] = mapped_column(Integer)  # terminal clock minus server clock
    pending_reported: Mapped[int | None] = mapped_column(Integer)  # unsealed records the terminal says it holds
    ack_seq: Mapped[int] = mapped_column(Integer, default=0)
    ack_hash: Mapped[str | None] = mapped_column(String(64))


class EnrollmentToken(Base):
    __tablename__ = "enrollment_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Stamp)
    used_at: Mapped[datetime | None] = mapped_column(Stamp)
    device: Mapped[str | None] = mapped_column(String(32))


class RawRecord(Base):
    """The raw log: exact canonical bytes as received. Triggers refuse UPDATE and DELETE."""

    __tablename__ = "records"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    device: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    day: Mapped[str] = mapped_column(String(10))
    raw: Mapped[str] = mapped_column(Text)
    seal_seq: Mapped[int | None] = mapped_column(Integer)  # for a seal its own seq; else the seq of its seal
    batch_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(Stamp)


class Seal(Base):
    __tablename__ = "seals"

    device: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    prev: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(Stamp)


class SealMember(Base):
    """Hashes a seal lists that had not arrived when the seal was stored (arrived records carry
    their seal's seq in ``records.seal_seq``): what late records and completeness are checked against."""

    __tablename__ = "seal_members"
    __table_args__ = (Index("ix_seal_members_record", "device", "record_hash"),)

    device: Mapped[str] = mapped_column(String(32), primary_key=True)
    seal_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class Quarantine(Base):
    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(Stamp)
    device: Mapped[str | None] = mapped_column(String(64), index=True)  # as claimed; not proven
    batch_id: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    record_hash: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(40))  # when the line parsed as a record
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # at most RAW_CAP bytes of what arrived
    raw_sha256: Mapped[str] = mapped_column(String(64))  # of everything that arrived
    raw_length: Mapped[int] = mapped_column(BigInteger)


class Anomaly(Base):
    __tablename__ = "anomalies"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(Stamp)
    device: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))  # gap, equivocation
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))  # http | usb
    source: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(Stamp)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class Process(Base):
    __tablename__ = "processes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    activities: Mapped[list[str]] = mapped_column(JSON)
    test: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(8))
    min_seal: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)


class ManifestRow(Base):
    __tablename__ = "manifests"

    serial: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    raw: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Stamp)


class StaffUser(Base):
    """A staff account. ``failed_count`` and ``locked_until`` carry the sign-in back-off."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(100))  # responders: the team whose feedback they answer
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    created_at: Mapped[datetime] = mapped_column(Stamp)
    password_changed_at: Mapped[datetime] = mapped_column(Stamp)
    disabled_at: Mapped[datetime | None] = mapped_column(Stamp)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(Stamp)


class StaffSession(Base):
    """A signed-in browser: only sha256 of the cookie's random token is stored."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    last_used_at: Mapped[datetime] = mapped_column(Stamp)
    expires_at: Mapped[datetime] = mapped_column(Stamp)  # absolute expiry
    client_ip: Mapped[str | None] = mapped_column(String(64))


class AuditEntry(Base):
    """One staff action. Append-only: triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(Stamp, index=True)
    staff_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the log outlives accounts
    staff_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    client_ip: Mapped[str | None] = mapped_column(String(64))


class VoxitStatementRow(Base):
    """A statement of a Voxit conversation (seed or participant's) and its moderation state."""

    __tablename__ = "voxit_statements"
    __table_args__ = (
        UniqueConstraint("process_id", "slug", name="uq_voxit_statements_slug"),
        Index("ix_voxit_statements_state", "process_id", "state"),
    )

    process_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # Polis comment id
    slug: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(12))  # seed | participant
    text: Mapped[dict[str, str]] = mapped_column(JSON)
    lang: Mapped[str | None] = mapped_column(String(16))
    author: Mapped[int | None] = mapped_column(Integer)  # participant number
    record_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(12))  # pending | approved | rejected
    meta: Mapped[bool] = mapped_column(Boolean, default=False)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column(Stamp)
    decided_by: Mapped[int | None] = mapped_column(Integer)


class VoxitParticipant(Base):
    """The number (Polis participant id) of an anonymous participant token in a conversation."""

    __tablename__ = "voxit_participants"
    __table_args__ = (UniqueConstraint("process_id", "token", name="uq_voxit_participants_token"),)

    process_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(26))


class VoxitAnalysisRun(Base):
    """One analysis of a conversation, kept for audit."""

    __tablename__ = "voxit_analysis_runs"

    process_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    votes: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class FeedbackCase(Base):
    """One piece of feedback, projected from its ``feedback.item`` record (``services.feedback``).

    The record's fields are copied as sent (``sent_topic``, ``place``, ``message`` as plain text,
    never markup); ``problem`` holds why a case was quarantined in the triage queue
    (``unknown_process``, ``unknown_topic``, ``unknown_place``, ``contact_broken``) and
    ``flags`` what a responder should know (``markup``). Routing: ``team``/``topic`` are
    where the case is now (``team`` None: the triage queue); ``routing`` says how it got there
    (``pending`` not yet looked at, ``triage`` waits for a person, ``model`` the router's
    suggestion was confident enough, ``staff`` a person routed it); ``suggestion*``,
    ``confidence`` and ``top3`` keep the router's suggestion. ``day`` and ``due_on`` are ISO
    dates (``YYYY-MM-DD``, as ``records.day``); ``due_on`` is set only when a reply is wanted.
    """

    __tablename__ = "feedback_cases"
    __table_args__ = (
        Index("ix_feedback_cases_team", "team", "status"),
        Index("ix_feedback_cases_recent", "process", "sent_topic", "place", "day"),
        Index("ix_feedback_cases_due", "due_on"),
        Index("ix_feedback_cases_routing", "routing"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)
    record_id: Mapped[str] = mapped_column(String(32), unique=True)
    reference: Mapped[str] = mapped_column(String(12), index=True)  # receipts.receipt_code(record_id)
    process: Mapped[str] = mapped_column(String(64))
    device: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(Stamp)
    lang: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    sent_topic: Mapped[str] = mapped_column(String(64))
    place: Mapped[str | None] = mapped_column(String(64))
    wants_reply: Mapped[bool] = mapped_column(Boolean)
    has_contact: Mapped[bool] = mapped_column(Boolean)
    flags: Mapped[list[str]] = mapped_column(JSON)
    problem: Mapped[str | None] = mapped_column(String(40))
    problem_detail: Mapped[str | None] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(64))
    team: Mapped[str | None] = mapped_column(String(100))
    routing: Mapped[str] = mapped_column(String(16))  # pending | triage | model | staff
    confirmed: Mapped[bool] = mapped_column(Boolean)  # a person confirmed or chose the team
    suggestion: Mapped[str | None] = mapped_column(String(100))  # the router's label
    suggestion_team: Mapped[str | None] = mapped_column(String(100))
    suggestion_topic: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    top3: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # [{"label", "confidence"}]
    status: Mapped[str] = mapped_column(String(16))  # received | in_process | processed | rejected
    status_at: Mapped[datetime] = mapped_column(Stamp)
    due_on: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime | None] = mapped_column(Stamp)  # the first answer
    duplicate_of: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    duplicate_score: Mapped[float | None] = mapped_column(Float)
    published_at: Mapped[datetime | None] = mapped_column(Stamp)


class FeedbackAnswer(Base):
    """A responder's answer to a case; ``published`` marks the one shown on the public page."""

    __tablename__ = "feedback_answers"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("feedback_cases.id"), index=True
    )
    at: Mapped[datetime] = mapped_column(Stamp)
    staff_id: Mapped[int | None] = mapped_column(Integer)
    staff_email: Mapped[str | None] = mapped_column(String(254))
    team: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean)


class FeedbackRouting(Base):
    """Every time a case was sent to a team: by the router (``kind`` = ``model``) or by a person
    (``confirm`` kept the team, ``reroute`` changed it, ``triage`` routed from the triage queue).

    The rows by people are the new labels for the next training of the router: the latest
    ``to_topic`` / ``to_team`` per case, with the case's ``message``
    (``services.feedback.relabelled_examples``)."""

    __tablename__ = "feedback_routings"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("feedback_cases.id"), index=True
    )
    at: Mapped[datetime] = mapped_column(Stamp)
    kind: Mapped[str] = mapped_column(String(16))  # model | confirm | reroute | triage
    staff_id: Mapped[int | None] = mapped_column(Integer)
    staff_email: Mapped[str | None] = mapped_column(String(254))
    from_team: Mapped[str | None] = mapped_column(String(100))
    from_topic: Mapped[str | None] = mapped_column(String(64))
    to_team: Mapped[str] = mapped_column(String(100))
    to_topic: Mapped[str | None] = mapped_column(String(64))
    suggestion: Mapped[str | None] = mapped_column(String(100))  # what the router had said
    confidence: Mapped[float | None] = mapped_column(Float)


class Open311Key(Base):
    """An application's Open311 API key (``services.open311``): only sha256 of the key is stored;
    the key itself is shown once, when it is issued."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))  # the application, in words
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Stamp)
    created_by: Mapped[str | None] = mapped_column(String(254))
    last_used_at: Mapped[datetime | None] = mapped_column(Stamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Stamp)
