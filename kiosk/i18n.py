"""Texts for the screens: one JSON catalog per language in ``kiosk/catalogs/``.

Finnish is the default and the fallback for a key a catalog lacks (a test keeps
every catalog complete, so the fallback only guards a half-written new language).
Adding a language is adding ``catalogs/<code>.json`` with a ``language.name`` key
holding the language's own name for its button.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["CATALOG_DIR", "DEFAULT_LANGUAGE", "Catalogs", "load_catalogs"]

CATALOG_DIR = Path(__file__).with_name("catalogs")
DEFAULT_LANGUAGE = "fi"
_ORDER = ("fi", "sv", "en")  # the first three in this order; any others after, by code


class Catalogs:
    """All loaded catalogs; ``text(lang, key, **fields)`` picks one string."""

    def __init__(self, catalogs: dict[str, dict[str, str]], default: str = DEFAULT_LANGUAGE) -> None:
        if default not in catalogs:
            raise ValueError(f"the default language {default!r} has no catalog")
        self._catalogs = catalogs
        self.default = default

    @property
    def languages(self) -> list[str]:
        known = [code for code in _ORDER if code in self._catalogs]
        return known + sorted(code for code in self._catalogs if code not in _ORDER)

    def keys(self, lang: str) -> set[str]:
        return set(self._catalogs[lang])

    def language_name(self, lang: str) -> str:
        return self.text(lang, "language.name")

    def text(self, lang: str, key: str, **fields: object) -> str:
        catalog = self._catalogs.get(lang, {})
        template = catalog.get(key) or self._catalogs[self.default].get(key)
        if template is None:
            raise KeyError(f"no text for {key!r} in any catalog")
        return template.format(**fields) if fields else template


def load_catalogs(folder: Path = CATALOG_DIR) -> Catalogs:
    """Every ``*.json`` in the folder, named by language code."""
    catalogs: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ValueError(f"{path.name}: a catalog is one JSON object of strings")
        catalogs[path.stem] = data
    return Catalogs(catalogs)
