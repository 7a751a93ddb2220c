"""A Voxit conversation: one screen that renders ``kiosk.voxit_flow.VoxitFlow``.

The frame (Back, the statement count "3 / 12", language) is in ``voxit_conversation.kv``;
the step's content is rebuilt from the presenter after every touch. Agree, Disagree and
Pass are a row of tall buttons under the statement, with "Propose a statement" and
"Finish" always below them. Proposing uses ``kiosk.keyboard.OnScreenKeyboard`` under
the typed text, with Review and Cancel beside it. The result shows the opinion groups
as circles (size by people) with the participant's dot (``OpinionPicture``) and the same
in plain words.
"""
# mypy: disallow-subclassing-any=False, disallow-untyped-calls=False

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.graphics import Color, Ellipse, Line, Rectangle
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from kiosk.keyboard import OnScreenKeyboard, TypedTextBox
from kiosk.voxit_flow import AGREE, DISAGREE, PASS, PROPOSAL_LIMIT, Standing, VoxitFlow
from kiosk.widgets import BodyLabel, CitizenButton

__all__ = ["OpinionPicture", "VoxitScreen", "make_voxit_screen"]


class StatementCard(BoxLayout):
    """The statement on screen, framed, in large type."""


class OpinionPicture(Widget):
    """Groups as circles (area by people), each with its letter, and the participant's dot."""

    standing = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, standing=self.redraw)
        App.get_running_app().bind(palette=self.redraw, font_body=self.redraw)

    def redraw(self, *_args: Any) -> None:
        app = App.get_running_app()
        self.canvas.clear()
        self.clear_widgets()
        standing: Standing | None = self.standing
        if standing is None or standing.state != "placed" or self.width < 10 or self.height < 10:
            return
        groups = standing.groups
        side = min(self.width, self.height)
        biggest = max((g.size for g in groups), default=1) or 1
        r_max, r_min = side * 0.2, side * 0.08
        radius = {g.id: max(r_min, r_max * math.sqrt(g.size / biggest)) for g in groups}
        xs = [g.x for g in groups] + [standing.x]
        ys = [g.y for g in groups] + [standing.y]
        span = max(max(xs) - min(xs), max(ys) - min(ys), 1)
        inner = side - 2 * r_max - 2 * app.outline
        mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

        def place(x: float, y: float) -> tuple[float, float]:
            return self.center_x + (x - mid_x) / span * inner, self.center_y + (y - mid_y) / span * inner

        with self.canvas:
            Color(rgba=app.col_border)
            Line(rectangle=(self.x, self.y, self.width, self.height), width=max(1.0, app.outline / 2))
            for group in groups:
                cx, cy = place(group.x, group.y)
                r = radius[group.id]
                mine = standing.group is not None and group.id == standing.group.id
                Color(rgba=app.col_selected_bg if mine else app.col_secondary_bg)
                Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
                Color(rgba=app.col_border)
                Line(circle=(cx, cy, r), width=max(1.5, app.outline / 2))
            px, py = place(standing.x, standing.y)
            dot = max(app.font_body * 0.6, 14)
            Color(rgba=app.col_bg)
            Ellipse(pos=(px - dot - app.outline, py - dot - app.outline), size=(2 * (dot + app.outline),) * 2)
            Color(rgba=app.col_error if not app.high_contrast else app.col_primary_bg)
            Ellipse(pos=(px - dot, py - dot), size=(2 * dot, 2 * dot))
        for group in groups:
            cx, cy = place(group.x, group.y)
            mine = standing.group is not None and group.id == standing.group.id
            letter = Label(
                text=standing_letter(standing, group.id),
                font_size=app.font_title,
                bold=True,
                color=app.col_selected_text if mine else app.col_secondary_text,
            )
            letter.texture_update()
            letter.size = letter.texture_size
            # the letter sits in the circle's upper part, clear of a dot in its centre
            letter.center = (cx, cy + radius[group.id] * 0.45)
            self.add_widget(letter)
        you = Label(text=app.tr("voxit.result.you"), font_size=app.font_body, bold=True, color=app.col_text)
        you.texture_update()
        you.size = (you.texture_size[0] + app.gap, you.texture_size[1])
        # beside the dot, on the side with room, on a patch of background so circles do not show through
        right = px + dot + app.outline + you.width <= self.right - app.outline
        you.x = px + dot + app.outline if right else px - dot - app.outline - you.width
        you.center_y = py
        with self.canvas:
            Color(rgba=app.col_bg)
            Rectangle(pos=you.pos, size=you.size)
        self.add_widget(you)


