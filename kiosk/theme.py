"""Colours and sizes of the touch screens, and the arithmetic that checks them.

Figures from ``shared/UX.md`` (our floor, above EN 301 549 / WCAG 2.x):

- every citizen button at least 20 mm on the screen, at least 3 mm apart;
  sizes are computed in millimetres from the window's DPI, so they hold on any panel;
- body text at least 24 px on a 1080p screen; the large-text switch doubles it;
- contrast 4.5:1 for text and 3:1 for controls; the high-contrast palette 7:1 for text;
- every button has an outline at least ``MIN_OUTLINE_PX`` thick at 1080p (thicker in
  high contrast), so its edge is seen by people with low vision.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BUTTON_MM",
    "HIGH_CONTRAST",
    "MIN_BUTTON_MM",
    "MIN_GAP_MM",
    "MIN_OUTLINE_PX",
    "NORMAL",
    "Palette",
    "Sizes",
    "contrast_ratio",
    "hex_rgba",
    "mm_to_px",
    "palette_for",
    "px_to_mm",
    "sizes_for",
]

MIN_BUTTON_MM = 20.0  # the floor
MIN_GAP_MM = 3.0
BUTTON_MM = 22.0  # what we build to, a little above the floor
GAP_MM = 4.0
BODY_PX_AT_1080 = 30  # the floor is 24
MIN_BODY_PX = 24
MIN_OUTLINE_PX = 4  # button outlines at 1080p; high contrast draws them 1.5 times as thick

RGBA = tuple[float, float, float, float]


def hex_rgba(value: str) -> RGBA:
    value = value.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, 1.0)


def _luminance(colour: RGBA) -> float:
    """WCAG 2.x relative luminance (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGBA, b: RGBA) -> float:
    """WCAG 2.x contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Palette:
    name: str
    bg: RGBA  # the screen
    text: RGBA  # body text on bg
    muted: RGBA  # secondary text on bg (still meets the text floor)
    primary_bg: RGBA  # the main buttons
    primary_text: RGBA
    secondary_bg: RGBA  # other buttons (language, switches off, back)
    secondary_text: RGBA
    border: RGBA  # outline of every button against bg
    selected_bg: RGBA  # a switch that is on, the chosen language
    selected_text: RGBA
    error: RGBA  # error sentences on bg
    success: RGBA  # done sentences on bg
    panel_bg: RGBA  # the idle warning box
    panel_text: RGBA
    scrim: RGBA  # dims the screen behind the warning

    def text_pairs(self) -> dict[str, tuple[RGBA, RGBA]]:
        """Every text colour with the background it is drawn on."""
        return {
            "text": (self.text, self.bg),
            "muted": (self.muted, self.bg),
            "primary": (self.primary_text, self.primary_bg),
            "secondary": (self.secondary_text, self.secondary_bg),
            "selected": (self.selected_text, self.selected_bg),
            "error": (self.error, self.bg),
            "success": (self.success, self.bg),
            "panel": (self.panel_text, self.panel_bg),
        }

    def control_pairs(self) -> dict[str, tuple[RGBA, RGBA]]:
        """Every control's visible boundary against the background."""
        return {
            "primary": (self.primary_bg, self.bg),
            "border": (self.border, self.bg),
            "selected": (self.selected_bg, self.bg),
            "panel_border": (self.border, self.panel_bg),
        }


NORMAL = Palette(
    name="normal",
    bg=hex_rgba("#F6F4EF"),
    text=hex_rgba("#1B1B1B"),
    muted=hex_rgba("#45433F"),
    primary_bg=hex_rgba("#0B4F8A"),
    primary_text=hex_rgba("#FFFFFF"),
    secondary_bg=hex_rgba("#FFFFFF"),
    secondary_text=hex_rgba("#0B2E4F"),
    border=hex_rgba("#4A6A8A"),
    selected_bg=hex_rgba("#1E6B3A"),
    selected_text=hex_rgba("#FFFFFF"),
    error=hex_rgba("#A0161B"),
    success=hex_rgba("#1E5E33"),
    panel_bg=hex_rgba("#FFFFFF"),
    panel_text=hex_rgba("#1B1B1B"),
    scrim=(0.0, 0.0, 0.0, 0.6),
)

HIGH_CONTRAST = Palette(
    name="high_contrast",
    bg=hex_rgba("#000000"),
    text=hex_rgba("#FFFFFF"),
    muted=hex_rgba("#E6E6E6"),
    primary_bg=hex_rgba("#FFE600"),
    primary_text=hex_rgba("#000000"),
    secondary_bg=hex_rgba("#000000"),
    secondary_text=hex_rgba("#FFFFFF"),
    border=hex_rgba("#FFFFFF"),
    selected_bg=hex_rgba("#FFFFFF"),
    selected_text=hex_rgba("#000000"),
    error=hex_rgba("#FF9E9E"),
    success=hex_rgba("#9EFFB0"),
    panel_bg=hex_rgba("#000000"),
    panel_text=hex_rgba("#FFFFFF"),
    scrim=(0.0, 0.0, 0.0, 0.85),
)


def palette_for(high_contrast: bool) -> Palette:
    return HIGH_CONTRAST if high_contrast else NORMAL


def mm_to_px(mm: float, dpi: float) -> float:
    return mm / 25.4 * dpi


def px_to_mm(px: float, dpi: float) -> float:
    return px / dpi * 25.4


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes for one window: text scales with the window height, targets with the DPI."""

    body: float  # body text, px
    title: float
    button_h: float  # minimum height (and width) of a citizen button
    gap: float  # between buttons
    pad: float  # screen margins and padding inside buttons
    outline: float = MIN_OUTLINE_PX  # button outline thickness, px (normal palette)

    def outline_for(self, high_contrast: bool) -> float:
        return round(self.outline * 1.5) if high_contrast else self.outline


def sizes_for(window_height: float, dpi: float, *, large_text: bool = False) -> Sizes:
    body = max(MIN_BODY_PX, round(BODY_PX_AT_1080 * window_height / 1080))
    if large_text:
        body *= 2
    gap = max(mm_to_px(GAP_MM, dpi), body * 0.5)
    return Sizes(
        body=body,
        # large text is already big: a title only a quarter larger keeps the controls on screen
        title=round(body * (1.25 if large_text else 1.5)),
        button_h=max(mm_to_px(BUTTON_MM, dpi), body * 2.4),
        gap=gap,
        pad=max(gap, body * 0.8),
        outline=max(MIN_OUTLINE_PX, round(MIN_OUTLINE_PX * window_height / 1080)),
    )
