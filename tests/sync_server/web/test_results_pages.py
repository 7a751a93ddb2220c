"""The public results pages and the staff preview over real HTTP, with a small pabulib election
entered as paper ballots and terminal ballots pushed through the real ingest."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shared_models import Record, make_record, sign_record
from sync_server.budget_admin import add_process_file, import_pb, tally
from sync_server.settings import Settings
from sync_server.web.pages.results import format_money, format_number, localized
from tests.sync_server.client import Client
from tests.sync_server.staff import make_staff, signed_in
from tests.sync_server.terminal import FakeTerminal
from tests.sync_server.web.browser import SQLITE_ONLY

NBSP = "\u00a0"

# Greedy over 100,000 €: Park benches (5 votes, 60,000) fits, Library sofas (4, 50,000) does not,
# Skate ramp (3, 30,000) fits, Bird boxes (1, 10,000) fits. The paper ballots give 4/2/2/1,
# the terminal ballots add 1/2/1/0.
SMALL_PB = """META
key;value
description;Testila youth budget
country;Finland
unit;Testila
instance;2026
num_projects;4
num_votes;5
budget;100000
vote_type;approval
rule;greedy
date_begin;20.11.2026
date_end;27.11.2026
currency;EUR
PROJECTS
project_id;cost;votes;name;selected
p1;60000;4;Park benches;1
p2;50000;2;Library sofas;0
p3;30000;2;Skate ramp;1
p4;10000;1;Bird boxes;1
VOTES
voter_id;vote
v1;p1,p2
v2;p1,p3
v3;p1,p2
v4;p1
v5;p3,p4
"""

SELECTED = ["Park benches", "Skate ramp", "Bird boxes"]
NOT_SELECTED = ["Library sofas"]


def tag(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


@dataclass(frozen=True)
class Election:
    process: str
    district: str
    terminal_ballots: list[Record]


def ballot(terminal: FakeTerminal, process: str, district: str, voter: str, projects: list[str], day: str) -> Record:
    body = {"process": process, "district": district, "voter": tag(voter), "projects": projects, "assisted": False}
    return sign_record(make_record("budget.ballot", body, device=terminal.device, day=day), terminal.key)


def small_election(settings: Settings, url: str, tmp_path: Path) -> Election:
    """The small election: 5 paper ballots (27.11.2026) through ``import-pb --paper``, then over HTTP
    from two terminals: A (21.11), B twice with the same code at two terminals (22.11, one
    superseded) and one ballot naming an unknown project (22.11, invalid)."""
    path = tmp_path / "testila.pb"
    path.write_text(SMALL_PB, encoding="utf-8")
    info = import_pb(settings, path, paper=True)
    assert info["ingest"]["accepted"] == 5 + 1  # the ballots and their seal
    process, district = str(info["process"]), "testila"
    client = Client(url, settings)
    one = client.enroll(name="Kallio library 1")
    two = client.enroll(FakeTerminal(), name="Malmi library 1")
    first = [
        ballot(one, process, district, "A", ["p1", "p2"], "2026-11-21"),
        ballot(one, process, district, "B", ["p2", "p3"], "2026-11-22"),
        ballot(one, process, district, "C", ["no-such-project"], "2026-11-22"),
    ]
    second = [ballot(two, process, district, "B", ["p2", "p3"], "2026-11-22")]
    for terminal, records in ((one, first), (two, second)):
        answer = client.push_ok(terminal, [terminal.seal(records), *records])
        assert {r["status"] for r in answer["results"]} == {"accepted"}, answer
    return Election(process, district, [*first, *second])


def text_of(html: str) -> str:
    """The page's text without tags, spaces as plain spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace(NBSP, " ").split())


@pytest.mark.parametrize(
    ("cents", "lang", "shown"),
    [
        pytest.param(12_000_000, "fi", f"120{NBSP}000{NBSP}€", id="fi"),
        pytest.param(12_000_000, "sv", f"120{NBSP}000{NBSP}€", id="sv"),
        pytest.param(12_000_000, "en", "€120,000", id="en"),
        pytest.param(123_456_789, "fi", f"1{NBSP}234{NBSP}567,89{NBSP}€", id="fi_cents"),
        pytest.param(5, "en", "€0.05", id="en_cents"),
        pytest.param(0, "fi", f"0{NBSP}€", id="zero"),
    ],
)
def test_money_is_shown_in_euros_the_way_each_language_writes_them(cents: int, lang: str, shown: str) -> None:
    assert format_money(cents, lang) == shown


def test_another_currency_is_shown_by_its_code() -> None:
    assert format_money(15_000_000, "fi", "PLN") == f"150{NBSP}000{NBSP}PLN"
    assert format_money(15_000_000, "en", "PLN") == f"PLN{NBSP}150,000"


