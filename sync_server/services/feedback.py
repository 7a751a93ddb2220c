"""Feedback cases: projected from the raw log, routed, answered, published.

**Projection.** Every accepted ``feedback.item`` record becomes one ``feedback_cases`` row,
idempotently (unique record hash; a second projection of the same record is a no-op):

- ``project_records(session, rows, now=...)`` is called by the ingest for the records it
  accepts, inside the ingest's transaction, so a case exists exactly when its record does;
- ``project_missing(session, now=...)`` catches up on any feedback record without a case
  (records ingested before this table existed, or by an older server);
- ``refresh_cases(session, router, now=...)`` does both of those and routes what is pending;
  the staff pages call it before they list cases.

Each case is checked against its process's feedback settings (``shared_models.feedback``).
A problem holds the case in the triage queue with its reason (``problem``): ``unknown_process``
(no process, or one without feedback), ``unknown_topic``, ``unknown_place``, ``contact_broken``
(sealed contact details that are not a well-formed box: they are opened only when a responder
asks). Messages with markup are flagged ``markup`` and stored as text (pages escape them).
Empty and over-long messages never get here: the ingest quarantines them (``invalid_body``).
Near-duplicates (``feedback_text``) of recent cases of the same process, topic and place are
linked (``duplicate_of``), never dropped. A reply is due ``reply_days`` after the day the
feedback was given, when the citizen asked for one (``due_on``).

**Routing.** ``route_pending(session, router, now=...)`` asks the trained router
(``sync_server.routing.load_router``; anything with ``suggest(texts)`` and ``label_name``)
for each pending case. The suggested label is a topic id (its team follows from the topic) or
a team id. With confidence at least the process's ``route_min_confidence_percent`` and a team
the settings know, the case goes to that team (``routing`` = ``model``); otherwise, and
always without a router, to the triage queue (``routing`` = ``triage``, ``team`` None).

**People.** ``route_case`` (triage, confirm, re-route), ``set_status``, ``answer_case``,
``publish_case`` / ``unpublish_case`` and ``reveal_contact`` each run in their own
transaction with their audit row (``services.audit``). Who may do what:

- ``feedback.triage`` (admin, dispatcher): see every case, route from the triage queue and
  between teams;
- ``feedback.view`` (responder): see the cases of one's own team;
- ``feedback.respond`` (responder): confirm or re-route, change the status, answer and
  publish the cases of one's own team, and open their contact details: only a responder of
  the case's team, only on request, each opening written to the audit log
  (``feedback.contact_shown``; a box that does not open: ``feedback.contact_failed``).

Every change of team by a person is a ``feedback_routings`` row: the new labels for the next
training of the router (``relabelled_examples``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.bodies import FeedbackItem
from shared_models.errors import SealedBoxError
from shared_models.feedback import (
    DEFAULT_REPLY_DAYS,
    FeedbackSettings,
    FeedbackSettingsError,
    check_feedback_body,
    looks_like_markup,
    parse_feedback_settings,
    reply_due,
)
from shared_models.keys import b64decode
from shared_models.receipts import normalize_receipt, receipt_code
from shared_models.sealed_box import open_sealed
from sync_server.db.models import FeedbackAnswer, FeedbackCase, FeedbackRouting, Process, RawRecord
from sync_server.errors import Forbidden, StaffInputError
from sync_server.logevents import log_event
from sync_server.services.audit import record_action
from sync_server.services.feedback_text import best_match
from sync_server.services.staff import Staff
from sync_server.settings import ServerKeys

__all__ = [
    "DUPLICATE_WINDOW_DAYS",
    "MAX_ANSWER",
    "OPEN_STATUSES",
    "STATUSES",
    "CaseView",
    "Contact",
    "RelabelledExample",
    "RouterLike",
    "answer_case",
    "can_answer",
    "can_see",
    "case_by_reference",
    "case_view",
    "due_lists",
    "feedback_settings_of",
    "inbox",
    "list_cases",
    "open_counts",
    "project_missing",
    "project_records",
    "publish_case",
    "published_cases",
    "published_count",
    "refresh_cases",
    "relabelled_examples",
    "reveal_contact",
    "route_case",
    "route_pending",
    "set_status",
    "triage_queue",
    "unpublish_case",
]

STATUSES = ("received", "in_process", "processed", "rejected")
OPEN_STATUSES = ("received", "in_process")
DUPLICATE_WINDOW_DAYS = 30
DUPLICATE_CANDIDATES = 200
MAX_ANSWER = 4000
ROUTE_BATCH = 500


class SuggestionLike(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def confidence(self) -> float: ...

    @property
    def top3(self) -> Sequence[Any]: ...


class RouterLike(Protocol):
    """What the feedback service needs of ``sync_server.routing.Router``."""

    @property
    def label_name(self) -> str: ...

    def suggest(self, texts: list[str]) -> Sequence[SuggestionLike]: ...


# -- settings ---------------------------------------------------------------------------------


def feedback_settings_of(session: Session, process_id: str) -> FeedbackSettings | None:
    """The process's feedback settings, or None when it has no (valid) feedback activity."""
    row = session.get(Process, process_id)
    if row is None or "feedback" not in row.activities:
        return None
    try:
        return parse_feedback_settings(row.settings.get("feedback", {}))
    except FeedbackSettingsError:
        return None


