"""The Voxit conversation by touch on the real terminal: answers, undo, a proposal typed
on the on-screen keyboard with ä, å and ö, finishing with one signed vote record, the
idle reset mid-conversation, where the participant stands, text fit, target sizes, the
introduction and the result without scrolling in large text, and pictures of every step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kiosk_factories import install_manifest, make_manifest

from shared_models import validate_body
from shared_models.records import verify_record
from shared_models.voxit import SCALE
from sync_server.services.demo import demo_process

from .driving import buttons, press, settle, texts, walk
from .screenshots import save

pytestmark = pytest.mark.gui

MODES = {
    "fi": ("fi", False, False),
    "sv": ("sv", False, False),
    "large": ("fi", True, False),
    "contrast": ("fi", False, True),
}
IDS = [f"s{n}" for n in range(1, 9)]


def voxit_settings(*, with_map: bool = True) -> dict[str, Any]:
    settings = dict(demo_process().model_dump()["settings"]["voxit"])
    settings["topic"] = {
        "fi": "Kallion kirjaston tulevaisuus",
        "sv": "Berghälls biblioteks framtid",
        "en": "The future of Kallio library",
    }
    settings["intro"] = {
        "fi": "Kirjasto uudistuu vuonna 2027. Kerro, mitä mieltä olet näistä ajatuksista.",
        "sv": "Biblioteket förnyas år 2027. Säg vad du tycker om de här idéerna.",
        "en": "The library is renewed in 2027. Say what you think of these ideas.",
    }
    statements = list(settings["statements"])
    statements.append({"id": "p9", "text": {"sv": "Mer plats för barnvagnar."}, "origin": "participant"})
    settings["statements"] = statements
    if with_map:
        n = len(IDS)
        settings["opinion_map"] = {
            "run": 2,
            "columns": n,
            "statements": IDS,
            "center": [0] * n,
            "components": [[SCALE if i % 2 == 0 else -SCALE for i in range(n)], [SCALE // 2] * n],
            "groups": [
                {"id": 0, "x": -3 * SCALE, "y": 0, "size": 120},
                {"id": 1, "x": 3 * SCALE, "y": SCALE, "size": 45},
                {"id": 2, "x": 0, "y": -3 * SCALE, "size": 300},
            ],
        }
    return settings


def voxit_registry() -> Any:
    from kiosk.activity_registry import ActivityRegistry
    from kiosk.screens.voxit_conversation import make_voxit_screen

    registry = ActivityRegistry()
    registry.register("voxit", make_voxit_screen)
    return registry


def install(kiosk: Any, server: Any, settings: dict[str, Any]) -> Any:
    process = demo_process().model_dump()
    process["settings"] = {**process["settings"], "voxit": settings}
    install_manifest(kiosk.store, server, make_manifest(server.signing, server.sealing, [process], serial=2))
    return kiosk


@pytest.fixture
def voxit_kiosk(enrolled_kiosk: Any, server: Any) -> Any:
    """The enrolled terminal holding the demo process with a topic, a participant statement
    only in Swedish, and the last analysis (three groups)."""
    return install(enrolled_kiosk, server, voxit_settings())


def open_conversation(app: Any) -> Any:
    welcome = app.manager.get_screen("welcome")
    (activity,) = [b for b in welcome.ids.activities.children if b.offered.activity == "voxit"]
    press(activity)
    screen = app.manager.current_screen
    assert screen.name.startswith("activity:demo:voxit")
    return screen


def records(kiosk: Any, kind: str) -> list[Any]:
    return [r for r in kiosk.store.records() if r.kind == kind]


def type_on_keyboard(screen: Any, text: str) -> None:
    """Each character by touch on its key (Capital first for an upper-case letter the
    keyboard does not capitalise by itself)."""
    keyboard = screen.ids.keyboard
    for char in text:
        if char == " ":
            (key,) = [k for k in buttons(keyboard) if k.key.value == "space"]
        else:
            if char.isupper() and not keyboard.shift:
                (shift,) = [k for k in buttons(keyboard) if k.key.value == "shift"]
                press(shift)
            if char.islower() and keyboard.shift:
                (shift,) = [k for k in buttons(keyboard) if k.key.value == "shift"]
                press(shift)
            (key,) = [k for k in buttons(keyboard) if not k.key.special and k.text == char]
        press(key)


def test_a_conversation_by_touch_with_a_proposal_typed_on_the_keyboard(
    make_app: Any, voxit_kiosk: Any, server: Any
) -> None:
    app = make_app(voxit_kiosk, registry=voxit_registry())
    screen = open_conversation(app)
    shown = texts(screen)
    assert "Kallion kirjaston tulevaisuus" in shown and "Kirjasto uudistuu" in shown
    press(screen.ids.start)
    assert "Väite 1 / 9" in texts(screen)
    first = screen.flow.current
    press(screen.ids.agree)
    second = screen.flow.current
    press(screen.ids.disagree)
    assert "Väite 3 / 9" in texts(screen)
    press(screen.ids.back)  # undo the last answer: the second statement again
    assert screen.flow.current == second and "Väite 2 / 9" in texts(screen)
    press(screen.ids.skip)
    third = screen.flow.current
    press(screen.ids.agree)

    press(screen.ids.propose)
    assert app.tr("voxit.propose.hint") in texts(screen)
    type_on_keyboard(screen, "Äänikirjoja ja öisin auki, å!")
    typed = "Äänikirjoja ja öisin auki, å!"
    assert screen.ids.keyboard.text == typed and typed in texts(screen)
    assert f"{len(typed)} / 280 merkkiä" in texts(screen)
    press(screen.ids.review)
    shown = texts(screen)
    assert typed in shown and app.tr("voxit.review.moderated") in shown
    press(screen.ids.send)
    assert app.tr("voxit.sent.title") in texts(screen)
    (proposal,) = records(voxit_kiosk, "voxit.statement")
    press(screen.ids.keep_answering)
    assert screen.flow.step == "statement"
    press(screen.ids.finish)

    (vote,) = records(voxit_kiosk, "voxit.vote")
    for record in (vote, proposal):
        validate_body(record.kind, record.body)
        verify_record(record, voxit_kiosk.key.public_key())
    participant = vote.body["participant"]
    assert vote.body == {"process": "demo", "participant": participant, "answers": {first: 1, second: 0, third: 1}}
    assert proposal.body == {"process": "demo", "participant": participant, "text": typed, "lang": "fi"}
    shown = texts(screen)
    assert app.tr("voxit.result.saved") in shown and app.tr("voxit.result.proposals", count=1) in shown
    counted = len([sid for sid in (first, second, third) if sid in IDS])  # p9 is newer than the analysis
    assert app.tr("voxit.result.too_few", counted=counted, needed=7) in shown  # three answers: not placed yet
    press(screen.ids.done)
    assert app.manager.current == "welcome"

    again = open_conversation(app)  # the next person: a new participant, nothing of the last
    press(again.ids.start)
    assert again.flow.answers == {} and again.flow.participant != participant


def test_enough_answers_show_where_the_participant_stands(make_app: Any, voxit_kiosk: Any) -> None:
    app = make_app(voxit_kiosk, registry=voxit_registry())
    app.set_language("en")
    screen = open_conversation(app)
    press(screen.ids.start)
    while screen.flow.current is not None:
        press(screen.ids.agree if screen.flow.current in ("s1", "s3", "s5", "s7") else screen.ids.disagree)
    assert app.tr("voxit.all_answered") in texts(screen)
    press(screen.ids.finish)
    standing = screen.flow.standing()
    assert standing.state == "placed" and standing.group is not None
    shown = texts(screen)
    assert f"You are closest to group {standing.letter}, {standing.group.size} people." in shown
    assert "Group C: 300 people" in shown
    picture = screen.ids.picture
    assert picture.width > 300 and {w.text for w in picture.children} == {"A", "B", "C", "You"}


def test_a_statement_only_in_swedish_is_shown_in_swedish_and_said_so(make_app: Any, voxit_kiosk: Any) -> None:
    app = make_app(voxit_kiosk, registry=voxit_registry())
    screen = open_conversation(app)
    press(screen.ids.start)
    while screen.flow.current != "p9":
        press(screen.ids.skip)
    shown = texts(screen)
    assert "Mer plats för barnvagnar." in shown and "Tämä väite on vain ruotsiksi." in shown


def test_idle_reset_mid_conversation_keeps_the_answers_and_clears_the_screen(
    make_app: Any, voxit_kiosk: Any, clock: Any
) -> None:
    app = make_app(voxit_kiosk, registry=voxit_registry())
    screen = open_conversation(app)
    press(screen.ids.start)
    first = screen.flow.current
    press(screen.ids.agree)
    second = screen.flow.current
    press(screen.ids.disagree)
    press(screen.ids.propose)
    type_on_keyboard(screen, "Ei näin")
    participant = screen.flow.participant
    clock.advance(app.idle.idle_seconds + 1)
    settle()
    assert app.warning is not None  # the warning first, with time to answer
    clock.advance(app.idle.warning_seconds + 1)
    settle()
    assert app.manager.current == "welcome" and app.warning is None
    (vote,) = records(voxit_kiosk, "voxit.vote")
    assert vote.body == {"process": "demo", "participant": participant, "answers": {first: 1, second: -1}}
    assert records(voxit_kiosk, "voxit.statement") == []  # the unsent draft is dropped
    assert not [s for s in app.manager.screens if s.name.startswith("activity:")]
    assert screen.flow.answers == {} and screen.flow.draft == "" and screen.ids.keyboard.text == ""
    again = open_conversation(app)
    assert again.flow.step == "intro" and again.flow.participant != participant
    assert "Ei näin" not in texts(again)


def test_idle_reset_before_any_answer_leaves_no_record(make_app: Any, voxit_kiosk: Any, clock: Any) -> None:
    app = make_app(voxit_kiosk, registry=voxit_registry())
    screen = open_conversation(app)
    press(screen.ids.start)
    clock.advance(app.idle.idle_seconds + app.idle.warning_seconds + 5)
    settle()
    assert app.manager.current == "welcome" and records(voxit_kiosk, "voxit.vote") == []


def test_no_analysis_yet_is_said_in_words(make_app: Any, enrolled_kiosk: Any, server: Any) -> None:
    kiosk = install(enrolled_kiosk, server, voxit_settings(with_map=False))
    app = make_app(kiosk, registry=voxit_registry())
    screen = open_conversation(app)
    press(screen.ids.start)
    press(screen.ids.agree)
    press(screen.ids.finish)
    assert app.tr("voxit.result.no_map") in texts(screen)


def every_step(app: Any) -> Iterator[str]:
    """Each step by its button; the many answers and letters in between through the presenter
    and the keyboard's ``press`` (the touch tests above type by touch)."""
    screen = open_conversation(app)
    flow = screen.flow
    yield "intro"
    press(screen.ids.start)
    yield "statement"
    while flow.current != "p9":
        flow.answer(1 if flow.answered % 2 else -1)
    screen.render()
    settle()
    yield "statement-other-language"
    press(screen.ids.propose)
    yield "propose-empty"
    type_on_keyboard(screen, "Ääni å")
    for char in "kirjoja, ööaukioloja ja åäö lisää":
        screen.ids.keyboard.press("space" if char == " " else char)
    yield "propose-typing"
    press(screen.ids.review)
    yield "proposal-review"
    press(screen.ids.send)
    yield "proposal-sent"
    press(screen.ids.keep_answering)
    while flow.current is not None:
        flow.answer(1 if flow.answered % 2 else -1)
    screen.render()
    settle()
    yield "all-answered"
    press(screen.ids.finish)
    yield "result-placed"
    flow.reset()
    flow.start()
    flow.answer(1)
    flow.finish()
    screen.render()
    settle()
    yield "result-too-few"
    press(screen.ids.done)


