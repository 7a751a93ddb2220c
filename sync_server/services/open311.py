"""Open311 GeoReport v2 over the feedback cases: services, API keys, submissions, requests.

**Services** are the feedback topics of the open processes (``service_code`` = topic id; the
first open process by id wins when two share a topic id), named in the asked locale, grouped
by the process's title; ``metadata`` is true when the process lists places (the service
definition then has one attribute, ``place``, a ``singlevaluelist`` of them).

**A POST becomes a record, never a row.** The raw log stays the only source of truth: the
server holds an "Open311" intake device (Ed25519 key in ``DIR/keys/open311.key``, enrolled like
a terminal on first use, as the paper ballots' device of ``pb_import``). ``submit`` turns the
checked fields into a ``feedback.item`` body (contact details sealed to the server key, bound
to the record id, exactly as a terminal seals them), signs it, seals it alone (``forced``) as
the next link of the intake device's chain and sends both through ``ingest_lines`` (channel
``open311``). The ingest projects the case in the same transaction, as for any terminal; the
pending case is then routed (``feedback.route_pending``) with the trained router, if any.
Submissions are serialised (a lock in this process, the device row's lock across processes),
so the chain never forks.

The answer names the case by its reference code (``service_request_id``, the code a terminal's
thank-you screen shows) once it is routed to a team; until then only by ``token`` (the record
id), which ``token_status`` turns into the code when a person or the router has routed it.

**API keys** (``issue_key``): random, shown once, stored as sha256, issued with an audit row.

**What is shown**: see ``open311_spec.request_fields``; the citizen's words and the answer
only once published, contact details never.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.feedback import FeedbackSettings, FeedbackSettingsError, parse_feedback_settings
from shared_models.keys import device_id_for
from shared_models.receipts import normalize_receipt
from shared_models.records import make_record, new_record_id, sign_record
from shared_models.sealed_box import seal_to
from shared_models.seals import genesis_prev, make_seal
from sync_server.db import repo
from sync_server.db.engine import make_engine, make_sessionmaker
from sync_server.db.migrate import upgrade
from sync_server.db.models import FeedbackAnswer, FeedbackCase, Open311Key, Process, RawRecord
from sync_server.errors import ServerError
from sync_server.logevents import log_event
from sync_server.services import feedback
from sync_server.services.audit import Actor, record_action
from sync_server.services.ingest import ingest_lines
from sync_server.services.open311_spec import (
    HELSINKI,
    Open311Error,
    RequestFacts,
    Submission,
    check_submission,
    sent_extras,
    statuses_named,
)
from sync_server.services.server_devices import server_device_key
from sync_server.settings import ServerKeys, Settings

__all__ = [
    "INTAKE_DEVICE_NAME",
    "INTAKE_KEY_FILE",
    "MAX_REQUESTS",
    "ServiceEntry",
    "SubmitOutcome",
    "check_key",
    "ensure_intake",
    "find_requests",
    "intake_key",
    "issue_key",
    "issue_key_for",
    "list_keys",
    "open_services",
    "revoke_key",
    "service_definition",
    "service_rows",
    "submit",
    "token_status",
]

INTAKE_KEY_FILE = "keys/open311.key"
INTAKE_DEVICE_NAME = "Open311"
MAX_REQUESTS = 1000  # the spec's default: 90 days or the first 1,000 requests
DEFAULT_SPAN = timedelta(days=90)
_intake_lock = threading.Lock()


# -- API keys -----------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_key(
    session: Session,
    *,
    name: str,
    now: datetime,
    issued_by: str | None = None,
    actor: Actor | None = None,
    client_ip: str | None = None,
) -> str:
    """A new API key for the application ``name``; returns the key (shown once, stored hashed).
    ``actor`` the staff member issuing it, or ``issued_by`` in words (the command line)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ValueError("an API key needs the application's name (1 to 200 characters)")
    key = "o311_" + secrets.token_urlsafe(32)
    with session.begin():
        row = Open311Key(
            name=name, key_hash=_key_hash(key), created_at=now, created_by=actor.email if actor else issued_by
        )
        session.add(row)
        session.flush()
        record_action(
            session,
            "open311.key_issued",
            at=now,
            actor=actor,
            email=issued_by,
            target=name,
            detail={"key_id": row.id},
            client_ip=client_ip,
        )
    return key