class _SettingsCache:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[str, FeedbackSettings | None] = {}

    def __call__(self, process_id: str) -> FeedbackSettings | None:
        if process_id not in self.known:
            self.known[process_id] = feedback_settings_of(self.session, process_id)
        return self.known[process_id]


# -- projection -------------------------------------------------------------------------------


def _contact_well_formed(box: Mapping[str, str]) -> bool:
    try:
        return (
            len(b64decode(box["epk"])) == 32 and len(b64decode(box["nonce"])) == 12 and len(b64decode(box["ct"])) > 16
        )
    except (KeyError, ValueError, TypeError):
        return False


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives naive UTC back


def _new_case(
    *,
    record_hash: str,
    record_id: str,
    device: str,
    day: str,
    raw: str,
    received_at: datetime,
    now: datetime,
    settings_of: _SettingsCache,
) -> FeedbackCase:
    body: dict[str, Any] = json.loads(raw)["body"]
    item = FeedbackItem.model_validate(body)  # the ingest accepted it, so it validates
    settings = settings_of(item.process)
    problem: str | None = None
    detail: str | None = None
    if settings is None:
        problem, detail = "unknown_process", f"process {item.process!r} has no feedback settings"
    else:
        problem = check_feedback_body(settings, topic=item.topic, place=item.place)
        if problem == "unknown_topic":
            detail = f"topic {item.topic!r} is not one of the process's topics"
        elif problem == "unknown_place":
            detail = f"place {item.place!r} is not one of the process's places"
    if problem is None and item.contact is not None and not _contact_well_formed(item.contact.model_dump()):
        problem, detail = "contact_broken", "the sealed contact details are not a well-formed sealed box"
    reply_days = settings.reply_days if settings is not None else DEFAULT_REPLY_DAYS
    due_on = reply_due(date.fromisoformat(day), reply_days).isoformat() if item.wants_reply else None
    return FeedbackCase(
        record_hash=record_hash,
        record_id=record_id,
        reference=receipt_code(record_id),
        process=item.process,
        device=device,
        day=day,
        received_at=received_at,
        lang=item.lang,
        message=item.message,
        sent_topic=item.topic,
        place=item.place,
        wants_reply=item.wants_reply,
        has_contact=item.contact is not None,
        flags=["markup"] if looks_like_markup(item.message) else [],
        problem=problem,
        problem_detail=detail,
        topic=None,
        team=None,
        routing="triage" if problem else "pending",
        confirmed=False,
        status="received",
        status_at=now,
        due_on=due_on,
    )