@pytest.mark.parametrize("mode", list(MODES), ids=list(MODES))
def test_screenshots_of_every_step(make_app: Any, voxit_kiosk: Any, mode: str) -> None:
    app = make_app(voxit_kiosk, registry=voxit_registry())
    lang, app.large_text, app.high_contrast = MODES[mode]
    app.set_language(lang)
    settle()
    for step in every_step(app):
        assert save(app, f"voxit-{step}-{mode}").exists()


@pytest.mark.parametrize("size", ["normal", "large"])
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_voxit_text_fits_its_widget(make_app: Any, voxit_kiosk: Any, window: Any, lang: str, size: str) -> None:
    """The text-fit check of ``test_text_fits`` (no word cut or split, nothing off screen) over every step."""
    from .test_text_fits import text_problems

    app = make_app(voxit_kiosk, registry=voxit_registry())
    app.lang, app.large_text = lang, size == "large"
    settle()
    problems: list[str] = []
    for step in every_step(app):
        settle(6)
        problems += [f"{step}: {problem}" for problem in text_problems(app.root, window)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_buttons_and_keys_are_at_least_20_mm_and_3_mm_apart(make_app: Any, voxit_kiosk: Any, large: bool) -> None:
    from kivy.metrics import Metrics

    from kiosk.theme import MIN_BUTTON_MM, MIN_GAP_MM, px_to_mm

    from .test_app_flow import _on_screen, _visible_rect

    app = make_app(voxit_kiosk, registry=voxit_registry())
    app.large_text = large
    settle()
    checked = 0
    for step in every_step(app):
        if step not in ("statement", "propose-typing", "proposal-review", "result-placed"):
            continue
        settle(6)
        shown = [b for b in buttons(app.manager.current_screen) if _on_screen(app, b)]
        assert shown, step
        for b in shown:
            assert px_to_mm(min(b.width, b.height), Metrics.dpi) >= MIN_BUTTON_MM, (step, b.text)
        rects = [(*_visible_rect(app, b), b.text) for b in shown]
        for i, (x1, y1, w1, h1, t1) in enumerate(rects):
            for x2, y2, w2, h2, t2 in rects[i + 1 :]:
                gap = max(x2 - (x1 + w1), x1 - (x2 + w2), y2 - (y1 + h1), y1 - (y2 + h2))
                assert px_to_mm(gap, Metrics.dpi) >= MIN_GAP_MM - 0.01, (step, t1, t2)
        checked += 1
    assert checked == 4


def test_the_answer_buttons_are_on_screen_whole_in_large_text(make_app: Any, voxit_kiosk: Any, window: Any) -> None:
    from .test_text_fits import _whole_on_screen

    app = make_app(voxit_kiosk, registry=voxit_registry())
    app.large_text = app.high_contrast = True
    app.set_language("sv")
    screen = open_conversation(app)
    press(screen.ids.start)
    for name in ("agree", "disagree", "skip", "propose", "finish", "back"):
        assert _whole_on_screen(screen.ids[name], window), name
    press(screen.ids.propose)
    settle(6)
    keys = [w for w in walk(screen.ids.keyboard) if hasattr(w, "key") and w.key is not None]
    assert len(keys) > 40 and all(_whole_on_screen(k, window) for k in keys)
    assert _whole_on_screen(screen.ids.review, window) and _whole_on_screen(screen.ids.typed, window)


def test_the_review_needs_no_scrolling_in_large_text(make_app: Any, voxit_kiosk: Any, window: Any) -> None:
    """The text to send, both notes and the buttons in sight at once; the "more below" hint,
    up while the keyboard filled the screen, goes once the content fits."""
    from .test_text_fits import _whole_on_screen

    app = make_app(voxit_kiosk, registry=voxit_registry())
    app.large_text = True
    screen = open_conversation(app)
    press(screen.ids.start)
    press(screen.ids.propose)
    for char in "Lisää penkkejä":
        screen.ids.keyboard.press("space" if char == " " else char)
    press(screen.ids.review)
    settle(6)
    assert not screen.ids.scroll.more_below
    card = screen.ids.content.children[0]
    assert "Lisää penkkejä" in texts(card) and _whole_on_screen(card, window)
    for name in ("edit", "send"):
        assert _whole_on_screen(screen.ids[name], window)


# an introduction of realistic length from staff: about 400 characters in each language
INTRO_400 = {
    "fi": (
        "Kallion kirjasto uudistuu vuonna 2027. Rakennukseen tulee lisää tilaa lapsille, nuorille ja hiljaiselle "
        "työskentelylle, ja aukioloaikoja mietitään uudelleen. Haluamme kuulla, mikä sinusta on tärkeää. Oikeita "
        "tai vääriä vastauksia ei ole. Vastaukset käydään läpi kesäkuussa, ja tulokset julkaistaan kaupungin "
        "verkkosivuilla syksyllä ennen kuin kulttuurilautakunta päättää asiasta. Kiitos paljon ajastasi!"
    ),
    "sv": (
        "Berghälls bibliotek förnyas år 2027. Byggnaden får mer plats för barn, unga och tyst arbete, och "
        "öppettiderna ses över. Vi vill höra vad som är viktigt för dig. Det finns inga rätta eller fel svar. "
        "Svaren gås igenom i juni, och resultaten publiceras på stadens webbplats under hösten innan "
        "kulturnämnden fattar beslut i frågan. Tack för att du tar dig tid att läsa och svara på våra påståenden nedan!"
    ),
    "en": (
        "Kallio library will be renewed in 2027. The building gets more room for children, young people and quiet "
        "work, and the opening hours will be looked at again. We want to hear what matters to you. There are no "
        "right or wrong answers. The answers are read in June, and the results are published on the city's website "
        "in the autumn before the culture board makes its decision. Thank you very much for your time!"
    ),
}
# the demo conversation as the server makes it (no topic, no introduction, no analysis yet); the
# conversation of the fixture (topic, a short introduction, three groups); the same with INTRO_400
CONVERSATIONS = ["demo", "topic", "intro-400"]


def conversation_settings(conversation: str) -> dict[str, Any]:
    if conversation == "demo":
        return dict(demo_process().model_dump()["settings"]["voxit"])
    settings = voxit_settings()
    if conversation == "intro-400":
        settings["intro"] = dict(INTRO_400)
    return settings


def answer_every_statement(screen: Any) -> None:
    """Through the presenter, no proposal: the result a participant who only answers sees."""
    press(screen.ids.start)
    answer_the_rest_and_finish(screen)


def answer_the_rest_and_finish(screen: Any) -> None:
    """Answer every statement left (agree and disagree in turn), then Finish by touch."""
    flow = screen.flow
    while flow.current is not None:
        flow.answer(1 if flow.answered % 2 else -1)
    screen.render()
    settle()
    press(screen.ids.finish)
    settle(6)


def scroll_problems(app: Any, screen: Any, window: Any, button: str) -> list[str]:
    """Anything that asks for scrolling or is cut: content taller than the scroll view, the
    "more below" hint up, a text not fitting its widget or a word split, the button not whole
    on screen, or a text smaller than the body size of the text size on."""
    from kiosk.widgets import BodyLabel

    from .test_text_fits import _whole_on_screen, text_problems

    settle(6)
    scroll = screen.ids.scroll
    problems = list(text_problems(app.root, window))
    if screen.ids.content.height > scroll.height + 1:
        problems.append(f"content {screen.ids.content.height:.0f} px in a {scroll.height:.0f} px scroll view")
    if scroll.more_below:
        problems.append("the 'more below' hint is up")
    if not _whole_on_screen(screen.ids[button], window):
        problems.append(f"{button} is not whole on screen")
    small = [w.text for w in walk(screen) if isinstance(w, BodyLabel) and w.font_size < app.font_body]
    problems += [f"{text!r} is smaller than the body text" for text in small]
    return problems


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=CONVERSATIONS)
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_large_text_intro_and_result_need_no_scrolling(
    make_app: Any, enrolled_kiosk: Any, server: Any, window: Any, lang: str, conversation: str
) -> None:
    kiosk = install(enrolled_kiosk, server, conversation_settings(conversation))
    app = make_app(kiosk, registry=voxit_registry())
    app.large_text = True
    app.set_language(lang)
    screen = open_conversation(app)
    problems = [f"intro: {p}" for p in scroll_problems(app, screen, window, "start")]
    shown = texts(screen)
    expected = [app.tr("voxit.intro.how"), app.tr("voxit.intro.anonymous")]
    if conversation == "intro-400":
        assert len(INTRO_400[lang]) >= 400
        expected.append(INTRO_400[lang])
    problems += [f"intro: {text!r} not shown" for text in expected if text not in shown]
    answer_every_statement(screen)
    assert screen.flow.step == "result"
    problems += [f"result: {p}" for p in scroll_problems(app, screen, window, "done")]
    shown = texts(screen)
    standing = screen.flow.standing()
    if conversation == "demo":
        assert standing.state == "no_map" and app.tr("voxit.result.no_map") in shown
    else:
        assert standing.state == "placed" and standing.group is not None
        closest = app.tr("voxit.result.closest", group=standing.letter, people=standing.group.size)
        assert closest in shown and app.tr("voxit.result.title") in shown
        from .test_text_fits import _whole_on_screen

        picture = screen.ids.picture  # beside the words, as large as they leave room for
        assert _whole_on_screen(picture, window) and picture.width >= screen.ids.body.height * 0.4
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_large_text_result_after_a_proposal_needs_no_scrolling(
    make_app: Any, enrolled_kiosk: Any, server: Any, window: Any, lang: str
) -> None:
    """With a proposal sent the result has one more paragraph; "press Done" gives way to it."""
    kiosk = install(enrolled_kiosk, server, conversation_settings("topic"))
    app = make_app(kiosk, registry=voxit_registry())
    app.large_text = True
    app.set_language(lang)
    screen = open_conversation(app)
    press(screen.ids.start)
    flow = screen.flow
    flow.begin_proposal()
    flow.set_draft("Lisää istumapaikkoja lasten osastolle")
    assert flow.review_proposal() and flow.send_proposal(lang)
    flow.continue_answering()
    answer_the_rest_and_finish(screen)
    assert screen.flow.standing().state == "placed"
    shown = texts(screen)
    assert app.tr("voxit.result.proposals", count=1) in shown and app.tr("voxit.result.saved") in shown
    assert app.tr("voxit.result.next") not in shown  # the one paragraph left out, Done says it
    problems = scroll_problems(app, screen, window, "done")
    assert not problems, "\n".join(problems)
    assert save(app, f"voxit-large-result-proposal-{lang}").exists()


