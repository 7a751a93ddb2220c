"""The public Voxit conversation pages over real HTTP, on a real Polis conversation
(15-per-hour-seattle) imported with ``osallistu server import-polis`` and analysed with
``osallistu server analyze --json``; and the page's pure helpers."""

from __future__ import annotations

import csv
import html
import json
import random
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from shared_models.manifest import ManifestProcess
from sync_server.admin import _sessions, init_data_dir, load_settings
from sync_server.db.models import VoxitAnalysisRun
from sync_server.services import voxit
from sync_server.services.processes import save_process
from sync_server.settings import Settings
from sync_server.web.pages.conversations import (
    conversation_view,
    convex_hull,
    group_letter,
    opinion_map,
    statement_text,
)
from tests.servers import OSALLISTU
from tests.sync_server.conftest import enroll
from tests.sync_server.servers import server_thread
from tests.sync_server.terminal import FakeTerminal
from tests.sync_server.voxit.helpers import camp_answers, push, session_for, statement, vote

SEATTLE = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "polis" / "15-per-hour-seattle"


@dataclass(frozen=True)
class Imported:
    settings: Settings
    process: str
    report: dict[str, Any]  # what ``osallistu server analyze --json`` printed


def osallistu(*args: str) -> str:
    result = subprocess.run([*OSALLISTU, *args], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    return result.stdout


def import_seattle(directory: Path) -> Imported:
    """A fresh data folder with 15-per-hour-seattle imported and analysed by the real commands."""
    if not SEATTLE.is_dir():
        pytest.skip(f"the Polis conversation {SEATTLE} is not here")
    init_data_dir(directory, demo=True)
    process = osallistu("server", "import-polis", str(directory), str(SEATTLE)).splitlines()[-1]
    report = json.loads(osallistu("server", "analyze", str(directory), process, "--json"))
    return Imported(load_settings(directory), process, report)


@pytest.fixture(scope="module")
def seattle(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    return import_seattle(tmp_path_factory.mktemp("seattle") / "server")


@pytest.fixture(scope="module")
def site(seattle: Imported) -> Iterator[str]:
    with server_thread(seattle.settings) as url:
        yield url


def get(url: str, path: str, lang: str = "en") -> httpx.Response:
    return httpx.get(url + path, cookies={"lang": lang}, timeout=60)


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u00a0", " ").split())


def section(page: str, name: str) -> str:
    """The HTML of ``<section aria-labelledby="name">`` up to the next top-level section."""
    start = page.index(f'<section aria-labelledby="{name}">')
    end = page.find('<section aria-labelledby="', start + 1)
    nested = page.find('<section class="group"', start + 1)
    while nested != -1 and nested == end:  # group sections inside "groups"
        end = page.find('<section aria-labelledby="', end + 1)
        nested = page.find('<section class="group"', nested + 1)
    return page[start : end if end != -1 else len(page)]


def ranked_by_consensus(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The order ``osallistu server analyze`` prints its "Most agreed across groups" in."""
    return sorted(report["statements"], key=lambda s: -s["group_informed_consensus"])


def final_votes() -> dict[tuple[int, int], int]:
    """(voter, comment) -> the last vote in the export's votes.csv."""
    with (SEATTLE / "votes.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    rows.sort(key=lambda r: int(r["timestamp"]))
    return {(int(r["voter-id"]), int(r["comment-id"])): int(r["vote"]) for r in rows}


def comment_texts() -> dict[int, str]:
    with (SEATTLE / "comments.csv").open(encoding="utf-8") as file:
        return {int(r["comment-id"]): r["comment-body"] for r in csv.DictReader(file)}


# --- over HTTP ----------------------------------------------------------------------------------


def test_the_list_links_the_analysed_conversation_and_leaves_out_the_test_process(seattle: Imported, site: str) -> None:
    page = get(site, "/conversations")
    assert page.status_code == 200
    assert f'href="/conversations/{seattle.process}"' in page.text
    assert 'href="/conversations/demo"' not in page.text  # a test process, never analysed
    assert "339 participants, 2 opinion groups." in text_of(page.text)
    assert get(site, "/conversations/demo").status_code == 404
    assert get(site, "/conversations/no-such-thing").status_code == 404


def test_the_page_counts_participation_and_draws_a_dot_per_clustered_participant(seattle: Imported, site: str) -> None:
    report = seattle.report
    page = get(site, f"/conversations/{seattle.process}")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script" not in page.text and "style=" not in page.text
    facts = {m[0]: m[1] for m in re.findall(r'<dd id="count-(\w+)">([^<]*)</dd>', page.text)}
    assert facts == {
        "participants": f"{report['matrix']['participants']:,}",
        "votes": f"{report['matrix']['votes']:,}",
        "statements": str(sum(1 for s in report["statements"] if s["state"] == "approved")),
        "clustered": str(report["in_conv"]),
        "groups": str(len(report["groups"])),
    }
    assert report["matrix"]["participants"] == 339 and len(report["groups"]) == 2

    figure = page.text[
        page.text.index('<svg class="opinion-map"') : page.text.index(
            "</svg>", page.text.index('<svg class="opinion-map"')
        )
    ]
    assert figure.count('class="dot ') == report["in_conv"] == sum(len(g["participants"]) for g in report["groups"])
    assert figure.count('<polygon class="hull-line ') == len(report["groups"])
    labels = re.findall(r'<text class="group-label"[^>]*>([^<]*)</text>', figure)
    assert labels == [f"{group_letter(g['id'])}: {len(g['participants'])} people" for g in report["groups"]]
    table = re.findall(r'<tr id="map-group-(\w)">.*?<td class="num">(\d+)</td>', page.text, flags=re.S)
    assert table == [(group_letter(g["id"]), str(len(g["participants"]))) for g in report["groups"]]


def test_the_top_consensus_statement_is_the_one_analyze_ranks_first(seattle: Imported, site: str) -> None:
    first = ranked_by_consensus(seattle.report)[0]
    assert first["state"] == "approved" and not first["meta"]  # so the public list starts with it too
    page = get(site, f"/conversations/{seattle.process}").text
    consensus = section(page, "consensus")
    ids = [int(i) for i in re.findall(r'<li class="statement" id="consensus-(\d+)">', consensus)]
    listed = [s["id"] for s in ranked_by_consensus(seattle.report) if s["state"] == "approved" and not s["meta"]]
    assert ids == listed[: len(ids)] and ids[0] == first["id"] and len(ids) == 5
    assert html.escape(comment_texts()[first["id"]].strip(), quote=True) in consensus


def test_representative_statements_say_how_the_group_and_everyone_else_voted(seattle: Imported, site: str) -> None:
    """The shares are checked against the export's own votes.csv, counted here."""
    votes = final_votes()
    report = seattle.report
    members = {g["id"]: set(g["participants"]) for g in report["groups"]}
    clustered = set().union(*members.values())
    page = text_of(get(site, f"/conversations/{seattle.process}").text)
    checked = 0
    for g in report["groups"]:
        for rep in g["representative"][:2]:
            wanted = 1 if rep["repful_for"] == "agree" else -1
            sid = rep["statement_id"]

            def share(people: set[int], sid: int = sid, wanted: int = wanted) -> int:
                answers = [v for (p, s), v in votes.items() if s == sid and p in people]
                return round(100 * sum(1 for v in answers if v == wanted) / len(answers))

            letter = group_letter(g["id"])
            verb = "agreed" if wanted == 1 else "disagreed"
            sentence = (
                f"{share(members[g['id']])}% of group {letter} {verb}, "
                f"vs {share(clustered - members[g['id']])}% of everyone else."
            )
            assert sentence in page
            checked += 1
    assert checked == 4


def test_moderated_out_and_pending_statements_are_never_shown(seattle: Imported, site: str) -> None:
    texts = comment_texts()
    hidden = [s["id"] for s in seattle.report["statements"] if s["state"] != "approved"]
    assert hidden  # the export has moderated-out comments ("First piece of spam on polis!")
    page = text_of(get(site, f"/conversations/{seattle.process}").text)
    for sid in hidden:
        if len(texts[sid].strip()) > 12:  # "?" or "Hello." would match anywhere
            assert " ".join(texts[sid].split()) not in page
    assert "First piece of spam" not in page


def test_the_page_speaks_finnish_and_swedish_and_marks_the_statements_language(seattle: Imported, site: str) -> None:
    fi = get(site, f"/conversations/{seattle.process}", lang="fi").text
    sv = get(site, f"/conversations/{seattle.process}", lang="sv").text
    assert '<html lang="fi">' in fi and "Mielipidekartta" in fi and "Mistä ryhmät ovat samaa mieltä" in fi
    assert '<html lang="sv">' in sv and "Åsiktskarta" in sv and "Vad grupperna är överens om" in sv
    # imported with an unknown language: every statement says so rather than pass as Finnish
    assert re.findall(r'<p class="statement-text" lang="([^"]*)">', fi) and set(
        re.findall(r'<p class="statement-text" lang="([^"]*)">', fi)
    ) == {""}


def test_a_run_stored_without_group_votes_is_recounted_from_the_raw_log(seattle: Imported, site: str) -> None:
    path = f"/conversations/{seattle.process}"
    before = get(site, path).text
    with _sessions(seattle.settings) as session, session.begin():
        run = session.query(VoxitAnalysisRun).filter_by(process_id=seattle.process).one()
        stored = dict(run.result)
        assert "group_votes" in stored
        old = {k: v for k, v in stored.items() if k != "group_votes"}
        session.execute(update(VoxitAnalysisRun).where(VoxitAnalysisRun.run == run.run).values(result=old))
    try:
        after = get(site, path).text
    finally:
        with _sessions(seattle.settings) as session, session.begin():
            session.execute(
                update(VoxitAnalysisRun).where(VoxitAnalysisRun.process_id == seattle.process).values(result=stored)
            )
    for name in ("consensus", "groups", "divisive"):
        assert section(after, name) == section(before, name)


# --- pure helpers -------------------------------------------------------------------------------


def test_the_hull_keeps_the_corners_and_drops_the_inside() -> None:
    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]
    assert sorted(convex_hull([*square, (1.0, 1.0), (1.0, 0.0), (0.0, 0.0)])) == sorted(square)
    assert convex_hull([(1.0, 1.0), (1.0, 1.0)]) == [(1.0, 1.0)]


def test_the_map_draws_only_clustered_participants_with_one_scale_and_y_up() -> None:
    participants: list[dict[str, Any]] = [
        {"id": 1, "x": 0.0, "y": 0.0, "group": 0},
        {"id": 2, "x": 2.0, "y": 1.0, "group": 0},
        {"id": 3, "x": 4.0, "y": 0.0, "group": 1},
        {"id": 4, "x": 9.0, "y": 9.0, "group": None},  # not clustered: no dot, no effect on the scale
    ]
    drawn = opinion_map(participants, [0, 1], width=440, height=240, pad=20)
    assert len(drawn["dots"]) == 3
    assert [(g["letter"], g["size"]) for g in drawn["groups"]] == [("A", 2), ("B", 1)]
    starts = [tuple(float(v) for v in re.findall(r"-?\d+\.\d", d["d"])[:2]) for d in drawn["dots"]]
    # scale min(400/4, 200/1) = 100; x centred on 2, y centred on 0.5 and pointing up
    assert starts[0] == pytest.approx((20.0 - 4.5, 170.0))  # the circle path starts at x - r
    assert drawn["dots"][0]["style"] == drawn["dots"][1]["style"] != drawn["dots"][2]["style"]


@pytest.mark.parametrize(
    ("text", "own", "page", "shown"),
    [
        pytest.param(
            {"fi": "Puisto", "sv": "Park", "en": "Park"}, None, "sv", ("Park", None), id="seed-in-page-language"
        ),
        pytest.param({"fi": "Puisto"}, "fi", "en", ("Puisto", "fi"), id="participant-keeps-own-language"),
        pytest.param({"und": "Hello"}, "und", "fi", ("Hello", ""), id="unknown-language"),
        pytest.param({"sv": "Park"}, None, "fi", ("Park", "sv"), id="any-language-left"),
    ],
)
def test_a_statement_is_shown_in_the_page_language_when_it_has_it(
    text: dict[str, str], own: str | None, page: str, shown: tuple[str, str | None]
) -> None:
    assert statement_text(text, own, page) == shown


def test_the_view_lists_only_approved_statements_that_are_not_meta() -> None:
    result = {
        "groups": [
            {
                "id": 0,
                "participants": [1, 2],
                "representative": [
                    {"statement_id": 10, "repful_for": "agree", "n_success": 2, "n_trials": 2},
                    {"statement_id": 11, "repful_for": "disagree", "n_success": 1, "n_trials": 2},
                ],
            },
            {"id": 1, "participants": [3], "representative": []},
        ],
        "statements": [
            {"id": 10, "group_informed_consensus": 0.5},
            {"id": 11, "group_informed_consensus": 0.9},
            {"id": 12, "group_informed_consensus": 0.7},
            {"id": 13, "group_informed_consensus": 0.8},
        ],
        "divisive": [11, 10, 12],
    }
    statements = {
        10: {"text": {"fi": "kymmenen"}, "lang": "fi", "state": "approved", "meta": False},
        11: {"text": {"fi": "yksitoista"}, "lang": "fi", "state": "rejected", "meta": False},
        12: {"text": {"fi": "kaksitoista"}, "lang": "fi", "state": "approved", "meta": True},
        13: {"text": {"fi": "kolmetoista"}, "lang": "fi", "state": "pending", "meta": False},
    }
    group_votes = [
        {"id": 0, "agree": [2, 0, 1, 0], "disagree": [0, 1, 1, 0], "seen": [2, 2, 2, 0]},
        {"id": 1, "agree": [0, 0, 0, 0], "disagree": [1, 0, 0, 0], "seen": [1, 0, 0, 0]},
    ]
    view = conversation_view(result, statements, group_votes, "fi")
    assert [s["id"] for s in view["consensus"]] == [10]
    assert [s["id"] for s in view["divisive"]] == [10]
    rep = view["groups"][0]["representative"]
    assert [(r["id"], r["share"], r["rest_share"], r["agree"]) for r in rep] == [(10, 100, 0, True)]
    assert view["consensus"][0]["groups"] == [
        {"id": 0, "letter": "A", "agree": 100, "disagree": 0, "seen": 2},
        {"id": 1, "letter": "B", "agree": 0, "disagree": 100, "seen": 1},
    ]


def test_group_labels_do_not_cover_each_other() -> None:
    """Two groups side by side with the same top: the second label goes below its hull."""
    participants: list[dict[str, Any]] = [
        {"id": i, "x": float(x), "y": float(y), "group": g}
        for i, (x, y, g) in enumerate([(0, 0, 0), (1, 2, 0), (2, 0, 0), (3, 0, 1), (4, 2, 1), (5, 0, 1)])
    ]
    groups = opinion_map(participants, [0, 1])["groups"]
    assert [g["label_anchor"] for g in groups] == ["end", "start"]  # pointing away from each other
    spans = [
        (g["label_x"] - 170, g["label_x"], g["label_y"])
        if g["label_anchor"] == "end"
        else (g["label_x"], g["label_x"] + 170, g["label_y"])
        for g in groups
    ]
    (l0, r0, y0), (l1, r1, y1) = spans
    assert r0 <= l1 or r1 <= l0 or abs(y0 - y1) >= 24
    assert all(left >= 0 and right <= 640 and 24 <= y <= 420 - 4 for left, right, y in spans)


# --- a conversation from the terminals (seeds in three languages, moderation) -------------------

SEEDS: list[dict[str, Any]] = [
    {"id": f"s{i}", "text": {"fi": f"Suomeksi {i}.", "sv": f"På svenska {i}.", "en": f"In English {i}."}}
    for i in range(6)
]
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Moderator:
    id: int = 7
    email: str = "moderator@example.fi"


def terminal_conversation(settings: Settings) -> None:
    """``makelankatu``: six seeds (the last one meta), two camps of 20 participants; everyone
    agrees with a participant's Swedish statement (approved) and with another (rejected)."""
    keys = settings.load_keys()
    seeds = [*SEEDS[:5], {**SEEDS[5], "meta": True}]
    process = ManifestProcess(
        id="makelankatu",
        title={"fi": "Mäkelänkatu", "sv": "Mäkelägatan", "en": "Mäkelänkatu street"},
        activities=["voxit"],
        test=False,
        status="open",
        min_seal=5,
        settings={
            "voxit": {
                "topic": {"fi": "Katuremontti", "sv": "Gatrenovering", "en": "Street renovation"},
                "intro": {"fi": "Kerro mielipiteesi.", "sv": "Säg vad du tycker.", "en": "Tell us what you think."},
                "allow_proposals": True,
                "statements": seeds,
            }
        },
    )
    terminal = enroll(settings, FakeTerminal())
    with session_for(settings) as session:
        save_process(session, keys, process)
    push(
        settings,
        terminal,
        [
            statement(terminal, "Fler bänkar längs gatan.", lang="sv", process="makelankatu"),
            statement(terminal, "Salainen roskaviesti.", lang="fi", process="makelankatu"),
        ],
    )
    with session_for(settings) as session:
        with session.begin():
            pending = {r.text[r.lang or "fi"]: r.number for r in voxit.moderation_queue(session, "makelankatu")}
        approve, reject = pending["Fler bänkar längs gatan."], pending["Salainen roskaviesti."]
        voxit.decide(
            session, keys, process_id="makelankatu", number=approve, decision="approve", actor=Moderator(), now=NOW
        )
        voxit.decide(
            session, keys, process_id="makelankatu", number=reject, decision="reject", actor=Moderator(), now=NOW
        )
    rng = random.Random(5)
    everyone_agrees = {str(number): 1 for number in pending.values()}
    records = [
        vote(terminal, {**camp_answers(i % 2, rng, [s["id"] for s in SEEDS]), **everyone_agrees}, process="makelankatu")
        for i in range(40)
    ]
    push(settings, terminal, records)
    with session_for(settings) as session:
        voxit.run_analysis(session, keys, "makelankatu", now=NOW)


def test_a_terminal_conversation_shows_seeds_in_the_page_language_and_hides_rejected_and_meta(
    settings: Settings, web: str
) -> None:
    terminal_conversation(settings)
    en = get(web, "/conversations/makelankatu", lang="en")
    assert en.status_code == 200
    page = en.text
    assert "Conversation: Mäkelänkatu street" in page and "Street renovation" in page
    assert "Tell us what you think." in page
    assert "This conversation is still open." in page
    assert '<p class="statement-text" lang="sv">Fler bänkar längs gatan.</p>' in page  # its own language, marked
    assert "In English 0." in page and "Suomeksi 0." not in page
    assert "Salainen roskaviesti." not in page  # rejected: never shown, though everyone agreed
    assert "In English 5." not in page  # meta: not in these lists
    consensus = section(page, "consensus")
    assert 'lang="sv">Fler bänkar längs gatan.' in consensus.split('<li class="statement"')[1]  # everyone agreed: first
    assert '<dd id="count-statements">7</dd>' in page  # six seeds (one meta) and the approved statement
    assert '<dd id="count-groups">2</dd>' in page
    sv = get(web, "/conversations/makelankatu", lang="sv").text
    assert "På svenska 0." in sv and "Diskussion: Mäkelägatan" in sv
    assert '<p class="statement-text">Fler bänkar längs gatan.</p>' in sv  # the page's own language: no lang mark
    assert 'href="/conversations/makelankatu"' in get(web, "/conversations").text
