"""Feedback: one screen that renders ``kiosk.feedback_flow.FeedbackFlow``.

The frame (Back, the step "2 / 5" with its question, language) is in ``feedback_screen.kv``;
the step's content is rebuilt from the presenter after every touch:

- topics as large tiles, each a picture drawn with canvas instructions (``TopicTile``;
  a road, a tree, a bus, a book, a bin, else a speech bubble, chosen from the topic's id
  and icon name) above the topic's name: the words are always there;
- the message on ``kiosk.keyboard.OnScreenKeyboard`` in the chosen language's layout, the
  count against the limit above the keys, Next beside them;
- places as a list of large buttons, with "No particular place" first;
- the reply question (anonymous by default), then the contact details: three field buttons
  (name, email, phone; the one being typed is marked) over one keyboard with @ and +;
- the review, each part in words with its own Change button; Send;
- the thank-you with the reference code in large letters, the address to follow it at
  (the public case page on the terminal's server, when the terminal knows its server),
  and the reply promise when a reply was asked for.
"""
# mypy: disallow-subclassing-any=False, disallow-untyped-calls=False

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.feedback_flow import CONTACT_FIELDS, CONTACT_LIMITS, MESSAGE_LIMIT, STEP_COUNT, FeedbackFlow
from kiosk.keyboard import OnScreenKeyboard, TypedTextBox
from kiosk.keyboard_layouts import SHIFT
from kiosk.widgets import BodyLabel, CitizenButton, ReadAloudButton
from shared_models.keys import x25519_public_from_b64

__all__ = ["FeedbackScreen", "TopicTile", "follow_address", "make_feedback_screen", "picture_for"]

PICTURES = (
    ("road", ("street", "road", "traffic", "katu", "liikenne")),
    ("tree", ("park", "nature", "green", "puisto", "luonto")),
    ("bus", ("transport", "bus", "tram", "metro", "joukko")),
    ("book", ("librar", "book", "culture", "kirjasto")),
    ("bin", ("waste", "recycl", "trash", "jate", "roska")),
)


READ_ALOUD_STEPS = ("topic", "reply")  # the question, the topics or the reply choices: no personal data

EXAMPLES = {  # an example beside a contact error, in normal text
    "feedback.contact.email_bad": "feedback.contact.email.hint",
    "feedback.contact.phone_bad": "feedback.contact.phone.hint",
}


def walk_texts(box: Any) -> list[Any]:
    """The labels and buttons in ``box`` with words, top to bottom (what "Read aloud" reads)."""
    found: list[Any] = []
    for child in reversed(box.children):
        if isinstance(child, Label):
            if child.text.strip():
                found.append(child)
        else:
            found += walk_texts(child)
    return found


def picture_for(topic_id: str, icon: str | None = None) -> str:
    """Which drawing a topic gets, from words in its id and icon name; ``bubble`` otherwise."""
    words = f"{topic_id} {icon or ''}".lower()
    return next((name for name, hints in PICTURES if any(hint in words for hint in hints)), "bubble")


def follow_address(server_url: str) -> str:
    """The public page where a reference code is followed, on the terminal's server, as a person
    would type it into a browser (no ``https://``)."""
    if not server_url:
        return ""
    bare = server_url.split("://", 1)[-1].rstrip("/")
    return f"{bare}/feedback/case"


class TopicTile(CitizenButton):
    """A topic: a picture in the upper part, the topic's name under it."""

    picture = StringProperty("bubble")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self.draw, size=self.draw, picture=self.draw, kind=self.draw, texture_size=self.draw)
        App.get_running_app().bind(palette=self.draw, large_text=self.draw)

    def draw(self, *_args: Any) -> None:
        app = App.get_running_app()
        self.canvas.after.clear()
        side = min(app.button_h * (0.9 if app.large_text else 1.2), self.width * 0.5)  # the KV rule's padding
        if side < 20:
            return
        x, y = self.center_x - side / 2, self.top - app.pad * 0.6 - side
        colour = app.col_selected_text if self.kind == "selected" else app.col_secondary_text
        with self.canvas.after:
            Color(rgba=colour)
            DRAW[self.picture](x, y, side, max(2.0, side / 16), app.col_secondary_bg)


