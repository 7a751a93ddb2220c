"""Where the shared pabulib files are (read in place, never copied into the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

PABULIB = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pabulib"
FILES = sorted(PABULIB.glob("*.pb")) if PABULIB.is_dir() else []


def require_data() -> None:
    if not FILES:
        pytest.skip(f"the shared pabulib data is absent ({PABULIB.resolve()}): golden tests need it")
