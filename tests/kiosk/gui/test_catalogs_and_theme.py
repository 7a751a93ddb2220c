"""The floors of shared/UX.md that can be computed: complete catalogs, contrast, sizes."""

from __future__ import annotations

import pytest

from kiosk.i18n import load_catalogs
from kiosk.theme import (
    HIGH_CONTRAST,
    MIN_BUTTON_MM,
    MIN_GAP_MM,
    MIN_OUTLINE_PX,
    NORMAL,
    contrast_ratio,
    px_to_mm,
    sizes_for,
)

pytestmark = pytest.mark.gui

CATALOGS = load_catalogs()


@pytest.mark.parametrize("lang", CATALOGS.languages, ids=CATALOGS.languages)
def test_every_catalog_has_every_key_and_no_empty_text(lang: str) -> None:
    every_key = set().union(*(CATALOGS.keys(code) for code in CATALOGS.languages))
    assert CATALOGS.keys(lang) == every_key
    assert all(CATALOGS.text(lang, key).strip() for key in every_key)


def test_finnish_swedish_and_english_are_there_from_the_start() -> None:
    assert CATALOGS.languages[:3] == ["fi", "sv", "en"]
    assert [CATALOGS.language_name(code) for code in ("fi", "sv", "en")] == ["Suomi", "Svenska", "English"]


@pytest.mark.parametrize(
    ("palette", "text_floor", "control_floor"),
    [(NORMAL, 4.5, 3.0), (HIGH_CONTRAST, 7.0, 3.0)],
    ids=["normal", "high_contrast"],
)
def test_theme_colours_meet_the_contrast_floor(palette: object, text_floor: float, control_floor: float) -> None:
    for name, (fg, bg) in palette.text_pairs().items():  # type: ignore[attr-defined]
        assert contrast_ratio(fg, bg) >= text_floor, name
    for name, (fg, bg) in palette.control_pairs().items():  # type: ignore[attr-defined]
        assert contrast_ratio(fg, bg) >= control_floor, name


def test_contrast_ratio_is_the_wcag_formula() -> None:
    assert contrast_ratio((0, 0, 0, 1), (1, 1, 1, 1)) == pytest.approx(21.0)
    assert contrast_ratio((0.5, 0.5, 0.5, 1), (0.5, 0.5, 0.5, 1)) == pytest.approx(1.0)


@pytest.mark.parametrize("dpi", [72, 96, 100, 160], ids=["72dpi", "96dpi", "100dpi", "160dpi"])
@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_sizes_give_20_mm_targets_3_mm_gaps_and_24_px_text(dpi: int, large: bool) -> None:
    sizes = sizes_for(1080, dpi, large_text=large)
    assert px_to_mm(sizes.button_h, dpi) >= MIN_BUTTON_MM
    assert px_to_mm(sizes.gap, dpi) >= MIN_GAP_MM
    assert sizes.body >= (48 if large else 24)
    assert sizes_for(1080, dpi, large_text=True).body == 2 * sizes_for(1080, dpi).body


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_button_outlines_are_at_least_4_px_at_1080p_and_thicker_in_high_contrast(large: bool) -> None:
    sizes = sizes_for(1080, 96, large_text=large)
    assert sizes.outline_for(False) >= MIN_OUTLINE_PX
    assert sizes.outline_for(True) >= MIN_OUTLINE_PX * 1.5