def _road(x: float, y: float, s: float, w: float, bg: Any) -> None:
    """A road running away into the distance, its centre line dashed."""
    Line(points=[x + s * 0.05, y, x + s * 0.4, y + s], width=w)
    Line(points=[x + s * 0.95, y, x + s * 0.6, y + s], width=w)
    for k in range(3):
        Line(points=[x + s * 0.5, y + s * (0.05 + 0.34 * k), x + s * 0.5, y + s * (0.22 + 0.34 * k)], width=w * 0.8)


def _tree(x: float, y: float, s: float, w: float, bg: Any) -> None:
    Rectangle(pos=(x + s * 0.44, y), size=(s * 0.12, s * 0.45))
    Ellipse(pos=(x + s * 0.15, y + s * 0.3), size=(s * 0.7, s * 0.7))


def _bus(x: float, y: float, s: float, w: float, bg: Any) -> None:
    RoundedRectangle(pos=(x + s * 0.1, y + s * 0.15), size=(s * 0.8, s * 0.7), radius=[s * 0.08])
    Color(rgba=bg)
    Rectangle(pos=(x + s * 0.18, y + s * 0.5), size=(s * 0.28, s * 0.22))
    Rectangle(pos=(x + s * 0.54, y + s * 0.5), size=(s * 0.28, s * 0.22))
    Ellipse(pos=(x + s * 0.2, y + s * 0.08), size=(s * 0.18, s * 0.18))
    Ellipse(pos=(x + s * 0.62, y + s * 0.08), size=(s * 0.18, s * 0.18))


def _at(x: float, y: float, s: float, *fractions: float) -> list[float]:
    """Points given as fractions of the picture's side: (fx, fy, fx, fy, ...)."""
    return [(x if i % 2 == 0 else y) + s * f for i, f in enumerate(fractions)]


def _book(x: float, y: float, s: float, w: float, bg: Any) -> None:
    Line(points=_at(x, y, s, 0.5, 0.15, 0.05, 0.25, 0.05, 0.85, 0.5, 0.75), width=w)
    Line(points=_at(x, y, s, 0.5, 0.15, 0.95, 0.25, 0.95, 0.85, 0.5, 0.75), width=w)
    Line(points=_at(x, y, s, 0.5, 0.15, 0.5, 0.75), width=w)


def _bin(x: float, y: float, s: float, w: float, bg: Any) -> None:
    Line(points=_at(x, y, s, 0.2, 0.78, 0.28, 0, 0.72, 0, 0.8, 0.78), width=w)
    Line(points=_at(x, y, s, 0.1, 0.82, 0.9, 0.82), width=w)
    Line(points=_at(x, y, s, 0.4, 0.82, 0.4, 0.95, 0.6, 0.95, 0.6, 0.82), width=w)
    for k in (0.4, 0.5, 0.6):
        Line(points=_at(x, y, s, k, 0.12, k, 0.66), width=w * 0.7)


def _bubble(x: float, y: float, s: float, w: float, bg: Any) -> None:
    Line(rounded_rectangle=(x + s * 0.05, y + s * 0.3, s * 0.9, s * 0.62, s * 0.12), width=w)
    Line(points=[x + s * 0.25, y + s * 0.3, x + s * 0.2, y + s * 0.05, x + s * 0.45, y + s * 0.3], width=w)
    for k in (0.3, 0.5, 0.7):
        Ellipse(pos=(x + s * k - s * 0.05, y + s * 0.56), size=(s * 0.1, s * 0.1))


DRAW: dict[str, Callable[[float, float, float, float, Any], None]] = {
    "road": _road,
    "tree": _tree,
    "bus": _bus,
    "book": _book,
    "bin": _bin,
    "bubble": _bubble,
}


class ReviewCard(BoxLayout):
    """One part of the feedback on the review, framed, with its Change button."""


class ReferenceCode(Label):
    """The reference code in large letters, framed."""


