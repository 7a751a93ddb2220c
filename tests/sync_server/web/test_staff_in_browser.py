"""Signing in, switching language and signing out in a real browser (Debian's Chromium via
playwright) against a real server on a free loopback port. Screenshots go to
``screenshots/web-staff-*.png`` for people to look at, also at 200% zoom (a 640x400 CSS
viewport at device scale 2)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from sync_server.settings import Settings
from tests.sync_server.staff import PASSWORD, make_staff
from tests.sync_server.web.browser import SCREENSHOTS, SQLITE_ONLY, launch_chromium


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from launch_chromium()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"web-staff-{name}.png"), full_page=True)


@SQLITE_ONLY
def test_a_staff_member_signs_in_switches_language_and_signs_out_in_a_browser(
    settings: Settings, web: str, chromium: Browser
) -> None:
    email = make_staff(settings, role="admin")
    context = chromium.new_context(base_url=web, viewport={"width": 1280, "height": 800})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    try:
        page.goto("/staff/audit")
        expect(page).to_have_url(re.compile(r"/staff/sign-in\?next=/staff/audit$"))
        expect(page.locator("html")).to_have_attribute("lang", "fi")
        shot(page, "sign-in-fi")
        page.get_by_label("Sähköposti").fill(email)
        page.get_by_label("Salasana").fill("wrong password, twelve+")
        page.get_by_role("button", name="Kirjaudu").click()
        expect(page.get_by_role("alert")).to_have_text("Sähköposti tai salasana on väärin.")
        shot(page, "sign-in-failed-fi")
        page.get_by_label("Salasana").fill(PASSWORD)
        page.get_by_role("button", name="Kirjaudu").click()
        expect(page).to_have_url(re.compile(r"/staff/audit$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Tapahtumaloki")
        shot(page, "audit-fi")

        page.get_by_role("link", name="På svenska").click()
        expect(page).to_have_url(re.compile(r"/staff/audit$"))
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        expect(page.get_by_role("heading", level=1)).to_have_text("Händelselogg")
        page.get_by_role("link", name="In English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff accounts").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")
        shot(page, "users-en")

        page.keyboard.press("Tab")  # the first stop is the skip link
        expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/staff/sign-in\?signed_out=1$"))
        expect(page.get_by_role("status")).to_have_text("You have signed out.")
        shot(page, "signed-out-en")
        page.goto("/staff/")
        expect(page).to_have_url(re.compile(r"/staff/sign-in"))
    finally:
        context.close()
    assert all(url.startswith(web) for url in requests), "a page loaded something from elsewhere"


@SQLITE_ONLY
def test_the_staff_pages_reflow_at_200_percent_zoom(settings: Settings, web: str, chromium: Browser) -> None:
    email = make_staff(settings, role="admin")
    context = chromium.new_context(base_url=web, viewport={"width": 640, "height": 400}, device_scale_factor=2)
    page = context.new_page()
    try:
        page.goto("/staff/sign-in")
        page.get_by_label("Sähköposti").fill(email)
        page.get_by_label("Salasana").fill(PASSWORD)
        page.get_by_role("button", name="Kirjaudu").click()
        page.goto("/staff/users")
        width = page.evaluate("document.documentElement.scrollWidth")
        shot(page, "users-zoom-200")
        assert width <= 640, "the page scrolls sideways at 200% zoom"
    finally:
        context.close()