class _RecentCases:
    """The recent cases a new case is compared with, loaded once per (process, topic as sent, place)
    for a whole batch and grown as the batch's cases are added."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.loaded: dict[tuple[str, str, str | None], tuple[str, list[tuple[int, str, str]]]] = {}

    def candidates(self, case: FeedbackCase) -> list[tuple[int, str]]:
        since = (date.fromisoformat(case.day) - timedelta(days=DUPLICATE_WINDOW_DAYS)).isoformat()
        key = (case.process, case.sent_topic, case.place)
        held = self.loaded.get(key)
        if held is None or since < held[0]:
            place = FeedbackCase.place.is_(None) if case.place is None else FeedbackCase.place == case.place
            rows = self.session.execute(
                select(FeedbackCase.id, FeedbackCase.day, FeedbackCase.message)
                .where(
                    FeedbackCase.process == case.process,
                    FeedbackCase.sent_topic == case.sent_topic,
                    place,
                    FeedbackCase.day >= since,
                )
                .order_by(FeedbackCase.id.desc())
                .limit(DUPLICATE_CANDIDATES)
            ).all()
            held = (since, [(row.id, row.day, row.message) for row in reversed(rows)])
            self.loaded[key] = held
        recent = [(case_id, message) for case_id, day, message in held[1] if day >= since]
        return recent[-DUPLICATE_CANDIDATES:]

    def add(self, case: FeedbackCase) -> None:
        held = self.loaded.get((case.process, case.sent_topic, case.place))
        if held is not None:
            held[1].append((case.id, case.day, case.message))
            del held[1][: -2 * DUPLICATE_CANDIDATES]


def _project_one(session: Session, case: FeedbackCase, recent: _RecentCases) -> bool:
    """Insert one case (skipped when its record already has one); True when inserted. Before it is
    added it is compared with the recent cases (never with itself) for a near-duplicate."""
    if session.scalar(select(FeedbackCase.id).where(FeedbackCase.record_hash == case.record_hash)) is not None:
        return False
    match = best_match(case.message, recent.candidates(case))
    if match is not None:
        case.duplicate_of, case.duplicate_score = match.case_id, match.score
    session.add(case)
    session.flush()
    recent.add(case)
    log_event(
        "feedback.projected",
        case=case.id,
        reference=case.reference,
        problem=case.problem,
        duplicate_of=case.duplicate_of,
    )
    return True


def project_records(session: Session, rows: Iterable[Mapping[str, Any]], *, now: datetime) -> int:
    """Cases for the accepted records ``rows`` (the ingest's dicts: ``hash``, ``id``, ``device``,
    ``kind``, ``day``, ``raw``, ``received_at``); other kinds are skipped. Returns how many were new.
    Runs in the caller's transaction."""
    settings_of = _SettingsCache(session)
    recent = _RecentCases(session)
    made = 0
    for row in rows:
        if row["kind"] != "feedback.item":
            continue
        try:
            with session.begin_nested():
                case = _new_case(
                    record_hash=row["hash"],
                    record_id=row["id"],
                    device=row["device"],
                    day=row["day"],
                    raw=row["raw"],
                    received_at=row["received_at"],
                    now=now,
                    settings_of=settings_of,
                )
                made += _project_one(session, case, recent)
        except IntegrityError:  # another server process projected the same record just now
            continue
        except Exception as exc:  # a case must never stop the ingest of its record
            # The record is in the raw log; project_missing tries again at the next refresh.
            log_event(
                "feedback.projection_failed",
                logging.ERROR,
                record=row["hash"],
                error=type(exc).__name__,
                message=str(exc)[:200],
            )
    return made


