"""Budget processes from files: a process definition (JSON or TOML) or a pabulib ``.pb`` file,
and paper ballots entered through the raw log (docs/design.md, "Participatory budgeting").

A ``.pb`` file makes one budget process with one district (the file's whole budget; its
kind ``citywide`` unless META names a ``district`` or ``subunit``); costs and the budget in
the file's currency units x 100 = cents; project titles from the ``name`` column in all
three languages; project ids made into slugs (lower case; other characters ``-``), the
file's id kept as ``pb_id``; the count rule is META ``rule``; the ballot rule from
``vote_type``, ``min_length``/``max_length``, ``min_sum_points``/``max_sum_points`` and
``max_sum_cost`` (only then must an approval ballot fit the budget).

Paper ballots: the server holds a "paper entry" device (its Ed25519 key in
``DIR/keys/paper.key``, enrolled like a terminal with an enrollment token, named "Paper
ballots"). It signs one ``budget.ballot`` per VOTES row (voter tag =
``shared_models.budget.voter_tag(salt, voter_id)``, ``assisted`` false, day = META ``date_end`` or today), seals them
900 to a seal (under the 64 KiB record limit), and sends them through the same ``ingest_lines`` as terminals, with
channel ``paper``.
"""

from __future__ import annotations

import json
import re
import secrets
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from shared_models.budget import parse_budget_settings, voter_tag
from shared_models.keys import device_id_for
from shared_models.manifest import ManifestProcess
from shared_models.pabulib import PbElection
from shared_models.records import Record, make_record, sign_record
from shared_models.seals import genesis_prev, make_seal
from shared_models.tally import RULES
from sync_server.db import repo
from sync_server.db.models import Process
from sync_server.errors import BadRequest
from sync_server.services.ballots import PAPER_DEVICE_NAME
from sync_server.services.ingest import ingest_lines
from sync_server.services.server_devices import server_device_key
from sync_server.settings import ServerKeys

__all__ = [
    "PAPER_KEY_FILE",
    "SEAL_SIZE",
    "enter_paper_ballots",
    "paper_key",
    "paper_voter_tag",
    "process_from_file",
    "process_from_pb",
    "slug",
]

PAPER_KEY_FILE = "keys/paper.key"
SEAL_SIZE = 900  # a seal of 1,000 hashes would pass the 64 KiB record limit
SEALS_PER_BATCH = 10
CENTS = 100


def slug(text: str) -> str:
    """A manifest slug from any id: lower case, other characters ``-``, at most 64 characters."""
    value = re.sub(r"[^a-z0-9._-]", "-", text.strip().lower())
    value = re.sub(r"^[^a-z0-9]+", "", value)[:64]
    return value or "x"


def paper_voter_tag(salt: str, voter_id: str) -> str:
    """The voter tag of a pabulib voter id, as a voting code's (``shared_models.budget.voter_tag``)."""
    return voter_tag(salt, voter_id)


def process_from_file(path: Path) -> ManifestProcess:
    """A process definition from a JSON or TOML file (the manifest's process fields; status
    defaults to ``open``, ``min_seal`` to 5; a budget process gets a voter salt if it has none)."""
    text = path.read_text(encoding="utf-8")
    try:
        data: dict[str, Any] = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise BadRequest(f"{path.name} is not valid {path.suffix.lstrip('.').upper() or 'JSON'}: {exc}") from exc
    data.setdefault("status", "open")
    data.setdefault("min_seal", 5)
    data.setdefault("test", False)
    settings = data.setdefault("settings", {})
    if "budget" in data.get("activities", []):
        budget = settings.setdefault("budget", {})
        budget.setdefault("voter_salt", secrets.token_hex(16))
        settings["budget"] = parse_budget_settings(budget).to_dict()
    return ManifestProcess.model_validate(data)


def _iso(text: str | None) -> str | None:
    if not text:
        return None
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    return None


