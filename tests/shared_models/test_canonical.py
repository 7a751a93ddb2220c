from __future__ import annotations

import json
import math
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_models import MalformedRecord, NonCanonical, canonical_bytes, parse_canonical, sha256_hex
from shared_models.canonical import MAX_SAFE_INTEGER

# ---------------------------------------------------------------- encoding


def test_keys_are_sorted_and_there_is_no_whitespace() -> None:
    value = {"b": 1, "a": [1, 2], "c": {"z": None, "y": True, "x": False}}
    assert canonical_bytes(value) == b'{"a":[1,2],"b":1,"c":{"x":false,"y":true,"z":null}}'


def test_non_ascii_is_written_as_raw_utf8_not_escaped() -> None:
    assert canonical_bytes({"t": "Hämeentie"}) == '{"t":"Hämeentie"}'.encode()


def test_control_characters_have_one_spelling() -> None:
    raw = canonical_bytes({"t": "a\nb\x00"})
    assert raw == b'{"t":"a\\nb\\u0000"}'
    assert parse_canonical(raw) == {"t": "a\nb\x00"}


def test_largest_safe_integers_are_accepted() -> None:
    value = [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 0]
    assert parse_canonical(canonical_bytes(value)) == value


def test_the_same_value_gives_the_same_bytes_whatever_the_insertion_order() -> None:
    assert canonical_bytes({"a": 1, "b": 2}) == canonical_bytes({"b": 2, "a": 1})


