"""Saves PNGs of the running app to ``screenshots/`` (gitignored) for people to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .driving import settle

SCREENSHOT_DIR = Path(__file__).resolve().parents[3] / "screenshots"


def save(app: Any, name: str) -> Path:
    """Renders the root widget into an offscreen buffer, so the picture is the full
    1920x1080 window whatever the Xvfb screen size."""
    settle(6)
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    app.root.export_to_png(str(path))
    return path
