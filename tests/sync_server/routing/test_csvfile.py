"""Reading the labelled history: CSV or CSV.bz2, the columns asked for, clear refusals."""

from __future__ import annotations

import bz2
from pathlib import Path

import pytest

from sync_server.routing import RoutingInputError
from sync_server.routing.csvfile import read_csv_rows

CSV = (
    'id,viesti,aihe\n1,"Katu on kuopassa, korjatkaa",kadut\n2,Puiston penkki rikki,puistot\n3,  ,kadut\n4,Ei aihetta,\n'
)


def test_plain_csv_gives_texts_and_labels(tmp_path: Path) -> None:
    path = tmp_path / "palaute.csv"
    path.write_text(CSV, encoding="utf-8")
    rows = read_csv_rows(path, text="viesti", label="aihe")
    assert rows.texts == ["Katu on kuopassa, korjatkaa", "Puiston penkki rikki", "", "Ei aihetta"]
    assert rows.labels == ["kadut", "puistot", "kadut", ""]
    assert rows.columns == ("id", "viesti", "aihe")
    assert rows.labelled() == ([1, 2], ["Katu on kuopassa, korjatkaa", "Puiston penkki rikki"], ["kadut", "puistot"])


def test_bz2_csv_with_a_byte_order_mark_is_read_in_place(tmp_path: Path) -> None:
    path = tmp_path / "palaute.csv.bz2"
    path.write_bytes(bz2.compress(("\ufeff" + CSV).encode("utf-8")))
    rows = read_csv_rows(path, text="viesti")
    assert rows.labels is None
    assert rows.texts[1] == "Puiston penkki rikki"
    assert rows.columns[0] == "id"


def test_bz2_is_recognised_by_its_magic_bytes_too(tmp_path: Path) -> None:
    path = tmp_path / "palaute.dat"
    path.write_bytes(bz2.compress(CSV.encode("utf-8")))
    assert read_csv_rows(path, text="viesti").texts[0].startswith("Katu")


@pytest.mark.parametrize(
    ("content", "reason", "words"),
    [
        pytest.param(b"", "empty_file", "is empty", id="empty"),
        pytest.param(b"viesti,aihe\n", "empty_file", "no rows", id="header-only"),
        pytest.param(b"message,topic\nx,y\n", "missing_column", "no column 'viesti'", id="missing-column"),
        pytest.param(b"viesti,aihe\n\xff\xfe,x\n", "not_csv", "not a readable UTF-8 CSV", id="not-utf8"),
    ],
)
def test_unusable_files_are_refused_in_words(tmp_path: Path, content: bytes, reason: str, words: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(RoutingInputError, match=words) as caught:
        read_csv_rows(path, text="viesti", label="aihe")
    assert caught.value.reason == reason


def test_a_missing_label_column_names_the_columns_there_are(tmp_path: Path) -> None:
    path = tmp_path / "palaute.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(RoutingInputError, match=r"no column 'tiimi' \(its columns: id, viesti, aihe\)"):
        read_csv_rows(path, text="viesti", label="tiimi")


def test_a_damaged_bz2_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "palaute.csv.bz2"
    path.write_bytes(bz2.compress(CSV.encode("utf-8"))[:30])
    with pytest.raises(RoutingInputError, match="not a readable"):
        read_csv_rows(path, text="viesti")
