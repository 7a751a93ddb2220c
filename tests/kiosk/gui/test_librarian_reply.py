"""Reading the city's reply from a USB stick on the librarian panel, by touch, on the real
terminal core: "Read from USB stick" finds this terminal's reply where Export writes
(no stick mounted: the export folder), applies the ack and the new manifest together,
and says what happened in plain words. Pictures go to ``/tmp/shots/kiosk_reply``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from kiosk_factories import make_ballot, make_manifest, make_process

from shared_models.wire import Ack, write_reply

from .driving import press, settle, texts
from .screenshots import save
from .test_librarian_budget import open_panel

pytestmark = pytest.mark.gui


def sealed_kiosk(kiosk: Any, ballots: int) -> Any:
    for voter in range(ballots):
        kiosk.capture("budget.ballot", make_ballot(voter=voter))
    kiosk.seal(force=True)
    return kiosk


def reply_bytes(kiosk: Any, server: Any, *, device: str | None = None) -> bytes:
    seq, head = kiosk.store.head()
    manifest = make_manifest(server.signing, server.sealing, [make_process(), make_process("library-week")], serial=7)
    return write_reply(
        server.signing,
        device=device or kiosk.device_id,
        ack=Ack(seq=seq, hash=head),
        manifest=manifest,
        created="2026-11-29T07:00:00Z",
    )


def test_read_from_usb_stick_confirms_the_records_and_shows_the_new_content(
    make_app: Any, enrolled_kiosk: Any, server: Any, clock: Any, tmp_path: Path
) -> None:
    kiosk = sealed_kiosk(enrolled_kiosk, 6)
    sealed = kiosk.store.counts()["sealed"]
    folder = tmp_path / "exports"  # where Export writes when no stick is mounted
    folder.mkdir()
    (folder / "osallistu-reply-other.osr").write_bytes(reply_bytes(kiosk, server, device="t" + "9" * 31))
    (folder / f"osallistu-reply-{kiosk.device_id}.osr").write_bytes(reply_bytes(kiosk, server))

    app = make_app(kiosk)
    app.set_language("en")
    panel = open_panel(app, clock)
    assert panel.ids.read_reply.text == "Read from USB stick"
    press(panel.ids.read_reply)
    settle(6)
    said = app.tr("panel.reply_done_new", count=sealed, serial=7)
    assert said == f"Updated: {sealed} records confirmed by the city, new content version 7."
    assert panel.ids.message.text == said and said in texts(panel)
    assert kiosk.store.acked_seq() == kiosk.store.head()[0] and kiosk.store.counts()["sealed"] == 0
    assert kiosk.store.manifest_serial() == 7 and kiosk.manifest().process("library-week") is not None
    assert app.tr("panel.manifest", serial=7) in texts(panel)  # the status block was reloaded
    save(app, "librarian-reply-read-en")

    press(panel.ids.read_reply)  # the same file again: harmless, and said so
    assert panel.ids.message.text == app.tr("panel.reply_nothing_new")

    app.set_language("fi")
    press(panel.ids.read_reply)
    assert panel.ids.message.text == app.tr("panel.reply_nothing_new")
    save(app, "librarian-reply-again-fi")


def test_no_reply_or_a_damaged_one_is_said_in_words_and_changes_nothing(
    make_app: Any, enrolled_kiosk: Any, server: Any, clock: Any, tmp_path: Path
) -> None:
    kiosk = sealed_kiosk(enrolled_kiosk, 5)
    app = make_app(kiosk)
    app.set_language("en")
    panel = open_panel(app, clock)
    press(panel.ids.read_reply)
    assert panel.ids.message.text == app.tr("panel.reply_missing")

    damaged = bytearray(reply_bytes(kiosk, server))
    damaged[damaged.index(b"library-week")] = ord("L")
    (tmp_path / "exports" / "reply.osr").write_bytes(bytes(damaged))
    serial, acked = kiosk.store.manifest_serial(), kiosk.store.acked_seq()
    press(panel.ids.read_reply)
    message = panel.ids.message.text
    assert message == app.tr("panel.reply_damaged") and "reply_altered" not in message
    assert (kiosk.store.manifest_serial(), kiosk.store.acked_seq()) == (serial, acked)
    save(app, "librarian-reply-damaged-en")
