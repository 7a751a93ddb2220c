"""The Voxit presenter without a window: order, undo, proposals, one vote per session,
the idle reset, and where the participant stands."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from kiosk.voxit_flow import AGREE, DISAGREE, PASS, VoxitFlow, group_letter, new_participant_token
from shared_models import validate_body
from shared_models.voxit import SCALE, draw_next, parse_voxit_settings, statement_priorities

TEXTS = {
    "a": {"fi": "Puistoja lisää.", "sv": "Fler parker.", "en": "More parks."},
    "b": {"fi": "Pyöräteitä lisää.", "sv": "Fler cykelvägar.", "en": "More cycle paths."},
    "c": {
        "fi": "Kirjastot auki sunnuntaisin.",
        "sv": "Bibliotek öppna på söndagar.",
        "en": "Libraries open on Sundays.",
    },
}


@dataclass
class Process:
    settings: dict[str, Any]
    id: str = "kallio-2026"
    title: dict[str, str] = field(default_factory=lambda: {"fi": "Kallio", "sv": "Berghäll", "en": "Kallio"})


@dataclass
class Recorder:
    """The terminal's ``capture``: keeps the bodies; can be told to fail."""

    captured: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail: bool = False

    def capture(self, kind: str, body: dict[str, Any]) -> object:
        if self.fail:
            raise OSError("disk full")
        self.captured.append((kind, body))
        return object()

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.captured]


def make_settings(**extra: Any) -> dict[str, Any]:
    statements = [{"id": sid, "text": text} for sid, text in TEXTS.items()]
    return {"allow_proposals": True, "statements": statements, **extra}


def make_flow(terminal: Recorder | None = None, *, seed: int = 7, **extra: Any) -> VoxitFlow:
    tokens = iter(f"{n:026d}".replace("0", "a").replace("1", "b")[:26] for n in range(100))
    return VoxitFlow(
        Process({"voxit": make_settings(**extra)}),
        terminal if terminal is not None else Recorder(),
        rng=random.Random(seed),
        new_token=lambda: next(tokens),
    )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def test_a_participant_token_is_26_base32_characters_and_new_every_time() -> None:
    tokens = {new_participant_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) == 26 and set(t) <= set("abcdefghijklmnopqrstuvwxyz234567") for t in tokens)


def test_statements_come_in_the_order_the_priority_draw_gives() -> None:
    priorities = {"a": 1 * SCALE, "b": 50 * SCALE, "c": 2 * SCALE}
    flow = make_flow(priorities=priorities, seed=3)
    flow.start()
    expected_rng = random.Random(3)
    expected: list[str] = []
    while (nxt := draw_next(priorities, set(expected), expected_rng)) is not None:
        expected.append(nxt)
    shown = []
    while flow.current is not None:
        shown.append(flow.current)
        flow.answer(PASS)
    assert shown == expected and sorted(shown) == ["a", "b", "c"]


def test_a_high_priority_statement_comes_first_most_of_the_time() -> None:
    firsts = []
    for seed in range(200):
        flow = make_flow(priorities={"a": 1, "b": 98, "c": 1}, seed=seed)
        flow.start()
        firsts.append(flow.current)
    assert firsts.count("b") > 170


def test_undo_takes_the_last_answer_away_and_shows_it_again() -> None:
    flow = make_flow()
    flow.start()
    first = flow.current
    assert first is not None and not flow.can_undo
    flow.answer(AGREE)
    second = flow.current
    flow.answer(DISAGREE)
    third = flow.current
    assert flow.undo()
    assert flow.current == second and second not in flow.answers and flow.answers == {first: AGREE}
    flow.answer(PASS)
    assert flow.current == third  # the order did not change under the person's finger
    assert flow.answers == {first: AGREE, second: PASS}


def test_back_from_the_first_statement_goes_to_the_introduction_then_leaves() -> None:
    flow = make_flow()
    flow.start()
    assert flow.back() and flow.step == "intro"
    assert flow.back() is False


def test_answers_are_one_vote_record_at_finish(recorder: Recorder) -> None:
    flow = make_flow(recorder)
    flow.start()
    given = {}
    for value in (AGREE, DISAGREE):
        assert flow.current is not None
        given[flow.current] = value
        flow.answer(value)
    assert recorder.captured == []  # nothing is kept before the person finishes
    assert flow.finish() and flow.step == "result"
    ((kind, body),) = recorder.captured
    assert kind == "voxit.vote"
    assert body == {"process": "kallio-2026", "participant": flow.participant, "answers": given}
    validate_body("voxit.vote", body)
    flow.walked_away()  # the idle reset on the result screen adds nothing
    assert len(recorder.captured) == 1


def test_all_answered_then_finish(recorder: Recorder) -> None:
    flow = make_flow(recorder)
    flow.start()
    for _ in range(3):
        flow.answer(AGREE)
    assert flow.current is None and flow.answered == 3 and flow.number == 3
    flow.answer(DISAGREE)  # nothing on screen: ignored
    assert flow.finish()
    assert recorder.captured[0][1]["answers"] == {"a": 1, "b": 1, "c": 1}


def test_finishing_without_answers_keeps_no_vote(recorder: Recorder) -> None:
    flow = make_flow(recorder)
    flow.start()
    assert flow.finish() and flow.step == "result" and not flow.vote_captured
    assert recorder.captured == []


