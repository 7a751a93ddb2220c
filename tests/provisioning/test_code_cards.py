"""Voting code cards and class sheets: the PDF holds the codes, the process only their tags."""

from __future__ import annotations

import io
import random
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from provisioning.code_cards import CARDS_PER_PAGE, class_sheet_payload, class_sheets_pdf, code_cards_pdf
from shared_models.budget import parse_budget_settings, voter_tag
from shared_models.manifest import verify_manifest
from shared_models.voting_codes import is_well_formed, make_codes
from sync_server.admin import _sessions, add_voting_codes, load_settings
from sync_server.services.manifest import current_manifest
from tests.servers import OSALLISTU

TITLE = {"fi": "Kokeiluprosessi", "sv": "Testprocess", "en": "Demo process"}
SALT = "00112233445566778899aabbccddeeff"
CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}\b")


def osallistu(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*OSALLISTU, *args], capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"osallistu {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def pdf_codes(data: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), CODE.findall(text)


def manifest_budget(directory: Path) -> dict[str, object]:
    settings = load_settings(directory)
    with _sessions(settings) as session:
        raw = current_manifest(session)
    manifest = verify_manifest(raw, settings.load_keys().signing.public_key())
    process = manifest.process("demo")
    assert process is not None
    budget: dict[str, object] = process.settings["budget"]
    return budget


@pytest.fixture
def server_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory), "--demo")
    return directory


def test_cards_hold_every_code_eight_a_page_with_instructions_in_three_languages() -> None:
    codes, _ = make_codes(19, SALT, random.Random(1))
    pages, found = pdf_codes(code_cards_pdf(codes, process_title=TITLE, process_id="demo"))
    assert pages == 3 == -(-19 // CARDS_PER_PAGE)
    assert found == codes
    text = PdfReader(io.BytesIO(code_cards_pdf(codes[:1], process_title=TITLE, process_id="demo"))).pages[0]
    words = text.extract_text()
    assert "Kokeiluprosessi" in words and "kirjoita" in words and "skriv in" in words and "type this code" in words


def test_class_sheets_number_their_codes_one_page_per_class() -> None:
    codes, _ = make_codes(65, SALT, random.Random(2))
    data = class_sheets_pdf(codes, process_title=TITLE, process_id="demo", per_sheet=30)
    pages, found = pdf_codes(data)
    assert pages == 3 and found == codes
    assert class_sheet_payload("demo", codes[:2]) == f"osallistu-class:demo:{codes[0]},{codes[1]}"


def test_codes_command_writes_cards_and_stores_only_their_tags(server_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "cards.pdf"
    result = osallistu("server", "codes", str(server_dir), "demo", "--count", "10", "--out", str(out))
    assert "10 voting codes" in result.stdout and str(out.name) in result.stdout
    assert out.read_bytes().startswith(b"%PDF-") and out.read_bytes().rstrip().endswith(b"%%EOF")
    pages, codes = pdf_codes(out.read_bytes())
    assert pages == 2 and len(set(codes)) == 10 and all(is_well_formed(code) for code in codes)
    budget = parse_budget_settings(manifest_budget(server_dir))
    assert budget.code_tags == sorted(voter_tag(budget.voter_salt, code) for code in codes)
    stored = b"".join(path.read_bytes() for path in server_dir.glob("osallistu.db*") if path.is_file())
    assert stored
    assert not any(code.encode() in stored or code.replace("-", "").encode() in stored for code in codes)

    sheet = tmp_path / "class.pdf"
    osallistu("server", "codes", str(server_dir), "demo", "--count", "5", "--out", str(sheet), "--class-sheet")
    _, more = pdf_codes(sheet.read_bytes())
    grown = parse_budget_settings(manifest_budget(server_dir))
    assert len(grown.code_tags) == 15
    assert {voter_tag(grown.voter_salt, code) for code in codes + more} == set(grown.code_tags)


def test_codes_command_refuses_an_existing_file_and_an_unknown_process(server_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "cards.pdf"
    out.write_bytes(b"old")
    refused = osallistu("server", "codes", str(server_dir), "demo", "--count", "1", "--out", str(out), check=False)
    assert refused.returncode == 1 and "already exists" in refused.stderr
    missing = osallistu(
        "server", "codes", str(server_dir), "nowhere", "--count", "1", "--out", str(tmp_path / "x.pdf"), check=False
    )
    assert missing.returncode == 1 and "nowhere" in missing.stderr
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.pdf.part").exists()


def test_add_voting_codes_keeps_tags_sorted_and_unique(server_dir: Path) -> None:
    settings = load_settings(server_dir)
    assert add_voting_codes(settings, "demo", ["b" * 64, "a" * 64]) == 2
    assert add_voting_codes(settings, "demo", ["a" * 64, "c" * 64]) == 3
    assert manifest_budget(server_dir)["code_tags"] == ["a" * 64, "b" * 64, "c" * 64]


def _text_positions(data: bytes) -> list[tuple[float, float, str]]:
    """(x, y, text) of every text run pypdf finds, in page coordinates."""
    found: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
        if text.strip():
            found.append((tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5], text))

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return found


def test_a_full_class_sheet_with_a_long_title_stays_on_the_page() -> None:
    codes, _ = make_codes(40, SALT, random.Random(5))
    long_title = {
        "fi": "Helsingin osallistuva budjetointi 2026",
        "sv": "Helsingfors deltagande budgetering 2026",
        "en": "Helsinki participatory budget 2026",
    }
    data = class_sheets_pdf(codes, process_title=long_title, process_id="omastadi", per_sheet=40)
    positions = _text_positions(data)
    width, height = 595.27, 841.89  # A4 in points
    assert all(0 < x < width and 10 < y < height for x, y, _ in positions), [p for p in positions if p[1] <= 10]
    assert sorted(CODE.findall(" ".join(t for _, _, t in positions))) == sorted(codes)
    title_runs = [(x, t) for x, _, t in positions if "budget" in t.lower()]
    assert title_runs and all(x + 7 * len(t) < width for x, t in title_runs)  # 14 pt bold: under 7.5 pt a character
    help_text = " ".join(t for _, _, t in positions)
    assert "show this QR code" not in help_text  # the terminals have no camera: students type the codes
    assert "types the next code" in help_text.replace("\n", " ")
