"""Printable voting codes: cards to cut (8 per A4 page) or class sheets (one page per class).

A card holds the process name, the code in large letters, a QR code of the code (the
terminal's camera, if it has one, reads the same text the voter would type) and short
instructions in Finnish, Swedish and English. A class sheet is for a teacher: a numbered
list of the class's codes, a box to tick for each used code, and one QR code holding the
whole sheet (``osallistu-class:<process>:<code>,<code>,...``) for a terminal with a
camera. The terminals here have none: the teacher opens the class session from the staff
menu and each student types the next code. The PDFs are made in memory; nothing here stores a code.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

__all__ = [
    "CARDS_PER_PAGE",
    "CLASS_SHEET_PREFIX",
    "INSTRUCTIONS",
    "class_sheet_payload",
    "class_sheets_pdf",
    "code_cards_pdf",
]

CARDS_PER_PAGE = 8  # 2 columns x 4 rows of 105 x 74 mm
CLASS_SHEET_PREFIX = "osallistu-class"
_COLUMNS, _ROWS = 2, 4

INSTRUCTIONS: dict[str, str] = {
    "fi": "Äänestä äänestyspäätteellä: valitse kieli ja kirjoita tämä koodi. Koodilla voi äänestää kerran.",
    "sv": "Rösta på röstningsterminalen: välj språk och skriv in den här koden. Koden gäller en gång.",
    "en": "Vote at the voting terminal: choose your language and type this code. The code works once.",
}
_SHEET_HEADING = "Luokan äänestyskoodit · Klassens röstkoder · Class voting codes"
_SHEET_HELP = (
    "Kirjastonhoitaja tai opettaja avaa luokan äänestyksen päätteen henkilökunnan valikosta. "
    "Jokainen oppilas kirjoittaa vuorollaan seuraavan koodin ja rastittaa sen. · "
    "Bibliotekarien eller läraren öppnar klassens röstning i terminalens personalmeny. "
    "Varje elev skriver in nästa kod i tur och ordning och kryssar för den. · "
    "The librarian or teacher opens a class session from the terminal's staff menu. "
    "Each student in turn types the next code and ticks its box."
)
_CARD_TEXT_PT = 8.5  # the smallest size on a card: readable at arm's length, fits beside the QR code


def _title(process_title: Mapping[str, str], process_id: str) -> str:
    names = [process_title[lang] for lang in ("fi", "sv", "en") if process_title.get(lang)]
    unique = list(dict.fromkeys(names))
    return " / ".join(unique) if unique else process_id


def _draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """A QR code as vector squares, its lower left corner at (x, y)."""
    qr = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    border = 4  # the quiet zone the QR standard asks for
    modules = len(matrix) + 2 * border
    cell = size / modules
    canvas.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(x + (c + border) * cell, y + size - (r + border + 1) * cell, cell, cell, stroke=0, fill=1)


def _cut_lines(canvas: Canvas, width: float, height: float) -> None:
    canvas.saveState()
    canvas.setDash(3, 3)
    canvas.setLineWidth(0.4)
    canvas.setStrokeColorRGB(0.5, 0.5, 0.5)
    for col in range(1, _COLUMNS):
        canvas.line(col * width / _COLUMNS, 0, col * width / _COLUMNS, height)
    for row in range(1, _ROWS):
        canvas.line(0, row * height / _ROWS, width, row * height / _ROWS)
    canvas.restoreState()


def _card(canvas: Canvas, code: str, title: str, x: float, y: float, w: float, h: float) -> None:
    pad = 6 * mm
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont("Helvetica-Bold", 9)
    top = y + h - pad - 9
    for line in simpleSplit(title, "Helvetica-Bold", 9, w - 2 * pad)[:2]:
        canvas.drawString(x + pad, top, line)
        top -= 11
    canvas.setFont("Courier-Bold", 19)
    canvas.drawString(x + pad, top - 22, code)
    qr_size = 30 * mm
    _draw_qr(canvas, code, x + w - pad - qr_size, y + pad, qr_size)
    text_width = w - 3 * pad - qr_size
    line_y = top - 40
    canvas.setFont("Helvetica", _CARD_TEXT_PT)
    for lang in ("fi", "sv", "en"):
        for line in simpleSplit(INSTRUCTIONS[lang], "Helvetica", _CARD_TEXT_PT, text_width):
            canvas.drawString(x + pad, line_y, line)
            line_y -= _CARD_TEXT_PT + 1.5
        line_y -= 3


def code_cards_pdf(codes: Sequence[str], *, process_title: Mapping[str, str], process_id: str) -> bytes:
    """A4 pages of cards, :data:`CARDS_PER_PAGE` a page with dashed cut lines."""
    buffer = io.BytesIO()
    width, height = A4
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(f"Voting codes: {process_id}")
    title = _title(process_title, process_id)
    card_w, card_h = width / _COLUMNS, height / _ROWS
    for start in range(0, len(codes), CARDS_PER_PAGE):
        _cut_lines(canvas, width, height)
        for i, code in enumerate(codes[start : start + CARDS_PER_PAGE]):
            col, row = i % _COLUMNS, i // _COLUMNS
            _card(canvas, code, title, col * card_w, height - (row + 1) * card_h, card_w, card_h)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def class_sheet_payload(process_id: str, codes: Sequence[str]) -> str:
    """What a class sheet's QR code holds: ``osallistu-class:<process>:<code>,<code>,...``."""
    return f"{CLASS_SHEET_PREFIX}:{process_id}:{','.join(codes)}"


