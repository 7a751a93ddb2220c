"""The Voxit services on a real database (SQLite and PostgreSQL): seeds from a process file,
the moderation queue fed from the raw log, analysis runs into the signed manifest, the worker."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from shared_models import new_record_id, verify_manifest
from shared_models.manifest import ManifestProcess
from shared_models.voxit import VoxitSettingsError, parse_voxit_settings, place_participant
from sync_server.db.models import AuditEntry, VoxitParticipant
from sync_server.errors import StaffInputError
from sync_server.services import voxit
from sync_server.services.manifest import current_manifest
from sync_server.services.pb_import import process_from_file
from sync_server.services.processes import save_process
from sync_server.settings import Settings
from tests.sync_server.conftest import enroll
from tests.sync_server.terminal import FakeTerminal
from tests.sync_server.voxit.helpers import STATEMENTS, camp_answers, push, session_for, statement, vote

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Moderator:
    id: int = 7
    email: str = "moderator@example.fi"


def manifest_voxit(settings: Settings, process: str = "demo") -> dict[str, object]:
    with session_for(settings) as session, session.begin():
        manifest = verify_manifest(current_manifest(session), settings.load_keys().signing.public_key())
    found = manifest.process(process)
    assert found is not None
    return dict(found.settings["voxit"])


def test_a_conversation_from_a_process_file_registers_its_seeds(settings: Settings, tmp_path: Path) -> None:
    seeds = [
        {"id": "pyorat", "text": {"fi": "Lisää pyöräteitä.", "sv": "Fler cykelvägar.", "en": "More cycle lanes."}},
        {"id": "puistot", "text": {"fi": "Puistot ensin.", "sv": "Parkerna först.", "en": "Parks first."}},
    ]
    definition = {
        "id": "makelankatu",
        "title": {"fi": "Mäkelänkatu", "sv": "Mäkelägatan", "en": "Mäkelänkatu"},
        "activities": ["voxit"],
        "settings": {
            "voxit": {
                "topic": {"fi": "Katuremontti", "sv": "Gatrenovering", "en": "Street renovation"},
                "intro": {"fi": "Kerro mielipiteesi.", "sv": "Säg vad du tycker.", "en": "Tell us what you think."},
                "allow_proposals": True,
                "closes": "2027-01-31T22:00:00Z",
                "statements": seeds,
            }
        },
    }
    path = tmp_path / "makelankatu.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    with session_for(settings) as session:
        save_process(session, settings.load_keys(), process_from_file(path))
        with session.begin():
            rows = voxit.statement_rows(session, "makelankatu")
    assert [(r.number, r.slug, r.state, r.origin) for r in rows] == [
        (0, "pyorat", "approved", "seed"),
        (1, "puistot", "approved", "seed"),
    ]
    shipped = parse_voxit_settings(manifest_voxit(settings, "makelankatu"))
    assert [s.id for s in shipped.statements] == ["pyorat", "puistot"]
    assert shipped.topic["sv"] == "Gatrenovering" and shipped.closes == "2027-01-31T22:00:00Z"

    definition["settings"]["voxit"]["statements"] = [{"id": "x", "text": {"fi": "Vain suomeksi"}}]  # type: ignore[index]
    path.write_text(json.dumps(definition), encoding="utf-8")
    with session_for(settings) as session, pytest.raises(VoxitSettingsError, match="needs a text in sv, en"):
        save_process(session, settings.load_keys(), process_from_file(path))


def test_participant_statements_wait_for_a_moderator(settings: Settings) -> None:
    terminal = enroll(settings, FakeTerminal())
    texts = ["Lisää roskiksia puistoihin.", "Kaikki on huonosti!!!", "Tämä keskustelu on hyödyllinen."]
    counts = push(settings, terminal, [statement(terminal, t) for t in texts])
    assert counts["accepted"] == 4
    keys = settings.load_keys()
    with session_for(settings) as session:
        with session.begin():
            queue = voxit.moderation_queue(session, "demo")
        assert sorted(r.text["fi"] for r in queue) == sorted(texts)
        assert all(r.slug == str(r.number) and r.lang == "fi" and r.origin == "participant" for r in queue)
        assert {r.number for r in queue} == {8, 9, 10}  # after the demo's eight seeds
        assert all(r.state == "pending" for r in queue)
        shipped = manifest_voxit(settings)
        assert not any(t in json.dumps(shipped, ensure_ascii=False) for t in texts)

        by_text = {r.text["fi"]: r.number for r in queue}
        for text, decision in zip(texts, voxit.DECISIONS, strict=True):
            voxit.decide(
                session, keys, process_id="demo", number=by_text[text], decision=decision, actor=Moderator(), now=NOW
            )
        with session.begin():
            assert voxit.moderation_queue(session, "demo") == []
            audit = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "statement.moderated")))
    assert sorted((a.target, a.detail["decision"], a.staff_email) for a in audit) == sorted(
        (f"demo/{by_text[t]}", d, "moderator@example.fi")
        for t, d in zip(texts, ("approve", "reject", "meta"), strict=True)
    )
    shipped_settings = parse_voxit_settings(manifest_voxit(settings))
    shown = {s.text.get("fi"): s for s in shipped_settings.statements}
    assert texts[0] in shown and not shown[texts[0]].meta and shown[texts[0]].origin == "participant"
    assert shown[texts[2]].meta
    assert texts[1] not in json.dumps(manifest_voxit(settings), ensure_ascii=False)  # rejected: never shown


def test_a_seed_added_by_staff_reaches_the_manifest(settings: Settings) -> None:
    with session_for(settings) as session:
        row = voxit.add_seed(
            session,
            settings.load_keys(),
            process_id="demo",
            text={"fi": "Lisää penkkejä.", "sv": "Fler bänkar.", "en": "More benches."},
            actor=Moderator(),
            now=NOW,
        )
        with pytest.raises(StaffInputError):
            voxit.add_seed(
                session, settings.load_keys(), process_id="demo", text={"fi": "x"}, actor=Moderator(), now=NOW
            )
    assert row.number == 8 and row.slug == "8"
    assert parse_voxit_settings(manifest_voxit(settings)).statement("8") is not None


def _camp_tokens(n: int) -> dict[str, int]:
    return {new_record_id(): i % 2 for i in range(n)}


def test_analysis_runs_into_the_manifest_and_keeps_its_group_labels(settings: Settings) -> None:
    terminal = enroll(settings, FakeTerminal())
    rng = random.Random(3)
    camps = _camp_tokens(40)
    push(settings, terminal, [vote(terminal, camp_answers(c, rng), token=t) for t, c in camps.items()])
    keys = settings.load_keys()
    with session_for(settings) as session:
        with pytest.raises(voxit.NoVotes), session_for(settings) as other:
            save_process(other, keys, _empty_conversation())
            voxit.run_analysis(other, keys, "empty")
        first = voxit.run_analysis(session, keys, "demo", now=NOW)
        with session.begin():
            numbers = {
                p.token: p.number
                for p in session.scalars(select(VoxitParticipant).where(VoxitParticipant.process_id == "demo"))
            }
    assert first.run == 1 and first.votes == 40
    group_of = {p: g["id"] for g in first.result["groups"] for p in g["participants"]}
    camp_group = {
        c: {group_of[numbers[t]] for t, tc in camps.items() if tc == c and numbers[t] in group_of} for c in (0, 1)
    }
    assert len(camp_group[0]) == 1 and len(camp_group[1]) == 1 and camp_group[0] != camp_group[1]

    shipped = parse_voxit_settings(manifest_voxit(settings))
    assert shipped.priorities is not None and set(shipped.priorities) == set(STATEMENTS)
    assert len(set(shipped.priorities.values())) > 1
    assert shipped.opinion_map is not None and shipped.opinion_map.run == 1
    assert sum(g.size for g in shipped.opinion_map.groups) == 40
    assert place_participant(camp_answers(0, random.Random(9)), shipped.opinion_map).group == next(iter(camp_group[0]))
    assert place_participant(camp_answers(1, random.Random(9)), shipped.opinion_map).group == next(iter(camp_group[1]))

    more = _camp_tokens(10)
    push(settings, terminal, [vote(terminal, camp_answers(c, rng), token=t) for t, c in more.items()])
    with session_for(settings) as session:
        second = voxit.run_analysis(session, keys, "demo", now=NOW)
        with session.begin():
            latest = voxit.latest_analysis(session, "demo")
    assert second.run == 2 and second.votes == 50 and latest is not None and latest.run == 2
    group_two = {p: g["id"] for g in second.result["groups"] for p in g["participants"]}
    for camp in (0, 1):
        labels = {group_two[numbers[t]] for t, c in camps.items() if c == camp and numbers[t] in group_two}
        assert labels == camp_group[camp]  # the same camp keeps its label from run to run
    assert parse_voxit_settings(manifest_voxit(settings)).opinion_map.run == 2  # type: ignore[union-attr]


def _empty_conversation() -> ManifestProcess:
    return ManifestProcess(
        id="empty",
        title={"fi": "Tyhjä", "sv": "Tom", "en": "Empty"},
        activities=["voxit"],
        test=True,
        status="open",
        min_seal=5,
        settings={"voxit": {"statements": []}},
    )


def test_the_worker_analyses_only_when_new_votes_arrived(settings: Settings) -> None:
    terminal = enroll(settings, FakeTerminal())
    keys = settings.load_keys()
    with session_for(settings) as session:
        assert voxit.analyse_when_new_votes(session, keys, now=lambda: NOW) == []
    rng = random.Random(5)
    push(settings, terminal, [vote(terminal, camp_answers(i % 2, rng)) for i in range(12)])
    with session_for(settings) as session:
        [run] = voxit.analyse_when_new_votes(session, keys, now=lambda: NOW)
        assert (run.process_id, run.run, run.votes) == ("demo", 1, 12)
        assert voxit.analyse_when_new_votes(session, keys, now=lambda: NOW) == []
    push(settings, terminal, [vote(terminal, {STATEMENTS[0]: 1})])
    with session_for(settings) as session:
        assert [r.run for r in voxit.analyse_when_new_votes(session, keys, now=lambda: NOW)] == [2]