class FeedbackScreen(Screen):
    title_text = StringProperty("")
    can_go_back = BooleanProperty(True)

    def __init__(self, flow: FeedbackFlow, *, server_url: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flow = flow
        self.server_url = server_url
        self.keyboard: OnScreenKeyboard | None = None
        self._keyboard_for = ""  # "message" or "contact:<field>"
        app = App.get_running_app()
        app.bind(lang=self._refresh, font_body=self._refresh, large_text=self._refresh)
        self.ids.body.bind(size=self._size_keyboard)
        self.render()

    # -- touches -----------------------------------------------------------------

    def act(self, action: Callable[[], Any]) -> None:
        def run() -> None:
            action()
            self.render()

        App.get_running_app().handle(run)

    def back(self) -> None:
        def go() -> None:
            if not self.flow.back():
                self.leave()

        self.act(go)

    def leave(self) -> None:
        """Back to welcome from the topics: nothing chosen yet, nothing kept."""
        self.walked_away()
        App.get_running_app().manager.current = "welcome"

    def walked_away(self) -> None:
        """The app's idle reset: forget the topic, the typed text and the contact details;
        nothing is captured (the person did not press Send)."""
        self.flow.walked_away()
        self._drop_keyboard()
        self.render()

    def clear(self) -> None:
        self.walked_away()

    def _done(self) -> None:
        self.flow.reset()
        App.get_running_app().manager.current = "welcome"

    # -- rendering ---------------------------------------------------------------

    def _refresh(self, *_args: Any) -> None:
        App.get_running_app().handle(self.render)

    def _drop_keyboard(self) -> None:
        if self.keyboard is not None:
            self.keyboard.unbind(text=self._typed)  # clearing the keys must not clear what was typed
            self.keyboard.clear()
            if self.keyboard.parent is not None:
                self.keyboard.parent.remove_widget(self.keyboard)
        self.keyboard = None
        self._keyboard_for = ""
        self.ids.pop("keyboard", None)

    def render(self) -> None:
        app, flow = App.get_running_app(), self.flow
        self.can_go_back = flow.step != "sent"
        title = app.tr(f"feedback.{flow.step}.title") if flow.number else ""
        if flow.number:
            # in large text the question moves from the top bar into the page (the bar stays one line)
            shown = "" if app.large_text else title
            self.title_text = app.tr("feedback.heading", number=flow.number, total=STEP_COUNT, title=shown).strip()
        else:
            self.title_text = app.tr("feedback.sent.title")
        content, footer, side = self.ids.content, self.ids.footer, self.ids.side
        for box in (content, footer, side):
            box.clear_widgets()
        side.width = 0
        for name in [n for n in self.ids if n.startswith(("topic:", "place:", "field:", "edit:"))]:
            self.ids.pop(name)
        if flow.step not in ("message", "contact"):
            self._drop_keyboard()
        if title and app.large_text and flow.step not in ("message", "contact"):
            self._title(content, title)
        ReadAloudButton.remove(self)  # a new step: the last one's reading ends
        getattr(self, f"_render_{flow.step}")(content, footer, side)
        if flow.step in READ_ALOUD_STEPS:  # never where typed words or contact details are shown
            heading = [] if app.large_text else [title]  # in large text it heads the content
            words = heading + [w.text for w in walk_texts(content) + walk_texts(footer)]
            ReadAloudButton.place(self, words, beside=content.children[-1])  # beside the first words
        self.ids.scroll.scroll_y = 1

    def _text(self, box: Any, text: str, **kwargs: Any) -> BodyLabel:
        label = BodyLabel(text=text)
        for name, value in kwargs.items():  # after the KV rule, which sets the body size
            setattr(label, name, value)
        box.add_widget(label)
        return label

    def _title(self, box: Any, text: str) -> BodyLabel:
        return self._text(box, text, font_size=App.get_running_app().font_title, bold=True)

    def _message(self, box: Any) -> None:
        if self.flow.error is not None:
            self._text(box, App.get_running_app().say(self.flow.error), tone="error", bold=True)

    def _button(
        self, box: Any, text: str, action: Callable[[], Any], *, kind: str = "secondary", name: str = ""
    ) -> CitizenButton:
        button = CitizenButton(text=text, kind=kind)
        button.bind(on_release=lambda *_: self.act(action))
        if name:
            self.ids[name] = button
        box.add_widget(button)
        return button

    def _grid(self, box: Any, cols: int) -> GridLayout:
        app = App.get_running_app()
        grid = GridLayout(cols=cols, spacing=app.gap, size_hint_y=None, row_force_default=False)
        grid.bind(minimum_height=grid.setter("height"))
        box.add_widget(grid)
        return grid

    def _columns(self, wide: int) -> int:
        return max(1, wide - 1) if App.get_running_app().large_text else wide

    # topic -----------------------------------------------------------------------

    def _render_topic(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._text(content, app.tr("feedback.topic.text"))
        self._message(content)
        grid = self._grid(content, self._columns(3))  # large text: two across, so long words stay whole
        for topic in flow.topics:
            tile = TopicTile(
                text=topic.name.get(app.lang) or topic.name["fi"],
                picture=picture_for(topic.id, topic.icon),
                kind="selected" if topic.id == flow.topic_id else "secondary",
            )
            tile.bind(on_release=lambda _b, tid=topic.id: self.act(partial(flow.choose_topic, tid)))
            self.ids[f"topic:{topic.id}"] = tile
            grid.add_widget(tile)
        self._text(content, app.tr("feedback.anonymous"), tone="muted")

    # message and contact: the keyboard --------------------------------------------

    def _keyboard_box(self, footer: Any, purpose: str, limit: int, text: str, hint: str, extra: str = "") -> None:
        """The typed text right above the keys; one keyboard per purpose, kept across renders."""
        if self.keyboard is None or self._keyboard_for != purpose:
            self._drop_keyboard()
            self.keyboard = OnScreenKeyboard(limit=limit, extra=extra)
            self.keyboard.set_text(text)
            self.keyboard.bind(text=self._typed, height=self._size_keyboard)
            self._keyboard_for = purpose
            if purpose == "contact:email" and self.keyboard.shift:
                self.keyboard.press(SHIFT)  # addresses are lower case: no capital first letter
        self.ids["keyboard"] = self.keyboard
        box = TypedTextBox(keyboard=self.keyboard, hint=hint)
        self.ids["typed"] = box
        footer.add_widget(box)
        if self.keyboard.parent is not None:
            self.keyboard.parent.remove_widget(self.keyboard)
        footer.add_widget(self.keyboard)

    def _typed(self, _keyboard: Any, text: str) -> None:
        flow = self.flow
        had_error = flow.error is not None
        if self._keyboard_for == "message":
            flow.set_message(text)
        elif self._keyboard_for.startswith("contact:"):
            flow.set_contact(flow.field, text)
        if had_error and flow.error is None:
            self.render()  # the error sentence goes as soon as the person types

    def _side_column(self, side: Any, *parts: Any, share: float = 0.2) -> None:
        """Next, the field choice and the error or the note beside the keys: the keys and the
        typed text keep the full height, also in large text."""
        app = App.get_running_app()
        column = BoxLayout(orientation="vertical", size_hint=(None, None), spacing=app.gap)
        for part in parts:
            column.add_widget(part)
        buttons = [p for p in parts if isinstance(p, CitizenButton)]
        column.width = side.width = self._side_width(buttons, share)

        def fit(*_args: Any) -> None:
            column.height = sum(p.height for p in parts) + app.gap * (len(parts) - 1)

        for part in parts:
            part.bind(height=fit)
        fit()
        side.add_widget(column)
        self._size_keyboard()

    def _side_words(self, note_key: str) -> BodyLabel:
        """The error in words when there is one (beside the Next that caused it), else the note."""
        app = App.get_running_app()
        if self.flow.error is not None:
            text = app.say(self.flow.error)
            example = EXAMPLES.get(self.flow.error.key)
            if example is not None and not app.large_text:  # large text: the short sentence only
                text = f"{text} {app.tr(example)}"
            label = BodyLabel(text=text, tone="error", bold=True)
        else:
            label = BodyLabel(text=app.tr(note_key), tone="muted")
        self.ids["side_words"] = label
        return label

    def _side_width(self, buttons: list[CitizenButton], share: float = 0.2) -> float:
        """Wide enough for the longest word on the buttons, and at least ``share`` of the body."""
        app = App.get_running_app()
        from kivy.core.text import Label as CoreLabel

        widest = 0.0
        for button in buttons:
            for word in button.text.split():
                label = CoreLabel(text=word, font_size=app.font_body, bold=True)
                label.refresh()
                widest = max(widest, float(label.texture.size[0]))
        inset: float = widest + 2 * float(app.pad) + 2 * float(app.outline)
        return max(float(self.ids.body.width) * share, inset)

    def _size_keyboard(self, *_args: Any) -> None:
        """Keys as large as leave a line of typed text above them; the text gets what the keys leave."""
        app, body = App.get_running_app(), self.ids.body
        if self.keyboard is None:
            return
        box = self.ids.get("typed")
        frame = 2 * (app.gap + app.outline) + app.gap
        self.keyboard.max_height = max(0.0, body.height - app.font_title * 1.3 - frame)
        if box is not None:
            box.max_text_height = max(app.font_title * 1.25, body.height - self.keyboard.height - frame)

    def _render_message(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._keyboard_box(footer, "message", MESSAGE_LIMIT, flow.message, app.tr("feedback.message.hint"))
        nxt = CitizenButton(text=app.tr("feedback.next"), kind="primary")
        nxt.bind(on_release=lambda *_: self.act(flow.submit_message))
        self.ids["next"] = nxt
        self._side_column(side, nxt, self._side_words("feedback.message.note"))

    # place -----------------------------------------------------------------------

    def _render_place(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._text(content, app.tr("feedback.place.text"))
        self._message(content)
        none = self._button(
            content,
            app.tr("feedback.place.none"),
            lambda: flow.choose_place(None),
            kind="selected" if flow.place_chosen and flow.place_id is None else "secondary",
            name="place:none",
        )
        none.bold = True
        grid = self._grid(content, self._columns(3))
        for place in flow.places:
            chosen = flow.place_id == place.id
            self._button(
                grid,
                place.name.get(app.lang) or place.name["fi"],
                partial(flow.choose_place, place.id),
                kind="selected" if chosen else "secondary",
                name=f"place:{place.id}",
            )

    # reply and contact -------------------------------------------------------------

    def _render_reply(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._text(content, app.tr("feedback.reply.text"))
        if flow.can_reply:
            self._text(content, app.tr("feedback.reply.promise", days=flow.reply_days))
            self._text(content, app.tr("feedback.reply.sealed"), tone="muted")
        else:
            self._text(content, app.tr("feedback.reply.unavailable"), bold=True)
        self._message(footer)
        row = BoxLayout(spacing=app.gap, size_hint_y=None, height=app.button_h * 1.4)
        self._button(
            row, app.tr("feedback.reply.no"), lambda: flow.choose_reply(False), kind="primary", name="no_reply"
        )
        if flow.can_reply:
            self._button(row, app.tr("feedback.reply.yes"), lambda: flow.choose_reply(True), name="wants_reply")
        for button in row.children:
            button.size_hint_y = 1
        footer.add_widget(row)

    def _choose_field(self, field: Any) -> None:
        self.flow.select_field(field)
        self._drop_keyboard()  # a keyboard for the chosen field, holding its text

    def _render_contact(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        field = flow.field
        self._keyboard_box(
            footer,
            f"contact:{field}",
            CONTACT_LIMITS[field],
            flow.contact[field],
            app.tr(f"feedback.contact.{field}.hint"),
            extra="@+_",
        )
        if not app.large_text:  # what is given so far, above the typed text (large text: on the review)
            for name in CONTACT_FIELDS:
                if flow.contact[name] and name != field:
                    self._text(content, f"{app.tr(f'feedback.contact.{name}')}: {flow.contact[name]}", bold=True)
        choices = []
        for name in CONTACT_FIELDS:  # which detail the keys type into; the chosen one marked
            button = CitizenButton(
                text=app.tr(f"feedback.contact.{name}"), kind="selected" if name == field else "secondary"
            )
            button.bind(on_release=lambda _b, n=name: self.act(partial(self._choose_field, n)))
            self.ids[f"field:{name}"] = button
            choices.append(button)
        nxt = CitizenButton(text=app.tr("feedback.next"), kind="primary")
        nxt.bind(on_release=lambda *_: self.act(flow.submit_contact))
        self.ids["next"] = nxt
        # the error beside the Next that found it; the note in normal text only (in large text the
        # buttons fill the column)
        words = [self._side_words("feedback.contact.note")] if flow.error is not None or not app.large_text else []
        self._side_column(side, *choices, nxt, *words, share=0.3 if app.large_text else 0.25)

    # review ------------------------------------------------------------------------

    def _part(self, content: Any, part: str, heading: str, text: str) -> None:
        app = App.get_running_app()
        card = ReviewCard()
        row = BoxLayout(spacing=app.gap, size_hint_y=None)
        words = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.gap * 0.3)
        words.bind(minimum_height=words.setter("height"))
        self._text(words, heading, bold=True, tone="muted")
        self._text(words, text, bold=True)
        row.add_widget(words)
        change = self._button(row, app.tr("feedback.review.change"), lambda: self.flow.edit(part), name=f"edit:{part}")
        change.size_hint_x = None
        change.width = self._side_width([change])

        def fit(*_args: Any) -> None:
            row.height = max(words.height, change.height)

        words.bind(height=fit)
        change.bind(height=fit)
        fit()
        card.add_widget(row)
        content.add_widget(card)

    def _render_review(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        topic, place = flow.topic, flow.place
        self._text(content, app.tr("feedback.review.text"))
        self._part(
            content, "topic", app.tr("feedback.review.topic"), topic.name.get(app.lang, "") if topic is not None else ""
        )
        self._part(content, "message", app.tr("feedback.review.message"), flow.message)
        if flow.places:
            where = place.name.get(app.lang, "") if place is not None else app.tr("feedback.review.no_place")
            self._part(content, "place", app.tr("feedback.review.place"), where)
        if flow.wants_reply:
            given = [flow.contact[f] for f in CONTACT_FIELDS if flow.contact[f]]
            reply = app.tr("feedback.review.reply_to", contact=", ".join(given), days=flow.reply_days)
        else:
            reply = app.tr("feedback.review.anonymous")
        self._part(content, "reply", app.tr("feedback.review.reply"), reply)
        self._message(footer)
        send = self._button(
            footer, app.tr("feedback.review.send"), lambda: flow.send(app.lang), kind="primary", name="send"
        )
        send.height = app.button_h * 1.3

    # sent --------------------------------------------------------------------------

    def _render_sent(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._text(content, app.tr("feedback.sent.code"), bold=True)  # the code first: in sight also in large text
        code = ReferenceCode(text=flow.reference)
        self.ids["reference"] = code
        content.add_widget(code)
        self._text(content, app.tr("feedback.sent.text"))
        address = follow_address(self.server_url)
        if address:
            self._text(content, app.tr("feedback.sent.follow", address=address))
        else:
            self._text(content, app.tr("feedback.sent.follow_later"))
        if flow.replied_days:
            self._text(content, app.tr("feedback.sent.reply", days=flow.replied_days), bold=True)
        self._text(content, app.tr("feedback.sent.next"))
        self._button(footer, app.tr("feedback.sent.done"), self._done, kind="primary", name="done")


def make_feedback_screen(app: Any, process: Any) -> FeedbackScreen:
    """The activity registry's factory: an empty feedback for the process. Contact details can
    be taken only when the held manifest carries a usable server sealing key."""
    manifest = app.manifest()
    key = None
    if manifest is not None and manifest.sealing_key:
        try:
            key = x25519_public_from_b64(manifest.sealing_key)
        except ValueError:
            key = None
    server_url = getattr(app.terminal, "server_url", "")
    return FeedbackScreen(
        FeedbackFlow(process, app.terminal, sealing_key=key),
        server_url=server_url if isinstance(server_url, str) else "",
    )


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
