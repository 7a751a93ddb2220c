"""Reading the server's reply from a USB stick: the way back for a terminal without network.

A reply (``shared_models.wire.write_reply``, written by ``osallistu server import
--reply`` or ``osallistu server reply``) carries this terminal's ack and the
server's newest signed manifest. Reading it:

1. the file must verify with the server key pinned at enrollment and name this
   terminal (``verify_reply``);
2. its manifest goes through the same check as a network pull
   (``sync_client.judge_manifest``: signature, no rollback, no other content under
   the serial held);
3. its ack goes through the same check as a push answer's ack
   (``sync_client.ack_upto``), except that an ack past the newest seal held is
   refused (``ack_unknown_seal``) rather than clipped;
4. the ack and the manifest are applied in one transaction: both or neither.

Any refusal raises ``ReplyError`` (its reason says why) and changes nothing. Reading
the same reply again is harmless: the seals are already marked, the manifest is
unchanged. Later exports carry only the seals after the ack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.capture import log_event
from kiosk.errors import NotEnrolled, SyncFailed
from kiosk.store import LocalStore
from kiosk.sync_client import ack_upto, judge_manifest
from shared_models import device_id_for
from shared_models.errors import ReplyError
from shared_models.keys import ed25519_public_from_b64
from shared_models.wire import open_reply, verify_reply

__all__ = ["ReplyReport", "read_reply"]


@dataclass(frozen=True)
class ReplyReport:
    """What reading one reply changed."""

    ack_seq: int  # the highest seal acknowledged after reading
    seals_confirmed: int  # seals newly marked acknowledged by this reply
    records_confirmed: int  # records newly acknowledged (covered by those seals, seals not counted)
    manifest: Literal["applied", "unchanged"]
    manifest_serial: int


def read_reply(store: LocalStore, key: Ed25519PrivateKey, data: bytes, *, now: datetime) -> ReplyReport:
    """Verify a reply and apply its ack and manifest together; ReplyError (nothing changed) otherwise."""
    pinned = store.get_meta("server_key")
    if pinned is None:
        raise NotEnrolled("this terminal has no pinned server key; enroll it first")
    reply = open_reply(data)
    verify_reply(reply, ed25519_public_from_b64(pinned), device_id_for(key))
    verdict = judge_manifest(store, reply.manifest)
    if verdict.status == "refused" or verdict.manifest is None:
        raise ReplyError(
            f"the manifest in the reply is refused: {verdict.message}", reason=verdict.reason or "bad_manifest"
        )
    manifest = verdict.manifest
    records_before = store.counts()["acknowledged"]
    try:
        with store.atomic():
            upto = ack_upto(store, reply.ack, beyond_head="refuse")
            seals = store.mark_acked(upto) if upto > 0 else 0
            if verdict.status == "apply":
                store.add_manifest(reply.manifest, manifest)
    except SyncFailed as exc:
        raise ReplyError(f"the reply's acknowledgement is refused: {exc.message}", reason=exc.reason) from None
    if verdict.status == "apply":
        log_event(store, key, "manifest.applied", {"serial": manifest.serial, "source": "usb"}, now)
    return ReplyReport(
        ack_seq=store.acked_seq(),
        seals_confirmed=seals,
        records_confirmed=store.counts()["acknowledged"] - records_before,
        manifest="applied" if verdict.status == "apply" else "unchanged",
        manifest_serial=manifest.serial,
    )
