"""The Python API behind ``osallistu server``: data folder, tokens, revocation, bundles, stats."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sync_server.admin import collect_stats, import_bundle, init_data_dir, load_settings, revoke_device
from sync_server.errors import DataDirError, ServerError, UnknownDevice
from sync_server.settings import Settings
from tests.sync_server.client import Client
from tests.sync_server.terminal import FakeTerminal


def test_init_writes_private_keys_settings_and_a_demo_process(tmp_path: Path) -> None:
    info = init_data_dir(tmp_path / "srv", demo=True)
    assert info["processes"] == ["demo"] and len(info["server_key_fingerprint"]) == 64
    for name in ("signing.key", "sealing.key"):
        mode = stat.S_IMODE((tmp_path / "srv" / "keys" / name).stat().st_mode)
        assert mode == 0o600
    assert load_settings(tmp_path / "srv").database_url == info["database_url"]


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv" / "notes.txt").write_text("mine")
    with pytest.raises(ServerError, match="not empty"):
        init_data_dir(tmp_path / "srv")


def test_settings_refuse_a_folder_without_keys(tmp_path: Path) -> None:
    init_data_dir(tmp_path / "srv")
    (tmp_path / "srv" / "keys" / "signing.key").unlink()
    with pytest.raises(DataDirError, match="missing"):
        load_settings(tmp_path / "srv")


def test_revoking_an_unknown_device_raises(settings: Settings) -> None:
    with pytest.raises(UnknownDevice):
        revoke_device(settings, "taaaaaaaaaaaaaaaa")


def test_a_bundle_from_an_unenrolled_terminal_is_quarantined_whole_and_per_line(settings: Settings) -> None:
    stranger = FakeTerminal()
    report = import_bundle(settings, stranger.bundle(stranger.batch(1, 5)), source="stick/a.osb")
    summary = report.summary()
    assert summary["bundle"]["reason"] == "unknown_device" and summary["bundle_problem"]
    assert summary["counts"]["quarantined"] == 6
    assert collect_stats(settings)["quarantine"]["reasons"] == {"unknown_device": 7}


def test_stats_count_arrivals_kinds_terminals_reasons_and_anomalies(client: Client) -> None:
    terminal = client.enroll()
    first, _second, third = terminal.sealed(5), terminal.sealed(5), terminal.sealed(5)
    client.push_ok(terminal, first)
    client.push_ok(terminal, first)  # delivered twice
    client.push_ok(terminal, [*third, first[0]])  # seal 3 after a gap
    stats = collect_stats(client.settings)
    assert stats["records"] == {"accepted": 6, "duplicate": 7, "quarantined": 0, "rejected": 6}
    assert stats["by_kind"]["kiosk.seal"] == {"accepted": 1, "quarantined": 0}
    assert stats["anomalies"] == {"gap": 1}
    (device,) = stats["devices"]
    assert device["id"] == terminal.device and device["ack_seq"] == 1 and not device["revoked"]
    assert device["name"] == "Kallio library 1" and device["place"] == "Kallio"