def project_missing(session: Session, *, now: datetime, limit: int = 5000) -> int:
    """Cases for feedback records of the raw log that have none yet (in the caller's transaction)."""
    missing = session.scalars(
        select(RawRecord)
        .outerjoin(FeedbackCase, FeedbackCase.record_hash == RawRecord.hash)
        .where(RawRecord.kind == "feedback.item", FeedbackCase.id.is_(None))
        .order_by(RawRecord.day, RawRecord.hash)
        .limit(limit)
    ).all()
    rows = [
        {
            "hash": r.hash,
            "id": r.id,
            "device": r.device,
            "kind": r.kind,
            "day": r.day,
            "raw": r.raw,
            "received_at": _aware(r.received_at),
        }
        for r in missing
    ]
    return project_records(session, rows, now=now)


# -- routing ----------------------------------------------------------------------------------


def _pairs(top3: Sequence[Any]) -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = []
    for item in top3:
        if isinstance(item, (tuple, list)):
            label, confidence = item[0], item[1]
        else:
            label, confidence = item.label, item.confidence
        pairs.append({"label": str(label), "confidence": round(float(confidence), 4)})
    return pairs


def _target_of(settings: FeedbackSettings | None, label: str) -> tuple[str | None, str | None]:
    """(topic, team) a router label stands for under ``settings``: a topic id, else a team id."""
    if settings is None:
        return None, None
    topic = settings.topic(label)
    if topic is not None:
        return topic.id, topic.team_id
    team = settings.team(label)
    if team is not None:
        return None, team.id
    return None, None


def route_pending(session: Session, router: RouterLike | None, *, now: datetime) -> dict[str, int]:
    """Route the pending cases (in the caller's transaction): to the suggested team when the router
    is confident enough, else to the triage queue. Returns ``{"model": n, "triage": n}``."""
    pending = list(
        session.scalars(
            select(FeedbackCase).where(FeedbackCase.routing == "pending").order_by(FeedbackCase.id).limit(ROUTE_BATCH)
        )
    )
    counts = {"model": 0, "triage": 0}
    if not pending:
        return counts
    if router is None:
        for case in pending:
            case.routing = "triage"
        counts["triage"] = len(pending)
        return counts
    suggestions = router.suggest([case.message for case in pending])
    settings_of = _SettingsCache(session)
    for case, suggestion in zip(pending, suggestions, strict=True):
        settings = settings_of(case.process)
        topic, team = _target_of(settings, suggestion.label)
        case.suggestion = str(suggestion.label)[:100]
        case.suggestion_topic, case.suggestion_team = topic, team
        case.confidence = round(float(suggestion.confidence), 4)
        case.top3 = _pairs(suggestion.top3)
        threshold = settings.route_min_confidence_percent if settings is not None else 101
        if team is not None and case.confidence * 100 >= threshold:
            case.team, case.topic, case.routing = team, topic, "model"
            session.add(
                FeedbackRouting(
                    case_id=case.id,
                    at=now,
                    kind="model",
                    to_team=team,
                    to_topic=topic,
                    suggestion=case.suggestion,
                    confidence=case.confidence,
                )
            )
            counts["model"] += 1
        else:
            case.routing = "triage"
            counts["triage"] += 1
    log_event("feedback.routed", **counts)
    return counts


def refresh_cases(
    session: Session, router: RouterLike | None, *, now: datetime, catch_up: bool = True
) -> dict[str, int]:
    """Route the pending cases and (with ``catch_up``) first project any feedback record of the raw
    log without a case, in one transaction."""
    with session.begin():
        made = project_missing(session, now=now) if catch_up else 0
        counts = route_pending(session, router, now=now)
    return {"projected": made, **counts}


# -- reading ----------------------------------------------------------------------------------


def can_see(staff: Staff, case: FeedbackCase) -> bool:
    return staff.can("feedback.triage") or (
        staff.can("feedback.view") and staff.team is not None and staff.team == case.team
    )


def can_answer(staff: Staff, case: FeedbackCase) -> bool:
    """Only a responder of the case's own team answers it (and may open its contact details)."""
    return staff.can("feedback.respond") and staff.team is not None and staff.team == case.team


def _open_filter(statuses: Sequence[str]) -> Any:
    return FeedbackCase.status.in_(list(statuses))