def class_sheets_pdf(
    codes: Sequence[str], *, process_title: Mapping[str, str], process_id: str, per_sheet: int = 30
) -> bytes:
    """One A4 page per class of ``per_sheet`` codes: a numbered list and the sheet's QR code."""
    if not 1 <= per_sheet <= 40:
        raise ValueError("a class sheet holds 1 to 40 codes")
    buffer = io.BytesIO()
    width, height = A4
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(f"Class voting codes: {process_id}")
    title = _title(process_title, process_id)
    sheets = [codes[i : i + per_sheet] for i in range(0, len(codes), per_sheet)]
    margin = 18 * mm
    for number, sheet in enumerate(sheets, start=1):
        canvas.setFont("Helvetica-Bold", 14)
        title_lines = simpleSplit(title, "Helvetica-Bold", 14, width - 2 * margin)[:3]
        for i, line in enumerate(title_lines):
            canvas.drawString(margin, height - margin - 17 * i, line)
        top = height - margin - 17 * (len(title_lines) - 1)  # the rest sits below the title
        canvas.setFont("Helvetica", 10)
        canvas.drawString(margin, top - 16, _SHEET_HEADING)
        canvas.drawString(margin, top - 30, f"{number} / {len(sheets)}")
        canvas.drawString(margin + 70 * mm, top - 30, "Luokka · Klass · Class: ______________")
        qr_size = 55 * mm
        _draw_qr(canvas, class_sheet_payload(process_id, sheet), width - margin - qr_size, top - qr_size - 40, qr_size)
        canvas.setFont("Helvetica", 9)
        help_y = top - qr_size - 50
        for line in simpleSplit(_SHEET_HELP, "Helvetica", 9, qr_size):
            canvas.drawString(width - margin - qr_size, help_y, line)
            help_y -= 11
        y = top - 60
        step = min(19.0, (y - margin) / len(sheet))  # 40 codes still fit above the bottom margin
        for i, code in enumerate(sheet, start=1):
            canvas.setFont("Helvetica", 11)
            canvas.drawRightString(margin + 10 * mm, y, f"{i}.")
            canvas.setFont("Courier-Bold", 14)
            canvas.drawString(margin + 14 * mm, y, code)
            canvas.rect(margin + 70 * mm, y - 2, 10, 10, stroke=1, fill=0)
            y -= step
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
