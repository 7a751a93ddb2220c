"""A Voxit conversation: one screen that renders ``kiosk.voxit_flow.VoxitFlow``.

The frame (Back, the statement count "3 / 12", language) is in ``voxit_conversation.kv``;
the step's content is rebuilt from the presenter after every touch. Agree, Disagree and
Pass are a row of tall buttons under the statement, with "Propose a statement" and
"Finish" always below them. Proposing uses ``kiosk.keyboard.OnScreenKeyboard`` under
the typed text, with Review and Cancel beside it. The result shows the opinion groups
as circles (size by people) with the participant's dot (``OpinionPicture``) and the same
in plain words.

The introduction and the result are laid out to need no scrolling, in large text too:
the screen measures its paragraphs (``text_height``) against the room the body has. The
introduction is one column when it fits, else the topic and introduction on the left and
how it works with Start in a column on the right; the result puts the picture with Done
under it on the right, as large as the words beside it leave room for. The scroll view
stays as a safety net for content longer than any layout holds.
"""
# mypy: disallow-subclassing-any=False, disallow-untyped-calls=False

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Ellipse, Line
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from kiosk.keyboard import OnScreenKeyboard, TypedTextBox
from kiosk.voxit_flow import AGREE, DISAGREE, PASS, PROPOSAL_LIMIT, Standing, VoxitFlow
from kiosk.widgets import BodyLabel, CitizenButton, ReadAloudButton

__all__ = ["OpinionPicture", "VoxitScreen", "make_voxit_screen", "text_height", "text_width"]

Paragraph = tuple[str, dict[str, Any]]  # a text and the BodyLabel settings it is shown with


def text_height(text: str, width: float, font_size: float, *, bold: bool = False) -> float:
    """The height a ``BodyLabel`` of this width takes for the text (it wraps at its width)."""
    label = CoreLabel(text=text, font_size=font_size, bold=bold, text_size=(max(1.0, width), None))
    label.refresh()
    return float(label.texture.size[1]) if label.texture is not None else 0.0