def list_keys(session: Session) -> list[Open311Key]:
    """Every key, the newest first (in the caller's transaction)."""
    return list(session.scalars(select(Open311Key).order_by(Open311Key.id.desc())))


def revoke_key(
    session: Session, *, key_id: int, now: datetime, actor: Actor, client_ip: str | None = None
) -> str | None:
    """Revoke a key (its POSTs are refused from now on); returns its application's name, None when
    there is no such key. Revoking twice changes nothing."""
    with session.begin():
        row = session.get(Open311Key, key_id, with_for_update=True)
        if row is None:
            return None
        if row.revoked_at is None:
            row.revoked_at = now
            record_action(
                session,
                "open311.key_revoked",
                at=now,
                actor=actor,
                target=row.name,
                detail={"key_id": row.id},
                client_ip=client_ip,
            )
        return row.name


def ensure_intake(session: Session, keys: ServerKeys, data_dir: Path) -> str:
    """Make sure the intake device exists (done when a key is issued, so that the first POSTs of
    several server processes do not race to enroll it); returns its device id."""
    with _intake_lock:
        return device_id_for(intake_key(session, keys, data_dir))


def issue_key_for(settings: Settings, *, name: str, now: datetime, issued_by: str | None = None) -> str:
    """``issue_key`` for a data folder (``osallistu server open311-key``): migrates the database
    and makes sure the intake device exists, so the first POST does not have to."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with make_sessionmaker(engine)() as session:
            key = issue_key(session, name=name, now=now, issued_by=issued_by)
            ensure_intake(session, settings.load_keys(), settings.data_dir)
            return key
    finally:
        engine.dispose()


def check_key(session: Session, key: str | None, *, now: datetime) -> str | None:
    """The name of the application holding ``key``, or None for a missing, unknown or revoked key."""
    if not key or len(key) > 200:
        return None
    with session.begin():
        row = session.scalar(select(Open311Key).where(Open311Key.key_hash == _key_hash(key)))
        if row is None or row.revoked_at is not None:
            return None
        row.last_used_at = now
        return row.name


def _named(texts: Mapping[Any, str], lang: str) -> str:
    """A name in ``lang``, or in Finnish."""
    return texts.get(lang) or texts["fi"]


# -- services -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceEntry:
    code: str
    process: str
    process_title: dict[str, str]
    settings: FeedbackSettings

    def name(self, lang: str) -> str:
        topic = self.settings.topic(self.code)
        assert topic is not None
        return _named(topic.name, lang)

    def group(self, lang: str) -> str:
        return self.process_title.get(lang) or self.process_title.get("fi") or self.process


def open_services(session: Session) -> list[ServiceEntry]:
    """One entry per topic id of the open processes with feedback (first process by id wins)."""
    entries: dict[str, ServiceEntry] = {}
    rows = session.scalars(select(Process).where(Process.status == "open").order_by(Process.id)).all()
    for row in rows:
        if "feedback" not in row.activities:
            continue
        try:
            settings = parse_feedback_settings(row.settings.get("feedback", {}))
        except FeedbackSettingsError:  # settings that do not parse have no services
            continue
        for topic in settings.topics:
            entries.setdefault(topic.id, ServiceEntry(topic.id, row.id, dict(row.title), settings))
    return list(entries.values())


def service_rows(entries: Sequence[ServiceEntry], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "service_code": e.code,
            "service_name": e.name(lang),
            "description": e.name(lang),
            "metadata": bool(e.settings.places),
            "type": "realtime",
            "keywords": e.code,
            "group": e.group(lang),
        }
        for e in entries
    ]


def service_definition(entry: ServiceEntry, lang: str, *, place_label: str) -> dict[str, Any]:
    """The service's attributes: the place, a single choice among the process's places."""
    attributes: list[dict[str, Any]] = []
    if entry.settings.places:
        attributes.append(
            {
                "variable": True,
                "code": "place",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": None,
                "order": 1,
                "description": place_label,
                "values": [{"key": p.id, "name": _named(p.name, lang)} for p in entry.settings.places],
            }
        )
    return {"service_code": entry.code, "attributes": attributes}


# -- submissions --------------------------------------------------------------------------------


def intake_key(session: Session, keys: ServerKeys, data_dir: Path) -> Ed25519PrivateKey:
    """The Open311 intake device's key, created and enrolled (as a terminal) on first use."""
    key, enrolled = server_device_key(session, keys, Path(data_dir) / INTAKE_KEY_FILE, name=INTAKE_DEVICE_NAME)
    if enrolled:
        log_event("open311.intake_enrolled", device=device_id_for(key))
    return key


