"""The Python API behind the Voxit ``osallistu server`` commands (``analyze``, ``import-polis``,
``export-polis``): a data folder's settings in, plain data out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sync_server.admin import _sessions
from sync_server.services.voxit import analysis_report, run_analysis
from sync_server.services.voxit_polis import export_polis, import_polis
from sync_server.settings import Settings

__all__ = ["analyze_conversation", "export_polis_folder", "import_polis_folder"]


def analyze_conversation(settings: Settings, process_id: str) -> dict[str, Any]:
    """Run the analysis now (stored as the next run, manifest re-signed); its report."""
    with _sessions(settings) as session:
        run = run_analysis(session, settings.load_keys(), process_id)
        with session.begin():
            return analysis_report(session, run)


def import_polis_folder(settings: Settings, folder: Path, *, lang: str = "und") -> dict[str, Any]:
    with _sessions(settings) as session:
        return import_polis(session, settings.load_keys(), settings.data_dir, Path(folder), lang=lang)


def export_polis_folder(settings: Settings, process_id: str, folder: Path) -> list[Path]:
    with _sessions(settings) as session:
        return export_polis(session, process_id, Path(folder))
