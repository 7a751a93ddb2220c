"""USB bundles: signed, whole, and the same content however often written."""

from __future__ import annotations

from pathlib import Path

from kiosk_factories import make_ballot

from kiosk.terminal import Terminal
from shared_models import parse_record
from shared_models.wire import open_bundle, verify_bundle


def _cast(terminal: Terminal, count: int) -> None:
    for voter in range(count):
        terminal.capture("budget.ballot", make_ballot(voter=voter))


def test_an_exported_bundle_verifies(enrolled_kiosk: Terminal, tmp_path: Path) -> None:
    _cast(enrolled_kiosk, 6)
    report = enrolled_kiosk.export(tmp_path / "a.bundle")
    bundle = open_bundle(report.path.read_bytes())
    verify_bundle(bundle, enrolled_kiosk.key.public_key())
    lines = [parse_record(line) for line in bundle.lines]
    assert lines[0].kind == "kiosk.seal" and report.seals == 1 and report.records == 7  # 6 ballots + enrolled event
    assert not list(tmp_path.glob(".*.tmp"))


def test_writing_twice_gives_bundles_that_import_equally(enrolled_kiosk: Terminal, tmp_path: Path) -> None:
    _cast(enrolled_kiosk, 5)
    first = enrolled_kiosk.export(tmp_path / "first.bundle")
    second = enrolled_kiosk.export(tmp_path / "second.bundle")
    lines_first = open_bundle(first.path.read_bytes()).lines
    lines_second = open_bundle(second.path.read_bytes()).lines
    # the second export also seals the "export.written" event of the first: same chain, one seal more
    assert lines_second[: len(lines_first)] == lines_first
    assert {parse_record(line).hash for line in lines_first} <= {parse_record(line).hash for line in lines_second}


def test_exporting_again_to_the_same_name_replaces_it_whole(enrolled_kiosk: Terminal, tmp_path: Path) -> None:
    _cast(enrolled_kiosk, 5)
    target = tmp_path / "same.bundle"
    enrolled_kiosk.export(target)
    enrolled_kiosk.export(target)
    verify_bundle(open_bundle(target.read_bytes()), enrolled_kiosk.key.public_key())
