"""``osallistu server user ...``: staff accounts from the command line, as real processes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.servers import OSALLISTU

PASSWORD = "a long enough passphrase"


def osallistu(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OSALLISTU, *args], input=stdin, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("users") / "server"
    assert osallistu("server", "init", str(directory)).returncode == 0
    return directory


def test_user_add_reads_the_password_from_stdin_and_prints_the_id_last(server_dir: Path) -> None:
    added = osallistu(
        "server", "user", "add", str(server_dir), "--email", "IT@Example.fi", "--role", "admin",
        "--name", "IT desk", "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines()[-1].isdigit()
    listed = json.loads(osallistu("server", "user", "list", str(server_dir), "--json").stdout)
    assert [(u["email"], u["role"], u["name"]) for u in listed] == [("it@example.fi", "admin", "IT desk")]
    assert "hash" not in json.dumps(listed)


def test_user_add_prompts_twice_and_refuses_different_passwords(server_dir: Path) -> None:
    result = osallistu(
        "server", "user", "add", str(server_dir), "--email", "x@example.fi", "--role", "viewer",
        stdin=f"{PASSWORD}\nsomething else entirely\n",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: the two passwords differ; nothing was changed."


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        pytest.param(["--role", "boss"], PASSWORD, "Error: there is no role 'boss'", id="unknown_role"),
        pytest.param(
            ["--role", "viewer"], "short", "Error: a password needs at least 12 characters.", id="short_password"
        ),
        pytest.param(["--role", "viewer"], "", "Error: no password on stdin.", id="no_password"),
    ],
)
def test_user_add_errors_are_one_sentence(server_dir: Path, args: list[str], stdin: str, message: str) -> None:
    result = osallistu(
        "server", "user", "add", str(server_dir), "--email", "y@example.fi", *args, "--password-stdin", stdin=stdin
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith(message) and len(result.stderr.strip().splitlines()) == 1


def test_user_passwd_sets_a_new_password_for_a_known_email_only(server_dir: Path) -> None:
    osallistu(
        "server", "user", "add", str(server_dir), "--email", "op@example.fi", "--role", "operator",
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    changed = osallistu(
        "server", "user", "passwd", str(server_dir), "--email", "op@example.fi", "--password-stdin",
        stdin="another long passphrase",
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    unknown = osallistu(
        "server", "user", "passwd", str(server_dir), "--email", "who@example.fi", "--password-stdin", stdin=PASSWORD
    )
    assert unknown.returncode == 1 and unknown.stderr.strip() == "Error: there is no staff account for who@example.fi."
