"""The librarian panel's status block (pure): what it says about sending, USB copies and replies."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.librarian_panel import status_lines

BASE: dict[str, Any] = {"device": "tabc", "pending": 1, "sealed": 2, "acknowledged": 3, "server_reachable": None}


def keys(**status: Any) -> list[str]:
    return [m.key for m in status_lines({**BASE, **status})]


def test_a_new_terminal_says_nothing_was_sent() -> None:
    assert "panel.last_sync_never" in keys()


@pytest.mark.parametrize(
    ("status", "expected", "absent"),
    [
        ({"last_export": "2026-11-28T10:00:00Z"}, ["panel.last_export"], "panel.last_sync_never"),
        (
            {"last_export": "2026-11-28T10:00:00Z", "last_reply": "2026-11-29T08:00:00Z"},
            ["panel.last_export", "panel.last_reply"],
            "panel.last_sync_never",
        ),
        ({"last_sync": "2026-11-29T08:00:00Z", "last_sync_ok": True}, ["panel.last_sync_ok"], "panel.last_reply"),
    ],
    ids=["exported", "exported_and_replied", "network"],
)
def test_an_offline_terminal_tells_of_its_usb_copies_and_replies(
    status: dict[str, Any], expected: list[str], absent: str
) -> None:
    said = keys(**status)
    assert all(key in said for key in expected)
    assert absent not in said
