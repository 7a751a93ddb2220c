"""The staff turnout page over real HTTP: ballots by district, channel (terminal, paper) and day."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from sync_server.settings import Settings
from tests.sync_server.staff import make_staff, signed_in
from tests.sync_server.web.browser import SQLITE_ONLY
from tests.sync_server.web.test_results_pages import small_election, text_of


def cells(html: str, row_id: str) -> list[str]:
    """The texts of the cells of the table row ``row_id``."""
    row = re.search(rf'<tr id="{re.escape(row_id)}"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None, f"no row {row_id}"
    return [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)]


def by_id(html: str, element_id: str) -> str:
    found = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)<', html, re.S)
    assert found is not None, f"no element {element_id}"
    return found.group(1)


@SQLITE_ONLY
def test_turnout_counts_terminal_and_paper_ballots_by_day_district_and_channel(
    settings: Settings, web: str, tmp_path: Path
) -> None:
    election = small_election(settings, web, tmp_path)
    viewer = make_staff(settings, role="viewer")
    with signed_in(web, viewer) as staff:
        staff.cookies.set("lang", "en")
        assert 'href="/staff/turnout"' in staff.get("/staff/").text  # linked from the front page
        listing = staff.get("/staff/turnout")
        assert f'href="/staff/turnout/{election.process}"' in listing.text

        page = staff.get(f"/staff/turnout/{election.process}")
        assert page.status_code == 200
        assert "refresh" not in page.headers  # not live unless asked
        html = page.text
        text = text_of(html)
        assert "As of 2026-11-28 12:00" in text  # the app's clock: 10:00 UTC is 12:00 in Helsinki
        assert cells(html, "channel-terminal") == ["Terminal", "2", "4", "1", "1"]
        assert cells(html, "channel-paper") == ["Paper", "5", "5", "0", "0"]
        assert cells(html, "day-2026-11-21") == ["2026-11-21", "1", "0", "1", "1"]
        assert cells(html, "day-2026-11-22") == ["2026-11-22", "1", "0", "1", "3"]
        assert cells(html, "day-2026-11-27") == ["2026-11-27", "0", "5", "5", "5"]
        assert re.findall(r'<tr id="day-([\d-]+)"', html) == ["2026-11-21", "2026-11-22", "2026-11-27"]
        assert cells(html, f"district-{election.district}") == ["Testila (citywide)", "7", "9", "1", "1"]
        assert (by_id(html, "total-counted"), by_id(html, "total-received"), by_id(html, "total-voters")) == (
            "7",
            "9",
            "7",
        )
        assert "Park benches" not in html and "p1" not in html  # turnout never shows choices

        live = staff.get(f"/staff/turnout/{election.process}", params={"live": "1"})
        assert live.headers["refresh"] == "60"
        assert "Updating every 60 seconds" in text_of(live.text)
        assert f'href="/staff/turnout/{election.process}">Stop updating' in live.text

        staff.cookies.set("lang", "fi")
        finnish = staff.get(f"/staff/turnout/{election.process}").text
        assert cells(finnish, "channel-paper")[0] == "Paperi"
        assert cells(finnish, "day-2026-11-21")[0] == "21.11.2026"
        assert "Päivitä nyt" in finnish

        missing = staff.get("/staff/turnout/no-such-process")
        assert missing.status_code == 404


@SQLITE_ONLY
def test_turnout_needs_a_signed_in_staff_member_who_may_see_processes(settings: Settings, web: str) -> None:
    responder = make_staff(settings, role="responder")
    operator = make_staff(settings, role="operator")
    with httpx.Client(base_url=web) as browser:
        answer = browser.get("/staff/turnout/demo")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/staff/sign-in")
    with signed_in(web, responder) as staff:
        assert staff.get("/staff/turnout/demo").status_code == 403
        assert 'href="/staff/turnout"' not in staff.get("/staff/").text
    with signed_in(web, operator) as staff:
        page = staff.get("/staff/turnout/demo")
        assert page.status_code == 200
        assert cells(page.text, "channel-terminal")[1:] == ["0", "0", "0", "0"]
        assert re.findall(r'<tr id="district-([^"]+)"', page.text) == ["keskinen", "itainen", "pohjoinen", "lantinen"]