def test_sha256_hex_is_the_hex_digest() -> None:
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize(
    ("value", "error", "reason"),
    [
        pytest.param({"a": 1.5}, MalformedRecord, "float", id="float"),
        pytest.param({"a": 1.0}, MalformedRecord, "float", id="whole_float"),
        pytest.param([math.nan], MalformedRecord, "float", id="nan"),
        pytest.param([math.inf], MalformedRecord, "float", id="infinity"),
        pytest.param([2**53], MalformedRecord, "integer_range", id="two_to_the_53"),
        pytest.param([-(2**53)], MalformedRecord, "integer_range", id="minus_two_to_the_53"),
        pytest.param([10**400], MalformedRecord, "integer_range", id="huge_integer"),
        pytest.param({"t": "a\u0308"}, NonCanonical, "non_canonical", id="string_not_nfc"),
        pytest.param({"a\u0308": 1}, NonCanonical, "non_canonical", id="key_not_nfc"),
        pytest.param({1: "a"}, MalformedRecord, "malformed", id="key_not_a_string"),
        pytest.param({"a": b"bytes"}, MalformedRecord, "malformed", id="bytes"),
        pytest.param({"a": {1, 2}}, MalformedRecord, "malformed", id="set"),
        pytest.param({"a": "\ud800"}, MalformedRecord, "malformed", id="lone_surrogate"),
    ],
)
def test_values_without_a_canonical_encoding_are_refused(value: Any, error: type[Exception], reason: str) -> None:
    with pytest.raises(error) as info:
        canonical_bytes(value)
    assert type(info.value) is error
    assert info.value.reason == reason  # type: ignore[attr-defined]


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("raw", "error", "reason"),
    [
        pytest.param(b'{"a":1.5}', MalformedRecord, "float", id="float"),
        pytest.param(b'{"a":1e3}', MalformedRecord, "float", id="exponent"),
        pytest.param(b'{"a":NaN}', MalformedRecord, "float", id="nan"),
        pytest.param(b'{"a":Infinity}', MalformedRecord, "float", id="infinity"),
        pytest.param(b'{"a":-Infinity}', MalformedRecord, "float", id="minus_infinity"),
        pytest.param(b'{"a":9007199254740992}', MalformedRecord, "integer_range", id="two_to_the_53"),
        pytest.param(b'{"a":-9007199254740992}', MalformedRecord, "integer_range", id="minus_two_to_the_53"),
        pytest.param(b"1" * 5000, MalformedRecord, "integer_range", id="thousands_of_digits"),
        pytest.param(b'{"a":1,"a":1}', MalformedRecord, "malformed", id="duplicate_key"),
        pytest.param(b'{"a":1,"a":2}', MalformedRecord, "malformed", id="duplicate_key_other_value"),
        pytest.param(b'{"a":"\xff"}', MalformedRecord, "malformed", id="not_utf8"),
        pytest.param(b'{"a":"\xc3"}', MalformedRecord, "malformed", id="cut_utf8_sequence"),
        pytest.param('{"a":"ä"}'.encode("latin-1"), MalformedRecord, "malformed", id="latin1"),
        pytest.param(b"\xef\xbb\xbf{}", MalformedRecord, "malformed", id="utf8_bom"),
        pytest.param(b"", MalformedRecord, "malformed", id="empty"),
        pytest.param(b"{a:1}", MalformedRecord, "malformed", id="not_json"),
        pytest.param(b'{"a":1}{"b":2}', MalformedRecord, "malformed", id="two_documents"),
        pytest.param(b'"\\ud800"', MalformedRecord, "malformed", id="escaped_lone_surrogate"),
        pytest.param(b"[" * 100_000, MalformedRecord, "malformed", id="nested_too_deeply"),
        pytest.param('{"t":"a\u0308"}'.encode(), NonCanonical, "non_canonical", id="string_not_nfc"),
    ],
)
def test_bytes_that_are_not_canonical_json_are_refused(raw: bytes, error: type[Exception], reason: str) -> None:
    with pytest.raises(error) as info:
        parse_canonical(raw)
    assert type(info.value) is error
    assert info.value.reason == reason  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"a": 1}', id="space_after_colon"),
        pytest.param(b'{"a":1, "b":2}', id="space_after_comma"),
        pytest.param(b' {"a":1}', id="leading_space"),
        pytest.param(b'{"a":1}\n', id="trailing_newline"),
        pytest.param(b'{\n  "a": 1\n}', id="pretty_printed"),
        pytest.param(b'{"b":1,"a":2}', id="keys_unsorted"),
        pytest.param(b'{"t":"\\u00e4"}', id="escaped_unicode"),
        pytest.param(b'{"t":"\\u0061"}', id="escaped_ascii_letter"),
        pytest.param(b'{"t":"\\/"}', id="escaped_slash"),
        pytest.param(b'{"t":"\\u000a"}', id="newline_escaped_as_u000a"),
        pytest.param(b"-0", id="minus_zero"),
        pytest.param(b"[1, 2]", id="space_in_list"),
    ],
)
def test_any_re_encoding_is_refused_as_non_canonical(raw: bytes) -> None:
    with pytest.raises(NonCanonical) as info:
        parse_canonical(raw)
    assert info.value.reason == "non_canonical"


# ---------------------------------------------------------------- properties

