"""Writing the unacknowledged chain to a USB stick as one signed bundle file.

The bundle holds the same lines as a push (each unacknowledged seal in seq
order, followed by the records it covers), framed by ``shared_models.wire``'s
header and signed trailer. The file is written to a temporary name in the same
folder, fsync'd, renamed into place and the folder fsync'd, so the stick never
holds half a bundle under the real name. Exporting again, or importing the same
file twice, is safe: the server's ingest is idempotent.

Seal first (``seal_pending``): records still pending are not in the bundle.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.errors import ExportFailed
from kiosk.keystore import fsync_dir
from kiosk.store import LocalStore
from shared_models import Record
from shared_models.wire import write_bundle

__all__ = ["ExportReport", "export_bundle", "unacked_lines", "write_atomically"]


@dataclass(frozen=True)
class ExportReport:
    path: Path
    seals: int
    records: int  # records covered by the seals, not counting the seals
    size: int
    first_seq: int | None
    last_seq: int | None


def unacked_lines(store: LocalStore) -> tuple[list[Record], list[int]]:
    """Every unacknowledged seal in seq order, each followed by its records; and their seqs."""
    lines: list[Record] = []
    seqs: list[int] = []
    for stored in store.seals(unacked_only=True):
        seqs.append(stored.seq)
        lines.append(stored.record)
        lines.extend(store.records_of_seal(stored.seq))
    return lines, seqs


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the name holds either the old file or all of the new."""
    folder = path.parent
    temporary = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(folder)


def export_bundle(store: LocalStore, key: Ed25519PrivateKey, path: str | Path, *, now: datetime) -> ExportReport:
    """Write every unacknowledged seal and its records to ``path`` as a signed bundle."""
    target = Path(path)
    lines, seqs = unacked_lines(store)
    created = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = write_bundle(key, lines, created=created)
    try:
        write_atomically(target, data)
    except OSError as exc:
        raise ExportFailed(f"the bundle could not be written to {target}: {exc.strerror or exc}") from exc
    return ExportReport(
        path=target,
        seals=len(seqs),
        records=len(lines) - len(seqs),
        size=len(data),
        first_seq=seqs[0] if seqs else None,
        last_seq=seqs[-1] if seqs else None,
    )
