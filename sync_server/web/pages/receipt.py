"""The public receipt page ``/receipt``: a voter types the code from the thank-you screen.

``GET /receipt`` shows the form; ``GET /receipt?code=...`` also the answer of
``services.receipts.check_receipt``: counted, superseded (another ballot with the same
voting code was counted), not counted (the ballot broke the rules), not found yet (the
terminal may not have synced) or not a receipt code. Never what the ballot chose.

The answer is given in the page's language first and then in the other two: the code
comes from a terminal that spoke the voter's language, and the voter may not have chosen
the page's language yet. Texts: ``catalogs/receipt.*.json``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync_server.api.deps import SessionDep
from sync_server.services.receipts import check_receipt
from sync_server.web.i18n import LANGUAGES, language_of, translate
from sync_server.web.render import render

__all__ = ["MAX_CODE", "router"]

router = APIRouter()
MAX_CODE = 64


@router.get("/receipt", response_class=HTMLResponse)
def receipt_page(request: Request, session: SessionDep, code: str = "") -> HTMLResponse:
    code = code[:MAX_CODE]
    answer = check_receipt(session, code) if code.strip() else None
    lang = language_of(request)
    messages: list[tuple[str, str]] = []
    if answer is not None:
        key = f"receipt.status.{answer['status']}"
        order = [lang, *(other for other in LANGUAGES if other != lang)]
        messages = [(each, translate(each, key)) for each in order]
    return render(request, "receipt.html", public=True, code=code, answer=answer, messages=messages)
