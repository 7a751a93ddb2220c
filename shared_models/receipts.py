"""Receipt codes: what a voter sees on the thank-you screen and may check on the server.

``receipt_code(record_id)`` is the first 10 characters of the ballot record's id (lowercase
base32, 26 characters) in upper case, grouped ``ABCD-EFGH-JK``. 50 bits: enough that two
ballots of one process do not share a code in practice, and it shows nothing of the ballot's
content. ``normalize_receipt`` accepts what a person types (lower case, spaces, missing or
extra dashes, ``0``/``1``/``8`` for ``O``/``I``/``B``) and returns the 10 characters, or
None when it cannot be a receipt code. Pure.
"""

from __future__ import annotations

import re

__all__ = ["RECEIPT_LENGTH", "normalize_receipt", "receipt_code", "receipt_prefix"]

RECEIPT_LENGTH = 10
_ID = re.compile(r"^[a-z2-7]{26}$")
_CODE = re.compile(r"^[A-Z2-7]{10}$")
_LOOKALIKE = str.maketrans({"0": "O", "1": "I", "8": "B"})


def receipt_code(record_id: str) -> str:
    """``ABCD-EFGH-JK`` from a record id (26 lowercase base32 characters)."""
    if not _ID.fullmatch(record_id):
        raise ValueError(f"{record_id!r} is not a record id")
    head = record_id[:RECEIPT_LENGTH].upper()
    return f"{head[:4]}-{head[4:8]}-{head[8:]}"


def normalize_receipt(text: str) -> str | None:
    """The 10 code characters of a typed receipt code, or None."""
    cleaned = re.sub(r"[\s-]", "", text).upper().translate(_LOOKALIKE)
    return cleaned if _CODE.fullmatch(cleaned) else None


def receipt_prefix(text: str) -> str | None:
    """The record-id prefix (lowercase) a typed receipt code stands for, or None."""
    code = normalize_receipt(text)
    return None if code is None else code.lower()