nfc_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=20).map(
    lambda text: unicodedata.normalize("NFC", text)
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | nfc_text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(nfc_text, children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, database=None, deadline=None)
@given(json_values)
def test_parse_canonical_inverts_canonical_bytes(value: Any) -> None:
    assert parse_canonical(canonical_bytes(value)) == value


@settings(max_examples=300, database=None, deadline=None)
@given(json_values, st.sampled_from(["indent", "ascii", "spaces"]))
def test_another_encoding_of_the_same_value_is_refused(value: Any, style: str) -> None:
    styles: dict[str, dict[str, Any]] = {
        "indent": {"indent": 1, "sort_keys": True, "ensure_ascii": False},
        "ascii": {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": True},
        "spaces": {"sort_keys": True, "ensure_ascii": False},
    }
    other = json.dumps(value, **styles[style]).encode()
    if other == canonical_bytes(value):
        return  # some values (a number, an ASCII string) have only one spelling
    with pytest.raises(NonCanonical):
        parse_canonical(other)


# ---------------------------------------------------------------- fast path agrees with the reference parser

# Values that may or may not have a canonical encoding: NFD and other non-NFC strings,
# non-ASCII, controls, lone surrogates, integers beyond the safe range, floats.
any_text = st.one_of(
    st.text(max_size=12),
    st.text(alphabet='aeouAÅÄÖäöüñ\u0301\u0308\u0327\u00e9\u1e9b\u0323\ufb01\u2126"\\\n\x00/', max_size=8),
    st.text(max_size=8).map(lambda text: unicodedata.normalize("NFD", text)),
)
any_number = st.one_of(
    st.integers(),
    st.integers(-(2**60), 2**60),
    st.sampled_from([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, 2**53, -(2**53), 10**15, -(10**15), 0, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
)
any_values = st.recursive(
    st.none() | st.booleans() | any_number | any_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4),
    max_leaves=20,
)
spellings = st.sampled_from(
    [
        {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False},  # canonical when the value is
        {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": True},
        {"sort_keys": False, "separators": (",", ":"), "ensure_ascii": False},
        {"sort_keys": True, "ensure_ascii": False},
    ]
)


def _outcome(parse: Any, raw: bytes) -> tuple[str, Any]:
    try:
        return "value", parse(raw)
    except (MalformedRecord, NonCanonical) as exc:
        return type(exc).__name__, (exc.reason, str(exc))


def _agree(raw: bytes) -> None:
    from shared_models.canonical import _FALLBACK, _parse_checked, _parse_fast

    expected = _outcome(_parse_checked, raw)
    assert _outcome(parse_canonical, raw) == expected
    fast = _parse_fast(raw)
    if fast is not _FALLBACK:  # the fast path only ever accepts what the reference accepts, with the same value
        assert expected == ("value", fast)
        assert json.dumps(fast) == json.dumps(expected[1])  # same types too (1 vs True vs 1.0)


@settings(max_examples=1500, database=None, deadline=None)
@given(any_values, spellings)
def test_fast_path_agrees_with_the_reference_parser_on_encoded_values(value: Any, spelling: dict[str, Any]) -> None:
    try:
        raw = json.dumps(value, **spelling).encode("utf-8", "surrogatepass")
    except ValueError:  # 10**5000 and friends: int -> str refuses
        return
    _agree(raw)


@settings(max_examples=1500, database=None, deadline=None)
@given(any_values, st.data())
def test_fast_path_agrees_with_the_reference_parser_on_altered_bytes(value: Any, data: st.DataObject) -> None:
    try:
        raw = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8", "surrogatepass"
        )
    except ValueError:
        return
    if raw:
        at = data.draw(st.integers(0, len(raw) - 1))
        change = data.draw(
            st.sampled_from([b"", b" ", b"1", b".5", b"e1", b"\\u0301", b"\xcc\x81", b'"', b",", b"}", b"\xff"])
        )
        raw = raw[:at] + change + raw[at + data.draw(st.integers(0, 2)) :]
    _agree(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":1}',
        b'{"a":9007199254740991}',
        b'{"a":-9007199254740991}',
        b'{"a":999999999999999}',
        b'{"a":-999999999999999}',
        b'{"a":1.0}',
        b'{"a":NaN}',
        b'{"a":-Infinity}',
        b'{"a":1,"a":1}',
        b'{"a":{"b":1,"b":1}}',
        '{"t":"Hämeentie"}'.encode(),
        '{"t":"a\u0308"}'.encode(),
        '{"a\u0308":1}'.encode(),
        '{"\u00e4":"\u1e9b\u0323"}'.encode(),
        b'{"t":"\\u0301"}',
        b'"\\ud800"',
        b'"\\u00e4"',
        b'{"t":"a\\nb\\u0000"}',
        b"-0",
        b"1" * 5000,
        b"[" * 100_000,
        b"\xef\xbb\xbf{}",
        b"",
        b"[1] ",
        b'{"a":"\xff"}',
        b"[true,false,null]",
    ],
)
def test_fast_path_agrees_with_the_reference_parser_on_edge_cases(raw: bytes) -> None:
    _agree(raw)