@dataclass(frozen=True)
class SubmitOutcome:
    errors: list[Open311Error]
    token: str | None = None  # the record id
    service_request_id: str | None = None  # the case's reference, once routed to a team


def _body(submission: Submission, entry: ServiceEntry, keys: ServerKeys, record_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "process": entry.process,
        "topic": submission.service_code,
        "message": submission.message,
        "lang": submission.lang,
    }
    if submission.place is not None:
        body["place"] = submission.place
    if submission.contact:
        plaintext = json.dumps(submission.contact, sort_keys=True, ensure_ascii=False).encode("utf-8")
        body["contact"] = seal_to(keys.sealing.public_key(), plaintext, context=record_id.encode())
        body["wants_reply"] = bool(submission.contact.get("email") or submission.contact.get("phone"))
    return body


def submit(
    session: Session,
    keys: ServerKeys,
    data_dir: Path,
    *,
    form: Mapping[str, str | None],
    application: str,
    now: datetime,
    router: feedback.RouterLike | None,
) -> SubmitOutcome:
    """Check a POST, sign and seal it as the intake device's record, ingest it, route it."""
    with session.begin():
        services = {e.code: e for e in open_services(session)}
    code = (form.get("service_code") or "").strip()
    entry = services.get(code)
    checked = check_submission(
        form,
        service_codes=list(services),
        places=[p.id for p in entry.settings.places] if entry is not None else None,
    )
    if not isinstance(checked, Submission):
        return SubmitOutcome(errors=checked)
    assert entry is not None
    record_id = new_record_id()
    day = now.astimezone(HELSINKI).date().isoformat()
    body = _body(checked, entry, keys, record_id)
    with _intake_lock:
        key = intake_key(session, keys, data_dir)
        device = device_id_for(key)
        record = sign_record(make_record("feedback.item", body, device=device, day=day, record_id=record_id), key)
        with session.begin():
            repo.lock_device(session, device_id=device)
            seq, head = repo.chain_head(session, device=device)
            seal = make_seal(
                key, seq=seq + 1, prev=head or genesis_prev(key), record_hashes=[record.hash], day=day, reason="forced"
            )
            report = ingest_lines(
                session,
                device_id=device,
                lines=[record.raw, seal.raw],
                channel="open311",
                source=f"open311:{application}"[:500],
            )
            if session.scalar(select(RawRecord.hash).where(RawRecord.hash == record.hash)) is None:
                raise ServerError(f"the Open311 record was not accepted: {report.reasons()}")
            feedback.route_pending(session, router, now=now)
            case = session.scalar(select(FeedbackCase).where(FeedbackCase.record_id == record_id))
            reference = case.reference if case is not None and case.team is not None else None
    log_event("open311.submitted", record=record.hash, application=application, routed=reference is not None)
    return SubmitOutcome(errors=[], token=record_id, service_request_id=reference)


