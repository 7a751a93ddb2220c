"""The ``osallistu`` command as operators and scripts use it: real processes, real files, real HTTP."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import typer

from provisioning.cli import app
from tests.servers import OSALLISTU, server_process

ROOT = Path(__file__).resolve().parents[2]


def osallistu(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*OSALLISTU, *args], capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"osallistu {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def command_names(typer_app: typer.Typer = app, prefix: str = "osallistu") -> list[str]:
    """Every command, with the groups inside groups (``osallistu server user add``)."""
    names = [f"{prefix} {c.name}" for c in typer_app.registered_commands]
    for group in typer_app.registered_groups:
        assert isinstance(group.typer_instance, typer.Typer)
        names += command_names(group.typer_instance, f"{prefix} {group.name}")
    return names


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in command_names() if name not in readme]
    assert command_names(), "no commands found"
    assert missing == []


@pytest.fixture
def server_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory), "--demo")
    return directory


def test_enroll_token_prints_the_token_alone_on_its_last_line(server_dir: Path) -> None:
    out = osallistu("server", "enroll-token", str(server_dir), "--name", "Kallio library 1").stdout
    assert re.fullmatch(r"OSA1-[A-Z2-7]{32}-[0-9a-f]{16}", out.splitlines()[-1])


def test_stats_json_holds_records_and_devices(server_dir: Path) -> None:
    stats = json.loads(osallistu("server", "stats", str(server_dir), "--json").stdout)
    assert stats["records"] == {"accepted": 0, "duplicate": 0, "quarantined": 0, "rejected": 0}
    assert stats["devices"] == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["server", "init", "{server}"], "not empty", id="init-over-existing-folder"),
        pytest.param(["server", "revoke", "{server}", "tnosuchdevice2345"], "tnosuchdevice2345", id="revoke-unknown"),
        pytest.param(["server", "stats", "{tmp}/nothing"], "nothing", id="stats-of-missing-folder"),
        pytest.param(["server", "import", "{server}", "{tmp}/missing.osb"], "missing.osb", id="import-missing-file"),
        pytest.param(["kiosk", "status", "{tmp}/kiosk"], "no terminal is enrolled", id="status-of-unenrolled-terminal"),
        pytest.param(
            ["kiosk", "enroll", "{tmp}/k2", "--server", "http://127.0.0.1:9", "--token", "nonsense", "--pin", "1234"],
            "token",
            id="enroll-with-malformed-token",
        ),
    ],
)
def test_errors_are_one_sentence_and_a_nonzero_exit(
    server_dir: Path, tmp_path: Path, args: list[str], words: str
) -> None:
    filled = [a.format(server=server_dir, tmp=tmp_path) for a in args]
    result = osallistu(*filled, check=False)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message.startswith("Error: ") and len(message.splitlines()) == 1, message
    assert words.lower() in message.lower()


def test_a_terminal_enrolls_drills_syncs_and_exports_through_the_commands(server_dir: Path, tmp_path: Path) -> None:
    kiosk = tmp_path / "kiosk"
    bundle = tmp_path / "usb" / "kiosk.osb"
    bundle.parent.mkdir()
    with server_process(server_dir) as url:
        token = osallistu("server", "enroll-token", str(server_dir), "--name", "Test library").stdout.splitlines()[-1]
        osallistu("kiosk", "enroll", str(kiosk), "--server", url, "--token", token, "--pin", "2468")
        reused = osallistu(
            "kiosk", "enroll", str(tmp_path / "other"), "--server", url, "--token", token, "--pin", "2468", check=False
        )
        assert reused.returncode == 1 and "token" in reused.stderr.lower()

        drill = json.loads(
            osallistu("kiosk", "drill", str(kiosk), "--process", "demo", "--count", "12", "--json").stdout
        )
        assert drill["count"] == 12
        status = json.loads(osallistu("kiosk", "status", str(kiosk), "--json").stdout)
        assert status["pending"] >= 12 and status["acknowledged"] == 0 and status["server_reachable"] is True

        osallistu("kiosk", "sync", str(kiosk))
        status = json.loads(osallistu("kiosk", "status", str(kiosk), "--json").stdout)
        assert status["acknowledged"] >= 12
        assert status["last_sync_ok"] is True

        not_test = osallistu("kiosk", "drill", str(kiosk), "--process", "nosuch", "--count", "1", check=False)
        assert not_test.returncode == 1 and "Traceback" not in not_test.stderr

    # Offline from here: the same records again, by USB, twice.
    osallistu("kiosk", "drill", str(kiosk), "--process", "demo", "--count", "5", "--seed", "7")
    osallistu("kiosk", "export", str(kiosk), str(bundle))
    first = json.loads(osallistu("server", "import", str(server_dir), str(bundle), "--json").stdout)
    second = json.loads(osallistu("server", "import", str(server_dir), str(bundle), "--json").stdout)
    assert first["counts"]["accepted"] >= 5 and first["counts"]["quarantined"] == 0
    assert second["counts"]["accepted"] == 0 and second["counts"]["duplicate"] == first["counts"]["accepted"]

    stats = json.loads(osallistu("server", "stats", str(server_dir), "--json").stdout)
    citizen = sum(
        v.get("accepted", 0) for k, v in stats["by_kind"].items() if k.split(".")[0] in {"budget", "voxit", "feedback"}
    )
    assert citizen == 17
    assert stats["records"]["quarantined"] == 0
    assert stats["records"]["duplicate"] >= first["counts"]["accepted"]
    [device] = stats["devices"]
    assert device["name"] == "Test library" and device["revoked"] is False

    revoke = osallistu("server", "revoke", str(server_dir), device["id"])
    assert device["id"] in revoke.stdout
