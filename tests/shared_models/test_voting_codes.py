from __future__ import annotations

import random

import pytest

from shared_models.budget import voter_tag
from shared_models.voting_codes import (
    ALPHABET,
    CODE_LENGTH,
    check_character,
    format_code,
    is_well_formed,
    make_codes,
    new_code,
    normalise,
)

SALT = "00112233445566778899aabbccddeeff"
SAMPLES = [normalise(new_code(random.Random(seed))) for seed in range(200)]


def test_alphabet_has_32_characters_and_no_look_alikes() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("01IO") & set(ALPHABET)


def test_a_new_code_is_grouped_for_reading_and_well_formed() -> None:
    code = new_code(random.Random(1))
    assert len(code) == 12 and code[4] == code[9] == "-"
    assert len(normalise(code)) == CODE_LENGTH
    assert is_well_formed(code) and is_well_formed(code.lower().replace("-", " "))


@pytest.mark.parametrize("code", SAMPLES[:100], ids=str)
def test_every_single_character_typo_is_caught(code: str) -> None:
    for position in range(CODE_LENGTH):
        for char in ALPHABET:
            if char != code[position]:
                typo = code[:position] + char + code[position + 1 :]
                assert not is_well_formed(typo), (position, char)


@pytest.mark.parametrize("code", SAMPLES, ids=str)
def test_every_adjacent_swap_is_caught(code: str) -> None:
    for position in range(CODE_LENGTH - 1):
        a, b = code[position], code[position + 1]
        if a != b:
            assert not is_well_formed(code[:position] + b + a + code[position + 2 :]), position


def test_every_adjacent_pair_swap_is_caught_exhaustively() -> None:
    # All 32 x 32 pairs at every position of a fixed prefix: the quasigroup's anti-symmetry.
    prefix = "ABCDEFGHJ"
    for position in range(CODE_LENGTH - 2):
        for a in ALPHABET:
            for b in ALPHABET:
                if a == b:
                    continue
                body = prefix[:position] + a + b + prefix[position + 2 :]
                swapped = prefix[:position] + b + a + prefix[position + 2 :]
                assert check_character(body) != check_character(swapped)


@pytest.mark.parametrize(
    "code",
    ["", "ABCD-EFGH-J", "ABCD-EFGH-JKL", "ABCD-EFGH-J0", "ABCD-EFGH-JI", "ÄBCD-EFGH-JK"],
    ids=["empty", "short", "long", "zero", "letter_i", "umlaut"],
)
def test_malformed_codes_are_refused(code: str) -> None:
    assert not is_well_formed(code)


def test_format_groups_by_four() -> None:
    assert format_code("abcdefghjk") == "ABCD-EFGH-JK"


def test_make_codes_gives_distinct_codes_and_their_sorted_tags() -> None:
    codes, tags = make_codes(50, SALT, random.Random(7))
    assert len(set(codes)) == 50 and all(is_well_formed(code) for code in codes)
    assert tags == sorted(voter_tag(SALT, code) for code in codes)


def test_make_codes_needs_a_positive_count() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        make_codes(0, SALT, random.Random(7))