def text_width(text: str, font_size: float, *, bold: bool = False) -> float:
    """The width of the text on one line."""
    label = CoreLabel(text=text, font_size=font_size, bold=bold)
    label.refresh()
    return float(label.texture.size[0]) if label.texture is not None else 0.0


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
        # the smallest circle still holds its letter (a title-size capital), however small the picture
        r_max = side * 0.2
        r_min = min(r_max, max(side * 0.08, app.font_title * 0.6))
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
            # the letter sits in the circle's upper part, clear of a dot in its centre, but inside it
            r = radius[group.id]
            letter.center = (cx, cy + max(0.0, min(r * 0.45, r - app.font_title * 0.45)))
            self.add_widget(letter)
        # beside the dot, on the side with room; a halo in the background colour round each letter
        # keeps it legible over a circle's edge without hiding the edge beside the word
        you = Label(
            text=app.tr("voxit.result.you"),
            font_size=app.font_body,
            bold=True,
            color=app.col_text,
            outline_width=max(2, round(app.outline)),
            outline_color=app.col_bg[:3],
        )
        you.texture_update()
        you.size = (you.texture_size[0] + app.gap, you.texture_size[1])
        right = px + dot + app.outline + you.width <= self.right - app.outline
        you.x = px + dot + app.outline if right else px - dot - app.outline - you.width
        you.center_y = py
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
        # what "Read aloud" reads on this step (the words on screen) and in which voice ("": app.lang)
        self._speech: list[str] = []
        self._speech_lang = ""
        self._beside: Any = None  # the label the button goes beside (None: in the top bar)
        self._bound: list[tuple[Any, str, Any]] = []  # bindings of the step on screen, undone by render
        # the button itself (``ids`` holds weak proxies): out of the top bar while there is no way back
        self._back = self.ids.back.__self__
        app = App.get_running_app()
        app.bind(lang=self._refresh, font_body=self._refresh, large_text=self._refresh)
        self._laid_out = self._room()  # what the step on screen was measured against
        self._relayout = Clock.create_trigger(self._refresh)
        self.ids.body.bind(size=self._body_resized)
        self.ids.lang_bar.bind(width=self._body_resized)
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
        self._place_back()
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
        ReadAloudButton.remove(self)  # a new step: the last one's reading ends
        self._speech, self._speech_lang, self._beside = [], "", None
        self._laid_out = self._room()
        getattr(self, f"_render_{flow.step}")(content, footer, side)
        self._place_back()
        ReadAloudButton.place(self, self._speech, self._speech_lang, beside=self._beside)
        self.ids.scroll.scroll_y = 1

    def _place_back(self) -> None:
        """Back takes no room in the top bar while there is no way back: the heading gets it."""
        top, back = self.ids.top, self._back
        if self.can_go_back and back.parent is None:
            top.add_widget(back, index=len(top.children))
        elif not self.can_go_back and back.parent is not None:
            top.remove_widget(back)

    def _heading_fits(self, text: str) -> bool:
        """Whether the text fits the top bar's heading on one line (with Back out of the bar)."""
        app, top = App.get_running_app(), self.ids.top
        room = float(top.width) - float(self.ids.lang_bar.width) - float(top.spacing)
        if self._back.parent is not None:
            room -= float(self._back.width) + float(top.spacing)
        return text_width(text, app.font_title, bold=True) <= room

    def _room(self) -> tuple[float, float, float]:
        """The body's size and the language bar's width: what the introduction and the result
        are measured against."""
        return (float(self.ids.body.width), float(self.ids.body.height), float(self.ids.lang_bar.width))

    def _body_resized(self, *_args: Any) -> None:
        """The keyboard follows the body's size; the introduction and the result, measured
        against it, are laid out again."""
        self._size_side()
        if self.flow.step in ("intro", "result") and self._room() != self._laid_out:
            self._relayout()

    def _title(self, box: Any, text: str) -> BodyLabel:
        app = App.get_running_app()
        return self._text(box, text, font_size=app.font_title, bold=True)

    def _text(self, box: Any, text: str, **kwargs: Any) -> BodyLabel:
        label = BodyLabel(text=text)
        for name, value in kwargs.items():  # after the KV rule, which sets the body size
            setattr(label, name, value)
        box.add_widget(label)
        return label

    def _show(self, box: Any, paragraphs: list[Paragraph]) -> None:
        for text, settings in paragraphs:
            self._text(box, text, **settings)

    def _height(self, paragraphs: list[Paragraph], width: float) -> float:
        """What the paragraphs take one under the other (``app.gap`` apart) at this width."""
        app = App.get_running_app()
        heights = [
            text_height(text, width, settings.get("font_size", app.font_body), bold=settings.get("bold", False))
            for text, settings in paragraphs
        ]
        return sum(heights) + float(app.gap) * max(0, len(heights) - 1)

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
        lead: list[Paragraph] = [(self._topic(), {"font_size": app.font_title, "bold": True})]
        intro = flow.text(flow.settings.intro, app.lang)
        if intro:
            lead.append((intro, {}))
        how: Paragraph = (app.tr("voxit.intro.how"), {"bold": True})
        propose: Paragraph = (app.tr("voxit.intro.propose"), {})
        anonymous: Paragraph = (app.tr("voxit.intro.anonymous"), {})
        notes = [how, propose, anonymous] if flow.allow_proposals else [how, anonymous]
        above_start: list[Paragraph] = []
        if not flow.is_open:
            above_start.append((app.tr("voxit.closed"), {"tone": "error", "bold": True}))
        elif flow.error is not None:
            above_start.append((app.say(flow.error), {"tone": "error", "bold": True}))
        column = self._intro_column(lead, notes, above_start)
        body = self.ids.body
        if column and len(notes) == 3 and self._height(lead, body.width - column - app.pad) > body.height:
            # the Propose button on every statement says it too: that note gives way to a long
            # introduction (more room for it on the left) before the introduction would scroll
            narrower = self._intro_column(lead, [how, anonymous], above_start)
            if narrower:
                column, notes = narrower, [how, anonymous]
        self._speech = [text for text, _settings in lead + notes + above_start]
        if not column:
            self._show(content, lead + notes)
            self._show(footer, above_start)
            if flow.is_open:
                self._button(footer, "voxit.start", flow.start, kind="primary", name="start")
            return
        self._show(content, lead)
        box = BoxLayout(orientation="vertical", size_hint=(None, None), size=(column, body.height))
        top = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.gap)
        top.bind(minimum_height=top.setter("height"))
        self._show(top, notes)
        foot = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.gap, padding=[0, app.gap, 0, 0])
        foot.bind(minimum_height=foot.setter("height"))
        self._show(foot, above_start)
        if flow.is_open:
            self._button(foot, "voxit.start", flow.start, kind="primary", name="start")
        for part in (top, Widget(), foot):  # Start at the foot of the column, where the eye ends
            box.add_widget(part)
        side.width = column
        side.add_widget(box)

    def _intro_column(self, lead: list[Paragraph], notes: list[Paragraph], above_start: list[Paragraph]) -> float:
        """0 when the whole introduction fits one column above Start; else the width of a right
        column for how it works and Start: the narrowest in which they fit the body's height,
        leaving the most width to the topic and introduction. 0 also when no column holds them."""
        app, body = App.get_running_app(), self.ids.body
        width, height = float(body.width), float(body.height)
        start = [float(app.button_h)] if self.flow.is_open else []
        under = [self._height([p], width) for p in above_start] + start
        footer = app.gap + sum(under) + app.gap * (len(under) - 1) if under else 0.0
        if self._height(lead + notes, width) + footer <= height:
            return 0.0

        def column_fits(column: float) -> bool:
            # the notes, then app.gap apart the message and Start
            foot = [self._height([p], column) for p in above_start] + start
            return self._height(notes, column) + sum(foot) + float(app.gap) * len(foot) <= height

        narrowest, widest = width * 0.25, width * 0.45
        if not column_fits(widest):
            return 0.0
        while widest - narrowest > app.gap / 2:  # the narrowest width that fits, to half a gap
            middle = (narrowest + widest) / 2
            narrowest, widest = (narrowest, middle) if column_fits(middle) else (middle, widest)
        return widest

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
            # the statement itself (the button beside it), in its own language's voice when it
            # is not in the chosen one
            self._speech, self._speech_lang = [shown.text], shown.lang
            card = StatementCard()
            size = app.font_title * (1.0 if app.large_text else 1.4)
            self._beside = self._text(card, shown.text, font_size=size, bold=True, tone="text")
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
        widest = 0.0
        for button in buttons:
            for word in button.text.split():
                label = CoreLabel(text=word, font_size=app.font_body, bold=True)
                label.refresh()
                widest = max(widest, float(label.texture.size[0]))
        inset: float = widest + 2 * float(app.pad) + 2 * float(app.outline)
        return max(float(self.ids.body.width) * 0.2, inset)

    def _size_side(self, *_args: Any) -> None:
        """The keyboard's height cap follows the body's size."""
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
        """Thank-you, where the person stands with every group in words, that the answers are
        saved, proposals, what comes next. The picture, with Done under it, is on the right, as
        large as leaves the words room to fit beside it."""
        app, flow = App.get_running_app(), self.flow
        standing = flow.standing()
        words: list[Paragraph] = []
        thanks = app.tr("voxit.result.title")
        # in the top bar "Where you stand"; in large text the thank-you there instead, where it fits
        # on a line, so its line in the body goes to the words; else the thank-you heads the words
        if not app.large_text:
            self.title_text = app.tr("voxit.result.where")
        if app.large_text and self._heading_fits(thanks):
            self.title_text = thanks
        else:
            words.append((thanks, {"font_size": app.font_title, "bold": True}))
        if standing.state == "no_map":
            words.append((app.tr("voxit.result.no_map"), {"bold": True}))
        elif standing.state == "too_few":
            too_few = app.tr("voxit.result.too_few", needed=standing.needed, counted=standing.counted)
            words.append((too_few, {"bold": True}))
        else:
            assert standing.group is not None
            closest = app.tr("voxit.result.closest", group=standing.letter, people=standing.group.size)
            words.append((closest, {"bold": True}))
            # what the circles are, then every group in plain words, a line each without gaps between
            groups = [
                app.tr("voxit.result.group", group=standing_letter(standing, group.id), people=group.size)
                for group in standing.groups
            ]
            words.append(("\n".join([app.tr("voxit.result.picture"), *groups]), {}))
        words.append((app.tr("voxit.result.saved" if flow.vote_captured else "voxit.result.nothing"), {}))
        if flow.proposals:
            words.append((app.tr("voxit.result.proposals", count=flow.proposals), {}))
        # "press Done" repeats the button beside it: left out where the words would not fit otherwise
        then: Paragraph = (app.tr("voxit.result.next"), {})
        beside = self._picture_bounds()[1] if standing.state == "placed" else None
        if self._words_fit_beside([*words, then], beside):
            words.append(then)
        self._show(content, words)
        if standing.state != "placed":
            self._button(footer, "voxit.result.done", self._done, kind="primary", name="done")
            return
        size = self._picture_size(words)
        # the picture at the top, Done at the foot (at least app.gap below the picture)
        column = BoxLayout(orientation="vertical", size_hint=(None, None), size=(size, self.ids.body.height))
        picture = OpinionPicture(standing=standing, size_hint=(None, None), size=(size, size))
        self.ids["picture"] = picture
        column.add_widget(picture)
        column.add_widget(Widget())
        self._button(column, "voxit.result.done", self._done, kind="primary", name="done")
        side.width = size
        side.add_widget(column)

    def _picture_bounds(self) -> tuple[float, float]:
        """The picture's largest side (the body's height above Done, at most half the width) and
        its smallest (two fifths of the height)."""
        app, body = App.get_running_app(), self.ids.body
        width, height = float(body.width), float(body.height)
        largest = max(0.0, min(height - float(app.button_h) - float(app.gap), width * 0.5))
        return largest, min(largest, height * 0.4)

    def _words_fit_beside(self, words: list[Paragraph], picture: float | None) -> bool:
        """Whether ``words`` fit the body's height beside a picture of side ``picture`` (None: no picture)."""
        app, body = App.get_running_app(), self.ids.body
        room = float(body.width) - (0.0 if picture is None else picture + app.pad)
        return self._height(words, room) <= float(body.height)

    def _picture_size(self, words: list[Paragraph]) -> float:
        """The picture's side: as large as the body's height leaves above Done, at most half the
        width, and smaller where the words beside it would not fit the height otherwise (down
        to two fifths of the height). Words that would not fit even then scroll beside the
        largest picture: a smaller one would cost its legibility and spare no scrolling."""
        app = App.get_running_app()
        largest, smallest = self._picture_bounds()

        def fits(size: float) -> bool:
            return self._words_fit_beside(words, size)

        if fits(largest) or not fits(smallest):
            return largest
        while largest - smallest > app.gap / 2:  # the largest size that fits, to half a gap
            middle = (smallest + largest) / 2
            smallest, largest = (middle, largest) if fits(middle) else (smallest, middle)
        return smallest


def make_voxit_screen(app: Any, process: Any) -> VoxitScreen:
    """The activity registry's factory: a fresh anonymous participant for the process."""
    terminal = app.terminal
    now = getattr(terminal, "now_utc", None)
    return VoxitScreen(VoxitFlow(process, terminal, now=now if callable(now) else None))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
