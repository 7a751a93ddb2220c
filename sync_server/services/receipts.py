"""Receipt check: is the ballot behind a receipt code counted? Never says what it holds."""

from __future__ import annotations

import json
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.receipts import receipt_code, receipt_prefix
from sync_server.db.models import Process, RawRecord
from sync_server.services.ballots import BallotRecord, paper_devices, project_ballots

__all__ = ["ReceiptStatus", "check_receipt"]

ReceiptStatus = Literal["counted", "superseded", "not_counted", "not_found", "bad_code"]


def check_receipt(session: Session, code: str) -> dict[str, Any]:
    """``{"code", "status"}``: counted; superseded (another ballot with the same voting code is
    counted); not_counted (the ballot breaks the process's rules); not_found (not synced yet);
    bad_code (cannot be a receipt code)."""
    prefix = receipt_prefix(code)
    if prefix is None:
        return {"code": code.strip()[:20], "status": "bad_code"}
    with session.begin():
        rows = session.execute(
            select(RawRecord.id, RawRecord.raw).where(
                RawRecord.kind == "budget.ballot", RawRecord.id.startswith(prefix, autoescape=True)
            )
        ).all()
        if len(rows) != 1:  # none, or (50 bits: practically never) ambiguous
            return {"code": _shown(prefix), "status": "not_found"}
        record_id, raw = rows[0]
        voter = json.loads(raw)["body"].get("voter", "")
        needle = json.dumps({"voter": voter}, separators=(",", ":"))[1:-1]  # canonical JSON spelling
        same_voter = session.execute(
            select(RawRecord.id, RawRecord.hash, RawRecord.device, RawRecord.day, RawRecord.raw).where(
                RawRecord.kind == "budget.ballot", RawRecord.raw.contains(needle, autoescape=True)
            )
        ).all()
        records = [BallotRecord(i, h, d, day, json.loads(r)["body"]) for i, h, d, day, r in same_voter]
        names = {str(r.body.get("process")) for r in records}
        processes = {
            row.id: {"id": row.id, "activities": row.activities, "status": row.status, "settings": row.settings}
            for row in session.scalars(select(Process).where(Process.id.in_(names)))
        }
        ballots = project_ballots(records, processes, paper_devices(session))
    mine = next(b for b in ballots if b.record_id == record_id)
    status: ReceiptStatus = "not_counted" if mine.status == "invalid" else mine.status
    return {"code": receipt_code(record_id), "status": status}


def _shown(prefix: str) -> str:
    head = prefix.upper()
    return f"{head[:4]}-{head[4:8]}-{head[8:]}"
