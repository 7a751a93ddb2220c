"""Voting codes: what a voter types on the terminal, printed on a card.

A code is 10 characters from :data:`ALPHABET` (32 characters: no ``0 O 1 I``, which
people confuse), printed in groups for reading (``ABCD-EFGH-JK``). The first nine are
random (45 bits); the last is a check character.

The check is Damm's algorithm (H. M. Damm, "Totally anti-symmetric quasigroups for all
orders n != 2, 6", Discrete Mathematics 307, 2007) over the quasigroup
``x * y = 2x + y`` in GF(32) (polynomial x^5 + x^2 + 1; ``+`` is XOR). Each step is a
bijection in either argument, so every single-character typo changes the result, and
``(c * x) * y == (c * y) * x`` gives ``(x - y)(2 - 1) = 0``, so every swap of two
adjacent different characters (the check character included) is caught. The check
character ``d`` makes the final interim zero: ``2 * interim + d = 0``, so ``d = 2 * interim``.

The server never stores the codes: the manifest holds only their salted hashes
(:func:`shared_models.budget.voter_tag`).
"""

from __future__ import annotations

import random

from shared_models.budget import normalise_code, voter_tag

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "check_character",
    "format_code",
    "is_well_formed",
    "make_codes",
    "new_code",
    "normalise",
]

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
_INDEX = {char: i for i, char in enumerate(ALPHABET)}
_POLY = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)

normalise = normalise_code


def _times_two(x: int) -> int:
    x <<= 1
    return x ^ _POLY if x & 0b100000 else x


def _interim(chars: str) -> int:
    interim = 0
    for char in chars:
        interim = _times_two(interim) ^ _INDEX[char]
    return interim


def check_character(body: str) -> str:
    """The check character for the first characters of a code (in :data:`ALPHABET`)."""
    return ALPHABET[_times_two(_interim(body))]


def format_code(code: str) -> str:
    """``ABCDEFGHJK`` -> ``ABCD-EFGH-JK``."""
    plain = normalise(code)
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def is_well_formed(code: str) -> bool:
    """Whether a typed code (any case, spaces and dashes ignored) has the right length,
    characters and check character."""
    plain = normalise(code)
    return len(plain) == CODE_LENGTH and all(char in _INDEX for char in plain) and _interim(plain) == 0


def new_code(rng: random.Random) -> str:
    """A fresh code, formatted for printing; pass ``random.SystemRandom()`` for real codes."""
    body = "".join(rng.choice(ALPHABET) for _ in range(CODE_LENGTH - 1))
    return format_code(body + check_character(body))


def make_codes(count: int, salt: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """``count`` distinct codes (formatted, in printing order) and their voter tags,
    sorted, so the stored list says nothing about the order of the cards."""
    if count < 1:
        raise ValueError("count must be at least 1")
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < count:
        code = new_code(rng)
        if code not in seen:
            seen.add(code)
            codes.append(code)
    return codes, sorted(voter_tag(salt, code) for code in codes)
