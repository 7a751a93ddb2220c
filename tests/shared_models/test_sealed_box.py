from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from shared_models import SealedBoxError, open_sealed, seal_to, validate_body
from shared_models.keys import b64decode, b64encode, public_b64, x25519_public_from_b64
from shared_models.sealed_box import ALGORITHM

CONTACT = "maija.meikäläinen@example.fi".encode()
CONTEXT = b"record:ieu4vdtokhdsybs5j5itnucjdu"

Box = dict[str, str]


def test_a_sealed_box_opens_with_the_server_key_and_context(sealing_key: X25519PrivateKey) -> None:
    box = seal_to(sealing_key.public_key(), CONTACT, context=CONTEXT)
    assert box["alg"] == ALGORITHM
    assert open_sealed(sealing_key, box, context=CONTEXT) == CONTACT


def test_the_terminal_seals_with_only_the_public_key(sealing_key: X25519PrivateKey) -> None:
    published = public_b64(sealing_key)  # what the manifest carries
    box = seal_to(x25519_public_from_b64(published), CONTACT, context=CONTEXT)
    assert CONTACT not in b64decode(box["ct"])
    assert open_sealed(sealing_key, box, context=CONTEXT) == CONTACT


def test_the_same_data_seals_differently_each_time(sealing_key: X25519PrivateKey) -> None:
    first = seal_to(sealing_key.public_key(), CONTACT, context=CONTEXT)
    second = seal_to(sealing_key.public_key(), CONTACT, context=CONTEXT)
    assert first["epk"] != second["epk"] and first["ct"] != second["ct"]


def test_a_sealed_box_is_a_valid_feedback_contact(sealing_key: X25519PrivateKey) -> None:
    box = seal_to(sealing_key.public_key(), CONTACT, context=CONTEXT)
    body = {
        "process": "demo",
        "topic": "streets",
        "message": "Katuvalo on rikki.",
        "lang": "fi",
        "wants_reply": True,
        "contact": box,
    }
    validate_body("feedback.item", body)


def _flip(field: str, index: int = 0) -> Callable[[Box], Box]:
    def alter(box: Box) -> Box:
        data = bytearray(b64decode(box[field]))
        data[index] ^= 1
        return {**box, field: b64encode(bytes(data))}

    return alter


def _without(field: str) -> Callable[[Box], Box]:
    return lambda box: {name: value for name, value in box.items() if name != field}


@pytest.mark.parametrize(
    ("alter", "key", "context"),
    [
        pytest.param(lambda box: box, "other", CONTEXT, id="wrong_key"),
        pytest.param(lambda box: box, "server", b"record:another", id="wrong_context"),
        pytest.param(_flip("ct"), "server", CONTEXT, id="altered_ciphertext"),
        pytest.param(_flip("ct", -1), "server", CONTEXT, id="altered_tag"),
        pytest.param(_flip("nonce"), "server", CONTEXT, id="altered_nonce"),
        pytest.param(_flip("epk"), "server", CONTEXT, id="altered_ephemeral_key"),
        pytest.param(lambda box: {**box, "ct": box["ct"][:8]}, "server", CONTEXT, id="truncated_ciphertext"),
        pytest.param(lambda box: {**box, "nonce": "AAAA"}, "server", CONTEXT, id="short_nonce"),
        pytest.param(lambda box: {**box, "epk": "A" * 43 + "="}, "server", CONTEXT, id="all_zero_ephemeral_key"),
        pytest.param(lambda box: {**box, "epk": "not base64"}, "server", CONTEXT, id="ephemeral_key_not_base64"),
        pytest.param(lambda box: {**box, "alg": "rot13"}, "server", CONTEXT, id="unknown_algorithm"),
        pytest.param(_without("nonce"), "server", CONTEXT, id="nonce_missing"),
    ],
)
def test_a_box_that_does_not_open_raises_sealed_box_error(
    alter: Callable[[Box], Box], key: str, context: bytes, sealing_key: X25519PrivateKey
) -> None:
    box = alter(seal_to(sealing_key.public_key(), CONTACT, context=CONTEXT))
    opener = sealing_key if key == "server" else X25519PrivateKey.generate()
    with pytest.raises(SealedBoxError) as info:
        open_sealed(opener, box, context=context)
    assert info.value.reason == "sealed_box"
