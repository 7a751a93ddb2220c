"""Drills: synthetic records cast into a test process through the real ``capture()``.

Only a process marked ``test: true`` in the manifest takes a drill. Every choice
comes from ``random.Random(seed)``, so the same seed casts the same ballots,
answers and feedback (record ids and sealed contact boxes stay random, as they
must). What is cast follows the process settings of docs/design.md:

- ``budget.ballot``: a district, a random subset of its projects within its
  budget, and a voter tag ``sha256(salt + code)`` of a synthetic voting code;
- ``voxit.vote``: a random answer to most statements; now and then a
  ``voxit.statement`` proposal (when proposals are allowed);
- ``feedback.item``: a topic, a sample message, sometimes a place, and sometimes
  contact details sealed to the manifest's sealing key with ``wants_reply``.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.errors import NotATestProcess, ProcessNotOpen
from shared_models import Manifest, ManifestProcess, new_record_id, seal_to
from shared_models.keys import x25519_public_from_b64

if TYPE_CHECKING:
    from kiosk.terminal import Terminal

__all__ = ["DrillReport", "run_drill", "voter_tag"]

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
LANGS = ("fi", "sv", "en")
SAMPLE_MESSAGES = (
    "Katuvalo on rikki pyörätien varrella.",
    "Lisää penkkejä puistoon, kiitos.",
    "Bättre belysning vid busshållplatsen.",
    "The library could open earlier on Saturdays.",
    "Roskis on täynnä joka maanantai.",
)
SAMPLE_STATEMENTS = (
    "Kirjastoon tarvitaan enemmän hiljaisia tiloja.",
    "Pyöräteitä pitäisi aurata ennen autoteitä.",
    "Parkerna behöver fler träd.",
    "Young people should have a say in the city budget.",
)
# Relative weights of what a drill casts, per kind.
WEIGHTS = {"budget.ballot": 1.0, "voxit.vote": 1.0, "voxit.statement": 0.15, "feedback.item": 1.0}


def voter_tag(voter_salt: str, code: str) -> str:
    """As in docs/design.md: ``sha256(bytes.fromhex(voter_salt) + code.encode())`` in hex."""
    return hashlib.sha256(bytes.fromhex(voter_salt) + code.encode()).hexdigest()


@dataclass
class DrillReport:
    """What a drill cast; ``choices`` holds what the seed decided, record by record."""

    process: str
    seed: int
    cast: Counter[str] = field(default_factory=Counter)
    record_ids: list[str] = field(default_factory=list)
    choices: list[dict[str, Any]] = field(default_factory=list)


Draft = tuple[str, dict[str, Any], str | None]  # kind, body, record id (when the body must name it)


def _ballot(rng: random.Random, process: ManifestProcess, manifest: Manifest) -> Draft:
    settings = process.settings["budget"]
    district = rng.choice(settings["districts"])
    spent = 0
    chosen: list[str] = []
    for project in rng.sample(district["projects"], len(district["projects"])):
        if rng.random() < 0.6 and spent + project["cost"] <= district["budget"]:
            chosen.append(project["id"])
            spent += project["cost"]
    code = "".join(rng.choices(CODE_ALPHABET, k=12))
    body = {
        "process": process.id,
        "district": district["id"],
        "voter": voter_tag(settings["voter_salt"], code),
        "projects": sorted(chosen),
    }
    return "budget.ballot", body, None


def _vote(rng: random.Random, process: ManifestProcess, manifest: Manifest) -> Draft:
    statements = [s["id"] for s in process.settings["voxit"]["statements"]]
    answers = {sid: rng.choice((-1, 0, 1)) for sid in statements if rng.random() < 0.85}
    if not answers:
        answers[rng.choice(statements)] = rng.choice((-1, 0, 1))
    participant = "".join(rng.choices(TOKEN_ALPHABET, k=26))
    return "voxit.vote", {"process": process.id, "participant": participant, "answers": answers}, None


def _statement(rng: random.Random, process: ManifestProcess, manifest: Manifest) -> Draft:
    body = {
        "process": process.id,
        "participant": "".join(rng.choices(TOKEN_ALPHABET, k=26)),
        "text": rng.choice(SAMPLE_STATEMENTS),
        "lang": rng.choice(LANGS),
    }
    return "voxit.statement", body, None


def _feedback(rng: random.Random, process: ManifestProcess, manifest: Manifest) -> Draft:
    settings = process.settings["feedback"]
    body: dict[str, Any] = {
        "process": process.id,
        "topic": rng.choice(settings["topics"])["id"],
        "message": rng.choice(SAMPLE_MESSAGES),
        "lang": rng.choice(LANGS),
    }
    if settings.get("places") and rng.random() < 0.5:
        body["place"] = rng.choice(settings["places"])["id"]
    record_id = None
    if rng.random() < 0.3:
        record_id = new_record_id()
        contact = {"name": f"Drill {rng.randrange(10_000)}", "email": f"drill{rng.randrange(10_000)}@example.org"}
        plaintext = json.dumps(contact, sort_keys=True).encode()
        recipient = x25519_public_from_b64(manifest.sealing_key)
        body["contact"] = seal_to(recipient, plaintext, context=record_id.encode())
        body["wants_reply"] = True
    return "feedback.item", body, record_id


Maker = Callable[[random.Random, ManifestProcess, Manifest], Draft]


def _makers(process: ManifestProcess) -> dict[str, Maker]:
    settings = process.settings
    makers: dict[str, Maker] = {}
    if "budget" in process.activities and settings.get("budget", {}).get("districts"):
        makers["budget.ballot"] = _ballot
    if "voxit" in process.activities and settings.get("voxit", {}).get("statements"):
        makers["voxit.vote"] = _vote
        if settings["voxit"].get("allow_proposals"):
            makers["voxit.statement"] = _statement
    if "feedback" in process.activities and settings.get("feedback", {}).get("topics"):
        makers["feedback.item"] = _feedback
    return makers


def _choice(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, **{name: value for name, value in body.items() if name != "contact"}}


def run_drill(
    terminal: Terminal,
    process: str,
    count: int,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> DrillReport:
    """Cast ``count`` synthetic records into the test process ``process``."""
    manifest = terminal.manifest()
    target = manifest.process(process) if manifest is not None else None
    if manifest is None or target is None:
        raise ProcessNotOpen(f"the process {process!r} is not in this terminal's manifest", reason="unknown_process")
    if not target.test:
        raise NotATestProcess(
            f"the process {process!r} is a real process; drills cast only into processes marked as tests"
        )
    makers = _makers(target)
    if not makers:
        raise NotATestProcess(
            f"the test process {process!r} has no activity with settings to drill", reason="no_activity"
        )
    rng = random.Random(seed)
    kinds = sorted(makers)
    weights = [WEIGHTS[kind] for kind in kinds]
    report = DrillReport(process=process, seed=seed)
    terminal.log_event("drill.run", process=process, count=count, seed=seed, stage="start")
    try:
        for number in range(1, count + 1):
            kind = rng.choices(kinds, weights)[0]
            kind, body, record_id = makers[kind](rng, target, manifest)
            record = terminal.capture(kind, body, record_id=record_id)
            report.cast[kind] += 1
            report.record_ids.append(record.id)
            report.choices.append(_choice(kind, body))
            if progress is not None:
                progress(number, count)
    except Exception as exc:
        terminal.log_event("drill.run", process=process, stage="failed", cast=len(report.record_ids), error=str(exc))
        raise
    terminal.log_event("drill.run", process=process, stage="end", cast=len(report.record_ids))
    return report