def test_numbers_are_grouped_and_texts_fall_back_to_finnish() -> None:
    assert format_number(70_747, "fi") == f"70{NBSP}747"
    assert format_number(70_747, "en") == "70,747"
    assert localized({"fi": "Puisto", "sv": "Park", "en": "Park"}, "sv", "x") == "Park"
    assert localized({"fi": "Puisto"}, "en", "x") == "Puisto"
    assert localized(None, "en", "p1") == "p1"


@SQLITE_ONLY
def test_closed_process_results_are_public_with_the_selected_projects(
    settings: Settings, web: str, tmp_path: Path
) -> None:
    election = small_election(settings, web, tmp_path)
    result = tally(settings, election.process)
    assert result["ballots"] == {"counted": 7, "superseded": 1, "invalid": 1}
    [district] = result["districts"]
    assert sorted(district["selected"]) == ["p1", "p3", "p4"]

    with httpx.Client(base_url=web) as browser:
        listing = browser.get("/results")
        assert listing.status_code == 200
        assert f'href="/results/{election.process}"' in listing.text
        assert "demo" not in re.findall(r'href="/results/([^"]+)"', listing.text)  # a test process is not listed

        browser.cookies.set("lang", "en")
        page = browser.get(f"/results/{election.process}")
        assert page.status_code == 200
        assert "set-cookie" not in page.headers  # a public page sets no cookie
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script" not in page.text and "style=" not in page.text
        text = text_of(page.text)
        assert "Results: Testila youth budget" in text
        assert "Counted with greedy by votes" in text
        assert "Ballots counted 7" in text
        assert "Budget €100,000. Selected: 3 projects, together €100,000. Ballots counted in this district: 7." in text
        rows = re.findall(r'<tr class="(selected|not-selected)" id="project-(p\d)"', page.text)
        assert {pid: cls for cls, pid in rows} == {
            "p1": "selected",
            "p2": "not-selected",
            "p3": "selected",
            "p4": "selected",
        }
        order = re.findall(r'id="project-(p\d)"', page.text)
        assert order == ["p1", "p2", "p3", "p4"]  # most votes first: 5, 4, 3, 1
        assert "Park benches ✓ Selected €60,000 5 (71% of ballots)" in text
        assert "Library sofas Not selected €50,000 4 (57% of ballots)" in text
        labels = re.findall(r'<svg class="bar" role="img" aria-label="([^"]+)"', page.text)
        assert labels == [
            "5 votes, 71% of the ballots in this district, Selected",
            "4 votes, 57% of the ballots in this district",
            "3 votes, 43% of the ballots in this district, Selected",
            "1 vote, 14% of the ballots in this district, Selected",
        ]
        widths = re.findall(r'<rect class="fill[^"]*" width="([\d.]+)%"', page.text)
        assert widths == ["100.0", "80.0", "60.0", "20.0"]
        assert page.text.count('fill="url(#hatch)"') == 3  # selected bars are hatched, not only coloured

        browser.cookies.set("lang", "fi")
        finnish = text_of(browser.get(f"/results/{election.process}").text)
        assert "Budjetti 100 000 €. Valittu 3 hanketta, yhteensä 100 000 €." in finnish
        assert "Park benches ✓ Valittu 60 000 € 5 (71 % äänestäneistä)" in finnish


@SQLITE_ONLY
def test_an_open_process_shows_no_counts_but_staff_may_preview_them(settings: Settings, web: str) -> None:
    process_owner = make_staff(settings, role="process_owner")
    moderator = make_staff(settings, role="moderator")
    with httpx.Client(base_url=web, cookies={"lang": "en"}) as browser:
        page = browser.get("/results/demo")  # the demo process: open, and a test process
        assert page.status_code == 200
        assert "This is a test process. Its results are not published." in text_of(page.text)
        assert '<svg class="bar"' not in page.text and "Counted with" not in page.text
        missing = browser.get("/results/no-such-process")
        assert missing.status_code == 404
        assert "There is no participatory budget with this address." in missing.text
        signed_out = browser.get("/staff/results/demo")
        assert signed_out.status_code == 303 and "/staff/sign-in" in signed_out.headers["location"]

    with signed_in(web, process_owner) as staff:
        staff.cookies.set("lang", "en")
        listing = staff.get("/staff/results")
        assert listing.status_code == 200 and 'href="/staff/results/demo"' in listing.text
        assert 'href="/staff/results"' in staff.get("/staff/").text  # linked from the front page
        preview = staff.get("/staff/results/demo")
        assert preview.status_code == 200
        text = text_of(preview.text)
        assert "Staff preview: the public does not see these counts yet" in text
        assert "Counted with greedy by votes" in text and "Ballots counted 0" in text
        assert "No ballot has been counted yet, so no project is selected." in text
        assert preview.text.count('<section class="district"') == 4  # the demo's four districts
        assert "Sign out" in text  # the staff layout, with its navigation

    with signed_in(web, moderator) as staff:
        assert staff.get("/staff/results/demo").status_code == 403  # moderators do not see results
        assert 'href="/staff/results"' not in staff.get("/staff/").text


