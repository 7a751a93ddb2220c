"""Public feedback pages (anyone, no sign-in; ``public_base.html``):

- ``GET /feedback/published?page=N``: cases staff chose to publish, with their answers, newest
  first, ``PER_PAGE`` a page;
- ``GET /feedback/case?code=ABCD-EFGH-JK``: a citizen follows their feedback with the reference
  code from the terminal's thank-you screen: its status, and the answer once it is published.
  The code shows nothing else (not the message, not the answer before it is published), so a
  code seen over a shoulder tells little.

Messages and answers are shown as text (autoescaped), never as markup.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from sync_server.api.deps import SessionDep
from sync_server.services import feedback
from sync_server.web.deps import ClockDep
from sync_server.web.feedback_views import Names
from sync_server.web.i18n import language_of
from sync_server.web.render import render
from sync_server.web.timefmt import time_helpers

router = APIRouter()
MAX_CODE = 64
PER_PAGE = 25


@router.get("/feedback/published", response_class=HTMLResponse)
def published(
    request: Request, session: SessionDep, now: ClockDep, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1
) -> Response:
    lang = language_of(request)
    with session.begin():
        total = feedback.published_count(session)
        pages = max(1, -(-total // PER_PAGE))
        page = min(page, pages)
        rows = feedback.published_cases(session, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        return render(
            request,
            "feedback_published.html",
            public=True,
            rows=rows,
            page=page,
            pages=pages,
            total=total,
            names=Names(session, lang),
            **time_helpers(lang, now),
        )


@router.get("/feedback/case", response_class=HTMLResponse)
def follow(request: Request, session: SessionDep, now: ClockDep, code: str = "") -> Response:
    lang = language_of(request)
    code = code.strip()[:MAX_CODE]
    with session.begin():
        case = feedback.case_by_reference(session, code) if code else None
        view = feedback.case_view(session, case.id) if case is not None and case.published_at is not None else None
        answer = next((a for a in view.answers if a.published), None) if view is not None else None
        return render(
            request,
            "feedback_follow.html",
            public=True,
            code=code,
            case=case,
            answer=answer,
            names=Names(session, lang),
            **time_helpers(lang, now),
        )
