from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared_models import (
    DEFAULT_MIN_SEAL,
    BadSignature,
    ChainError,
    Record,
    canonical_bytes,
    fingerprint,
    genesis_prev,
    make_seal,
    parse_canonical,
    parse_record,
    verify_chain,
    verify_record,
)
from shared_models.keys import b64decode, b64encode

DAY = "2026-11-28"  # as in conftest
MakeSigned = Callable[..., Record]  # the make_signed fixture


@dataclass
class Chain:
    """Three seals from the genesis, each over its own records."""

    key: Ed25519PrivateKey
    other: Ed25519PrivateKey
    seals: list[Record]
    covered: list[list[Record]]
    extra: Record  # a valid record of the device that no seal lists
    present: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.present = {record.hash for group in self.covered for record in group}

    def reseal(self, index: int, **changes: Any) -> Record:
        seal = self.seals[index]
        settings = {"seq": seal.body["seq"], "prev": seal.body["prev"], "record_hashes": seal.body["records"]}
        key = changes.pop("key", self.key)
        return make_seal(key, **{**settings, **changes}, day=DAY)


@pytest.fixture
def make_chain(
    device_key: Ed25519PrivateKey, other_key: Ed25519PrivateKey, make_signed: MakeSigned
) -> Callable[..., Chain]:
    def make(length: int = 3, per_seal: int = DEFAULT_MIN_SEAL) -> Chain:
        seals: list[Record] = []
        covered: list[list[Record]] = []
        prev = genesis_prev(device_key)
        for seq in range(1, length + 1):
            group = [make_signed("voxit.vote") for _ in range(per_seal)]
            seal = make_seal(device_key, seq=seq, prev=prev, record_hashes=[r.hash for r in group], day=DAY)
            seals.append(seal)
            covered.append(group)
            prev = seal.hash
        return Chain(device_key, other_key, seals, covered, extra=make_signed("voxit.vote"))

    return make


def test_a_chain_from_the_genesis_verifies(make_chain: Callable[..., Chain]) -> None:
    chain = make_chain()
    report = verify_chain(chain.key.public_key(), chain.seals, chain.present)
    assert report.ok
    assert report.verified == chain.seals
    assert (report.head_seq, report.head_hash) == (3, chain.seals[-1].hash)
    assert not report.refused and not report.missing and not report.uncovered


def test_the_order_seals_arrive_in_does_not_matter(make_chain: Callable[..., Chain]) -> None:
    chain = make_chain()
    report = verify_chain(chain.key.public_key(), list(reversed(chain.seals)), chain.present)
    assert report.ok
    assert report.verified == chain.seals


def test_the_first_seal_links_to_the_device_key_fingerprint(make_chain: Callable[..., Chain]) -> None:
    chain = make_chain(length=1)
    assert chain.seals[0].body["prev"] == genesis_prev(chain.key) == fingerprint(chain.key.public_key())


def test_a_chain_continues_from_a_held_head(make_chain: Callable[..., Chain]) -> None:
    chain = make_chain(length=4)
    present = {r.hash for group in chain.covered[2:] for r in group}
    report = verify_chain(chain.key.public_key(), chain.seals[2:], present, head_seq=2, head_hash=chain.seals[1].hash)
    assert report.ok
    assert report.head_seq == 4


def test_no_seals_leave_the_head_where_it_was(device_key: Ed25519PrivateKey) -> None:
    report = verify_chain(device_key.public_key(), [], set())
    assert report.ok
    assert (report.head_seq, report.head_hash) == (0, genesis_prev(device_key))


def test_a_seal_lists_its_hashes_sorted_and_once(device_key: Ed25519PrivateKey) -> None:
    hashes = ["c" * 64, "a" * 64, "b" * 64, "a" * 64]
    seal = make_seal(device_key, seq=1, prev=genesis_prev(device_key), record_hashes=hashes, day=DAY)
    assert seal.body["records"] == ["a" * 64, "b" * 64, "c" * 64]
    assert seal.kind == "kiosk.seal"


# ---------------------------------------------------------------- tamper table


def _flip_signature(seal: Record) -> Record:
    value = parse_canonical(seal.raw)
    signature = bytearray(b64decode(value["sig"]))
    signature[0] ^= 1
    value["sig"] = b64encode(bytes(signature))
    return parse_record(canonical_bytes(value))


def _swap_seq(chain: Chain) -> list[Record]:
    return [chain.reseal(0, seq=2), chain.reseal(1, seq=1), chain.seals[2]]


@dataclass(frozen=True)
class Case:
    arrange: Callable[[Chain], tuple[list[Record], set[str]]]
    refused: list[str] = field(default_factory=list)  # reasons, in seq order
    verified: int = 3  # how many seals verify
    missing: bool = False
    uncovered: bool = False