def test_a_failed_capture_is_said_and_every_answer_kept(recorder: Recorder) -> None:
    flow = make_flow(recorder)
    flow.start()
    flow.answer(AGREE)
    recorder.fail = True
    assert flow.finish() is False
    assert flow.step == "statement" and flow.error is not None and flow.error.key == "voxit.save_failed"
    assert flow.answered == 1
    recorder.fail = False
    assert flow.finish() and recorder.kinds() == ["voxit.vote"]


def test_idle_reset_keeps_the_answers_given_then_forgets_everything(recorder: Recorder) -> None:
    flow = make_flow(recorder)
    flow.start()
    flow.answer(AGREE)
    flow.begin_proposal()
    flow.set_draft("Lisää penkkejä")
    before = flow.participant
    assert flow.walked_away()
    ((kind, body),) = recorder.captured  # the unsent draft is not published
    assert kind == "voxit.vote" and body["participant"] == before and len(body["answers"]) == 1
    assert flow.step == "intro" and flow.answers == {} and flow.draft == "" and flow.order == []
    assert flow.participant != before


def test_idle_reset_forgets_even_when_the_capture_fails(recorder: Recorder) -> None:
    flow = make_flow(recorder)
    flow.start()
    flow.answer(AGREE)
    recorder.fail = True
    assert flow.walked_away() is False
    assert flow.answers == {} and flow.step == "intro"


def test_a_proposal_is_reviewed_then_captured_with_the_same_participant(recorder: Recorder) -> None:
    flow = make_flow(recorder)
    flow.start()
    flow.answer(AGREE)
    flow.begin_proposal()
    assert flow.step == "propose"
    assert flow.review_proposal() is False and flow.error is not None and flow.error.key == "voxit.propose.empty"
    flow.set_draft("Töölönlahdelle lisää valoa ")
    assert flow.review_proposal() and flow.step == "proposal_review"
    flow.edit_proposal()
    assert flow.step == "propose" and flow.draft.startswith("Töölön")
    flow.review_proposal()
    assert flow.send_proposal("fi") and flow.step == "proposal_sent"
    ((kind, body),) = recorder.captured
    assert kind == "voxit.statement"
    assert body == {
        "process": "kallio-2026",
        "participant": flow.participant,
        "text": "Töölönlahdelle lisää valoa",
        "lang": "fi",
    }
    validate_body("voxit.statement", body)
    flow.continue_answering()
    assert flow.step == "statement" and flow.draft == ""
    flow.finish()
    assert recorder.captured[1][1]["participant"] == body["participant"]


def test_proposals_are_not_offered_when_the_conversation_does_not_allow_them() -> None:
    flow = make_flow(allow_proposals=False)
    flow.start()
    flow.begin_proposal()
    assert flow.step == "statement"


def test_a_statement_without_the_chosen_language_shows_its_own() -> None:
    settings = make_settings()
    settings["statements"].append({"id": "p1", "text": {"sv": "Mer skugga."}, "origin": "participant"})
    flow = VoxitFlow(Process({"voxit": settings}), Recorder(), rng=random.Random(1))
    flow.order, flow.step = ["p1"], "statement"
    shown = flow.shown("fi")
    assert shown is not None and shown.text == "Mer skugga." and shown.lang == "sv" and shown.original
    in_swedish = flow.shown("sv")
    assert in_swedish is not None and not in_swedish.original


def test_a_closed_conversation_does_not_start() -> None:
    flow = make_flow(closes="2026-01-01T00:00:00Z")
    flow._now = lambda: datetime(2026, 11, 29, tzinfo=UTC)
    assert not flow.is_open
    flow.start()
    assert flow.step == "intro" and flow.error is not None and flow.error.key == "voxit.closed"


OPINION_MAP = {
    "run": 1,
    "columns": 3,
    "statements": ["a", "b", "c"],
    "center": [0, 0, 0],
    "components": [[SCALE, 0, 0], [0, SCALE, 0]],
    "groups": [{"id": 0, "x": -SCALE, "y": 0, "size": 120}, {"id": 1, "x": SCALE, "y": 0, "size": 80}],
}


def test_where_you_stand_names_the_nearest_group() -> None:
    flow = make_flow(opinion_map=OPINION_MAP)
    flow.start()
    while flow.current is not None:
        flow.answer(AGREE if flow.current == "a" else PASS)
    standing = flow.standing()
    assert standing.state == "placed" and standing.group is not None
    assert standing.group.id == 1 and standing.letter == "B" and standing.group.size == 80
    assert standing.x > 0


def test_too_few_answers_are_not_placed() -> None:
    flow = make_flow(opinion_map=OPINION_MAP)
    flow.start()
    flow.answer(AGREE)
    standing = flow.standing()
    assert standing.state == "too_few" and standing.counted == 1 and standing.needed == 3


def test_no_analysis_yet_says_so() -> None:
    flow = make_flow()
    flow.start()
    flow.answer(AGREE)
    assert flow.standing().state == "no_map"


def test_groups_are_lettered_in_id_order() -> None:
    groups = parse_voxit_settings(
        {
            "opinion_map": {
                **OPINION_MAP,
                "groups": [{"id": 4, "x": 0, "y": 0, "size": 1}, {"id": 2, "x": 0, "y": 0, "size": 1}],
            }
        }
    ).opinion_map
    assert groups is not None
    assert [group_letter(groups.groups, g) for g in (2, 4)] == ["A", "B"]


def test_a_statement_with_no_priority_weighs_as_a_new_one() -> None:
    flow = make_flow(priorities={"a": 7})
    assert flow.priorities == statement_priorities(flow.settings) and flow.priorities["b"] > 7
