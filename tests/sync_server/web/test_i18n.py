"""Staff texts: every language has every key; the language follows the switch on every page."""

from __future__ import annotations

import string

import httpx
import pytest

from sync_server.web.i18n import LANGUAGES, catalog


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", [pytest.param(code, id=code) for code in LANGUAGES])
def test_every_catalog_has_every_key(lang: str) -> None:
    keys = set().union(*(catalog(code) for code in LANGUAGES))
    texts = catalog(lang)
    assert sorted(keys - set(texts)) == []
    for key in keys:
        assert texts[key].strip(), f"{key} is empty in {lang}"
        assert "{" not in texts[key] or placeholders(texts[key]), key  # parses as a format string


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        pytest.param(None, "Kirjaudu sisään", id="default_finnish"),
        pytest.param("sv", "Logga in", id="swedish"),
        pytest.param("en", "Sign in", id="english"),
    ],
)
def test_the_sign_in_page_speaks_the_chosen_language(web: str, lang: str | None, title: str) -> None:
    with httpx.Client(base_url=web) as browser:
        if lang:
            switch = browser.get(f"/staff/language/{lang}", params={"next": "/staff/sign-in"})
            assert switch.status_code == 303 and switch.headers["location"] == "/staff/sign-in"
        page = browser.get("/staff/sign-in").text
    assert f"<h1>{title}</h1>" in page and f'<html lang="{lang or "fi"}">' in page


def test_an_unknown_language_keeps_finnish(web: str) -> None:
    with httpx.Client(base_url=web) as browser:
        browser.get("/staff/language/xx")
        assert '<html lang="fi">' in browser.get("/staff/sign-in").text