def process_from_pb(election: PbElection, *, process_id: str) -> tuple[ManifestProcess, dict[str, str]]:
    """The budget process a ``.pb`` file describes, and the map pabulib project id -> slug."""
    meta = election.meta
    rule = (election.rule or "").strip().lower()
    if rule not in RULES:
        raise BadRequest(f"META rule {election.rule!r} is not a count rule Osallistu knows ({', '.join(RULES)})")
    ids: dict[str, str] = {}
    used: set[str] = set()
    for project in election.projects:
        candidate = slug(project.id)
        n = 2
        while candidate in used:
            candidate = f"{slug(project.id)[:58]}-{n}"
            n += 1
        used.add(candidate)
        ids[project.id] = candidate
    projects = [
        {
            "id": ids[p.id],
            "pb_id": p.id,
            "cost": p.cost * CENTS,
            "title": {lang: p.name or p.id for lang in ("fi", "sv", "en")},
        }
        for p in election.projects
    ]
    district_name = meta.get("district") or meta.get("subunit") or meta.get("unit") or process_id
    district = {
        "id": slug(district_name),
        "name": {lang: district_name for lang in ("fi", "sv", "en")},
        "kind": "local" if (meta.get("district") or meta.get("subunit")) else "citywide",
        "budget": election.budget * CENTS,
        "projects": projects,
    }
    ballot: dict[str, Any] = {"type": "cumulative" if election.vote_type == "cumulative" else "approval"}
    for key, name in (("min_length", "min_projects"), ("max_length", "max_projects")):
        if meta.get(key, "").strip().isdigit():
            ballot[name] = int(meta[key])
    for key, name in (("min_sum_points", "min_points"), ("max_sum_points", "max_points")):
        if meta.get(key, "").strip().isdigit():
            ballot[name] = int(meta[key])
    ballot["within_budget"] = bool(meta.get("max_sum_cost")) and ballot["type"] == "approval"
    count_meta = {k: meta[k] for k in ("min_project_score_threshold",) if k in meta}
    budget: dict[str, Any] = {
        "voter_salt": secrets.token_hex(16),
        "count_rule": rule,
        "count_meta": count_meta,
        "count_unit": CENTS,
        "currency": meta.get("currency", "EUR"),
        "ballot": ballot,
        "districts": [district],
        "source": "pabulib",
    }
    start, end = _iso(meta.get("date_begin")), _iso(meta.get("date_end"))
    if start or end:
        budget["voting_period"] = {k: v for k, v in (("start", start), ("end", end)) if v}
    title = meta.get("description") or process_id
    process = ManifestProcess(
        id=process_id,
        title={lang: title for lang in ("fi", "sv", "en")},
        activities=["budget"],
        test=False,
        status="closed",
        min_seal=5,
        settings={"budget": budget},
    )
    return process, ids


def free_process_id(session: Session, base: str) -> str:
    base = slug(base)[:60]
    candidate, n = base, 2
    while session.get(Process, candidate) is not None:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def paper_key(session: Session, keys: ServerKeys, data_dir: Path) -> Ed25519PrivateKey:
    """The paper entry device's key, created and enrolled (as a terminal) on first use."""
    return server_device_key(session, keys, data_dir / PAPER_KEY_FILE, name=PAPER_DEVICE_NAME)[0]


def enter_paper_ballots(
    session: Session,
    keys: ServerKeys,
    data_dir: Path,
    *,
    process: ManifestProcess,
    election: PbElection,
    ids: dict[str, str],
) -> dict[str, int]:
    """Sign, seal and ingest one paper ballot per VOTES row; returns the ingest counts."""
    budget = process.settings["budget"]
    salt = budget["voter_salt"]
    district = budget["districts"][0]["id"]
    day = (budget.get("voting_period") or {}).get("end") or date.today().isoformat()
    key = paper_key(session, keys, data_dir)
    device = device_id_for(key)
    with session.begin():
        seq, head = repo.chain_head(session, device=device)
    prev = head or genesis_prev(key)
    cumulative = budget["ballot"]["type"] == "cumulative"
    totals = {"accepted": 0, "duplicate": 0, "quarantined": 0, "rejected": 0}
    lines: list[bytes] = []
    pending: list[Record] = []

    def flush() -> None:
        if not lines:
            return
        with session.begin():
            report = ingest_lines(session, device_id=device, lines=list(lines), channel="paper", source="import-pb")
        for name, count in report.counts.items():
            totals[name] = totals.get(name, 0) + count
        lines.clear()

    for index, vote in enumerate(election.votes):
        projects = sorted({ids[p] for p in vote.vote if p in ids} | {slug(p) for p in vote.vote if p not in ids})
        body: dict[str, Any] = {
            "process": process.id,
            "district": district,
            "voter": paper_voter_tag(salt, vote.voter_id),
            "projects": projects,
            "assisted": False,
        }
        if cumulative:
            body["points"] = {ids.get(p, slug(p)): n for p, n in zip(vote.vote, vote.points or (), strict=True)}
        record = sign_record(make_record("budget.ballot", body, device=device, day=day), key)
        pending.append(record)
        if len(pending) == SEAL_SIZE or index == len(election.votes) - 1:
            seq += 1
            seal = make_seal(key, seq=seq, prev=prev, record_hashes=[r.hash for r in pending], day=day, reason="forced")
            prev = seal.hash
            lines.extend(r.raw for r in pending)
            lines.append(seal.raw)
            pending.clear()
            if seq % SEALS_PER_BATCH == 0:
                flush()
    flush()
    return totals
