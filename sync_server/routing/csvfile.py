"""Reading a labelled (or unlabelled) CSV file for the router: plain ``.csv`` or bz2-compressed, read in place.

The first line names the columns. Text is UTF-8 (a byte-order mark is allowed). A file is
bz2 when its name ends in ``.bz2`` or it starts with bz2's magic bytes.
"""

from __future__ import annotations

import bz2
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sync_server.routing.errors import RoutingInputError

__all__ = ["CsvRows", "read_csv_rows"]


@dataclass(frozen=True)
class CsvRows:
    """One text per data row (``row`` numbers start at 1 after the header), and its label when asked for."""

    texts: list[str]
    labels: list[str] | None
    columns: tuple[str, ...]

    def labelled(self) -> tuple[list[int], list[str], list[str]]:
        """(row numbers, texts, labels) of the rows that have both a text and a label."""
        if self.labels is None:
            return [], [], []
        rows = [i for i, (t, label) in enumerate(zip(self.texts, self.labels, strict=True)) if t.strip() and label]
        return [i + 1 for i in rows], [self.texts[i] for i in rows], [self.labels[i] for i in rows]


def _open(path: Path) -> IO[str]:
    with path.open("rb") as probe:
        magic = probe.read(3)
    if path.suffix == ".bz2" or magic == b"BZh":
        return io.TextIOWrapper(bz2.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open("r", encoding="utf-8-sig", newline="")


def read_csv_rows(path: Path, *, text: str, label: str | None = None) -> CsvRows:
    """The ``text`` column (and the ``label`` column) of every data row, stripped of surrounding whitespace."""
    path = Path(path)
    try:
        with _open(path) as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or not any(h.strip() for h in header):
                raise RoutingInputError(f"{path} is empty; it needs a header line and rows", reason="empty_file")
            columns = tuple(h.strip() for h in header)
            wanted = [text] if label is None else [text, label]
            for name in wanted:
                if name not in columns:
                    raise RoutingInputError(
                        f"{path} has no column {name!r} (its columns: {', '.join(columns)})", reason="missing_column"
                    )
            text_at = columns.index(text)
            label_at = columns.index(label) if label is not None else -1
            texts: list[str] = []
            labels: list[str] = []
            for record in reader:
                if not record:
                    continue
                texts.append(record[text_at].strip() if text_at < len(record) else "")
                if label is not None:
                    labels.append(record[label_at].strip() if label_at < len(record) else "")
    except (UnicodeDecodeError, OSError, EOFError, csv.Error) as exc:
        if isinstance(exc, FileNotFoundError | PermissionError):
            raise
        raise RoutingInputError(
            f"{path} is not a readable UTF-8 CSV file ({type(exc).__name__})", reason="not_csv"
        ) from exc
    if not texts:
        raise RoutingInputError(f"{path} has a header but no rows", reason="empty_file")
    return CsvRows(texts=texts, labels=labels if label is not None else None, columns=columns)
