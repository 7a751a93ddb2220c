"""The USB way back, end to end: an offline terminal exports, the server imports with
``--reply`` (the real command, as a process), the terminal reads the reply. Its ack
advances, its next bundle carries only later seals, and a process added on the server
after enrollment appears in its manifest. Replies that are tampered with, signed by
another key, for another terminal, older, or whose ack the terminal cannot match are
refused with their reason and change nothing; reading a reply twice is harmless.
Real files, real SQLite, a real server process for the enrollment only."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.enroll import enroll_terminal
from kiosk.terminal import Terminal
from shared_models import parse_record
from shared_models.errors import ReplyError
from shared_models.wire import Ack, open_bundle, open_reply, write_reply
from sync_server.admin import _sessions, create_enrollment_token, init_data_dir, load_settings
from sync_server.services.demo import demo_process
from sync_server.services.processes import save_process
from tests.servers import OSALLISTU, server_process


def osallistu(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*OSALLISTU, *args], capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"osallistu {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def state(terminal: Terminal) -> dict[str, Any]:
    """Everything a reply may change, and the chain it must not."""
    return {
        "acked": [(s.seq, s.acked) for s in terminal.store.seals()],
        "counts": terminal.store.counts(),
        "manifest": terminal.store.manifest_raw(),
        "serial": terminal.store.manifest_serial(),
        "records": sorted(r.hash for r in terminal.store.records()),
    }


def add_process(server_dir: Path, process_id: str) -> None:
    """A new feedback process on the server: a new manifest is published."""
    demo = demo_process()
    process = demo.model_copy(
        update={
            "id": process_id,
            "title": {"fi": "Kirjastoviikko", "sv": "Biblioteksveckan", "en": "Library week"},
            "activities": ["feedback"],
            "settings": {"feedback": demo.settings["feedback"]},
        }
    )
    settings = load_settings(server_dir)
    with _sessions(settings) as session:
        save_process(session, settings.load_keys(), process)


def seal_seqs(bundle: bytes) -> list[int]:
    records = [parse_record(line) for line in open_bundle(bundle).lines]
    return [r.body["seq"] for r in records if r.kind == "kiosk.seal"]


@pytest.fixture
def usb(tmp_path: Path) -> Path:
    """The USB stick's folder."""
    stick = tmp_path / "usb"
    stick.mkdir()
    return stick


@pytest.fixture
def offline(tmp_path: Path) -> tuple[Path, Terminal]:
    """A server data folder and a terminal enrolled with it, then offline for good."""
    server_dir = tmp_path / "server"
    init_data_dir(server_dir, demo=True)
    settings = load_settings(server_dir)
    with server_process(server_dir) as url:
        terminal = enroll_terminal(
            tmp_path / "kiosk",
            server_url=url,
            token=create_enrollment_token(settings, name="Vuosaari school"),
            pin="1357",
        )
    return server_dir, terminal


def test_an_offline_terminal_learns_its_ack_and_the_new_manifest_by_usb(
    offline: tuple[Path, Terminal], usb: Path
) -> None:
    server_dir, terminal = offline
    first_serial = terminal.store.manifest_serial()
    assert terminal.manifest() is not None and terminal.manifest().process("library-week") is None  # type: ignore[union-attr]

    terminal.drill("demo", 17, seed=2)
    terminal.export(usb / "school.osb")
    exported = seal_seqs((usb / "school.osb").read_bytes())
    assert exported and exported[0] == 1

    add_process(server_dir, "library-week")  # after the terminal's manifest

    reply = usb / "osallistu-reply.osr"
    out = osallistu("server", "import", str(server_dir), str(usb / "school.osb"), "--reply", str(reply)).stdout
    lines = out.strip().splitlines()
    assert lines[0].startswith("Imported school.osb: ") and f"acknowledged seal {exported[-1]}." in lines[0]
    assert lines[-1].startswith(f"Wrote the reply for terminal {terminal.device_id} to {reply}")
    assert not list(usb.glob(".*.tmp"))

    before = terminal.store.counts()
    report = json.loads(osallistu("kiosk", "import-reply", str(terminal.kdir), str(reply), "--json").stdout)
    terminal.close()
    terminal = Terminal.open(terminal.kdir)
    assert report["ack_seq"] == exported[-1] == terminal.store.acked_seq()
    assert report["records_confirmed"] == before["sealed"] > 17
    assert report["manifest"] == {"status": "applied", "serial": terminal.store.manifest_serial()}
    assert terminal.store.manifest_serial() > first_serial
    manifest = terminal.manifest()
    assert manifest is not None and manifest.process("library-week") is not None
    status = terminal.status()  # the librarian panel tells of the copy and the reply
    assert status["last_export"] is not None and status["last_reply"] is not None
    assert status["last_sync"] is None

    # Reading the same reply again is harmless.
    held = state(terminal)
    again = terminal.import_reply(reply)
    assert (again.seals_confirmed, again.records_confirmed, again.manifest) == (0, 0, "unchanged")
    assert state(terminal) == held

    # The next bundle carries only the seals after the ack.
    terminal.drill("demo", 6, seed=3)
    terminal.export(usb / "school-2.osb")
    later = seal_seqs((usb / "school-2.osb").read_bytes())
    assert later and min(later) == exported[-1] + 1
    terminal.close()


