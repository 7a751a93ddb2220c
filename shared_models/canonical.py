"""Canonical bytes: the one encoding that is signed, stored, sent and hashed.

JSON with keys sorted, no insignificant whitespace, UTF-8, every string in
Unicode NFC, integers only (money in cents) and within the range that every
JSON reader holds exactly (|n| < 2**53). ``parse_canonical`` accepts exactly the
bytes that ``canonical_bytes`` produces and nothing else, so a record can be
checked for re-encoding without trusting its sender.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

from shared_models.errors import MalformedRecord, NonCanonical

MAX_SAFE_INTEGER = 2**53 - 1

__all__ = ["MAX_SAFE_INTEGER", "canonical_bytes", "parse_canonical", "sha256_hex"]


def _check(value: Any, path: str) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise MalformedRecord(f"integer out of range at {path}", reason="integer_range")
        return
    if isinstance(value, float):
        raise MalformedRecord(f"floats are not allowed (at {path}); use integers", reason="float")
    if isinstance(value, str):
        if unicodedata.normalize("NFC", value) != value:
            raise NonCanonical(f"string at {path} is not in Unicode NFC", reason="non_canonical")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise MalformedRecord(f"object key at {path} is not a string")
            if unicodedata.normalize("NFC", key) != key:
                raise NonCanonical(f"key {key!r} at {path} is not in Unicode NFC")
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
        return
    raise MalformedRecord(f"value of type {type(value).__name__} at {path} cannot be encoded")


def canonical_bytes(value: Any) -> bytes:
    """The canonical encoding of a JSON value made of dicts, lists, str, int, bool, None."""
    _check(value, "$")
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from "\ud800" in the input
        raise MalformedRecord("a string holds a lone surrogate, which UTF-8 cannot encode") from exc


def _no_float(text: str) -> Any:
    raise MalformedRecord(f"floats are not allowed ({text}); use integers", reason="float")


def _no_constant(text: str) -> Any:
    raise MalformedRecord(f"{text} is not valid JSON here", reason="float")


def _bounded_int(text: str) -> int:
    # Refuse before int() so a long digit run gives integer_range, not Python's ValueError.
    if len(text.lstrip("-")) > len(str(MAX_SAFE_INTEGER)):
        raise MalformedRecord(f"integer {text[:20]}... out of range", reason="integer_range")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedRecord(f"duplicate key {key!r}", reason="malformed")
        result[key] = value
    return result


def parse_canonical(raw: bytes) -> Any:
    """Parse bytes that must be canonical; raise MalformedRecord or NonCanonical otherwise."""
    value = _parse_fast(raw)
    if value is _FALLBACK:
        return _parse_checked(raw)
    return value


def _parse_checked(raw: bytes) -> Any:
    """The reference parser: every check in turn, with the error (and its reason) for the first problem."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRecord("not valid UTF-8", reason="malformed") from exc
    try:
        value = json.loads(
            text,
            parse_float=_no_float,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
            object_pairs_hook=_unique_keys,
        )
        encoded = canonical_bytes(value)
    except json.JSONDecodeError as exc:
        raise MalformedRecord(f"not valid JSON: {exc.msg} at character {exc.pos}", reason="malformed") from exc
    except RecursionError as exc:
        raise MalformedRecord("the JSON is nested too deeply", reason="malformed") from exc
    if encoded != raw:
        raise NonCanonical("the bytes are not the canonical encoding (sorted keys, no spaces, UTF-8)")
    return value


# ---------------------------------------------------------------- fast path
#
# ``_parse_fast`` returns the parsed value only when ``_parse_checked`` would accept
# the bytes and return that same value; in every other case (including every
# refusal) it returns ``_FALLBACK`` and ``_parse_checked`` decides, so errors and
# their reasons are exactly those of the reference parser. Why it is sound:
#
# * floats, NaN and Infinity: the hooks below end the fast path at the first one;
# * integers: |n| > MAX_SAFE_INTEGER needs 16 digits; any integer spelled with 16 or
#   more characters ends the fast path (so does one that int() refuses);
# * duplicate keys: the plain parser keeps the last value, so re-encoding drops a
#   key and cannot equal the input;
# * re-encoding is compared with the decoded text; strict UTF-8 decoding is
#   one-to-one, so equal text means equal bytes, and a lone surrogate from an escape
#   comes back unescaped and cannot equal text decoded from valid UTF-8;
# * NFC: the encoder writes every character other than '"', '\\' and controls
#   (all ASCII) as itself, so when the input is ASCII and equals its re-encoding,
#   every string and key is ASCII, hence NFC. Otherwise each non-ASCII string and key
#   is checked with ``unicodedata.is_normalized`` (the same test as normalize == value).

_FALLBACK: Any = object()
_SAFE_INT_CHARS = len(str(MAX_SAFE_INTEGER)) - 1  # 15 characters can never exceed the range


class _NotFast(Exception):
    pass


def _fast_stop(_text: str) -> Any:
    raise _NotFast


def _fast_int(text: str) -> int:
    if len(text) > _SAFE_INT_CHARS:
        raise _NotFast
    return int(text)


_FAST_DECODER = json.JSONDecoder(parse_float=_fast_stop, parse_constant=_fast_stop, parse_int=_fast_int)
_FAST_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False, allow_nan=True
)


def _all_nfc(value: Any) -> bool:
    if isinstance(value, str):
        return value.isascii() or unicodedata.is_normalized("NFC", value)
    if isinstance(value, dict):
        for key, item in value.items():
            if not (key.isascii() or unicodedata.is_normalized("NFC", key)) or not _all_nfc(item):
                return False
        return True
    if isinstance(value, list):
        return all(_all_nfc(item) for item in value)
    return True


def _parse_fast(raw: bytes) -> Any:
    ascii_only = raw.isascii()
    try:
        text = raw.decode("ascii" if ascii_only else "utf-8")
        value = _FAST_DECODER.decode(text)
        if _FAST_ENCODER.encode(value) != text:
            return _FALLBACK
        if not ascii_only and not _all_nfc(value):
            return _FALLBACK
    except Exception:  # anything unusual (bad JSON, deep nesting, a float...): the reference parser says what
        return _FALLBACK
    return value


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