def test_the_result_keeps_press_done_where_it_fits(make_app: Any, enrolled_kiosk: Any, server: Any) -> None:
    app = make_app(install(enrolled_kiosk, server, conversation_settings("topic")), registry=voxit_registry())
    screen = open_conversation(app)
    answer_every_statement(screen)
    assert app.tr("voxit.result.next") in texts(screen)


def test_a_very_long_introduction_scrolls_with_start_in_sight(
    make_app: Any, enrolled_kiosk: Any, server: Any, window: Any
) -> None:
    """The scroll view stays as the safety net: an introduction no layout holds scrolls, with
    the "more below" hint, while how it works and Start stay on screen beside it."""
    from .test_text_fits import _whole_on_screen

    settings = voxit_settings()
    settings["intro"] = {lang: " ".join([text] * 4) for lang, text in INTRO_400.items()}
    app = make_app(install(enrolled_kiosk, server, settings), registry=voxit_registry())
    app.large_text = True
    screen = open_conversation(app)
    settle(6)
    assert screen.ids.scroll.more_below and screen.ids.content.height > screen.ids.scroll.height
    assert _whole_on_screen(screen.ids.start, window)
    side = texts(screen.ids.side)
    assert app.tr("voxit.intro.how") in side and app.tr("voxit.intro.anonymous") in side


@pytest.mark.parametrize("palette", ["normal", "contrast"])
@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_screenshots_of_intro_and_result_in_large_text(
    make_app: Any, enrolled_kiosk: Any, server: Any, lang: str, palette: str
) -> None:
    settings = conversation_settings("intro-400")
    app = make_app(install(enrolled_kiosk, server, settings), registry=voxit_registry())
    app.large_text, app.high_contrast = True, palette == "contrast"
    app.set_language(lang)
    screen = open_conversation(app)
    assert save(app, f"voxit-large-intro-400-{lang}-{palette}").exists()
    answer_every_statement(screen)
    assert save(app, f"voxit-large-result-{lang}-{palette}").exists()
