"""What the librarian's PIN keypad and panel say and do, without a window.

The screens (``kiosk/screens/pin_entry.py``, ``kiosk/screens/librarian.py``) only
show what these functions return: a message is a catalog key with its fields, so
the words stay in the catalogs and follow the language switch.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "MAX_STUDENTS",
    "MEDIA_ROOTS",
    "Message",
    "PinPad",
    "StudentCount",
    "class_session_message",
    "describe_pin_result",
    "export_file_name",
    "export_message",
    "find_export_folder",
    "find_reply_file",
    "format_clock_time",
    "reply_message",
    "seal_message",
    "status_lines",
    "sync_message",
]

MEDIA_ROOTS = (Path("/media"), Path("/run/media"))
REPLY_SUFFIX = ".osr"  # what ``osallistu server import --reply`` and ``server reply`` write
# why a reply was refused (``ReplyError.reason``) -> what the librarian reads
REPLY_REFUSALS = {
    "wrong_device": "panel.reply_other_terminal",
    "rollback": "panel.reply_old",
    "same_serial": "panel.reply_old",
    "ack_unknown_seal": "panel.reply_mismatch",
    "ack_mismatch": "panel.reply_mismatch",
}
PIN_MAX_DIGITS = 8
MAX_STUDENTS = 99  # a class session's students, typed on the panel's keypad


@dataclass(frozen=True)
class Message:
    key: str
    fields: Mapping[str, object] = field(default_factory=dict)
    tone: Literal["info", "error", "success"] = "info"


class PinPad:
    """The digits typed so far; never shown, only counted as dots."""

    def __init__(self) -> None:
        self._digits = ""

    def press(self, digit: str) -> None:
        if digit.isdigit() and len(digit) == 1 and len(self._digits) < PIN_MAX_DIGITS:
            self._digits += digit

    def erase(self) -> None:
        self._digits = self._digits[:-1]

    def clear(self) -> None:
        self._digits = ""

    @property
    def masked(self) -> str:
        return " ".join("•" * len(self._digits))

    def take(self) -> str:
        digits, self._digits = self._digits, ""
        return digits


class StudentCount:
    """How many students a class session is for, typed digit by digit (1 to ``MAX_STUDENTS``)."""

    def __init__(self) -> None:
        self.digits = ""

    def press(self, digit: str) -> None:
        if digit.isdigit() and len(digit) == 1 and int(self.digits + digit) <= MAX_STUDENTS:
            self.digits = (self.digits + digit).lstrip("0")

    def erase(self) -> None:
        self.digits = self.digits[:-1]

    def clear(self) -> None:
        self.digits = ""

    @property
    def shown(self) -> str:
        return self.digits or "_"

    @property
    def count(self) -> int | None:
        """The number typed, or None when nothing (or only zeros) was typed."""
        return int(self.digits) if self.digits else None


def class_session_message(students: int | None) -> Message:
    """Whether a class session is on (``students``: its size, None when none is)."""
    return Message("panel.class_on", {"count": students}) if students else Message("panel.class_none")


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def format_clock_time(value: Any) -> str:
    """A moment as the terminal's local wall-clock time, e.g. ``14:05``."""
    moment = _as_datetime(value)
    return moment.astimezone().strftime("%H:%M") if moment else "?"


def format_day_time(value: Any) -> str:
    moment = _as_datetime(value)
    return moment.astimezone().strftime("%d.%m.%Y %H:%M") if moment else "?"


def describe_pin_result(result: Any) -> tuple[bool, Message | None]:
    """(signed in, message) from ``Terminal.check_pin``'s result."""
    if getattr(result, "ok", False):
        return True, None
    locked_until = getattr(result, "locked_until", None)
    locked = result.locked if hasattr(result, "locked") else locked_until is not None
    if locked:
        return False, Message("pin.locked", {"time": format_clock_time(locked_until)}, "error")
    tries = getattr(result, "tries_left", None)
    return False, Message("pin.wrong", {"tries": "?" if tries is None else tries}, "error")


