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


# -- ballot kinds: cumulative points, at most N, one district plus the citywide pot ----------

CITYWIDE: dict[str, Any] = {
    "id": "koko-kaupunki",
    "name": {"fi": "Koko kaupunki", "sv": "Hela staden", "en": "Whole city"},
    "budget": 1_000_000_00,
    "projects": [
        {
            "id": "city-library-bus",
            "cost": 400_000_00,
            "title": {"fi": "Kirjastobussi", "sv": "Biblioteksbuss", "en": "Library bus"},
            "summary": {
                "fi": "Uusi kirjastobussi kiertää lähiöitä.",
                "sv": "En ny biblioteksbuss.",
                "en": "A new bus.",
            },
        },
        {
            "id": "city-swim-school",
            "cost": 300_000_00,
            "title": {"fi": "Uimakoulu kaikille", "sv": "Simskola för alla", "en": "Swimming school for all"},
        },
        {
            "id": "city-tree-planting",
            "cost": 500_000_00,
            "title": {"fi": "Tuhat uutta puuta", "sv": "Tusen nya träd", "en": "A thousand new trees"},
        },
    ],
}


def with_budget(process: ManifestProcess, **changes: Any) -> ManifestProcess:
    """The process with its budget settings changed (and still valid ``shared_models.budget``)."""
    budget = {**process.settings["budget"], **changes}
    parse_budget_settings(budget)
    return process.model_copy(update={"settings": {**process.settings, "budget": budget}})


def cumulative(process: ManifestProcess, points: int = 5, **rule: Any) -> ManifestProcess:
    return with_budget(process, ballot={"type": "cumulative", "points": points, **rule})


def plus_citywide(process: ManifestProcess, **changes: Any) -> ManifestProcess:
    return with_budget(process, citywide=CITYWIDE, voter_districts="one_plus_citywide", **changes)


def counted(process: ManifestProcess, bodies: list[dict[str, Any]]) -> list[Any]:
    """The server's projection of these ballot bodies (one terminal, today)."""
    from sync_server.services.ballots import BallotRecord, project_ballots

    records = [
        BallotRecord(new_record_id(), f"{i:064x}", "t-one", datetime.now(UTC).date().isoformat(), body)
        for i, body in enumerate(bodies)
    ]
    processes = {process.id: {"id": process.id, "activities": ["budget"], "status": "open", **process.model_dump()}}
    return project_ballots(records, processes)


def test_cumulative_points_are_spread_with_plus_and_minus(demo: ManifestProcess, box: BallotBox) -> None:
    process = cumulative(demo, points=5)
    flow = make_flow(process, box)
    type_code(flow)
    flow.choose_district("keskinen")
    assert (flow.points_total, flow.points_left) == (5, 5)
    assert flow.add_point("kallio-benches") and flow.add_point("kallio-benches") and flow.add_point("kallio-benches")
    assert flow.add_point("sornainen-skatepark") and flow.add_point("toolo-bay-lights")  # cost never counts
    assert flow.points_left == 0 and flow.chosen == ["kallio-benches", "sornainen-skatepark", "toolo-bay-lights"]
    assert not flow.add_point("kallio-benches")  # the sixth point: refused with a note by its card
    assert flow.notes["kallio-benches"] == problem_note("budget.rule.points_total", count=5)
    assert flow.remove_point("toolo-bay-lights")  # its last point: it leaves the ballot
    assert "toolo-bay-lights" not in flow.chosen and flow.points_left == 1 and flow.notes == {}
    assert not flow.remove_point("toolo-bay-lights")
    assert flow.to_review()
    assert flow.confirm()
    (body,) = box.ballots
    assert body["points"] == {"kallio-benches": 3, "sornainen-skatepark": 1}
    assert body["projects"] == ["kallio-benches", "sornainen-skatepark"]
    settings = parse_budget_settings(process.settings["budget"])
    assert validate_ballot(settings, body, now=datetime.now(UTC)) is None
    (ballot,) = counted(process, box.ballots)
    assert (ballot.status, ballot.points) == ("counted", {"kallio-benches": 3, "sornainen-skatepark": 1})


