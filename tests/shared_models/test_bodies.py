from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from shared_models import BODY_MODELS, CITIZEN_KINDS, EVENTS, InvalidBody, validate_body
from shared_models.bodies import MAX_STATEMENT, KioskEvent

MakeBody = Callable[..., dict[str, Any]]  # the make_body fixture

ABSENT = object()  # marks a field to drop from the valid body


def _apply(body: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = {**body, **changes}
    return {name: value for name, value in merged.items() if value is not ABSENT}


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        pytest.param("budget.ballot", {}, id="ballot"),
        pytest.param("budget.ballot", {"projects": []}, id="ballot_blank"),
        pytest.param("budget.ballot", {"points": {"k1": 3, "k3": 1}}, id="ballot_with_points"),
        pytest.param("budget.ballot", {"assisted": True}, id="ballot_assisted"),
        pytest.param("voxit.vote", {}, id="vote"),
        pytest.param("voxit.vote", {"answers": {"s9": 0}}, id="vote_one_pass"),
        pytest.param("voxit.statement", {}, id="statement"),
        pytest.param("voxit.statement", {"text": "ä" * MAX_STATEMENT}, id="statement_280_chars"),
        pytest.param("voxit.statement", {"lang": "sv"}, id="statement_in_swedish"),
        pytest.param("feedback.item", {}, id="feedback_with_reply"),
        pytest.param(
            "feedback.item", {"wants_reply": False, "contact": ABSENT, "place": ABSENT}, id="feedback_anonymous"
        ),
        pytest.param("feedback.item", {"place": None}, id="feedback_place_null"),
        pytest.param("kiosk.event", {}, id="event"),
        pytest.param("kiosk.event", {"detail": ABSENT}, id="event_without_detail"),
        pytest.param("kiosk.event", {"at": "2028-02-29T23:59:59Z"}, id="event_on_leap_day"),
        pytest.param("kiosk.seal", {}, id="seal"),
        pytest.param("kiosk.seal", {"reason": "forced"}, id="seal_forced"),
    ],
)
def test_a_valid_body_validates(kind: str, changes: dict[str, Any], make_body: MakeBody) -> None:
    model = validate_body(kind, _apply(make_body(kind), changes))
    assert isinstance(model, BODY_MODELS[kind])


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        pytest.param("budget.ballot", {"projects": ["k3", "k1"]}, id="unsorted_projects"),
        pytest.param("budget.ballot", {"projects": ["k1", "k1"]}, id="duplicate_projects"),
        pytest.param("budget.ballot", {"projects": ["K1"]}, id="project_not_a_slug"),
        pytest.param(
            "budget.ballot", {"projects": ["k1"], "points": {"k1": 1, "k2": 1}}, id="points_for_unchosen_project"
        ),
        pytest.param("budget.ballot", {"points": {"k1": 1}}, id="points_missing_for_a_chosen_project"),
        pytest.param("budget.ballot", {"points": {"k1": 0, "k3": 1}}, id="points_zero"),
        pytest.param("budget.ballot", {"points": {"k1": True, "k3": 1}}, id="points_true"),
        pytest.param("budget.ballot", {"voter": "KOODI-1234"}, id="voting_code_instead_of_tag"),
        pytest.param("budget.ballot", {"district": ABSENT}, id="ballot_without_district"),
        pytest.param("budget.ballot", {"name": "Maija"}, id="ballot_with_unknown_field"),
        pytest.param("budget.ballot", {"process": "Demo process"}, id="process_not_a_slug"),
        pytest.param("budget.ballot", {"assisted": 1}, id="assisted_as_integer"),
        pytest.param("voxit.vote", {"answers": {"s1": 2}}, id="answer_2"),
        pytest.param("voxit.vote", {"answers": {"s1": True}}, id="answer_true"),
        pytest.param("voxit.vote", {"answers": {"s1": "agree"}}, id="answer_as_word"),
        pytest.param("voxit.vote", {"answers": {}}, id="no_answers"),
        pytest.param("voxit.vote", {"participant": "p1"}, id="participant_not_a_token"),
        pytest.param("voxit.statement", {"text": ""}, id="empty_statement"),
        pytest.param("voxit.statement", {"text": " \n "}, id="blank_statement"),
        pytest.param("voxit.statement", {"text": "a" * (MAX_STATEMENT + 1)}, id="statement_281_chars"),
        pytest.param("voxit.statement", {"lang": "Finnish"}, id="statement_lang_not_a_code"),
        pytest.param("feedback.item", {"contact": ABSENT}, id="wants_reply_without_contact"),
        pytest.param("feedback.item", {"contact": None}, id="wants_reply_with_null_contact"),
        pytest.param("feedback.item", {"message": ""}, id="empty_message"),
        pytest.param("feedback.item", {"message": "   "}, id="blank_message"),
        pytest.param("feedback.item", {"email": "maija@example.fi"}, id="contact_in_the_clear"),
        pytest.param(
            "feedback.item",
            {"contact": {"alg": "rot13", "epk": "AA==", "nonce": "AA==", "ct": "AA=="}},
            id="contact_unknown_algorithm",
        ),
        pytest.param("kiosk.event", {"event": "kiosk.exploded"}, id="unknown_event_name"),
        pytest.param("kiosk.event", {"at": "2026-11-28 10:15:00"}, id="timestamp_with_space"),
        pytest.param("kiosk.event", {"at": "2026-11-28T10:15:00+02:00"}, id="timestamp_with_offset"),
        pytest.param("kiosk.event", {"at": "2026-11-28"}, id="timestamp_without_time"),
        pytest.param("kiosk.event", {"at": "2026-13-45T99:99:99Z"}, id="timestamp_impossible"),
        pytest.param("kiosk.event", {"at": "2026-02-29T10:00:00Z"}, id="timestamp_not_a_leap_year"),
        pytest.param("kiosk.event", {"at": "٢٠٢٦-١١-٢٨T10:15:00Z"}, id="timestamp_arabic_indic_digits"),
        pytest.param("kiosk.event", {"detail": {"note": [1]}}, id="event_detail_list"),
        pytest.param("kiosk.seal", {"seq": 0}, id="seal_seq_zero"),
        pytest.param("kiosk.seal", {"seq": True}, id="seal_seq_true"),
        pytest.param("kiosk.seal", {"seq": "1"}, id="seal_seq_as_string"),
        pytest.param("kiosk.seal", {"prev": "0" * 63}, id="seal_prev_not_a_hash"),
        pytest.param("kiosk.seal", {"records": []}, id="seal_without_records"),
        pytest.param("kiosk.seal", {"records": ["b" * 64, "a" * 64]}, id="seal_records_unsorted"),
        pytest.param("kiosk.seal", {"records": ["a" * 64, "a" * 64]}, id="seal_records_repeated"),
        pytest.param("kiosk.seal", {"reason": "bored"}, id="seal_unknown_reason"),
    ],
)
def test_an_invalid_body_is_refused_as_invalid_body(kind: str, changes: dict[str, Any], make_body: MakeBody) -> None:
    with pytest.raises(InvalidBody) as info:
        validate_body(kind, _apply(make_body(kind), changes))
    assert type(info.value) is InvalidBody
    assert info.value.reason == "invalid_body"
    assert info.value.message.startswith(f"{kind} body: ")