@SQLITE_ONLY
def test_the_receipt_page_speaks_the_chosen_language_and_answers_in_all_three(settings: Settings, web: str) -> None:
    with httpx.Client(base_url=web) as browser:
        finnish = browser.get("/receipt", params={"code": "AAAA-AAAA-AA"})
        assert finnish.status_code == 200 and '<html lang="fi">' in finnish.text
        assert "set-cookie" not in finnish.headers
        text = text_of(finnish.text)
        assert "Tarkista kuitti" in text
        assert text.index("Ei vielä löydy") < text.index("Hittas inte ännu") < text.index("Not found yet")
        assert 'href="/language/sv?next=' in finnish.text  # public pages switch language outside /staff
        switch = browser.get("/language/sv", params={"next": "/receipt?code=AAAA-AAAA-AA"})
        assert switch.status_code == 303 and switch.headers["location"] == "/receipt?code=AAAA-AAAA-AA"
        swedish = text_of(browser.get(switch.headers["location"]).text)
        assert "Kontrollera kvittot" in swedish
        assert swedish.index("Hittas inte ännu") < swedish.index("Ei vielä löydy")
        bad = browser.get("/receipt", params={"code": "nonsense"})
        assert 'data-status="bad_code"' in bad.text
        assert "<form" in browser.get("/receipt").text


def close_process(settings: Settings, process_id: str) -> None:
    from sync_server.db.engine import make_engine, make_sessionmaker
    from sync_server.services.processes import set_process_status

    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            set_process_status(session, settings.load_keys(), process_id=process_id, status="closed")
    finally:
        engine.dispose()


@SQLITE_ONLY
def test_counts_become_public_when_the_process_closes(settings: Settings, web: str, tmp_path: Path) -> None:
    title = {"fi": "Kevään budjetti", "sv": "Vårens budget", "en": "Spring budget"}
    district = {
        "id": "kallio",
        "name": {"fi": "Kallio", "sv": "Berghäll", "en": "Kallio"},
        "budget": 10_000_000,
        "projects": [
            {"id": "benches", "cost": 6_000_000, "title": {"fi": "Penkit", "sv": "Bänkar", "en": "Benches"}},
            {"id": "lights", "cost": 5_000_000, "title": {"fi": "Valot", "sv": "Ljus", "en": "Lights"}},
        ],
    }
    definition = tmp_path / "spring.json"
    budget = {"districts": [district]}
    spring = {"id": "spring", "title": title, "activities": ["budget"], "settings": {"budget": budget}}
    definition.write_text(json.dumps(spring), encoding="utf-8")
    assert add_process_file(settings, definition) == "spring"  # open, not a test process
    client = Client(web, settings)
    terminal = client.enroll()
    records = [
        ballot(terminal, "spring", "kallio", voter, projects, "2026-11-28")
        for voter, projects in (("A", ["benches"]), ("B", ["benches"]), ("C", ["lights"]))
    ]
    client.push_ok(terminal, [terminal.seal(records), *records])

    with httpx.Client(base_url=web, cookies={"lang": "sv"}) as browser:
        listing = text_of(browser.get("/results").text)
        assert "Vårens budget Omröstningen pågår, resultat senare" in listing
        page = browser.get("/results/spring")
        assert page.status_code == 200
        assert "Omröstningen pågår fortfarande, så inga röster visas ännu." in text_of(page.text)
        assert "Bänkar" not in page.text and '<svg class="bar"' not in page.text  # no count while open

        close_process(settings, "spring")
        listing = text_of(browser.get("/results").text)
        assert "Vårens budget Resultat publicerade" in listing
        text = text_of(browser.get("/results/spring").text)
        assert "Räknade röster 3" in text
        assert "Bänkar ✓ Valt 60 000 € 2 (67 % av de röstande)" in text
        assert "Ljus Inte valt 50 000 € 1 (33 % av de röstande)" in text

        late = [ballot(terminal, "spring", "kallio", "D", ["benches"], "2026-11-28")]  # synced after closing
        client.push_ok(terminal, [terminal.seal(late), *late])
        text = text_of(browser.get("/results/spring").text)  # the kept count is not reused: the log grew
        assert "Räknade röster 4" in text and "Bänkar ✓ Valt 60 000 € 3 (75 % av de röstande)" in text