CASES = [
    pytest.param(
        Case(lambda c: (c.seals, c.present - {c.covered[1][0].hash}), missing=True),
        id="missing_record",
    ),
    pytest.param(
        Case(lambda c: (c.seals, c.present | {c.extra.hash}), uncovered=True),
        id="record_not_covered",
    ),
    pytest.param(
        Case(
            lambda c: (_swap_seq(c), c.present),
            refused=["chain_broken", "seal_gap", "seal_gap"],
            verified=0,
            uncovered=True,
        ),
        id="seals_reordered",
    ),
    pytest.param(
        Case(lambda c: ([c.seals[0], c.seals[2]], c.present), refused=["seal_gap"], verified=1, uncovered=True),
        id="gap",
    ),
    pytest.param(
        Case(
            lambda c: ([c.seals[0], c.reseal(1, prev="0" * 64), c.seals[2]], c.present),
            refused=["chain_broken", "seal_gap"],
            verified=1,
            uncovered=True,
        ),
        id="prev_mismatch",
    ),
    pytest.param(
        Case(
            lambda c: ([c.seals[0], c.reseal(1, key=c.other), c.seals[2]], c.present),
            refused=["wrong_device", "seal_gap"],
            verified=1,
            uncovered=True,
        ),
        id="seal_from_another_device",
    ),
    pytest.param(
        Case(
            lambda c: ([c.seals[0], _flip_signature(c.seals[1]), c.seals[2]], c.present),
            refused=["bad_signature", "seal_gap"],
            verified=1,
            uncovered=True,
        ),
        id="seal_signature_altered",
    ),
    pytest.param(
        Case(
            lambda c: ([c.seals[0], c.reseal(1, record_hashes=[c.extra.hash]), c.seals[2]], c.present),
            refused=["chain_broken"],
            verified=2,
            missing=True,
            uncovered=True,
        ),
        id="seal_records_swapped_and_resigned",
    ),
    pytest.param(
        Case(
            lambda c: ([c.seals[0], c.seals[0], c.seals[1], c.seals[2]], c.present),
            refused=["seal_out_of_order", "seal_gap", "seal_gap"],
            verified=1,
            uncovered=True,
        ),
        id="seal_replayed",
    ),
    pytest.param(
        Case(
            lambda c: ([c.seals[0], c.covered[1][0], *c.seals[1:]], c.present),
            refused=["not_a_seal", "seal_gap", "seal_gap", "seal_gap"],  # it has no seq, so it sorts first
            verified=0,
            uncovered=True,
        ),
        id="record_posing_as_a_seal",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_a_tampered_chain_is_reported(case: Case, make_chain: Callable[..., Chain]) -> None:
    chain = make_chain()
    seals, present = case.arrange(chain)
    report = verify_chain(chain.key.public_key(), seals, present)
    assert not report.ok
    assert [error.reason for _, error in report.refused] == case.refused
    assert all(isinstance(error, ChainError) for _, error in report.refused)
    assert len(report.verified) == case.verified
    assert bool(report.missing) == case.missing
    assert bool(report.uncovered) == case.uncovered


def test_a_missing_record_is_reported_under_its_seal(make_chain: Callable[..., Chain]) -> None:
    chain = make_chain()
    lost = chain.covered[1][0].hash
    report = verify_chain(chain.key.public_key(), chain.seals, chain.present - {lost})
    assert report.missing == {chain.seals[1].hash: [lost]}


def test_a_record_no_seal_lists_is_reported_uncovered(make_chain: Callable[..., Chain]) -> None:
    chain = make_chain()
    report = verify_chain(chain.key.public_key(), chain.seals, chain.present | {chain.extra.hash})
    assert report.uncovered == [chain.extra.hash]


def test_the_seals_after_a_refused_seal_are_refused_as_a_gap(make_chain: Callable[..., Chain]) -> None:
    chain = make_chain(length=5)
    seals = [*chain.seals[:2], chain.reseal(2, prev="0" * 64), *chain.seals[3:]]
    report = verify_chain(chain.key.public_key(), seals, chain.present)
    assert report.verified == chain.seals[:2]
    assert [(seal.body["seq"], error.reason) for seal, error in report.refused] == [
        (3, "chain_broken"),
        (4, "seal_gap"),
        (5, "seal_gap"),
    ]
    assert (report.head_seq, report.head_hash) == (2, chain.seals[1].hash)


@pytest.mark.parametrize("case", CASES)
def test_naming_the_seals_whose_signature_verified_changes_no_verdict(
    case: Case, make_chain: Callable[..., Chain]
) -> None:
    chain = make_chain()
    seals, present = case.arrange(chain)
    key = chain.key.public_key()
    signed = set()
    for seal in seals:
        with contextlib.suppress(BadSignature):
            verify_record(seal, key)
            signed.add(seal.hash)
    plain = verify_chain(key, seals, present)
    ahead = verify_chain(key, seals, present, verified=signed)
    assert ahead.verified == plain.verified
    assert [(s.hash, e.reason, str(e)) for s, e in ahead.refused] == [
        (s.hash, e.reason, str(e)) for s, e in plain.refused
    ]
    assert (ahead.missing, ahead.uncovered, ahead.head_seq, ahead.head_hash) == (
        plain.missing,
        plain.uncovered,
        plain.head_seq,
        plain.head_hash,
    )


def test_a_seal_not_named_as_verified_is_still_checked(make_chain: Callable[..., Chain]) -> None:
    chain = make_chain()
    value = parse_canonical(chain.seals[1].raw)
    altered = parse_record(canonical_bytes({**value, "body": {**value["body"], "reason": "forced"}}))  # old sig
    seals = [chain.seals[0], altered, chain.seals[2]]
    named = {chain.seals[0].hash, chain.seals[2].hash}
    report = verify_chain(chain.key.public_key(), seals, chain.present, verified=named)
    assert report.verified == [chain.seals[0]]
    assert [(seal.hash, error.reason) for seal, error in report.refused] == [
        (altered.hash, "bad_signature"),
        (chain.seals[2].hash, "seal_gap"),
    ]
