"""The Python API behind the participatory-budget ``osallistu server`` commands
(``process add``, ``import-pb``, ``tally``, ``export-pb``, ``export-csv``, ``ballots``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shared_models.pabulib import parse_pb
from sync_server.admin import _sessions
from sync_server.services import processes
from sync_server.services.ballots import anomalies_report, load_ballots
from sync_server.services.pb_import import enter_paper_ballots, free_process_id, process_from_file, process_from_pb
from sync_server.services.tally import export_csv, export_pb, tally_process
from sync_server.settings import Settings

__all__ = ["add_process_file", "ballot_anomalies", "export_csv_file", "export_pb_files", "import_pb", "tally"]


def add_process_file(settings: Settings, path: Path) -> str:
    """Create or replace a process from a JSON/TOML definition; returns its id."""
    process = process_from_file(Path(path))
    with _sessions(settings) as session:
        processes.save_process(session, settings.load_keys(), process)
    return process.id


def import_pb(settings: Settings, path: Path, *, paper: bool = False) -> dict[str, Any]:
    """A budget process from a pabulib file; with ``paper`` its VOTES entered as paper ballots."""
    path = Path(path)
    election = parse_pb(path.read_text(encoding="utf-8"))
    keys = settings.load_keys()
    with _sessions(settings) as session:
        with session.begin():
            process_id = free_process_id(session, path.stem)
        process, ids = process_from_pb(election, process_id=process_id)
        processes.save_process(session, keys, process)
        counts = (
            enter_paper_ballots(session, keys, settings.data_dir, process=process, election=election, ids=ids)
            if paper
            else {}
        )
    return {"process": process_id, "projects": len(election.projects), "votes": len(election.votes), "ingest": counts}


def tally(settings: Settings, process_id: str, *, rule: str | None = None) -> dict[str, Any]:
    with _sessions(settings) as session:
        return tally_process(session, process_id, rule=rule)


def ballot_anomalies(settings: Settings, process_id: str) -> dict[str, Any]:
    with _sessions(settings) as session, session.begin():
        return anomalies_report(load_ballots(session, process_id))


def export_pb_files(settings: Settings, process_id: str, target: Path) -> list[Path]:
    """One district: ``target`` itself. Several: ``target`` as a folder (when it is one or has no
    suffix) holding ``<district>.pb``, else ``<stem>_<district>.pb`` next to ``target``."""
    with _sessions(settings) as session:
        texts = export_pb(session, process_id)
    target = Path(target)
    if len(texts) == 1:
        paths = {next(iter(texts)): target}
    elif target.is_dir() or not target.suffix:
        target.mkdir(parents=True, exist_ok=True)
        paths = {d: target / f"{d}.pb" for d in texts}
    else:
        paths = {d: target.with_name(f"{target.stem}_{d}{target.suffix}") for d in texts}
    for district, text in texts.items():
        paths[district].write_text(text, encoding="utf-8")
    return list(paths.values())


def export_csv_file(settings: Settings, process_id: str, target: Path, *, rule: str | None = None) -> Path:
    result = tally(settings, process_id, rule=rule)
    Path(target).write_text(export_csv(result), encoding="utf-8")
    return Path(target)
