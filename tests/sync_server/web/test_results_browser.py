"""The results, receipt and turnout pages in a real browser (Debian's Chromium driven by playwright)
against a real server, with a small pabulib election entered on paper and terminal ballots pushed
over HTTP. Screenshots go to ``screenshots/web-results-*.png`` (gitignored), also at 200% zoom."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from shared_models.receipts import receipt_code
from sync_server.settings import Settings
from tests.sync_server.staff import PASSWORD, make_staff
from tests.sync_server.web.browser import SCREENSHOTS, SQLITE_ONLY, launch_chromium
from tests.sync_server.web.test_results_pages import small_election


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from launch_chromium()


def new_page(
    chromium: Browser, url: str, *, lang: str | None = None, zoom: bool = False
) -> tuple[BrowserContext, Page]:
    options: dict[str, object] = {"base_url": url, "viewport": {"width": 1280, "height": 800}}
    if zoom:
        options.update(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    context = chromium.new_context(**options)  # type: ignore[arg-type]
    if lang:
        context.add_cookies([{"name": "lang", "value": lang, "url": url}])
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran on the page: {dialog.message}"))
    page.on(
        "console", lambda message: REFUSED.append(message.text) if "Content Security Policy" in message.text else None
    )
    return context, page


REFUSED: list[str] = []  # what the browser refused under the pages' Content-Security-Policy


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"web-results-{name}.png"), full_page=True)


def assert_no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways at 200% zoom"


@SQLITE_ONLY
def test_a_resident_reads_the_results_switches_language_and_checks_a_receipt(
    chromium: Browser, settings: Settings, web: str, tmp_path: Path
) -> None:
    election = small_election(settings, web, tmp_path)
    counted = election.terminal_ballots[0]  # voter A's ballot, the only one with that code
    context, page = new_page(chromium, web)
    try:
        page.goto("/results")
        expect(page.locator("html")).to_have_attribute("lang", "fi")  # Finnish by default
        page.get_by_role("link", name="Testila youth budget").click()
        expect(page).to_have_url(re.compile(f"/results/{election.process}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Tulokset: Testila youth budget")

        page.get_by_role("link", name="In English").click()
        expect(page).to_have_url(re.compile(f"/results/{election.process}$"))  # back on the same page
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text("Results: Testila youth budget")
        expect(page.get_by_text("greedy by votes", exact=False)).to_be_visible()

        table = page.get_by_role("table", name="Projects in Testila, most votes first")
        expect(table).to_be_visible()
        selected = table.locator("tbody tr.selected .project-title")
        expect(selected).to_have_text(["Park benches", "Skate ramp", "Bird boxes"])
        expect(table.locator("tbody tr.not-selected .project-title")).to_have_text(["Library sofas"])
        for title in ("Park benches", "Skate ramp", "Bird boxes"):
            row = table.locator("tbody tr").filter(has_text=title)
            expect(row.locator(".mark-selected")).to_have_text("✓ Selected")  # in words, not only colour
        bars = page.get_by_role("img")
        expect(bars).to_have_count(4)
        expect(page.get_by_role("img", name="5 votes, 71% of the ballots in this district, Selected")).to_be_visible()
        expect(page.get_by_role("img", name="4 votes, 57% of the ballots in this district")).to_be_visible()
        widths = [
            page.locator(f"#project-{pid} svg.bar rect.fill").evaluate("r => r.getBoundingClientRect().width")
            for pid in ("p1", "p2")
        ]
        track = page.locator("#project-p1 svg.bar rect.track").evaluate("r => r.getBoundingClientRect().width")
        assert widths[0] == pytest.approx(track, abs=2) and widths[1] == pytest.approx(0.8 * track, abs=2)
        hatch = page.locator("#project-p1 svg.bar rect.fill").evaluate("r => getComputedStyle(r).fill")
        assert "url(" in hatch  # a selected bar is striped, not only another colour
        shot(page, "public-en")

        page.get_by_role("link", name="På svenska").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Resultat: Testila youth budget")
        expect(page.get_by_role("table", name="Projekten i Testila, flest röster först")).to_be_visible()
        expect(page.locator(".mark-selected")).to_have_text(["✓ Valt"] * 3)
        shot(page, "public-sv")

        page.get_by_role("link", name="Kontrollera kvittot").first.click()
        page.get_by_label("Kvittokod").fill(receipt_code(counted.id).lower().replace("-", ""))
        page.get_by_role("button", name="Kontrollera").click()
        expect(page.get_by_role("status")).to_contain_text("Rösten har räknats.")
        expect(page.locator(".result [lang=fi]")).to_have_text("Ääni on laskettu.")
        shot(page, "receipt-sv")
        assert REFUSED == []
    finally:
        context.close()

    context, page = new_page(chromium, web, lang="fi", zoom=True)
    try:
        page.goto(f"/results/{election.process}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_sideways_scroll(page)
        shot(page, "public-fi-zoom200")
        page.goto("/receipt?code=AAAA-AAAA-AA")
        assert_no_sideways_scroll(page)
        shot(page, "receipt-fi-zoom200")
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Siirry sisältöön")).to_be_focused()
    finally:
        context.close()


@SQLITE_ONLY
def test_staff_watch_turnout_by_channel_and_day_and_turn_live_updates_on_and_off(
    chromium: Browser, settings: Settings, web: str, tmp_path: Path
) -> None:
    election = small_election(settings, web, tmp_path)
    viewer = make_staff(settings, role="viewer")
    context, page = new_page(chromium, web, lang="en")
    try:
        page.goto("/staff/sign-in")
        page.get_by_label("Email").fill(viewer)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Turnout").click()
        page.get_by_role("link", name="Testila youth budget").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Turnout: Testila youth budget")

        by_day = page.get_by_role("table", name="Counted ballots by day of voting and channel")
        header = by_day.locator("thead th")
        expect(header).to_have_text(["Day", "Counted, terminal", "Counted, paper", "Counted", "Received"])
        expect(by_day.locator("tbody tr").nth(0).locator("th, td")).to_have_text(["2026-11-21", "1", "0", "1", "1"])
        expect(by_day.locator("tbody tr").nth(1).locator("th, td")).to_have_text(["2026-11-22", "1", "0", "1", "3"])
        expect(by_day.locator("tbody tr").nth(2).locator("th, td")).to_have_text(["2026-11-27", "0", "5", "5", "5"])
        expect(by_day.locator("tfoot tr th, tfoot tr td")).to_have_text(["All days", "2", "5", "7", "9"])
        by_channel = page.get_by_role("table", name="Ballots by how they were cast")
        expect(by_channel.locator("#channel-terminal td")).to_have_text(["2", "4", "1", "1"])
        expect(by_channel.locator("#channel-paper td")).to_have_text(["5", "5", "0", "0"])
        expect(page.locator("#as-of")).to_have_text("2026-11-28 12:00")
        shot(page, "turnout-en")

        page.get_by_role("link", name="Update every 60 seconds").click()
        expect(page).to_have_url(re.compile(r"\?live=1$"))
        expect(page.locator("#live-state")).to_have_text("Updating every 60 seconds")
        page.get_by_role("link", name="Stop updating").click()
        expect(page).to_have_url(re.compile(f"/staff/turnout/{election.process}$"))
        expect(page.locator("#live-state")).to_have_count(0)

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Results").click()
        page.get_by_role("link", name="Staff preview: Testila youth budget").click()
        expect(page.get_by_text("Staff view. These results are public.")).to_be_visible()
        expect(page.locator("tbody tr.selected .project-title")).to_have_count(3)

        page.goto("/staff/results/demo")  # open, a test process: staff still see the (empty) count
        expect(page.get_by_text("Staff preview: the public does not see these counts yet", exact=False)).to_be_visible()
        districts = page.get_by_role("navigation", name="Districts").get_by_role("link")
        expect(districts).to_have_count(4)
        districts.nth(1).click()
        expect(page).to_have_url(re.compile("#district-itainen$"))
        shot(page, "preview-demo")
    finally:
        context.close()

    context, page = new_page(chromium, web, lang="fi", zoom=True)
    try:
        page.goto("/staff/sign-in")
        page.get_by_label("Sähköposti").fill(viewer)
        page.get_by_label("Salasana").fill(PASSWORD)
        page.get_by_role("button", name="Kirjaudu", exact=True).click()
        page.goto(f"/staff/turnout/{election.process}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_sideways_scroll(page)
        shot(page, "turnout-fi-zoom200")
    finally:
        context.close()