@pytest.mark.parametrize("body", [pytest.param([], id="list"), pytest.param("x", id="string")])
def test_a_body_that_is_not_an_object_is_refused(body: Any) -> None:
    with pytest.raises(InvalidBody):
        validate_body("voxit.vote", body)


def test_the_refusal_names_the_field(make_body: MakeBody) -> None:
    with pytest.raises(InvalidBody, match="projects"):
        validate_body("budget.ballot", make_body("budget.ballot", projects=["k3", "k1"]))


def test_citizen_kinds_are_the_four_citizen_actions() -> None:
    assert {"budget.ballot", "voxit.vote", "voxit.statement", "feedback.item"} == CITIZEN_KINDS
    assert set(BODY_MODELS) - CITIZEN_KINDS == {"kiosk.event", "kiosk.seal"}


@pytest.mark.parametrize("kind", sorted(CITIZEN_KINDS), ids=str)
def test_citizen_bodies_carry_the_process_and_no_time(kind: str) -> None:
    fields = BODY_MODELS[kind].model_fields
    assert "process" in fields
    assert not {"at", "time", "timestamp"} & set(fields)


@pytest.mark.parametrize("event", sorted(EVENTS), ids=str)
def test_every_catalogued_event_is_accepted_and_explained(event: str) -> None:
    assert re.fullmatch(r"[a-z]+(\.[a-z_]+)+", event)
    assert EVENTS[event] and "\n" not in EVENTS[event]
    KioskEvent.model_validate({"at": "2026-11-28T10:15:00Z", "event": event})
