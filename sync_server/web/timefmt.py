"""Times on staff pages: Helsinki local time, and durations in words, from the catalogs.

``time_helpers(lang, now)`` gives the template functions ``when(moment)`` (local date and
time, e.g. ``28.11.2026 klo 14.05``), ``ago(moment)`` (``3 h ago``), ``seconds(n)``
(a signed clock offset, ``+4 s`` / ``−2 min 5 s``) and ``iso(moment)`` (for ``<time datetime>``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sync_server.web.i18n import translate

__all__ = ["HELSINKI", "local", "time_helpers"]

HELSINKI = ZoneInfo("Europe/Helsinki")


def local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(HELSINKI)


def time_helpers(lang: str, now: datetime) -> dict[str, Any]:
    def when(moment: datetime | None) -> str:
        if moment is None:
            return ""
        at = local(moment)
        return translate(
            lang,
            "time.local",
            d=at.day,
            m=at.month,
            y=at.year,
            dd=f"{at.day:02d}",
            mm=f"{at.month:02d}",
            H=f"{at.hour:02d}",
            M=f"{at.minute:02d}",
        )

    def iso(moment: datetime | None) -> str:
        return "" if moment is None else local(moment).isoformat(timespec="seconds")

    def ago(moment: datetime | None) -> str:
        if moment is None:
            return ""
        seconds = int((now - (moment if moment.tzinfo else moment.replace(tzinfo=UTC))).total_seconds())
        if seconds < 60:
            return translate(lang, "time.just_now")
        if seconds < 3600:
            return translate(lang, "time.minutes_ago", n=seconds // 60)
        if seconds < 48 * 3600:
            return translate(lang, "time.hours_ago", n=seconds // 3600)
        return translate(lang, "time.days_ago", n=seconds // 86400)

    def offset(value: int | None) -> str:
        if value is None:
            return ""
        sign = "+" if value > 0 else "−" if value < 0 else "±"
        size = abs(value)
        if size < 60:
            return translate(lang, "time.offset_s", sign=sign, s=size)
        if size < 3600:
            return translate(lang, "time.offset_min", sign=sign, min=size // 60, s=size % 60)
        return translate(lang, "time.offset_h", sign=sign, h=size // 3600, min=size % 3600 // 60)

    return {"when": when, "iso": iso, "ago": ago, "offset": offset}
