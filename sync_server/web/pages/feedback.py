"""``/staff/feedback/...``: the responders' and dispatchers' pages (``services.feedback``).

- ``GET /staff/feedback/inbox``: a team's cases, newest or due first, filtered by status
  (responders: their own team; ``feedback.triage``: any team, chosen with ``team=``);
- ``GET /staff/feedback/triage``: cases without a team, quarantined ones first (``feedback.triage``);
- ``GET /staff/feedback/due``: open cases that wait for a promised reply, due and overdue;
- ``GET /staff/feedback/cases/{id}``: one case: the message, place, topic, the router's
  suggestion with its confidence, routing history, answers; the forms below;
- ``POST .../route`` (confirm, re-route, triage), ``.../status``, ``.../answer``,
  ``.../publish``, ``.../unpublish``, ``.../contact`` (opens the sealed contact details for
  a responder of the case's team; the page that shows them is not stored, the opening is audited).

The answer form starts from a template in the feedback's language (greeting, thanks, an
apology when the reply is late, empathy, the reminder that the answer may be published,
the team's signature) that the responder edits before sending. Every list first brings the
cases up to date with the raw log and routes new ones (``refresh_cases``). Every POST is a
``FormDep`` form (CSRF), and every action writes its audit row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from sync_server.api.deps import SessionDep
from sync_server.db.models import FeedbackCase
from sync_server.errors import StaffInputError
from sync_server.services import feedback
from sync_server.services.feedback import CaseView, Contact
from sync_server.services.staff import Staff
from sync_server.web.deps import ClockDep, FormDep, client_ip, require
from sync_server.web.feedback_views import Names, all_teams, refresh, text_in
from sync_server.web.i18n import LANGUAGES, language_of, translate
from sync_server.web.render import NavItem, render
from sync_server.web.timefmt import local, time_helpers

router = APIRouter()
NAV = [
    NavItem("nav.feedback_inbox", "/staff/feedback/inbox", "feedback.view", order=40),
    NavItem("nav.feedback_triage", "/staff/feedback/triage", "feedback.triage", order=41),
    NavItem("nav.feedback_due", "/staff/feedback/due", "feedback.view", order=42),
]
Viewer = Annotated[Staff, require("feedback.view")]
Triager = Annotated[Staff, require("feedback.triage")]
TEMPLATES = ("standard", "will_fix", "not_possible")
STATUS_FILTERS = ("open", *feedback.STATUSES, "all")
EXCERPT = 140


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1].rstrip() + "…"


def _common(request: Request, session: Session, now: datetime) -> dict[str, Any]:
    lang = language_of(request)
    return {
        "names": Names(session, lang),
        "excerpt": _excerpt,
        "today": local(now).date().isoformat(),
        "percent": lambda value: f"{round((value or 0) * 100)} %",
        **time_helpers(lang, now),
    }


@router.get("/staff/feedback", include_in_schema=False)
def feedback_home() -> RedirectResponse:
    return RedirectResponse("/staff/feedback/inbox", status_code=303)


@router.get("/staff/feedback/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    session: SessionDep,
    staff: Viewer,
    now: ClockDep,
    team: str | None = None,
    status: str = "open",
    order: str = "newest",
) -> Response:
    refresh(request, session, now)
    lang = language_of(request)
    chosen = (team or staff.team) if staff.can("feedback.triage") else staff.team
    status = status if status in STATUS_FILTERS else "open"
    order = order if order in ("newest", "due") else "newest"
    statuses = feedback.OPEN_STATUSES if status == "open" else feedback.STATUSES if status == "all" else (status,)
    with session.begin():
        rows = feedback.inbox(session, team=chosen, statuses=statuses, order=order) if chosen else []
        counts = feedback.open_counts(session)
        teams = all_teams(session, lang) if staff.can("feedback.triage") else []
        context = _common(request, session, now)
        return render(
            request,
            "feedback_inbox.html",
            rows=rows,
            team=chosen,
            team_name=context["names"].team(rows[0].process if rows else None, chosen) if chosen else "",
            teams=teams,
            status_filter=status,
            statuses=STATUS_FILTERS,
            order=order,
            open_in_team=counts.get(chosen, 0) if chosen else 0,
            in_triage=counts.get(None, 0),
            **context,
        )


@router.get("/staff/feedback/triage", response_class=HTMLResponse)
def triage(request: Request, session: SessionDep, staff: Triager, now: ClockDep) -> Response:
    refresh(request, session, now)
    with session.begin():
        rows = feedback.triage_queue(session)
        return render(request, "feedback_triage.html", rows=rows, **_common(request, session, now))


@router.get("/staff/feedback/due", response_class=HTMLResponse)
def due(request: Request, session: SessionDep, staff: Viewer, now: ClockDep, team: str | None = None) -> Response:
    refresh(request, session, now)
    chosen = (team or None) if staff.can("feedback.triage") else staff.team
    with session.begin():
        context = _common(request, session, now)
        due_rows: list[FeedbackCase] = []
        overdue_rows: list[FeedbackCase] = []
        if chosen is not None or staff.can("feedback.triage"):
            due_rows, overdue_rows = feedback.due_lists(session, today=local(now).date(), team=chosen)
        return render(
            request,
            "feedback_due.html",
            due_rows=due_rows,
            overdue_rows=overdue_rows,
            team=chosen,
            teams=all_teams(session, language_of(request)) if staff.can("feedback.triage") else [],
            **context,
        )


def _not_found(request: Request) -> Response:
    message = translate(language_of(request), "feedback.unknown_case")
    return render(request, "error.html", status=404, message=message, reason="unknown_case")


def _forbidden(request: Request) -> Response:
    message = translate(language_of(request), "error.forbidden")
    return render(request, "error.html", status=403, message=message, reason="forbidden")


def answer_template(case: FeedbackCase, names: Names, *, kind: str, lang: str, today: str) -> str:
    """The starting text of an answer, in ``lang``: greeting, thanks, an apology when the reply is
    late, empathy, the body of the chosen ``kind``, the publishing reminder and the signature."""
    kind = kind if kind in TEMPLATES else "standard"
    topic = Names(names.session, lang).topic(case.process, case.topic or case.sent_topic)
    team = Names(names.session, lang).team(case.process, case.team)
    parts = [
        translate(lang, "feedback.tpl.greeting"),
        translate(lang, "feedback.tpl.thanks", topic=topic.lower() if topic else ""),
    ]
    if case.due_on is not None and case.due_on < today:
        parts.append(translate(lang, "feedback.tpl.apology_late"))
    parts.append(translate(lang, "feedback.tpl.empathy"))
    parts.append(translate(lang, f"feedback.tpl.body.{kind}"))
    parts.append(translate(lang, "feedback.tpl.publish_note"))
    parts.append(translate(lang, "feedback.tpl.signature", team=team))
    return "\n\n".join(part for part in parts if part)


def _case_page(
    request: Request,
    session: Session,
    staff: Staff,
    now: datetime,
    case_id: int,
    *,
    status: int = 200,
    template: str | None = None,
    template_lang: str | None = None,
    contact: Contact | None = None,
    error: str | None = None,
    draft: str | None = None,
    notice: str | None = None,
) -> Response:
    with session.begin():
        view: CaseView | None = feedback.case_view(session, case_id)
        if view is None:
            return _not_found(request)
        if not feedback.can_see(staff, view.case):
            return _forbidden(request)
        context = _common(request, session, now)
        case = view.case
        tlang = template_lang if template_lang in LANGUAGES else (case.lang if case.lang in LANGUAGES else "fi")
        answering = feedback.can_answer(staff, case)
        settings = view.settings
        text = draft
        if answering and text is None and (template is not None or not view.answers):
            kind = template or "standard"  # once answered, a template only when asked for
            text = answer_template(case, context["names"], kind=kind, lang=tlang, today=context["today"])
        return render(
            request,
            "feedback_case.html",
            status=status,
            view=view,
            case=case,
            topics=[(t.id, text_in(t.name, language_of(request), t.id)) for t in settings.topics] if settings else [],
            teams=[(t.id, text_in(t.name, language_of(request), t.id)) for t in settings.all_teams] if settings else [],
            answering=answering,
            routing_allowed=staff.can("feedback.triage") or answering,
            templates=TEMPLATES,
            chosen_template=template or "standard",
            template_lang=tlang,
            draft=text or "",
            contact=contact,
            error=error,
            notice=notice,
            statuses=feedback.STATUSES,
            max_answer=feedback.MAX_ANSWER,
            **context,
        )


@router.get("/staff/feedback/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: int,
    session: SessionDep,
    staff: Viewer,
    now: ClockDep,
    template: str | None = None,
    tlang: str | None = None,
    done: str | None = None,
) -> Response:
    notice = translate(language_of(request), f"feedback.done.{done}") if done in DONE else None
    return _case_page(request, session, staff, now, case_id, template=template, template_lang=tlang, notice=notice)


DONE = ("routed", "status", "answered", "published", "unpublished")


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _back(case_id: int, done: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/feedback/cases/{case_id}?done={done}", status_code=303)


def _refused(
    request: Request, session: Session, staff: Staff, now: datetime, case_id: int, exc: StaffInputError
) -> Response:
    if exc.reason == "unknown_case":
        return _not_found(request)
    key = f"feedback.error.{exc.reason}"
    translated = translate(language_of(request), key, max=feedback.MAX_ANSWER)
    message = exc.message if translated == key else translated
    return _case_page(request, session, staff, now, case_id, status=400, error=message)


@router.post("/staff/feedback/cases/{case_id}/route")
def route(request: Request, case_id: int, session: SessionDep, staff: Viewer, form: FormDep, now: ClockDep) -> Response:
    confirm = _field(form, "action") == "confirm"
    try:
        if confirm:
            feedback.route_case(session, case_id=case_id, staff=staff, now=now, client_ip=client_ip(request))
        else:
            feedback.route_case(
                session,
                case_id=case_id,
                staff=staff,
                now=now,
                team=_field(form, "team") or None,
                topic=_field(form, "topic") or None,
                client_ip=client_ip(request),
            )
    except StaffInputError as exc:
        return _refused(request, session, staff, now, case_id, exc)
    return _back(case_id, "routed")


@router.post("/staff/feedback/cases/{case_id}/status")
def change_status(
    request: Request, case_id: int, session: SessionDep, staff: Viewer, form: FormDep, now: ClockDep
) -> Response:
    try:
        feedback.set_status(
            session, case_id=case_id, status=_field(form, "status"), staff=staff, now=now, client_ip=client_ip(request)
        )
    except StaffInputError as exc:
        return _refused(request, session, staff, now, case_id, exc)
    return _back(case_id, "status")


@router.post("/staff/feedback/cases/{case_id}/answer")
def answer(
    request: Request, case_id: int, session: SessionDep, staff: Viewer, form: FormDep, now: ClockDep
) -> Response:
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    status = _field(form, "status") or "processed"
    try:
        feedback.answer_case(
            session, case_id=case_id, text=text, status=status, staff=staff, now=now, client_ip=client_ip(request)
        )
    except StaffInputError as exc:
        if exc.reason == "unknown_case":
            return _not_found(request)
        key = f"feedback.error.{exc.reason}"
        translated = translate(language_of(request), key, max=feedback.MAX_ANSWER)
        message = exc.message if translated == key else translated
        return _case_page(request, session, staff, now, case_id, status=400, error=message, draft=text)
    return _back(case_id, "answered")


@router.post("/staff/feedback/cases/{case_id}/publish")
def publish(
    request: Request, case_id: int, session: SessionDep, staff: Viewer, form: FormDep, now: ClockDep
) -> Response:
    chosen = _field(form, "answer")
    try:
        feedback.publish_case(
            session,
            case_id=case_id,
            staff=staff,
            now=now,
            answer_id=int(chosen) if chosen.isdigit() else None,
            client_ip=client_ip(request),
        )
    except StaffInputError as exc:
        return _refused(request, session, staff, now, case_id, exc)
    return _back(case_id, "published")


@router.post("/staff/feedback/cases/{case_id}/unpublish")
def unpublish(
    request: Request, case_id: int, session: SessionDep, staff: Viewer, form: FormDep, now: ClockDep
) -> Response:
    try:
        feedback.unpublish_case(session, case_id=case_id, staff=staff, now=now, client_ip=client_ip(request))
    except StaffInputError as exc:
        return _refused(request, session, staff, now, case_id, exc)
    return _back(case_id, "unpublished")


@router.post("/staff/feedback/cases/{case_id}/contact", response_class=HTMLResponse)
def contact(
    request: Request, case_id: int, session: SessionDep, staff: Viewer, form: FormDep, now: ClockDep
) -> Response:
    try:
        shown = feedback.reveal_contact(
            session, request.app.state.keys, case_id=case_id, staff=staff, now=now, client_ip=client_ip(request)
        )
    except StaffInputError as exc:
        return _refused(request, session, staff, now, case_id, exc)
    return _case_page(request, session, staff, now, case_id, contact=shown)
