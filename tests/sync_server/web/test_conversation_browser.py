"""The public conversation pages in a real browser (Debian's Chromium driven by playwright) against
a real server, on the Polis conversation 15-per-hour-seattle imported with ``osallistu server
import-polis`` and analysed with ``osallistu server analyze --json``. Screenshots go to
``/tmp/shots/voxit_web/`` (also at 200% zoom)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, FloatRect, Page, expect

from sync_server.web.pages.conversations import group_letter
from tests.sync_server.servers import server_thread
from tests.sync_server.web.browser import launch_chromium
from tests.sync_server.web.test_conversation_pages import (
    Imported,
    comment_texts,
    import_seattle,
    ranked_by_consensus,
)

SHOTS = Path("/tmp/shots/voxit_web")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def seattle(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    return import_seattle(tmp_path_factory.mktemp("seattle") / "server")


@pytest.fixture(scope="module")
def site(seattle: Imported) -> Iterator[str]:
    with server_thread(seattle.settings) as url:
        yield url


REFUSED: list[str] = []  # what the browser refused under the pages' Content-Security-Policy


def new_page(
    chromium: Browser, url: str, *, lang: str | None = None, zoom: bool = False
) -> tuple[BrowserContext, Page]:
    options: dict[str, object] = {"base_url": url, "viewport": {"width": 1280, "height": 800}}
    if zoom:  # 200% zoom: half the CSS pixels, each drawn twice as large
        options.update(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    context = chromium.new_context(**options)  # type: ignore[arg-type]
    if lang:
        context.add_cookies([{"name": "lang", "value": lang, "url": url}])
    page = context.new_page()
    page.on(
        "console", lambda message: REFUSED.append(message.text) if "Content Security Policy" in message.text else None
    )
    return context, page


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def assert_no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways at 200% zoom"


def box(page: Page, selector: str) -> FloatRect:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def test_a_resident_reads_a_conversation_and_switches_language(chromium: Browser, seattle: Imported, site: str) -> None:
    report = seattle.report
    top = ranked_by_consensus(report)[0]
    context, page = new_page(chromium, site)
    try:
        page.goto("/results")
        page.get_by_role("navigation", name="Päävalikko").get_by_role("link", name="Keskustelut").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Voxit-keskustelut")
        shot(page, "list-fi")
        page.get_by_role("link", name=seattle.process, exact=True).click()
        expect(page).to_have_url(re.compile(f"/conversations/{seattle.process}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Keskustelu: {seattle.process}")

        page.get_by_role("link", name="In English").click()
        expect(page).to_have_url(re.compile(f"/conversations/{seattle.process}$"))  # back on the same page
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Conversation: {seattle.process}")

        opinion_map = page.get_by_role("img", name="Opinion map")
        expect(opinion_map).to_be_visible()
        expect(opinion_map.locator("path.dot")).to_have_count(report["in_conv"])
        expect(opinion_map.locator("polygon.hull-line")).to_have_count(len(report["groups"]))
        groups = page.get_by_role("table", name="Opinion groups on the map")
        expect(groups.locator("tbody tr")).to_have_count(len(report["groups"]))
        for g in report["groups"]:
            row = groups.locator(f"#map-group-{group_letter(g['id'])}")
            expect(row.locator("td.num").first).to_have_text(str(len(g["participants"])))

        # colour is not the only cue: each group has its own dot shape and hull line pattern
        shapes = [
            set(
                opinion_map.locator(f"path.dot.g{i}").evaluate_all(
                    "ds => ds.map(d => d.getAttribute('d').replace(/[^A-Za-z]/g, ''))"
                )
            )
            for i in range(len(report["groups"]))
        ]
        assert all(len(s) == 1 for s in shapes) and len(set.union(*shapes)) == len(shapes)  # one shape per group
        dashes = opinion_map.locator("polygon.hull-line").evaluate_all(
            "ps => ps.map(p => getComputedStyle(p).strokeDasharray)"
        )
        assert len(set(dashes)) == len(report["groups"])
        legend = groups.locator("tbody td:nth-child(2)").all_inner_texts()
        assert len(set(legend)) == len(report["groups"])  # "circle", "square", ... in words

        # every dot inside the map, and the group labels clear of each other
        frame = box(page, "svg.opinion-map")
        dots = page.locator("svg.opinion-map path.dot").evaluate_all(
            "ds => ds.map(d => { const b = d.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })"
        )
        for left, up, right, down in dots:
            assert frame["x"] <= left and right <= frame["x"] + frame["width"]
            assert frame["y"] <= up and down <= frame["y"] + frame["height"]
        labels = page.locator("svg.opinion-map text.group-label").evaluate_all(
            "ts => ts.map(t => { const b = t.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })"
        )
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], "group labels overlap"

        first = page.locator("ol.consensus > li").first
        expect(first).to_have_attribute("id", f"consensus-{top['id']}")
        expect(first.locator(".statement-text")).to_have_text(comment_texts()[top["id"]].strip())
        expect(first.locator(".group-numbers")).to_have_count(len(report["groups"]))
        expect(page.get_by_role("heading", name=re.compile(r"^Group A: \d+ participants$"))).to_be_visible()
        expect(page.locator("p.repness").first).to_contain_text(
            re.compile(r"^\d+% of group A (dis)?agreed, vs \d+% of everyone else\.$")
        )
        shot(page, "conversation-en")

        page.get_by_role("link", name="På svenska").click()
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        expect(page.get_by_role("heading", name="Vad grupperna är överens om")).to_be_visible()
        expect(page.get_by_role("img", name="Åsiktskarta").locator("path.dot")).to_have_count(report["in_conv"])
        shot(page, "conversation-sv")
        assert REFUSED == []
    finally:
        context.close()


def test_the_pages_reflow_at_200_percent_zoom(chromium: Browser, seattle: Imported, site: str) -> None:
    context, page = new_page(chromium, site, lang="fi", zoom=True)
    try:
        page.goto("/conversations")
        assert_no_sideways_scroll(page)
        shot(page, "list-fi-zoom200")
        page.goto(f"/conversations/{seattle.process}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_no_sideways_scroll(page)
        shot(page, "conversation-fi-zoom200")
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Siirry sisältöön")).to_be_focused()
    finally:
        context.close()
