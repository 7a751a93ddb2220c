"""The budget vote's presenter without a window: codes, rules as the voter goes,
the ballot body, class sessions and the assisted mark."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from kiosk.budget_flow import CODE_ALPHABET, CODE_LENGTH, BudgetFlow, format_code, format_euros, local_receipt_code
from shared_models import new_record_id
from shared_models.ballot_rules import validate_ballot
from shared_models.bodies import validate_body
from shared_models.budget import parse_budget_settings, voter_tag
from shared_models.manifest import ManifestProcess
from sync_server.services.demo import demo_process


def valid_code(body: str) -> str:
    """A code with its check character when ``shared_models.voting_codes`` is there."""
    try:
        from shared_models.voting_codes import check_character
    except ImportError:
        return body + "A"
    return body + check_character(body)


def typo(code: str) -> str:
    """The code with its first character swapped for another."""
    return CODE_ALPHABET[(CODE_ALPHABET.index(code[0]) + 1) % len(CODE_ALPHABET)] + code[1:]


CODE = valid_code("ABCDEFGH2")
OTHER = valid_code("KLMNPQRS4")


@dataclass
class Captured:
    id: str


@dataclass
class BallotBox:
    """The two terminal methods the flow uses, in memory."""

    seen: set[str] = field(default_factory=set)
    ballots: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False

    def capture_once(self, kind: str, body: dict[str, Any], *, once: str) -> Captured:
        if self.fail:
            raise OSError("disk full")
        assert kind == "budget.ballot"
        self.ballots.append(body)
        self.seen.add(once)
        return Captured(new_record_id())

    def seen_once(self, once: str) -> bool:
        return once in self.seen


@pytest.fixture
def box() -> BallotBox:
    return BallotBox()


@pytest.fixture
def demo() -> ManifestProcess:
    return demo_process()


def make_flow(process: ManifestProcess, box: BallotBox) -> BudgetFlow:
    return BudgetFlow(process, box)


def type_code(flow: BudgetFlow, code: str = CODE) -> bool:
    for char in code:
        flow.press_key(char)
    return flow.submit_code()


def vote(flow: BudgetFlow, projects: tuple[str, ...] = ("kallio-benches",), code: str = CODE) -> bool:
    assert type_code(flow, code)
    flow.choose_district("keskinen")
    for project in projects:
        assert flow.toggle(project)
    assert flow.to_review()
    return flow.confirm()


def test_euros_are_written_the_finnish_way() -> None:
    assert format_euros(120_000_00) == "120\u00a0000\u00a0€"
    assert format_euros(1_250_50) == "1\u00a0250,50\u00a0€"


def test_code_is_shown_in_groups_and_the_receipt_follows_the_record_id() -> None:
    assert format_code("ABCDEFGHJK") == "ABCD-EFGH-JK"
    assert local_receipt_code("abcdefghij234567") == "ABCD-EFGH-IJ"


def test_a_full_ballot_body_passes_the_shared_validation(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(demo, box)
    assert flow.step_text == "1 / 5"
    assert vote(flow, ("kallio-benches", "toolo-bay-lights"))
    (body,) = box.ballots
    validate_body("budget.ballot", body)
    settings = parse_budget_settings(demo.settings["budget"])
    assert validate_ballot(settings, body, now=datetime.now(UTC)) is None
    assert body == {
        "process": "demo",
        "district": "keskinen",
        "voter": voter_tag(demo.settings["budget"]["voter_salt"], CODE),
        "projects": ["kallio-benches", "toolo-bay-lights"],
    }
    assert flow.step == "thanks" and flow.step_text == "5 / 5" and len(flow.receipt) == 12


def test_over_budget_choice_is_refused_with_a_note_by_its_card(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(demo, box)
    type_code(flow)
    flow.choose_district("keskinen")  # 600 000 €
    assert flow.toggle("sornainen-skatepark") and flow.toggle("toolo-bay-lights")  # 550 000 €
    assert not flow.toggle("kallio-benches")  # 120 000 € > 50 000 € left
    assert flow.notes["kallio-benches"].key == "budget.rule.over_budget"
    assert flow.money_left == 50_000_00
    assert flow.toggle("toolo-bay-lights")  # unselecting always works and clears the note
    assert flow.notes == {} and flow.toggle("kallio-benches")


def test_too_many_projects_is_refused_when_the_process_caps_them(box: BallotBox, demo: ManifestProcess) -> None:
    settings = dict(demo.settings)
    settings["budget"] = {**settings["budget"], "ballot": {"type": "approval", "max_projects": 1}}
    flow = make_flow(demo.model_copy(update={"settings": settings}), box)
    type_code(flow)
    flow.choose_district("keskinen")
    assert flow.toggle("kallio-benches")
    assert not flow.toggle("toolo-bay-lights")
    assert flow.notes["toolo-bay-lights"].key == "budget.rule.too_many"


def test_at_most_rule_ignores_cost(box: BallotBox, demo: ManifestProcess) -> None:
    settings = dict(demo.settings)
    settings["budget"] = {**settings["budget"], "ballot": {"type": "at_most", "max_projects": 3}}
    flow = make_flow(demo.model_copy(update={"settings": settings}), box)
    type_code(flow)
    flow.choose_district("keskinen")
    assert all(flow.toggle(p.id) for p in flow.projects())


def test_review_asks_for_the_minimum_share(box: BallotBox, demo: ManifestProcess) -> None:
    settings = dict(demo.settings)
    settings["budget"] = {**settings["budget"], "ballot": {"type": "approval", "min_share_percent": 50}}
    flow = make_flow(demo.model_copy(update={"settings": settings}), box)
    type_code(flow)
    flow.choose_district("keskinen")
    flow.toggle("kallio-benches")
    assert not flow.to_review() and flow.error is not None and flow.error.key == "budget.rule.min_spend"
    flow.toggle("sornainen-skatepark")
    assert flow.to_review()


def test_a_typing_mistake_is_caught_as_the_code_completes(demo: ManifestProcess, box: BallotBox) -> None:
    pytest.importorskip("shared_models.voting_codes")
    flow = make_flow(demo, box)
    for char in typo(CODE):
        flow.press_key(char)
    assert flow.code_message is not None and flow.code_message.key == "budget.code.typo"
    assert not flow.submit_code()


def test_review_needs_a_choice(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(demo, box)
    type_code(flow)
    flow.choose_district("keskinen")
    assert not flow.to_review() and flow.error is not None and flow.error.key == "budget.rule.none"


def test_a_used_code_is_refused_on_this_terminal(demo: ManifestProcess, box: BallotBox) -> None:
    assert vote(make_flow(demo, box))
    again = make_flow(demo, box)
    assert not type_code(again)
    assert again.code_message is not None and again.code_message.key == "budget.code.used"
    assert again.step == "code"


def test_a_code_not_in_the_process_is_refused(demo: ManifestProcess, box: BallotBox) -> None:
    settings = dict(demo.settings)
    salt = settings["budget"]["voter_salt"]
    settings["budget"] = {**settings["budget"], "code_tags": [voter_tag(salt, OTHER)]}
    flow = make_flow(demo.model_copy(update={"settings": settings}), box)
    assert not type_code(flow)
    assert flow.code_message is not None and flow.code_message.key == "budget.code.unknown"
    flow.code = ""
    assert type_code(flow, OTHER)


def test_a_short_code_says_how_long_a_code_is(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(demo, box)
    flow.press_key("A")
    assert not flow.submit_code()
    assert flow.code_message is not None and flow.code_message.fields == {"count": CODE_LENGTH}
    assert flow.shown_code == "A___-____-__"


def test_keys_outside_the_alphabet_are_ignored(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(demo, box)
    for char in "O0I1a":
        flow.press_key(char)
    assert flow.code == "A"


def test_a_failed_capture_keeps_every_choice(demo: ManifestProcess) -> None:
    box = BallotBox(fail=True)
    flow = make_flow(demo, box)
    assert not vote(flow)
    assert flow.step == "review" and flow.chosen == ["kallio-benches"]
    assert flow.error is not None and flow.error.key == "budget.confirm.failed"


def test_idle_reset_clears_the_whole_flow(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(demo, box)
    flow.start_class_session(3)
    flow.mark_next_assisted()
    type_code(flow)
    flow.choose_district("keskinen")
    flow.toggle("kallio-benches")
    flow.idle_reset()
    assert (flow.step, flow.code, flow.voter, flow.district_id, flow.chosen) == ("code", "", None, None, [])
    assert flow.class_session is None and not flow.assisted_next


def test_class_session_shows_a_privacy_step_between_students(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(demo, box)
    flow.start_class_session(2)
    assert vote(flow)
    assert flow.finish() == "privacy"
    assert flow.step == "privacy" and flow.step_text == ""
    assert (flow.voter, flow.district_id, flow.chosen, flow.receipt) == (None, None, [], "")
    assert not flow.back()
    flow.next_student()
    assert flow.step == "code"
    assert vote(flow, code=OTHER)
    assert flow.finish() == "welcome" and flow.class_session is None
    assert len(box.ballots) == 2


def test_assisted_is_set_on_the_next_ballot_only(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(demo, box)
    flow.start_class_session(2)
    flow.mark_next_assisted()
    assert vote(flow)
    flow.finish()
    flow.next_student()
    assert vote(flow, code=OTHER)
    assert [b.get("assisted", False) for b in box.ballots] == [True, False]
    validate_body("budget.ballot", box.ballots[0])


def test_back_walks_the_steps_and_stops_at_the_code(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(demo, box)
    type_code(flow)
    flow.choose_district("keskinen")
    assert flow.back() and flow.step == "district"
    assert flow.back() and flow.step == "code"
    assert not flow.back()


def test_the_real_terminal_remembers_a_used_code(enrolled_kiosk: Any, demo: ManifestProcess) -> None:
    flow = BudgetFlow(demo, enrolled_kiosk)
    assert vote(flow)
    assert not type_code(BudgetFlow(demo, enrolled_kiosk))
