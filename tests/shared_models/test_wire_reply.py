"""USB replies: the server's ack and manifest for one terminal, signed, whole, and only for it."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from shared_models.errors import OsallistuError, ReplyError
from shared_models.keys import b64encode, public_bytes
from shared_models.manifest import sign_manifest, verify_manifest
from shared_models.wire import BUNDLE_DOMAIN, REPLY_DOMAIN, Ack, open_reply, verify_reply, write_reply

DEVICE = "tdevice0000000000000000000000001"


@pytest.fixture(scope="module")
def server_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def manifest(server_key: Ed25519PrivateKey) -> bytes:
    content = {
        "serial": 7,
        "issued": "2026-11-28T08:00:00Z",
        "sealing_key": b64encode(public_bytes(X25519PrivateKey.generate())),
        "processes": [],
    }
    return sign_manifest(content, server_key)


def reply(key: Ed25519PrivateKey, manifest: bytes, *, device: str = DEVICE, seq: int = 3) -> bytes:
    return write_reply(
        key, device=device, ack=Ack(seq=seq, hash="ab" * 32), manifest=manifest, created="2026-11-29T06:00:00Z"
    )


def test_a_reply_opens_verifies_and_holds_the_manifest_bytes_exactly(
    server_key: Ed25519PrivateKey, manifest: bytes
) -> None:
    opened = open_reply(reply(server_key, manifest))
    verify_reply(opened, server_key.public_key(), DEVICE)
    assert opened.header == {"type": "osallistu.reply", "v": 1, "device": DEVICE, "created": "2026-11-29T06:00:00Z"}
    assert opened.ack == Ack(seq=3, hash="ab" * 32)
    assert opened.manifest == manifest
    assert verify_manifest(opened.manifest, server_key.public_key()).serial == 7
    assert REPLY_DOMAIN != BUNDLE_DOMAIN and issubclass(ReplyError, OsallistuError)


def test_the_same_inputs_give_the_same_bytes(server_key: Ed25519PrivateKey, manifest: bytes) -> None:
    assert reply(server_key, manifest) == reply(server_key, manifest)


@pytest.mark.parametrize("position", [5, 60, -40])
def test_one_byte_changed_anywhere_is_refused(server_key: Ed25519PrivateKey, manifest: bytes, position: int) -> None:
    data = bytearray(reply(server_key, manifest))
    # change a letter or digit into another of its kind, so the lines still parse where they can
    original = data[position]
    data[position] = original + 1 if chr(original).isalnum() and chr(original + 1).isalnum() else original - 1
    assert bytes(data) != reply(server_key, manifest)
    with pytest.raises(ReplyError) as caught:
        verify_reply(open_reply(bytes(data)), server_key.public_key(), DEVICE)
    assert caught.value.reason in {"reply_altered", "bad_signature", "not_a_reply"}


def test_a_changed_manifest_line_is_an_altered_reply(server_key: Ed25519PrivateKey, manifest: bytes) -> None:
    data = reply(server_key, manifest).replace(b'"serial":7', b'"serial":8')
    with pytest.raises(ReplyError) as caught:
        verify_reply(open_reply(data), server_key.public_key(), DEVICE)
    assert caught.value.reason == "reply_altered"


def test_a_reply_signed_by_another_key_is_refused(server_key: Ed25519PrivateKey, manifest: bytes) -> None:
    with pytest.raises(ReplyError) as caught:
        verify_reply(open_reply(reply(Ed25519PrivateKey.generate(), manifest)), server_key.public_key(), DEVICE)
    assert caught.value.reason == "bad_signature"


def test_a_bundle_signature_does_not_make_a_reply(server_key: Ed25519PrivateKey, manifest: bytes) -> None:
    """Domain separation: the same digest signed under the bundle domain does not verify as a reply."""
    good = open_reply(reply(server_key, manifest))
    forged_sig = b64encode(server_key.sign(BUNDLE_DOMAIN + good.digest.encode()))
    lines = reply(server_key, manifest).split(b"\n")
    lines[3] = lines[3].replace(str(good.trailer["sig"] if good.trailer else "").encode(), forged_sig.encode())
    with pytest.raises(ReplyError) as caught:
        verify_reply(open_reply(b"\n".join(lines)), server_key.public_key(), DEVICE)
    assert caught.value.reason == "bad_signature"


def test_a_reply_for_another_terminal_is_refused(server_key: Ed25519PrivateKey, manifest: bytes) -> None:
    with pytest.raises(ReplyError) as caught:
        verify_reply(open_reply(reply(server_key, manifest, device="tother")), server_key.public_key(), DEVICE)
    assert caught.value.reason == "wrong_device"


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        pytest.param(lambda d: d[:-1], "reply_truncated", id="last-newline-missing"),
        pytest.param(lambda d: d[: d.rfind(b"\n", 0, len(d) - 1) + 1], "reply_truncated", id="no-trailer"),
        pytest.param(lambda d: d[:30], "not_a_reply", id="inside-the-header"),
        pytest.param(lambda d: b"", "not_a_reply", id="empty"),
        pytest.param(
            lambda d: b'{"count":0,"created":"x","device":"t","type":"osallistu.bundle","v":1}\n',
            "not_a_reply",
            id="a-bundle",
        ),
        pytest.param(lambda d: d + b"extra\n", "reply_truncated", id="a-line-too-many"),
    ],
)
def test_a_reply_cut_short_or_not_a_reply_does_not_open(
    server_key: Ed25519PrivateKey, manifest: bytes, cut: object, reason: str
) -> None:
    data = reply(server_key, manifest)
    with pytest.raises(ReplyError) as caught:
        open_reply(cut(data))  # type: ignore[operator]
    assert caught.value.reason == reason
