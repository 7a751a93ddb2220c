"""Staff texts in Finnish, Swedish and English.

Catalogs are JSON files in ``catalogs/``: ``fi.json``, ``sv.json``, ``en.json`` for
the common texts, and ``<section>.<lang>.json`` for a section's own texts (for example
``terminals.fi.json``), so each page module can bring its texts without touching
the common files. All files of a language are merged; a key defined twice is an
error. A test checks that every language has every key.

Keys are dotted (``nav.terminals``, ``sign_in.title``); values are ``str.format``
templates (``"Locked until {time}"``). A missing key shows as the key itself.
The language is the ``lang`` cookie (set by ``/staff/language/{lang}``, linked
from every page), Finnish by default.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import Request

__all__ = ["DEFAULT_LANG", "LANGUAGES", "LANG_COOKIE", "catalog", "language_of", "translate"]

CATALOGS = Path(__file__).with_name("catalogs")
LANGUAGES: dict[str, str] = {"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}
DEFAULT_LANG = "fi"
LANG_COOKIE = "lang"


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every text of ``lang`` from every catalog file of that language."""
    merged: dict[str, str] = {}
    for path in sorted(CATALOGS.glob("*.json")):
        parts = path.name.split(".")
        if parts[-2] != lang:
            continue
        texts = json.loads(path.read_text(encoding="utf-8"))
        for key, value in texts.items():
            if key in merged:
                raise ValueError(f"the text {key!r} is defined twice for {lang!r} ({path.name})")
            merged[key] = value
    return merged


def translate(lang: str, key: str, **values: object) -> str:
    text = catalog(lang).get(key) or catalog(DEFAULT_LANG).get(key) or key
    return text.format(**values) if values else text


def language_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    return lang if lang in LANGUAGES else DEFAULT_LANG
