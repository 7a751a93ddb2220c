"""``/staff/moderation``: the Voxit moderation queue (``statements.moderate``).

- ``GET /staff/moderation``: per conversation, the statements participants proposed that
  nobody has decided on yet (text and language), each with approve / reject / meta buttons,
  and a form that adds a seed statement in Finnish, Swedish and English;
- ``POST /staff/moderation/{process}/{number}``: the decision (``approve``, ``reject``,
  ``meta``), audited in the same transaction; the manifest is re-signed so terminals receive
  an approved statement (a rejected one is never shown); then back to the queue (303);
- ``POST /staff/moderation/{process}/seeds``: a seed statement, approved at once, audited.

Statements enter the queue at ingest (``services.voxit.project_records``); before the queue
is read, ``services.voxit.collect_statements`` catches up any record that ingest left for
later (a conversation busy with an analysis run, or records stored before that change).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from sync_server.api.deps import SessionDep
from sync_server.db.models import Process
from sync_server.errors import StaffInputError, UnknownProcess
from sync_server.services import voxit
from sync_server.services.staff import Staff
from sync_server.web.deps import ClockDep, FormDep, client_ip, require
from sync_server.web.i18n import language_of, translate
from sync_server.web.render import NavItem, render

router = APIRouter()
NAV = [NavItem("nav.moderation", "/staff/moderation", "statements.moderate", order=40)]
Moderator = Annotated[Staff, require("statements.moderate")]
NOTICES = {"approve": "moderation.approved", "reject": "moderation.rejected", "meta": "moderation.marked_meta"}


def _page(request: Request, session: Session, status: int = 200, **context: Any) -> HTMLResponse:
    lang = language_of(request)
    with session.begin():
        queue = voxit.moderation_queue(session)
        conversations = [session.get(Process, pid) for pid in voxit.voxit_process_ids(session)]
        rows = [
            {
                "process": row.process_id,
                "number": row.number,
                "text": next(iter(row.text.values())),
                "lang": row.lang or "",
            }
            for row in queue
        ]
        shown = [
            {
                "id": p.id,
                "title": p.title.get(lang) or next(iter(p.title.values()), p.id),
                "pending": [r for r in rows if r["process"] == p.id],
                "approved": sum(1 for s in voxit.statement_rows(session, p.id) if s.state == "approved"),
            }
            for p in conversations
            if p is not None
        ]
    return render(request, "moderation.html", status=status, conversations=shown, **context)


@router.get("/staff/moderation", response_class=HTMLResponse)
def moderation(request: Request, session: SessionDep, staff: Moderator, done: str | None = None) -> Response:
    notice = translate(language_of(request), NOTICES[done]) if done in NOTICES else None
    if done == "seed":
        notice = translate(language_of(request), "moderation.seed_added")
    return _page(request, session, notice=notice)


@router.post("/staff/moderation/{process_id}/seeds", response_class=HTMLResponse)
def add_seed(
    request: Request, process_id: str, session: SessionDep, staff: Moderator, form: FormDep, now: ClockDep
) -> Response:
    text = {lang: str(form.get(f"text_{lang}", "")) for lang in ("fi", "sv", "en")}
    try:
        voxit.add_seed(
            session,
            request.app.state.keys,
            process_id=process_id,
            text=text,
            actor=staff,
            now=now,
            client_ip=client_ip(request),
        )
    except UnknownProcess:
        return _page(request, session, status=404, error=translate(language_of(request), "moderation.unknown"))
    except StaffInputError:
        error = translate(language_of(request), "moderation.seed_needed", max=voxit.MAX_SEED)
        return _page(request, session, status=400, error=error, seed_process=process_id, seed_text=text)
    return RedirectResponse("/staff/moderation?done=seed", status_code=303)


@router.post("/staff/moderation/{process_id}/{number}", response_class=HTMLResponse)
def decide(
    request: Request, process_id: str, number: int, session: SessionDep, staff: Moderator, form: FormDep, now: ClockDep
) -> Response:
    decision = str(form.get("decision", ""))
    if decision not in voxit.DECISIONS:
        return _page(request, session, status=400, error=translate(language_of(request), "moderation.bad_decision"))
    try:
        voxit.decide(
            session,
            request.app.state.keys,
            process_id=process_id,
            number=number,
            decision=decision,  # checked against DECISIONS above
            actor=staff,
            now=now,
            client_ip=client_ip(request),
        )
    except (UnknownProcess, StaffInputError):
        return _page(request, session, status=404, error=translate(language_of(request), "moderation.unknown"))
    return RedirectResponse(f"/staff/moderation?done={decision}", status_code=303)