def test_replies_the_terminal_cannot_trust_or_match_are_refused_and_change_nothing(
    offline: tuple[Path, Terminal], usb: Path
) -> None:
    server_dir, terminal = offline
    keys = load_settings(server_dir).load_keys()
    terminal.drill("demo", 12, seed=5)
    terminal.export(usb / "one.osb")
    old = usb / "old.osr"
    osallistu("server", "import", str(server_dir), str(usb / "one.osb"), "--reply", str(old))
    add_process(server_dir, "library-week")
    new = usb / "new.osr"
    osallistu("server", "reply", str(server_dir), terminal.device_id, str(new))
    terminal.import_reply(new)  # the newer manifest first: the old reply is now a rollback

    genuine = open_reply(new.read_bytes())
    head_seq, head_hash = terminal.store.head()

    def signed(
        key: Ed25519PrivateKey = keys.signing, *, device: str = terminal.device_id, ack: Ack = genuine.ack
    ) -> bytes:
        return write_reply(key, device=device, ack=ack, manifest=genuine.manifest, created="2026-11-29T07:00:00Z")

    one_byte = bytearray(new.read_bytes())
    at = one_byte.index(b"library-week")
    one_byte[at] = ord("L")
    cases = {
        "reply_altered": bytes(one_byte),
        "bad_signature": signed(Ed25519PrivateKey.generate()),
        "wrong_device": signed(device="t" + "2" * 31),
        "rollback": old.read_bytes(),
        "ack_mismatch": signed(ack=Ack(seq=head_seq, hash="0" * 64)),
        "ack_unknown_seal": signed(ack=Ack(seq=head_seq + 3, hash=head_hash)),
    }
    for reason, data in cases.items():
        path = usb / f"{reason}.osr"
        path.write_bytes(data)
        held = state(terminal)
        with pytest.raises(ReplyError) as caught:
            terminal.import_reply(path)
        assert caught.value.reason == reason
        assert state(terminal) == held, reason
        result = osallistu("kiosk", "import-reply", str(terminal.kdir), str(path), check=False)
        assert (
            result.returncode == 1 and "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
        )
        assert state(terminal) == held, reason
    terminal.close()


def test_replies_only_for_enrolled_terminals_that_are_not_revoked(offline: tuple[Path, Terminal], usb: Path) -> None:
    server_dir, terminal = offline
    unknown = osallistu("server", "reply", str(server_dir), "t" + "3" * 31, str(usb / "nobody.osr"), check=False)
    assert unknown.returncode == 1 and "no terminal" in unknown.stderr and not (usb / "nobody.osr").exists()

    terminal.drill("demo", 5, seed=1)
    terminal.export(usb / "b.osb")
    terminal.close()
    osallistu("server", "revoke", str(server_dir), terminal.device_id)
    result = osallistu(
        "server", "import", str(server_dir), str(usb / "b.osb"), "--reply", str(usb / "r.osr"), check=False
    )
    assert result.returncode == 1 and "revoked" in result.stderr
    assert result.stdout.startswith("Imported b.osb: ")  # the import itself happened and said so
    assert not (usb / "r.osr").exists()
    revoked = osallistu("server", "reply", str(server_dir), terminal.device_id, str(usb / "r.osr"), check=False)
    assert revoked.returncode == 1 and "revoked" in revoked.stderr and not (usb / "r.osr").exists()