def inbox(
    session: Session,
    *,
    team: str,
    statuses: Sequence[str] = OPEN_STATUSES,
    order: str = "newest",
    limit: int = 200,
) -> list[FeedbackCase]:
    """A team's cases in ``statuses``: newest first, or (``order="due"``) the earliest due date
    first (cases without a due date last, newest first)."""
    query = select(FeedbackCase).where(FeedbackCase.team == team, _open_filter(statuses))
    if order == "due":
        query = query.order_by(
            FeedbackCase.due_on.is_(None), FeedbackCase.due_on, FeedbackCase.day.desc(), FeedbackCase.id.desc()
        )
    else:
        query = query.order_by(FeedbackCase.day.desc(), FeedbackCase.id.desc())
    return list(session.scalars(query.limit(limit)))


def list_cases(
    session: Session,
    *,
    process: str | None = None,
    topics: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    references: Sequence[str] | None = None,
    limit: int = 1000,
) -> list[FeedbackCase]:
    """Cases by filters, newest first (the day given, then the case id): ``topics`` match the current
    topic, or the topic as sent while no person or router has set one; ``since``/``until`` bound the
    day given (both inclusive); ``references`` are reference codes as shown (``ABCD-EFGH-JK``)."""
    query = select(FeedbackCase)
    if process is not None:
        query = query.where(FeedbackCase.process == process)
    if topics is not None:
        wanted = list(topics)
        query = query.where(
            or_(
                FeedbackCase.topic.in_(wanted),
                and_(FeedbackCase.topic.is_(None), FeedbackCase.sent_topic.in_(wanted)),
            )
        )
    if statuses is not None:
        query = query.where(FeedbackCase.status.in_(list(statuses)))
    if since is not None:
        query = query.where(FeedbackCase.day >= since.isoformat())
    if until is not None:
        query = query.where(FeedbackCase.day <= until.isoformat())
    if references is not None:
        query = query.where(FeedbackCase.reference.in_(list(references)))
    query = query.order_by(FeedbackCase.day.desc(), FeedbackCase.id.desc()).limit(limit)
    return list(session.scalars(query))


def triage_queue(session: Session, *, limit: int = 200) -> list[FeedbackCase]:
    """Cases that wait for a person to choose their team: quarantined ones first, then by age."""
    query = (
        select(FeedbackCase)
        .where(FeedbackCase.team.is_(None), _open_filter(OPEN_STATUSES))
        .order_by(FeedbackCase.problem.is_(None), FeedbackCase.day, FeedbackCase.id)
    )
    return list(session.scalars(query.limit(limit)))


def due_lists(
    session: Session, *, today: date, team: str | None = None, limit: int = 500
) -> tuple[list[FeedbackCase], list[FeedbackCase]]:
    """(due, overdue): open cases that wait for a promised reply, not answered yet; overdue when
    ``due_on`` is before ``today``. Earliest due first. ``team`` None: every team."""
    query = select(FeedbackCase).where(
        FeedbackCase.due_on.is_not(None), FeedbackCase.answered_at.is_(None), _open_filter(OPEN_STATUSES)
    )
    if team is not None:
        query = query.where(FeedbackCase.team == team)
    rows = list(session.scalars(query.order_by(FeedbackCase.due_on, FeedbackCase.id).limit(limit)))
    cutoff = today.isoformat()
    return [c for c in rows if c.due_on and c.due_on >= cutoff], [c for c in rows if c.due_on and c.due_on < cutoff]