def token_status(session: Session, token: str) -> tuple[bool, str | None]:
    """(known, service_request_id) for a token: known when an Open311 record has this id; the
    reference once its case is routed to a team."""
    with session.begin():
        case = session.scalar(select(FeedbackCase).where(FeedbackCase.record_id == token))
        if case is not None:
            return True, case.reference if case.team is not None else None
        known = session.scalar(select(RawRecord.hash).where(RawRecord.id == token, RawRecord.kind == "feedback.item"))
        return known is not None, None


# -- requests -----------------------------------------------------------------------------------


def _references(ids: str) -> list[str]:
    out: list[str] = []
    for part in ids.split(","):
        chars = normalize_receipt(part)
        if chars is not None:
            out.append(f"{chars[:4]}-{chars[4:8]}-{chars[8:]}")
    return out


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def find_requests(
    session: Session,
    *,
    lang: str,
    ids: str | None = None,
    codes: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    status: str | None = None,
    now: datetime,
    limit: int = MAX_REQUESTS,
) -> list[RequestFacts]:
    """The cases the filters name, newest first. ``ids`` (comma-separated reference codes)
    overrides every other filter, as the spec says; without dates, the last 90 days."""
    query = select(FeedbackCase)
    if ids is not None:
        query = query.where(FeedbackCase.reference.in_(_references(ids)))
    else:
        if codes:
            query = query.where(FeedbackCase.sent_topic.in_([c.strip() for c in codes.split(",") if c.strip()]))
        if start is None and end is None:
            start = now - DEFAULT_SPAN
        if start is not None:
            query = query.where(FeedbackCase.received_at >= start)
        if end is not None:
            query = query.where(FeedbackCase.received_at <= end)
        if status:
            query = query.where(FeedbackCase.status.in_(statuses_named(status)))
    with session.begin():
        cases = list(
            session.scalars(query.order_by(FeedbackCase.received_at.desc(), FeedbackCase.id.desc()).limit(limit))
        )
        published = {c.id for c in cases if c.published_at is not None}
        answers: dict[int, str] = {}
        if published:
            for answer in session.scalars(
                select(FeedbackAnswer).where(FeedbackAnswer.case_id.in_(published), FeedbackAnswer.published.is_(True))
            ):
                answers[answer.case_id] = answer.text
        settings_of: dict[str, FeedbackSettings | None] = {}
        facts = []
        for case in cases:
            if case.process not in settings_of:
                settings_of[case.process] = feedback.feedback_settings_of(session, case.process)
            facts.append(_facts(case, settings_of[case.process], answers.get(case.id), lang))
    return facts


def _facts(case: FeedbackCase, settings: FeedbackSettings | None, answer: str | None, lang: str) -> RequestFacts:
    code = case.topic or case.sent_topic
    topic = settings.topic(code) if settings else None
    place = settings.place(case.place) if settings and case.place else None
    team = settings.team(case.team) if settings and case.team else None
    published = case.published_at is not None and answer is not None
    moments = [_aware(m) for m in (case.status_at, case.answered_at, case.published_at, case.received_at) if m]
    expected = None
    if case.due_on:  # the end of the day the reply is promised by
        expected = datetime.combine(date.fromisoformat(case.due_on), time(23, 59, 59), HELSINKI)
    urls, lat, lon = sent_extras(case.message) if published else ((), None, None)
    return RequestFacts(
        service_request_id=case.reference,
        status=case.status,
        service_code=code,
        service_name=_named(topic.name, lang) if topic else None,
        agency_responsible=_named(team.name, lang) if team else None,
        address=_named(place.name, lang) if place else None,
        requested=_aware(case.received_at),
        updated=max(moments),
        expected=expected,
        published=published,
        description=case.message if published else None,
        status_notes=answer if published else None,
        media_urls=urls,
        lat=lat,
        long=lon,
    )