def standing_letter(standing: Standing, group_id: int) -> str:
    from kiosk.voxit_flow import group_letter

    return group_letter(standing.groups, group_id)


class VoxitScreen(Screen):
    step_text = StringProperty("")
    title_text = StringProperty("")
    can_go_back = BooleanProperty(True)

    def __init__(self, flow: VoxitFlow, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flow = flow
        self.keyboard: OnScreenKeyboard | None = None
        self._bound: list[tuple[Any, str, Any]] = []  # bindings of the step on screen, undone by render
        app = App.get_running_app()
        app.bind(lang=self._refresh, font_body=self._refresh, large_text=self._refresh)
        self.ids.body.bind(size=self._size_side)
        self.render()

    # -- touches -----------------------------------------------------------------

    def act(self, action: Any) -> None:
        app = App.get_running_app()

        def run() -> None:
            action()
            self.render()

        app.handle(run)

    def back(self) -> None:
        def go() -> None:
            if not self.flow.back():
                self.leave()

        self.act(go)

    def leave(self) -> None:
        """Back to welcome from the introduction (no answers yet)."""
        self.flow.walked_away()
        App.get_running_app().manager.current = "welcome"

    def walked_away(self) -> None:
        """The app's idle reset: the answers so far are kept as this session's record, then forgotten."""
        app = App.get_running_app()
        if not self.flow.walked_away():
            app.log("error.unexpected", error="voxit_capture_failed")
        if self.keyboard is not None:
            self.keyboard.clear()
        self.render()

    def clear(self) -> None:
        self.walked_away()

    def _done(self) -> None:
        self.flow.reset()
        App.get_running_app().manager.current = "welcome"

    # -- rendering ---------------------------------------------------------------

    def _refresh(self, *_args: Any) -> None:
        App.get_running_app().handle(self.render)

    def render(self) -> None:
        flow = self.flow
        self.step_text = ""
        self.title_text = ""
        self.can_go_back = flow.step not in ("result",)
        content, footer, side = self.ids.content, self.ids.footer, self.ids.side
        for box in (content, footer, side):
            box.clear_widgets()
        for widget, name, callback in self._bound:
            widget.unbind(**{name: callback})
        self._bound = []
        content.padding = 0
        side.width = 0
        self.ids.pop("picture", None)
        if flow.step != "propose" and self.keyboard is not None:
            self.keyboard = None
        getattr(self, f"_render_{flow.step}")(content, footer, side)
        self.ids.scroll.scroll_y = 1

    def _title(self, box: Any, text: str) -> BodyLabel:
        app = App.get_running_app()
        return self._text(box, text, font_size=app.font_title, bold=True)

    def _text(self, box: Any, text: str, **kwargs: Any) -> BodyLabel:
        label = BodyLabel(text=text)
        for name, value in kwargs.items():  # after the KV rule, which sets the body size
            setattr(label, name, value)
        box.add_widget(label)
        return label

    def _message(self, box: Any) -> None:
        if self.flow.error is not None:
            app = App.get_running_app()
            self._text(box, app.say(self.flow.error), tone="error", bold=True)

    def _button(self, box: Any, key: str, action: Any, *, kind: str = "secondary", name: str = "") -> CitizenButton:
        app = App.get_running_app()
        button = CitizenButton(text=app.tr(key), kind=kind)
        button.bind(on_release=lambda *_: self.act(action))
        if name:
            self.ids[name] = button
        box.add_widget(button)
        return button

    def _row(self, box: Any, *buttons: tuple[str, Any, str, str]) -> BoxLayout:
        """Buttons side by side, all as tall as the tallest."""
        app = App.get_running_app()
        row = BoxLayout(spacing=app.gap, size_hint_y=None)
        made = [self._button(row, key, action, kind=kind, name=name) for key, action, kind, name in buttons]

        def fit(*_args: Any) -> None:
            row.height = max(b.height for b in made)

        for b in made:
            b.bind(height=fit)
        row.fit = fit
        fit()
        box.add_widget(row)
        return row

    # intro -----------------------------------------------------------------------

    def _topic(self) -> str:
        app, flow = App.get_running_app(), self.flow
        topic = flow.text(flow.settings.topic, app.lang)
        if topic:
            return topic
        title: dict[str, str] = dict(flow.process.title)
        return title.get(app.lang) or title.get("fi") or next(iter(title.values()), str(flow.process.id))

    def _render_intro(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._title(content, self._topic())
        intro = flow.text(flow.settings.intro, app.lang)
        if intro:
            self._text(content, intro)
        self._text(content, app.tr("voxit.intro.how"), bold=True)
        if flow.allow_proposals:
            self._text(content, app.tr("voxit.intro.propose"))
        self._text(content, app.tr("voxit.intro.anonymous"))
        if not flow.is_open:
            self._text(footer, app.tr("voxit.closed"), tone="error", bold=True)
            return
        self._message(footer)
        self._button(footer, "voxit.start", flow.start, kind="primary", name="start")

    # statements ------------------------------------------------------------------

    def _render_statement(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        shown = flow.shown(app.lang)
        if shown is None:
            self.step_text = app.tr("voxit.answered_count", count=flow.answered)
            self._title(content, app.tr("voxit.all_answered"))
            self._text(content, app.tr("voxit.all_answered.text"))
        else:
            self.step_text = app.tr("voxit.progress", number=flow.number, total=flow.total)
            card = StatementCard()
            size = app.font_title * (1.0 if app.large_text else 1.4)
            self._text(card, shown.text, font_size=size, bold=True, tone="text")
            if shown.original:
                self._text(
                    card,
                    app.tr(
                        "voxit.only_in",
                        language=app.tr(f"voxit.in_language.{shown.lang}")
                        if shown.lang in ("fi", "sv", "en")
                        else shown.lang,
                    ),
                    tone="muted",
                )
            content.add_widget(card)
            scroll = self.ids.scroll

            def centre(*_args: Any) -> None:  # the statement in the middle of the room it has
                content.padding = [0, max(0.0, (scroll.height - card.height) / 2), 0, 0]

            for widget in (scroll, card):
                widget.bind(height=centre)
                self._bound.append((widget, "height", centre))
            centre()
            self._message(footer)
            self._text(footer, app.tr("voxit.question"), bold=True)
            answers = self._row(
                footer,
                ("voxit.agree", lambda: flow.answer(AGREE), "primary", "agree"),
                ("voxit.disagree", lambda: flow.answer(DISAGREE), "primary", "disagree"),
                ("voxit.pass", lambda: flow.answer(PASS), "secondary", "skip"),
            )
            for button in answers.children:  # the row sets their height: half again a button's
                button.size_hint_y = 1
                button.unbind(height=answers.fit)
            answers.height = app.button_h * 1.5
        if shown is None:
            self._message(footer)
        actions: list[tuple[str, Any, str, str]] = []
        if flow.allow_proposals:
            actions.append(("voxit.propose", flow.begin_proposal, "secondary", "propose"))
        actions.append(("voxit.finish", flow.finish, "primary" if shown is None else "secondary", "finish"))
        self._row(footer, *actions)

    # proposing -------------------------------------------------------------------

    def _render_propose(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self.title_text = app.tr("voxit.propose.title")
        if self.keyboard is None:
            self.keyboard = OnScreenKeyboard(limit=PROPOSAL_LIMIT)
            self.keyboard.set_text(flow.draft)
            self.keyboard.bind(text=lambda _k, text: flow.set_draft(text), height=self._size_side)
            self.ids["keyboard"] = self.keyboard
        # the typed text sits right above the keys, never scrolled away (it shows its end when long)
        self._message(footer)
        box = TypedTextBox(keyboard=self.keyboard, hint=app.tr("voxit.propose.hint"))
        self.ids["typed"] = box
        footer.add_widget(box)
        if self.keyboard.parent is not None:
            self.keyboard.parent.remove_widget(self.keyboard)
        footer.add_widget(self.keyboard)
        column = BoxLayout(orientation="vertical", size_hint=(None, None), spacing=app.gap)
        review = self._button(column, "voxit.propose.review", flow.review_proposal, kind="primary", name="review")
        cancel = self._button(column, "voxit.propose.cancel", self._cancel_proposal, name="cancel")
        note = self._text(column, app.tr("voxit.propose.moderated"), tone="muted")
        column.width = side.width = self._side_width((review, cancel))
        parts = (review, cancel, note)

        def fit(*_args: Any) -> None:
            column.height = sum(p.height for p in parts) + 2 * app.gap

        for part in parts:
            part.bind(height=fit)
        fit()
        side.add_widget(column)
        self._size_side()

    def _cancel_proposal(self) -> None:
        self.flow.cancel_proposal()
        if self.keyboard is not None:
            self.keyboard.clear()

    def _side_width(self, buttons: tuple[CitizenButton, ...]) -> float:
        """Wide enough for the longest word on the buttons, and at least a fifth of the body."""
        app = App.get_running_app()
        from kivy.core.text import Label as CoreLabel

        widest = 0.0
        for button in buttons:
            for word in button.text.split():
                label = CoreLabel(text=word, font_size=app.font_body, bold=True)
                label.refresh()
                widest = max(widest, float(label.texture.size[0]))
        inset: float = widest + 2 * float(app.pad) + 2 * float(app.outline)
        return max(float(self.ids.body.width) * 0.2, inset)

    def _size_side(self, *_args: Any) -> None:
        """The keyboard's height cap and the picture's size follow the body's size."""
        app, body = App.get_running_app(), self.ids.body
        if self.keyboard is not None:
            # keys as large as leave a line of typed text above them; the text gets what the keys leave
            box = self.ids.get("typed")
            frame = 2 * (app.gap + app.outline) + app.gap
            message = app.font_body * 2.5 if self.flow.error is not None else 0.0
            self.keyboard.max_height = max(0.0, body.height - app.font_title * 1.3 - frame - message)
            if box is not None:
                room = body.height - self.keyboard.height - frame - message
                box.max_text_height = max(app.font_title * 1.25, room)
        picture = self.ids.get("picture")
        if picture is not None:
            size = min(body.height, body.width * 0.45)
            picture.size = (size, size)
            self.ids.side.width = size

    def _render_proposal_review(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self.title_text = app.tr("voxit.review.title")  # in the top bar, as while writing: room for the text
        card = StatementCard()
        self._text(card, flow.draft.strip(), font_size=app.font_title, bold=True)
        content.add_widget(card)
        # both notes always in sight above Send, whatever the text size
        self._text(footer, app.tr("voxit.review.no_names"))
        self._text(footer, app.tr("voxit.review.moderated"), bold=True)
        self._message(footer)
        self._row(
            footer,
            ("voxit.review.edit", flow.edit_proposal, "secondary", "edit"),
            ("voxit.review.send", lambda: flow.send_proposal(app.lang), "primary", "send"),
        )

    def _render_proposal_sent(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self.can_go_back = False
        self._title(content, app.tr("voxit.sent.title"))
        self._text(content, app.tr("voxit.sent.text"))
        self._message(footer)
        self._row(
            footer,
            ("voxit.finish", flow.finish, "secondary", "finish"),
            ("voxit.sent.continue", flow.continue_answering, "primary", "keep_answering"),
        )

    # result ----------------------------------------------------------------------

    def _render_result(self, content: Any, footer: Any, side: Any) -> None:
        """Thank-you, then where the person stands first (in large text the rest may scroll),
        then that the answers are saved, proposals, every group and what the picture shows."""
        app, flow = App.get_running_app(), self.flow
        # the heading in the top bar where it fits on a line; in large text the room goes to the words
        self.title_text = "" if app.large_text else app.tr("voxit.result.where")
        self._title(content, app.tr("voxit.result.title"))
        standing = flow.standing()
        if standing.state == "no_map":
            self._text(content, app.tr("voxit.result.no_map"), bold=True)
        elif standing.state == "too_few":
            too_few = app.tr("voxit.result.too_few", needed=standing.needed, counted=standing.counted)
            self._text(content, too_few, bold=True)
        else:
            assert standing.group is not None
            closest = app.tr("voxit.result.closest", group=standing.letter, people=standing.group.size)
            self._text(content, closest, bold=True)
            picture = OpinionPicture(standing=standing, size_hint=(None, None))
            self.ids["picture"] = picture
            side.add_widget(picture)
            self._size_side()
        self._text(content, app.tr("voxit.result.saved" if flow.vote_captured else "voxit.result.nothing"))
        if flow.proposals:
            self._text(content, app.tr("voxit.result.proposals", count=flow.proposals))
        if standing.state == "placed":
            for group in standing.groups:
                letter = standing_letter(standing, group.id)
                self._text(content, app.tr("voxit.result.group", group=letter, people=group.size))
            self._text(content, app.tr("voxit.result.picture"), tone="muted")
        self._text(content, app.tr("voxit.result.next"))
        self._button(footer, "voxit.result.done", self._done, kind="primary", name="done")


def make_voxit_screen(app: Any, process: Any) -> VoxitScreen:
    """The activity registry's factory: a fresh anonymous participant for the process."""
    terminal = app.terminal
    now = getattr(terminal, "now_utc", None)
    return VoxitScreen(VoxitFlow(process, terminal, now=now if callable(now) else None))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
