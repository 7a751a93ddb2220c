"""The manifest is re-signed with a higher serial whenever a process changes."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from shared_models import verify_manifest
from sync_server.db.engine import make_sessionmaker
from sync_server.services.demo import demo_process
from sync_server.services.processes import save_process, set_process_status
from sync_server.settings import Settings


def test_manifest_serial_increases_when_a_process_changes(settings: Settings, engine: Engine, live_server: str) -> None:
    keys = settings.load_keys()
    first = verify_manifest(httpx.get(f"{live_server}/api/v1/manifest").content, keys.signing.public_key())
    assert [p.id for p in first.processes] == ["demo"]
    with make_sessionmaker(engine)() as session:
        set_process_status(session, keys, process_id="demo", status="closed")
        save_process(session, keys, demo_process().model_copy(update={"id": "kallio-2027", "test": False}))
    answer = httpx.get(f"{live_server}/api/v1/manifest")
    assert answer.headers["content-type"] == "application/json"
    latest = verify_manifest(answer.content, keys.signing.public_key(), min_serial=first.serial + 1)
    assert latest.serial == first.serial + 2
    assert latest.process("demo") is not None and latest.process("demo").status == "closed"  # type: ignore[union-attr]
    assert latest.process("kallio-2027") is not None


def test_demo_manifest_carries_every_activity_in_three_languages(settings: Settings, live_server: str) -> None:
    manifest = verify_manifest(
        httpx.get(f"{live_server}/api/v1/manifest").content, settings.load_keys().signing.public_key()
    )
    demo = manifest.process("demo")
    assert demo is not None and demo.test and demo.status == "open"
    assert set(demo.activities) == {"budget", "voxit", "feedback"}
    budget, voxit, feedback = demo.settings["budget"], demo.settings["voxit"], demo.settings["feedback"]
    assert len(budget["voter_salt"]) == 32 and len(budget["districts"]) >= 3
    assert all(set(d["name"]) == {"fi", "sv", "en"} and d["projects"] for d in budget["districts"])
    assert len(voxit["statements"]) == 8 and feedback["topics"] and feedback["places"]
