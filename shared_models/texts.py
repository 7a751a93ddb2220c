"""The three languages every citizen-facing text is written in, and the check that a text has them."""

from __future__ import annotations

__all__ = ["LANGUAGES", "require_all_languages"]

LANGUAGES = ("fi", "sv", "en")


def require_all_languages(value: dict[str, str], what: str) -> dict[str, str]:
    """``value`` unchanged when it has a non-blank text in every language; else ValueError in words."""
    missing = [lang for lang in LANGUAGES if not value.get(lang, "").strip()]
    if missing:
        raise ValueError(f"{what} needs a text in {', '.join(missing)}")
    return value