def case_by_reference(session: Session, code: str) -> FeedbackCase | None:
    """The case a typed reference code (``ABCD-EFGH-JK``, as on the thank-you screen) names."""
    chars = normalize_receipt(code)
    if chars is None:
        return None
    return session.scalar(select(FeedbackCase).where(FeedbackCase.reference == f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"))


@dataclass(frozen=True)
class CaseView:
    case: FeedbackCase
    answers: list[FeedbackAnswer]
    routings: list[FeedbackRouting]
    duplicate: FeedbackCase | None  # the case this one repeats
    duplicates: int  # how many later cases repeat this one
    settings: FeedbackSettings | None


def case_view(session: Session, case_id: int) -> CaseView | None:
    """A case with its answers, routing history and duplicates (in the caller's transaction)."""
    case = session.get(FeedbackCase, case_id)
    if case is None:
        return None
    answers = list(
        session.scalars(select(FeedbackAnswer).where(FeedbackAnswer.case_id == case_id).order_by(FeedbackAnswer.id))
    )
    routings = list(
        session.scalars(select(FeedbackRouting).where(FeedbackRouting.case_id == case_id).order_by(FeedbackRouting.id))
    )
    duplicate = session.get(FeedbackCase, case.duplicate_of) if case.duplicate_of else None
    duplicates = session.scalar(select(func.count()).where(FeedbackCase.duplicate_of == case_id)) or 0
    return CaseView(case, answers, routings, duplicate, duplicates, feedback_settings_of(session, case.process))


def published_cases(
    session: Session, *, limit: int = 100, offset: int = 0
) -> list[tuple[FeedbackCase, FeedbackAnswer]]:
    """Published cases with their published answer, the most recently published first."""
    rows = session.execute(
        select(FeedbackCase, FeedbackAnswer)
        .join(FeedbackAnswer, and_(FeedbackAnswer.case_id == FeedbackCase.id, FeedbackAnswer.published.is_(True)))
        .where(FeedbackCase.published_at.is_not(None))
        .order_by(FeedbackCase.published_at.desc(), FeedbackCase.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [(row[0], row[1]) for row in rows]


def published_count(session: Session) -> int:
    """How many cases :func:`published_cases` can list."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(FeedbackCase)
            .join(FeedbackAnswer, and_(FeedbackAnswer.case_id == FeedbackCase.id, FeedbackAnswer.published.is_(True)))
            .where(FeedbackCase.published_at.is_not(None))
        )
        or 0
    )


@dataclass(frozen=True)
class RelabelledExample:
    text: str
    topic: str | None
    team: str
    at: datetime
    kind: str  # confirm | reroute | triage


def relabelled_examples(session: Session, *, process: str | None = None) -> list[RelabelledExample]:
    """The latest label a person gave each case (``feedback_routings`` rows by staff), with the
    case's message: training examples for the next ``osallistu server train-router``."""
    latest = (
        select(FeedbackRouting.case_id, func.max(FeedbackRouting.id).label("last"))
        .where(FeedbackRouting.kind != "model")
        .group_by(FeedbackRouting.case_id)
        .subquery()
    )
    query = (
        select(FeedbackCase.message, FeedbackRouting)
        .join(latest, latest.c.last == FeedbackRouting.id)
        .join(FeedbackCase, FeedbackCase.id == FeedbackRouting.case_id)
        .order_by(FeedbackRouting.id)
    )
    if process is not None:
        query = query.where(FeedbackCase.process == process)
    return [
        RelabelledExample(message, routing.to_topic, routing.to_team, _aware(routing.at), routing.kind)
        for message, routing in session.execute(query).all()
    ]


# -- people's actions -------------------------------------------------------------------------


def _case_for_update(session: Session, case_id: int) -> FeedbackCase:
    case = session.get(FeedbackCase, case_id, with_for_update=True)
    if case is None:
        raise StaffInputError(f"there is no feedback case {case_id}", reason="unknown_case")
    return case


def _refuse(staff: Staff, what: str) -> Forbidden:
    return Forbidden(f"{what}: only for the case's own team", permission="feedback.respond", role=staff.role)


def route_case(
    session: Session,
    *,
    case_id: int,
    staff: Staff,
    now: datetime,
    team: str | None = None,
    topic: str | None = None,
    client_ip: str | None = None,
) -> str:
    """Send a case to a team (a topic's team when only ``topic`` is given), or confirm where it is.
    Returns the kind written (``confirm``, ``reroute`` or ``triage``)."""
    with session.begin():
        case = _case_for_update(session, case_id)
        if not (staff.can("feedback.triage") or can_answer(staff, case)):
            raise _refuse(staff, "routing this case")
        settings = feedback_settings_of(session, case.process)
        topic = topic or None
        team = team or None
        if topic is not None and (settings is None or settings.topic(topic) is None):
            raise StaffInputError(f"there is no topic {topic!r} in this process", reason="unknown_topic")
        if team is None and topic is not None and settings is not None:
            team = settings.team_of_topic(topic)
        if team is None:
            team = case.team
        if team is None:
            raise StaffInputError("choose a team or a topic", reason="no_team")
        if settings is not None and settings.team(team) is None:
            raise StaffInputError(f"there is no team {team!r} in this process", reason="unknown_team")
        if topic is None and team == case.team:
            topic = case.topic
        kind = "triage" if case.team is None else ("confirm" if (team, topic) == (case.team, case.topic) else "reroute")
        session.add(
            FeedbackRouting(
                case_id=case.id,
                at=now,
                kind=kind,
                staff_id=staff.id,
                staff_email=staff.email,
                from_team=case.team,
                from_topic=case.topic,
                to_team=team,
                to_topic=topic,
                suggestion=case.suggestion,
                confidence=case.confidence,
            )
        )
        before = {"team": case.team, "topic": case.topic}
        case.team, case.topic, case.routing, case.confirmed = team, topic, "staff", True
        record_action(
            session,
            "feedback.routed",
            at=now,
            actor=staff,
            target=case.reference,
            detail={"kind": kind, "before": before, "after": {"team": team, "topic": topic}},
            client_ip=client_ip,
        )
        return kind


def set_status(
    session: Session, *, case_id: int, status: str, staff: Staff, now: datetime, client_ip: str | None = None
) -> None:
    if status not in STATUSES:
        raise StaffInputError(f"{status!r} is not a status ({', '.join(STATUSES)})", reason="unknown_status")
    with session.begin():
        case = _case_for_update(session, case_id)
        if not (can_answer(staff, case) or staff.can("feedback.triage")):
            raise _refuse(staff, "changing this case's status")
        before = case.status
        if before == status:
            return
        case.status, case.status_at = status, now
        record_action(
            session,
            "feedback.status",
            at=now,
            actor=staff,
            target=case.reference,
            detail={"before": before, "after": status},
            client_ip=client_ip,
        )


def answer_case(
    session: Session,
    *,
    case_id: int,
    text: str,
    staff: Staff,
    now: datetime,
    status: str = "processed",
    client_ip: str | None = None,
) -> int:
    """Store a responder's answer (the case's status becomes ``status``); returns the answer id."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise StaffInputError("the answer is empty", reason="empty_answer")
    if len(text) > MAX_ANSWER:
        raise StaffInputError(f"the answer is longer than {MAX_ANSWER} characters", reason="answer_too_long")
    if status not in STATUSES:
        raise StaffInputError(f"{status!r} is not a status", reason="unknown_status")
    with session.begin():
        case = _case_for_update(session, case_id)
        if not can_answer(staff, case):
            raise _refuse(staff, "answering this case")
        answer = FeedbackAnswer(
            case_id=case.id,
            at=now,
            staff_id=staff.id,
            staff_email=staff.email,
            team=staff.team,
            text=text,
            published=False,
        )
        session.add(answer)
        if case.answered_at is None:
            case.answered_at = now
        if case.status != status:
            case.status, case.status_at = status, now
        session.flush()
        record_action(
            session,
            "feedback.answered",
            at=now,
            actor=staff,
            target=case.reference,
            detail={"answer": answer.id, "characters": len(text), "status": status},
            client_ip=client_ip,
        )
        return answer.id


def publish_case(
    session: Session,
    *,
    case_id: int,
    staff: Staff,
    now: datetime,
    answer_id: int | None = None,
    client_ip: str | None = None,
) -> None:
    """Publish the case with one of its answers (default: the latest) on the public page."""
    with session.begin():
        case = _case_for_update(session, case_id)
        if not can_answer(staff, case):
            raise _refuse(staff, "publishing this case")
        answers = list(session.scalars(select(FeedbackAnswer).where(FeedbackAnswer.case_id == case.id)))
        if not answers:
            raise StaffInputError("a case is published with its answer: answer it first", reason="not_answered")
        chosen = (
            max(answers, key=lambda a: a.id)
            if answer_id is None
            else next((a for a in answers if a.id == answer_id), None)
        )
        if chosen is None:
            raise StaffInputError(f"answer {answer_id} is not an answer to this case", reason="unknown_answer")
        for answer in answers:
            answer.published = answer.id == chosen.id
        case.published_at = now
        record_action(
            session,
            "feedback.published",
            at=now,
            actor=staff,
            target=case.reference,
            detail={"answer": chosen.id},
            client_ip=client_ip,
        )


def unpublish_case(
    session: Session, *, case_id: int, staff: Staff, now: datetime, client_ip: str | None = None
) -> None:
    with session.begin():
        case = _case_for_update(session, case_id)
        if not can_answer(staff, case):
            raise _refuse(staff, "unpublishing this case")
        if case.published_at is None:
            return
        case.published_at = None
        for answer in session.scalars(select(FeedbackAnswer).where(FeedbackAnswer.case_id == case.id)):
            answer.published = False
        record_action(session, "feedback.unpublished", at=now, actor=staff, target=case.reference, client_ip=client_ip)


@dataclass(frozen=True)
class Contact:
    fields: dict[str, str]  # name, email, phone ... as the citizen gave them


def _contact_fields(plaintext: bytes) -> dict[str, str]:
    text = plaintext.decode("utf-8", errors="replace")
    try:
        value = json.loads(text)
    except ValueError:
        return {"contact": text}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v not in (None, "")}
    return {"contact": text}


def reveal_contact(
    session: Session, keys: ServerKeys, *, case_id: int, staff: Staff, now: datetime, client_ip: str | None = None
) -> Contact:
    """Open a case's sealed contact details for a responder of its team; the opening (or the failure
    to open) is written to the audit log in the same transaction. Raises ``Forbidden`` for anyone
    else, ``StaffInputError`` (``no_contact``, ``contact_broken``) when there is nothing to show."""
    refusal: StaffInputError | None = None
    with session.begin():
        case = _case_for_update(session, case_id)
        if not can_answer(staff, case):
            log_event("feedback.contact_refused", case=case.id, staff=staff.id)
            raise _refuse(staff, "contact details")
        raw = session.scalar(select(RawRecord.raw).where(RawRecord.hash == case.record_hash))
        box = json.loads(raw)["body"].get("contact") if raw else None
        if box is None:
            raise StaffInputError("this feedback has no contact details", reason="no_contact")
        try:
            plaintext = open_sealed(keys.sealing, box, context=case.record_id.encode())
        except SealedBoxError as exc:
            record_action(
                session,
                "feedback.contact_failed",
                at=now,
                actor=staff,
                target=case.reference,
                detail={"reason": exc.reason},
                client_ip=client_ip,
            )
            if case.problem is None:
                case.problem, case.problem_detail = "contact_broken", exc.message
            refusal = StaffInputError("the contact details do not open: they were damaged", reason="contact_broken")
        else:
            record_action(
                session,
                "feedback.contact_shown",
                at=now,
                actor=staff,
                target=case.reference,
                detail={"case": case.id},
                client_ip=client_ip,
            )
    if refusal is not None:
        raise refusal
    return Contact(_contact_fields(plaintext))


def open_counts(session: Session) -> dict[str | None, int]:
    """Open cases per team (None: the triage queue)."""
    rows = session.execute(
        select(FeedbackCase.team, func.count()).where(_open_filter(OPEN_STATUSES)).group_by(FeedbackCase.team)
    ).all()
    return {team: n for team, n in rows}