def status_lines(status: Mapping[str, Any]) -> list[Message]:
    """The panel's status block from ``Terminal.status()``."""
    lines = [
        Message("panel.device", {"device": status.get("device") or "?"}),
        Message("panel.pending", {"count": status.get("pending", 0)}),
        Message("panel.sealed", {"count": status.get("sealed", 0)}),
        Message("panel.acknowledged", {"count": status.get("acknowledged", 0)}),
    ]
    last = status.get("last_sync")
    exported, replied = status.get("last_export"), status.get("last_reply")
    if exported:
        lines.append(Message("panel.last_export", {"time": format_day_time(exported)}))
    if replied:
        lines.append(Message("panel.last_reply", {"time": format_day_time(replied)}, "success"))
    if not last:
        if not (exported or replied):
            lines.append(Message("panel.last_sync_never"))
    elif status.get("last_sync_ok"):
        lines.append(Message("panel.last_sync_ok", {"time": format_day_time(last)}, "success"))
    else:
        lines.append(Message("panel.last_sync_failed", {"time": format_day_time(last)}, "error"))
    reachable = status.get("server_reachable")
    lines.append(
        Message("panel.server_unknown")
        if reachable is None
        else Message("panel.server_yes", tone="success")
        if reachable
        else Message("panel.server_no", tone="error")
    )
    serial = status.get("manifest_serial")
    lines.append(Message("panel.manifest", {"serial": serial}) if serial else Message("panel.manifest_none"))
    return lines


def _summary(report: Any) -> Mapping[str, Any]:
    summary = report.summary() if hasattr(report, "summary") else report
    return summary if isinstance(summary, Mapping) else {}


def sync_message(outcome: Any) -> Message:
    """From a ``kiosk.worker.SyncOutcome`` (ok, report, error, reason)."""
    if not getattr(outcome, "ok", False) or getattr(outcome, "report", None) is None:
        return Message("panel.sync_failed", tone="error")
    summary = _summary(outcome.report)
    return Message(
        "panel.sync_done", {"sent": summary.get("sent", 0), "accepted": summary.get("accepted", 0)}, "success"
    )


def seal_message(seals: Iterable[Any] | None, error: BaseException | None) -> Message:
    if error is not None:
        return Message("panel.seal_failed", tone="error")
    count = len(list(seals or []))
    return Message("panel.seal_done", {"count": count}, "success") if count else Message("panel.seal_nothing")


def find_export_folder(fallback: Path, roots: Iterable[Path] = MEDIA_ROOTS) -> tuple[Path, bool]:
    """The first mounted, writable removable folder under the roots, else ``fallback``.

    Desktop automounters use ``/media/LABEL``, ``/media/USER/LABEL`` or
    ``/run/media/USER/LABEL``; a folder counts only when it is a mount point.
    Returns (folder, removable).
    """
    for root in roots:
        for candidate in _two_levels(root):
            if os.path.ismount(candidate) and os.access(candidate, os.W_OK):
                return candidate, True
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback, False


def _two_levels(root: Path) -> list[Path]:
    found: list[Path] = []
    try:
        first = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return found
    for folder in first:
        found.append(folder)
        try:
            found.extend(sorted(p for p in folder.iterdir() if p.is_dir()))
        except OSError:
            continue
    return found


def export_file_name(device_id: str, now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"osallistu-{device_id}-{moment.strftime('%Y%m%d-%H%M%S')}.osb"


def export_message(path: Path | None, removable: bool, error: BaseException | None) -> Message:
    if error is not None or path is None:
        return Message("panel.export_failed", tone="error")
    if removable:
        return Message("panel.export_done", {"name": path.name}, "success")
    return Message("panel.export_local", {"folder": str(path.parent), "name": path.name}, "success")


def find_reply_file(folder: Path, device_id: str) -> Path | None:
    """The newest reply file (``*.osr``) in ``folder`` for this terminal, by the time the server wrote it.

    Only the first line (the header) of each file is read; files for other terminals are left alone."""
    found: list[tuple[str, float, Path]] = []
    try:
        candidates = sorted(p for p in folder.iterdir() if p.suffix.lower() == REPLY_SUFFIX and p.is_file())
    except OSError:
        return None
    for path in candidates:
        try:
            with path.open("rb") as handle:
                header = json.loads(handle.readline(4096))
            stamp = path.stat().st_mtime
        except (OSError, ValueError):
            continue
        if isinstance(header, dict) and header.get("type") == "osallistu.reply" and header.get("device") == device_id:
            found.append((str(header.get("created", "")), stamp, path))
    return max(found)[2] if found else None


def reply_message(report: Any, error: BaseException | None) -> Message:
    """From ``Terminal.import_reply``'s report, or why it failed (None and None: no file was found)."""
    if error is not None:
        reason = getattr(error, "reason", None)
        if isinstance(error, OSError) or reason is None:
            return Message("panel.reply_failed", tone="error")
        return Message(REPLY_REFUSALS.get(str(reason), "panel.reply_damaged"), tone="error")
    if report is None:
        return Message("panel.reply_missing", tone="error")
    fields = {"count": report.records_confirmed, "serial": report.manifest_serial}
    if report.manifest == "applied":
        return Message("panel.reply_done_new", fields, "success")
    if report.records_confirmed:
        return Message("panel.reply_done", fields, "success")
    return Message("panel.reply_nothing_new", fields)