def test_cumulative_keeps_the_projects_cap(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(cumulative(demo, points=6, max_projects=1), box)
    type_code(flow)
    flow.choose_district("keskinen")
    assert flow.add_point("kallio-benches") and flow.add_point("kallio-benches")
    assert not flow.add_point("toolo-bay-lights")
    assert flow.notes["toolo-bay-lights"] == problem_note("budget.rule.too_many", count=1)


def test_cumulative_review_needs_points(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(cumulative(demo), box)
    type_code(flow)
    flow.choose_district("keskinen")
    assert not flow.to_review() and flow.error is not None and flow.error.key == "budget.rule.none"
    flow.toggle("kallio-benches")  # a toggle gives one point, and takes them all back
    assert flow.points == {"kallio-benches": 1}
    flow.add_point("kallio-benches")
    flow.toggle("kallio-benches")
    assert flow.points == {} and flow.chosen == []


def test_at_most_n_projects_end_to_end(demo: ManifestProcess, box: BallotBox) -> None:
    process = with_budget(demo, ballot={"type": "at_most", "max_projects": 2})
    flow = make_flow(process, box)
    type_code(flow)
    flow.choose_district("keskinen")
    assert flow.toggle("sornainen-skatepark") and flow.toggle("toolo-bay-lights")  # 550 000 € of 600 000 €
    assert not flow.toggle("kallio-benches")
    assert flow.notes["kallio-benches"] == problem_note("budget.rule.too_many", count=2)
    assert flow.to_review() and flow.confirm()
    assert "points" not in box.ballots[0]
    (ballot,) = counted(process, box.ballots)
    assert ballot.status == "counted"


def test_one_plus_citywide_captures_one_ballot_per_slot(demo: ManifestProcess, box: BallotBox) -> None:
    process = plus_citywide(demo)
    flow = make_flow(process, box)
    assert flow.step_text == "1 / 6"
    assert [d["id"] for d in flow.districts] == ["keskinen", "itainen", "pohjoinen", "lantinen"]
    type_code(flow)
    flow.choose_district("keskinen")
    assert flow.toggle("kallio-benches")
    assert flow.to_review() and flow.step == "citywide" and flow.step_text == "4 / 6"
    assert flow.current_id == "koko-kaupunki" and flow.chosen == [] and flow.budget == 1_000_000_00
    assert flow.toggle("city-library-bus") and flow.toggle("city-tree-planting")
    assert not flow.toggle("city-swim-school")  # 300 000 € with 100 000 € of the pot left
    assert flow.notes["city-swim-school"].key == "budget.rule.over_budget"
    assert flow.to_review() and flow.step == "review"
    parts = flow.parts()
    assert [(p.district["id"], [x.id for x in p.projects], p.spent) for p in parts] == [
        ("keskinen", ["kallio-benches"], 120_000_00),
        ("koko-kaupunki", ["city-library-bus", "city-tree-planting"], 900_000_00),
    ]
    assert flow.back() and flow.step == "citywide" and flow.chosen == ["city-library-bus", "city-tree-planting"]
    assert flow.to_review()
    flow.mark_next_assisted()
    assert flow.confirm()
    salt = process.settings["budget"]["voter_salt"]
    tag = voter_tag(salt, CODE)
    assert box.ballots == [
        {"process": "demo", "district": "keskinen", "voter": tag, "projects": ["kallio-benches"], "assisted": True},
        {
            "process": "demo",
            "district": "koko-kaupunki",
            "voter": tag,
            "projects": ["city-library-bus", "city-tree-planting"],
            "assisted": True,
        },
    ]
    assert box.seen == {f"budget:demo:{tag}", f"budget:demo:{tag}:citywide"}
    assert [district for district, _ in flow.receipts] == ["keskinen", "koko-kaupunki"]
    ballots = counted(process, box.ballots)
    assert sorted((b.scope, b.status) for b in ballots) == [("citywide", "counted"), ("district", "counted")]


def test_the_citywide_part_may_stay_empty(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(plus_citywide(demo), box)
    type_code(flow)
    flow.choose_district("itainen")
    flow.toggle("kontula-gym")
    assert flow.to_review() and flow.to_review() and flow.step == "review"
    assert [p.district["id"] for p in flow.parts()] == ["itainen"]
    assert flow.confirm() and [b["district"] for b in box.ballots] == ["itainen"]


def test_with_one_district_the_citywide_pot_is_one_more_choice(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(with_budget(demo, citywide=CITYWIDE), box)
    assert flow.step_text == "1 / 5" and flow.districts[-1]["id"] == "koko-kaupunki"
    type_code(flow)
    flow.choose_district("koko-kaupunki")
    assert flow.toggle("city-swim-school") and flow.to_review() and flow.step == "review"


def test_a_closed_or_unreadable_process_is_said_at_the_code(demo: ManifestProcess, box: BallotBox) -> None:
    closed = with_budget(demo, opens="2026-01-01T00:00:00Z", closes="2026-02-01T00:00:00Z")
    flow = BudgetFlow(closed, box, now=lambda: datetime(2026, 3, 1, tzinfo=UTC))
    assert not type_code(flow) and flow.code_message == problem_note("budget.code.closed")
    early = BudgetFlow(closed, box, now=lambda: datetime(2025, 12, 1, tzinfo=UTC))
    assert not type_code(early) and early.code_message == problem_note("budget.code.not_open")
    inside = BudgetFlow(closed, box, now=lambda: datetime(2026, 1, 15, tzinfo=UTC))
    assert type_code(inside)
    broken = demo.model_copy(update={"settings": {"budget": {**demo.settings["budget"], "ballot": {"max_points": 3}}}})
    unreadable = make_flow(broken, box)
    assert not type_code(unreadable) and unreadable.code_message == problem_note("budget.unavailable")


def test_the_vote_closing_while_choosing_is_refused_at_confirm(demo: ManifestProcess, box: BallotBox) -> None:
    moment = [datetime(2026, 1, 15, tzinfo=UTC)]
    process = with_budget(demo, opens="2026-01-01T00:00:00Z", closes="2026-02-01T00:00:00Z")
    flow = BudgetFlow(process, box, now=lambda: moment[0])
    assert type_code(flow)
    flow.choose_district("keskinen")
    assert flow.toggle("kallio-benches") and flow.to_review()
    moment[0] = datetime(2026, 2, 2, tzinfo=UTC)
    assert not flow.confirm()
    assert flow.error == problem_note("budget.code.closed") and box.ballots == [] and flow.step == "review"


def test_every_problem_code_has_words_in_every_catalog() -> None:
    from kiosk.budget_flow import PROBLEM_KEYS
    from kiosk.i18n import load_catalogs
    from shared_models.ballot_rules import PROBLEM_CODES

    assert set(PROBLEM_KEYS) == set(PROBLEM_CODES)
    catalogs = load_catalogs()
    for lang in ("fi", "sv", "en"):
        for key in {*PROBLEM_KEYS.values(), "budget.unavailable", "budget.rule.none"}:
            text = catalogs.text(lang, key, count=3, money="1 €", cost="2 €", left="1 €")
            assert text and text != key, (lang, key)


def test_problem_messages_carry_the_numbers(demo: ManifestProcess) -> None:
    from kiosk.budget_flow import problem_message
    from shared_models.ballot_rules import Problem

    assert problem_message(Problem("below_min_share", value=1, limit=300_000_00)).fields == {
        "money": "300\u00a0000\u00a0€"
    }
    assert problem_message(Problem("points_total", value=6, limit=5)).fields == {"count": 5}
    assert problem_message(Problem("over_budget"), cost=120_000_00, left=50_000_00).fields == {
        "cost": "120\u00a0000\u00a0€",
        "left": "50\u00a0000\u00a0€",
    }


def problem_note(key: str, **fields: object) -> Any:
    from kiosk.librarian_panel import Message

    return Message(key, fields, tone="error")


def test_student_count_is_typed_from_one_to_ninety_nine() -> None:
    from kiosk.librarian_panel import StudentCount, class_session_message

    count = StudentCount()
    assert (count.shown, count.count) == ("_", None)
    for digit in "0245":  # a leading zero is dropped; a third digit would pass 99
        count.press(digit)
    assert (count.shown, count.count) == ("24", 24)
    count.erase()
    assert count.count == 2
    count.press("x")
    assert count.count == 2
    assert class_session_message(None).key == "panel.class_none"
    assert class_session_message(24).fields == {"count": 24}


def test_a_student_giving_up_passes_the_terminal_on(demo: ManifestProcess, box: BallotBox) -> None:
    flow = make_flow(demo, box)
    flow.start_class_session(2)
    flow.press_key("A")
    flow.pass_on()
    assert (flow.step, flow.code, flow.class_session.left if flow.class_session else None) == ("privacy", "", 2)
    flow.next_student()
    assert vote(flow) and flow.finish() == "privacy"
