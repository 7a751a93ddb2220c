"""The terminals and anomalies pages in a real browser (Debian's Chromium driven by
playwright) against a real server on a free loopback port, with a real kiosk terminal
enrolled with a token issued from the page. Screenshots go to ``screenshots/web-terminals-*.png``
(gitignored) for people to look at, also at 200% zoom (a 640x400 CSS viewport at
device scale 2 is what a 1280x800 screen shows at 200%)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from kiosk.enroll import enroll_terminal
from sync_server.admin import revoke_device
from sync_server.settings import Settings
from tests.sync_server.staff import PASSWORD, make_staff
from tests.sync_server.web.browser import SCREENSHOTS, SQLITE_ONLY, launch_chromium
from tests.sync_server.web.test_terminals_pages import SCRIPT_NAME, revoked_at

SIGN_IN = re.compile(r"/staff/sign-in")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    yield from launch_chromium()


def new_page(chromium: Browser, url: str, *, lang: str = "en", zoom: bool = False) -> tuple[BrowserContext, Page]:
    options: dict[str, object] = {"base_url": url, "viewport": {"width": 1280, "height": 800}}
    if zoom:
        options.update(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    context = chromium.new_context(**options)  # type: ignore[arg-type]
    context.add_cookies([{"name": "lang", "value": lang, "url": url}])
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran on the page: {dialog.message}"))
    return context, page


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"web-terminals-{name}.png"), full_page=True)


def assert_no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways at 200% zoom (only a table may, inside its own box)"


def sign_in(page: Page, email: str, target: str = "/staff/terminals") -> None:
    page.goto(target)
    expect(page).to_have_url(SIGN_IN)  # signed out: sent to sign in first
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))


def row_of(page: Page, name: str) -> Locator:
    return page.locator("table.terminals tbody tr").filter(has=page.locator(".terminal-name", has_text=name))


def test_operator_watches_a_real_terminal_sync_revokes_it_and_sees_its_next_push_quarantined(
    chromium: Browser, settings: Settings, live_server: str, tmp_path: Path
) -> None:
    operator = make_staff(settings, role="operator")
    context, page = new_page(chromium, live_server)
    try:
        sign_in(page, operator)
        expect(page.get_by_text("No terminal has been enrolled yet.")).to_be_visible()
        shot(page, "empty")

        # Issue a token from the page, and enroll a real kiosk terminal with it.
        page.get_by_label("Terminal name").fill("Kallio library 1")
        page.get_by_label("Place").fill("Kallio")
        page.get_by_role("button", name="Create enrollment token").click()
        token = page.locator("#token").inner_text()
        assert token.startswith("OSA1-")
        expect(page.locator("#enroll-command")).to_contain_text(f"--server {live_server} --token {token}")
        shot(page, "token")
        terminal = enroll_terminal(tmp_path / "kiosk", server_url=live_server, token=token, pin="2468")

        page.goto("/staff/terminals")
        row = row_of(page, "Kallio library 1")
        expect(row).to_contain_text("Never synced")
        expect(row).to_contain_text("Kallio")

        # It syncs: the page shows its acknowledged seal and no trouble.
        terminal.drill("demo", 10, seed=1)
        terminal.sync()
        page.reload()
        expect(row).to_contain_text("OK")
        expect(row).not_to_contain_text("Never synced")
        expect(row).to_contain_text("no. ")
        shot(page, "synced")

        # Revoke it from the page, by keyboard, through the confirmation step.
        revoke = row.get_by_role("link", name="Revoke")
        revoke.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Revoke this terminal?")).to_be_visible()
        shot(page, "revoke-confirm")
        page.get_by_role("button", name="Yes, revoke Kallio library 1").click()
        expect(page.get_by_role("status")).to_contain_text("The terminal Kallio library 1 has been revoked.")
        expect(row).to_contain_text("Revoked")
        assert revoked_at(settings, terminal.device_id) is not None

        # Its next push is quarantined as device_revoked, on both pages.
        terminal.drill("demo", 10, seed=2)
        terminal.sync()
        page.reload()
        expect(row).to_contain_text("Terminal revoked")
        quarantined = int(row.locator("a[href^='/staff/anomalies']").inner_text().split()[0])
        assert quarantined >= 10
        shot(page, "revoked")
        row.locator("a[href^='/staff/anomalies']").click()
        expect(page.get_by_role("heading", name="Anomalies", exact=True)).to_be_visible()
        reasons = page.locator("table.counts").filter(has_text="Quarantine by reason")
        expect(reasons.locator("tr").filter(has_text="device_revoked")).to_contain_text(str(quarantined))
        expect(page.locator(f"#device-{terminal.device_id}")).to_contain_text("Kallio library 1")
        shot(page, "anomalies")

        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(SIGN_IN)
        page.goto("/staff/anomalies")
        expect(page).to_have_url(SIGN_IN)
    finally:
        context.close()


@SQLITE_ONLY
def test_pages_at_200_percent_zoom_in_finnish_escape_a_scripted_name(
    chromium: Browser, settings: Settings, live_server: str, tmp_path: Path
) -> None:
    operator = make_staff(settings, role="operator")
    context, page = new_page(chromium, live_server, lang="fi", zoom=True)
    try:
        page.goto("/staff/terminals")
        page.get_by_label("Sähköposti").fill(operator)
        page.get_by_label("Salasana").fill(PASSWORD)
        page.get_by_role("button", name="Kirjaudu", exact=True).click()
        page.get_by_label("Päätteen nimi").fill(SCRIPT_NAME)
        page.get_by_role("button", name="Luo liittämistunnus").click()
        token = page.locator("#token").inner_text()
        shot(page, "token-zoom200-fi")
        assert_no_sideways_scroll(page)
        terminal = enroll_terminal(tmp_path / "kiosk", server_url=live_server, token=token, pin="2468")
        terminal.drill("demo", 5, seed=3)
        terminal.sync()
        page.goto("/staff/terminals")
        expect(page.locator(".terminal-name", has_text=SCRIPT_NAME)).to_have_text(SCRIPT_NAME)
        shot(page, "zoom200-fi")
        assert_no_sideways_scroll(page)
        revoke_device(settings, terminal.device_id)
        terminal.drill("demo", 5, seed=4)
        terminal.sync()
        page.goto("/staff/anomalies")
        expect(page.locator("table.counts")).to_contain_text(["Pääte poistettu käytöstä"])
        shot(page, "anomalies-zoom200-fi")
        assert_no_sideways_scroll(page)
    finally:
        context.close()


@SQLITE_ONLY
def test_a_viewer_sees_no_manage_forms_and_a_revoke_post_is_refused(
    chromium: Browser, settings: Settings, live_server: str, tmp_path: Path
) -> None:
    from sync_server.admin import create_enrollment_token

    terminal = enroll_terminal(
        tmp_path / "kiosk",
        server_url=live_server,
        token=create_enrollment_token(settings, name="Arabia school", place="Arabia"),
        pin="2468",
    )
    viewer = make_staff(settings, role="viewer")
    context, page = new_page(chromium, live_server, lang="sv")
    try:
        page.goto("/staff/terminals")
        page.get_by_label("E-post").fill(viewer)
        page.get_by_label("Lösenord").fill(PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        expect(row_of(page, "Arabia school")).to_contain_text("Aldrig synkroniserad")
        expect(page.get_by_role("link", name="Spärra")).to_have_count(0)
        expect(page.locator("form[action='/staff/terminals/tokens']")).to_have_count(0)
        shot(page, "viewer-sv")
        csrf = page.locator("input[name=csrf]").first.get_attribute("value")
        answer = page.request.post(f"/staff/terminals/{terminal.device_id}/revoke", form={"csrf": csrf or ""})
        assert answer.status == 403
        page.goto(f"/staff/terminals/{terminal.device_id}/revoke")
        expect(page.get_by_role("alert")).to_be_visible()
        shot(page, "viewer-forbidden-sv")
        assert revoked_at(settings, terminal.device_id) is None
    finally:
        context.close()


@SQLITE_ONLY
def test_a_revoke_form_without_its_csrf_token_is_refused(
    chromium: Browser, settings: Settings, live_server: str, tmp_path: Path
) -> None:
    from sync_server.admin import create_enrollment_token

    terminal = enroll_terminal(
        tmp_path / "kiosk",
        server_url=live_server,
        token=create_enrollment_token(settings, name="Töölö library"),
        pin="2468",
    )
    context, page = new_page(chromium, live_server)
    try:
        sign_in(page, make_staff(settings, role="operator"))
        row_of(page, "Töölö library").get_by_role("link", name="Revoke").click()
        page.evaluate("document.querySelector('main form input[name=csrf]').remove()")
        page.get_by_role("button", name="Yes, revoke Töölö library").click()
        expect(page.get_by_role("alert")).to_contain_text("Nothing was changed")
        shot(page, "csrf-refused")
        assert revoked_at(settings, terminal.device_id) is None
    finally:
        context.close()
