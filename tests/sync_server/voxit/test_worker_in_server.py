"""The background analysis inside the real server: votes pushed over HTTP reach the terminals'
manifest as priorities and an opinion map without anyone running ``analyze``; a second server
on the same data folder leaves the analysis to the first (file lock)."""

from __future__ import annotations

import random
import time

import httpx

from shared_models import verify_manifest
from shared_models.voxit import parse_voxit_settings
from sync_server.settings import Settings
from tests.sync_server.client import Client
from tests.sync_server.servers import server_thread
from tests.sync_server.voxit.helpers import camp_answers, statement, vote


def shipped(url: str, settings: Settings) -> tuple[int, dict[str, object]]:
    manifest = verify_manifest(httpx.get(f"{url}/api/v1/manifest").content, settings.load_keys().signing.public_key())
    demo = manifest.process("demo")
    assert demo is not None
    return manifest.serial, dict(demo.settings["voxit"])


def test_pushed_votes_are_analysed_in_the_background(settings: Settings) -> None:
    with server_thread(settings, voxit_interval=0.5) as url, server_thread(settings, voxit_interval=0.5) as second:
        client = Client(url, settings)
        terminal = client.enroll()
        rng = random.Random(11)
        records = [vote(terminal, camp_answers(i % 2, rng)) for i in range(20)]
        records.append(statement(terminal, "Lisää valoja alikulkuihin."))
        client.push_ok(terminal, [terminal.seal(records), *records])
        deadline = time.monotonic() + 120
        while True:
            serial, voxit = shipped(url, settings)
            if "opinion_map" in voxit or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        conversation = parse_voxit_settings(voxit)
        assert conversation.opinion_map is not None and conversation.opinion_map.run == 1
        assert conversation.priorities is not None and len(set(conversation.priorities.values())) > 1
        assert "Lisää valoja" not in str(voxit)  # queued for moderation, not shown

        time.sleep(2)  # four more rounds without new votes: nothing is analysed again
        again, voxit = shipped(second, settings)
        assert again == serial and parse_voxit_settings(voxit).opinion_map.run == 1  # type: ignore[union-attr]
