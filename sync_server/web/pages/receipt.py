"""The public receipt page ``/receipt``: a voter types the code from the thank-you screen."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from sync_server.api.deps import SessionDep
from sync_server.services.receipts import check_receipt

router = APIRouter()

MESSAGES = {
    "counted": ("Ääni on laskettu.", "Rösten har räknats.", "Your ballot is counted."),
    "superseded": (
        "Vastaanotettu, ei laskettu: samalla koodilla annettu toinen ääni laskettiin.",
        "Mottagen, inte räknad: en annan röst med samma kod räknades.",
        "Received, not counted (superseded by another ballot with the same code).",
    ),
    "not_counted": (
        "Vastaanotettu, ei laskettu: ääni ei noudata äänestyksen sääntöjä.",
        "Mottagen, inte räknad: rösten följer inte omröstningens regler.",
        "Received, not counted: the ballot breaks the vote's rules.",
    ),
    "not_found": (
        "Ei vielä löydy – äänestyspääte ei ehkä ole vielä synkronoinut.",
        "Hittas inte ännu – terminalen har kanske inte synkroniserat.",
        "Not found yet — the terminal may not have synced.",
    ),
    "bad_code": (
        "Tämä ei ole kuittikoodi (muoto ABCD-EFGH-JK).",
        "Detta är ingen kvittokod (formen ABCD-EFGH-JK).",
        "This is not a receipt code (it looks like ABCD-EFGH-JK).",
    ),
}

PAGE = """<!doctype html>
<html lang="fi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kuitti · Kvitto · Receipt</title>
<style>body{{font:1.25rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}
input,button{{font-size:1.25rem;padding:.5rem}} .result{{border:3px solid #0000bf;padding:1rem;margin-top:1rem}}</style>
</head><body>
<h1>Tarkista kuitti · Kontrollera kvitto · Check your receipt</h1>
<form method="get" action="/receipt">
<label for="code">Kuittikoodi · Kvittokod · Receipt code</label><br>
<input id="code" name="code" value="{code}" autocomplete="off" autocapitalize="characters" placeholder="ABCD-EFGH-JK">
<button type="submit">Tarkista · Kontrollera · Check</button>
</form>
{result}
</body></html>
"""


@router.get("/receipt", response_class=HTMLResponse)
def receipt_page(session: SessionDep, code: str = "") -> HTMLResponse:
    result = ""
    if code.strip():
        answer = check_receipt(session, code[:64])
        lines = "".join(
            f"<p lang='{lang}'>{escape(text)}</p>"
            for lang, text in zip(("fi", "sv", "en"), MESSAGES[answer["status"]], strict=True)
        )
        status, shown = answer["status"], escape(answer["code"])
        result = f"<div class='result' data-status='{status}'><p><strong>{shown}</strong></p>{lines}</div>"
    return HTMLResponse(PAGE.format(code=escape(code[:64]), result=result))
