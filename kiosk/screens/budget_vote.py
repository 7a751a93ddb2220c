"""The participatory-budget vote: one screen that renders ``kiosk.budget_flow.BudgetFlow``.

The frame (back, step count "2 / 5", language) is in ``budget_vote.kv``; the step's
content is rebuilt from the presenter after every touch. The code keypad follows the
PIN keypad's pattern: keys fill the height beside the code, never below 20 mm.
"""
# mypy: disallow-subclassing-any=False, disallow-untyped-calls=False

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from kiosk.budget_flow import CODE_ALPHABET, BudgetFlow, format_euros
from kiosk.theme import mm_to_px
from kiosk.widgets import BodyLabel, CitizenButton, ReadAloudButton

__all__ = ["BudgetBar", "BudgetCard", "BudgetScreen", "make_budget_screen"]

KEY_COLS = 8


class BudgetCard(BoxLayout):
    """A project: its texts on the left, the select toggle on the right."""

    selected = BooleanProperty(False)


class BudgetBar(Widget):
    """Money left as a filled share of the district budget."""

    fraction = NumericProperty(1.0)


class BudgetScreen(Screen):
    step_text = StringProperty("")
    can_go_back = BooleanProperty(True)

    def __init__(self, flow: BudgetFlow, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flow = flow
        app = App.get_running_app()
        app.bind(lang=self._refresh, font_body=self._refresh, large_text=self._refresh)
        self.ids.body.bind(size=self._size_keys)
        self._key_h = 0.0
        self._keypad: Any = None
        self._shown_step = ""
        self._speech: list[str] = []  # what "Read aloud" reads on this step: the words on screen
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
            if self.flow.back():
                return
            if self.flow.class_session is not None:
                self.flow.pass_on()  # a student gives up: the session goes on with the next one
            else:
                self.leave()

        self.act(go)

    def walked_away(self) -> None:
        """The app's idle reset is about to drop this screen: a class session ends with it."""
        if self.flow.class_session is not None:
            App.get_running_app().log("class.session_ended", reason="reset")
        self.flow.idle_reset()

    def leave(self) -> None:
        """Back to welcome from the first step; nothing of this voter stays."""
        self.flow.idle_reset()
        App.get_running_app().manager.current = "welcome"

    def clear(self) -> None:
        self.flow.idle_reset()
        self.render()

    # -- rendering ---------------------------------------------------------------

    def _refresh(self, *_args: Any) -> None:
        App.get_running_app().handle(self.render)

    def render(self) -> None:
        flow = self.flow
        self.step_text = flow.step_text
        self.can_go_back = flow.step not in ("thanks", "privacy")
        content, footer, side = self.ids.content, self.ids.footer, self.ids.side
        content.clear_widgets()
        footer.clear_widgets()
        side.clear_widgets()
        side.width = 0
        self._keypad = None
        ReadAloudButton.remove(self)  # the screen changes: the reading of what was there ends
        self._speech = []
        getattr(self, f"_render_{flow.step}")(content, footer, side)
        if self._speech:  # beside the step's title
            ReadAloudButton.place(self, self._speech, beside=content.children[-1])
        if flow.step != self._shown_step:  # a new step starts at its top; a touch keeps the place
            self.ids.scroll.scroll_y = 1
            self._shown_step = flow.step

    def _title(self, box: Any, key: str, **fields: object) -> None:
        app = App.get_running_app()
        self._text(box, app.tr(key, **fields), font_size=app.font_title, bold=True)

    def _text(self, box: Any, text: str, **kwargs: Any) -> BodyLabel:
        label = BodyLabel(text=text)
        for name, value in kwargs.items():  # after the KV rule, which sets the body size
            setattr(label, name, value)
        box.add_widget(label)
        return label

    def _message(self, box: Any, message: Any) -> None:
        if message is not None:
            app = App.get_running_app()
            self._text(box, app.say(message), tone="error", bold=True)

    def _button(self, box: Any, key: str, action: Any, *, kind: str = "secondary", name: str = "") -> CitizenButton:
        app = App.get_running_app()
        button = CitizenButton(text=app.tr(key), kind=kind)
        button.bind(on_release=lambda *_: self.act(action))
        if name:
            self.ids[name] = button
        box.add_widget(button)
        return button

    # code --------------------------------------------------------------------------

    def _render_code(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._title(content, "budget.code.title")
        self._text(content, app.tr("budget.code.prompt"))
        self._text(content, flow.shown_code, font_size=app.font_title * (1.0 if app.large_text else 1.4), bold=True)
        self._message(content, flow.code_message)
        pad = BoxLayout(orientation="vertical", size_hint=(None, None), spacing=app.gap)
        grid = GridLayout(cols=KEY_COLS, spacing=app.gap)
        for char in sorted(CODE_ALPHABET, key=lambda c: (c.isdigit(), c)):
            key = _key(char)
            key.bind(on_release=lambda button, c=char: self.act(lambda: flow.press_key(c)))
            grid.add_widget(key)
        row = BoxLayout(spacing=app.gap, size_hint_y=None)
        erase = CitizenButton(text=app.tr("budget.code.erase"), size_hint_y=1)
        erase.bind(on_release=lambda *_: self.act(flow.erase))
        go = CitizenButton(text=app.tr("budget.next"), kind="primary", size_hint_y=1)
        go.bind(on_release=lambda *_: self.act(flow.submit_code))
        self.ids["erase"], self.ids["code_next"] = erase, go
        row.add_widget(erase)
        row.add_widget(go)
        pad.add_widget(grid)
        pad.add_widget(row)
        self._keypad = (pad, grid, row)
        side.add_widget(pad)
        self._size_keys()

    def _size_keys(self, *_args: Any) -> None:
        if self._keypad is None:
            return
        app = App.get_running_app()
        pad, grid, row = self._keypad
        body = self.ids.body
        floor = mm_to_px(20, _dpi())
        key_h = max(floor, min(app.button_h, (body.height - 4 * app.gap) / 5))
        key_w = max(floor, min(key_h * 1.3, (body.width * 0.62 - (KEY_COLS - 1) * app.gap) / KEY_COLS))
        rows = (len(CODE_ALPHABET) + KEY_COLS - 1) // KEY_COLS
        grid.size_hint = (None, None)
        grid.width = KEY_COLS * key_w + (KEY_COLS - 1) * app.gap
        grid.height = rows * key_h + (rows - 1) * app.gap
        row.height = max(key_h, app.button_h)
        pad.width = grid.width
        pad.height = grid.height + app.gap + row.height
        self.ids.side.width = pad.width

    # district ----------------------------------------------------------------------

    def _render_district(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._title(content, "budget.district.title")
        self._text(content, app.tr("budget.district.prompt_plus" if flow.plus_citywide else "budget.district.prompt"))
        for district in flow.districts:
            money = app.tr("budget.district.money", money=format_euros(district["budget"]))
            button = CitizenButton(
                text=f"{flow.district_name(district, app.lang)}\n{money}",
                kind="selected" if district["id"] == flow.district_id else "secondary",
            )
            button.bind(on_release=lambda _b, d=district["id"]: self.act(lambda: flow.choose_district(d)))
            content.add_widget(button)

    # projects ------------------------------------------------------------------------

    def _bar(self, box: Any, text: str, fraction: float) -> None:
        self._text(box, text, bold=True)
        box.add_widget(BudgetBar(fraction=max(0.0, min(1.0, fraction))))

    def _money_left(self, footer: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        left = app.tr("budget.money_left", left=format_euros(flow.money_left), budget=format_euros(flow.budget))
        self._bar(footer, left, flow.money_left / flow.budget if flow.budget else 0)

    def _what_is_left(self, footer: Any) -> None:
        """The bar under the cards: money, points or project places left, as the rule counts."""
        app, flow = App.get_running_app(), self.flow
        if flow.cumulative:
            total = flow.points_total
            text = app.tr("budget.points_left", left=flow.points_left, total=total)
            self._bar(footer, text, flow.points_left / total if total else 0)
        elif flow.counts_money:
            self._money_left(footer)
        elif flow.max_projects:
            count = flow.max_projects
            text = app.tr("budget.projects.count_left", chosen=len(flow.chosen), count=count)
            self._bar(footer, text, (count - len(flow.chosen)) / count)

    def _prompt(self) -> str:
        app, flow = App.get_running_app(), self.flow
        if flow.cumulative:
            return str(app.tr("budget.projects.prompt_points", count=flow.points_total))
        if flow.kind == "at_most":
            return str(app.tr("budget.projects.prompt_at_most", count=flow.max_projects or 0))
        if flow.max_projects:
            return str(app.tr("budget.projects.prompt_max", count=flow.max_projects))
        return str(app.tr("budget.projects.prompt"))

    def _render_projects(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        name = flow.district_name(flow.district, app.lang)
        if flow.step == "citywide":
            self._title(content, "budget.citywide.title")
            self._text(content, app.tr("budget.citywide.prompt"))
        else:
            self._title(content, "budget.projects.title", district=name)
        self._text(content, self._prompt())
        if flow.min_projects > 1:
            self._text(content, app.tr("budget.rule.too_few", count=flow.min_projects))
        # read aloud: the heading and prompt, then every project's title, cost and description
        self._speech = [label.text for label in reversed(content.children)]
        for project in flow.projects():
            selected = project.id in flow.chosen
            card = BudgetCard(selected=selected)
            texts = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.gap * 0.5)
            texts.bind(minimum_height=texts.setter("height"))
            self._text(texts, project.title_in(app.lang), bold=True)
            self._text(texts, format_euros(project.cost), bold=True)
            if project.summary_in(app.lang):
                self._text(texts, project.summary_in(app.lang))
            self._speech += [label.text for label in reversed(texts.children)]
            if project.id in flow.notes:
                self._text(texts, app.say(flow.notes[project.id]), tone="error", bold=True)
            card.add_widget(texts)
            card.add_widget(self._points(project.id) if flow.cumulative else self._toggle(project.id, selected))
            content.add_widget(card)
        self._message(footer, flow.error)
        # what is left and the way on side by side: in large text the cards keep the room
        row = BoxLayout(spacing=app.pad, size_hint_y=None)
        left = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.gap * 0.5)
        left.bind(minimum_height=left.setter("height"))
        self._what_is_left(left)
        row.add_widget(left)
        key = "budget.next" if flow.step == "projects" and flow.plus_citywide else "budget.projects.review"
        go = self._button(row, key, flow.to_review, kind="primary", name="to_review")
        go.size_hint_x = 0.45

        def fit(*_args: Any) -> None:
            row.height = max(left.height, go.height)
            go.pos_hint = {"center_y": 0.5}

        left.bind(height=fit)
        go.bind(height=fit)
        fit()
        footer.add_widget(row)

    _render_citywide = _render_projects

    def _toggle(self, project_id: str, selected: bool) -> CitizenButton:
        app, flow = App.get_running_app(), self.flow
        toggle = CitizenButton(
            text=app.tr("budget.projects.selected" if selected else "budget.projects.choose"),
            kind="selected" if selected else "secondary",
            size_hint_x=0.34,
        )
        toggle.project_id = project_id
        toggle.bind(on_release=lambda _b: self.act(lambda: flow.toggle(project_id)))
        return toggle

    def _points(self, project_id: str) -> BoxLayout:
        """A cumulative card's controls: the points given, and large - and + beside each other."""
        app, flow = App.get_running_app(), self.flow
        given = flow.points.get(project_id, 0)
        box = BoxLayout(orientation="vertical", size_hint=(0.34, None), spacing=app.gap * 0.5)
        box.bind(minimum_height=box.setter("height"))
        label = self._text(box, app.tr("budget.projects.points", count=given), bold=True, halign="center")
        label.font_size = app.font_title
        row = BoxLayout(spacing=app.gap, size_hint_y=None, height=app.button_h)
        minus = CitizenButton(text=app.tr("budget.projects.remove_point"), size_hint_y=1)
        plus = CitizenButton(text=app.tr("budget.projects.add_point"), kind="primary", size_hint_y=1)
        for button in (minus, plus):
            button.font_size = app.font_title * 1.4
            button.bold = True
            button.project_id = project_id
        minus.bind(on_release=lambda _b: self.act(lambda: flow.remove_point(project_id)))
        plus.bind(on_release=lambda _b: self.act(lambda: flow.add_point(project_id)))
        minus.point_action, plus.point_action = "remove", "add"
        row.add_widget(minus if given else Widget())  # no points to take: no empty-looking button
        row.add_widget(plus)
        box.add_widget(row)
        return box

    # review ----------------------------------------------------------------------------

    def _render_review(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._title(content, "budget.review.title")
        for part in flow.parts():
            name = flow.district_name(part.district, app.lang)
            self._text(content, app.tr("budget.review.district", district=name), bold=True)
            for project in part.projects:
                if flow.cumulative:
                    amount = app.tr("budget.review.points", count=part.points.get(project.id, 0))
                else:
                    amount = format_euros(project.cost)
                self._text(content, f"•  {project.title_in(app.lang)}: {amount}")
            if flow.counts_money:
                self._text(content, app.tr("budget.review.total", total=format_euros(part.spent)), bold=True)
                left = part.budget - part.spent
                text = app.tr("budget.money_left", left=format_euros(left), budget=format_euros(part.budget))
                self._bar(content, text, left / part.budget if part.budget else 0)
            elif flow.cumulative:
                left = flow.points_total - sum(part.points.values())
                text = app.tr("budget.points_left", left=left, total=flow.points_total)
                self._bar(content, text, left / flow.points_total if flow.points_total else 0)
        self._text(footer, app.tr("budget.review.final"), bold=True)
        # read aloud: the choices and sums as listed, then what Confirm means
        self._speech = [w.text for w in reversed(content.children) if isinstance(w, BodyLabel)]
        self._speech.append(app.tr("budget.review.final"))
        self._message(footer, flow.error)
        row = BoxLayout(spacing=app.gap, size_hint_y=None)
        change = self._button(row, "budget.review.change", flow.back, name="change")
        confirm = self._button(row, "budget.review.confirm", flow.confirm, kind="primary", name="confirm")
        row.height = max(change.height, confirm.height)
        change.bind(height=lambda *_: setattr(row, "height", max(change.height, confirm.height)))
        confirm.bind(height=lambda *_: setattr(row, "height", max(change.height, confirm.height)))
        footer.add_widget(row)

    # thank-you and privacy -----------------------------------------------------------------

    def _render_thanks(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        big = app.font_title * (1.0 if app.large_text else 1.4)
        self._title(content, "budget.thanks.title")
        lines = flow.receipt_lines()
        if len(lines) > 1:  # the codes first, one line each: both above the fold in large text
            self._text(content, app.tr("budget.thanks.receipts"))
            for district, code in lines:
                self._text(content, f"{flow.district_name(district, app.lang)}: {code}", font_size=big, bold=True)
            self._text(content, app.tr("budget.thanks.saved"))
        else:
            self._text(content, app.tr("budget.thanks.saved"))
            self._text(content, app.tr("budget.thanks.receipt"))
            self._text(content, flow.receipt, font_size=big, bold=True)
        self._text(content, app.tr("budget.thanks.next"))
        self._button(footer, "budget.thanks.done", self._finish, kind="primary", name="done")

    def _finish(self) -> None:
        app = App.get_running_app()
        if self.flow.finish() == "welcome":
            if self.flow.session_ended:  # the class session's last student
                app.log("class.session_ended", reason="done")
            app.manager.current = "welcome"

    def _render_privacy(self, content: Any, footer: Any, side: Any) -> None:
        app, session = App.get_running_app(), self.flow.class_session
        self._title(content, "budget.privacy.title")
        self._text(content, app.tr("budget.privacy.text", left=session.left if session else 0))
        self._button(footer, "budget.privacy.next", self.flow.next_student, kind="primary", name="next_student")


def _key(char: str) -> CitizenButton:
    from kivy.factory import Factory

    key: CitizenButton = Factory.BudgetKey(text=char)
    return key


def _dpi() -> float:
    from kivy.metrics import Metrics

    return float(Metrics.dpi)


def make_budget_screen(app: Any, process: Any) -> BudgetScreen:
    """The activity registry's factory: a fresh flow for the process on this terminal.

    A librarian's pending class session or assisted mark (``app.budget_pending``, a dict
    with ``class_students`` and ``assisted``) is handed to the new flow."""
    flow = BudgetFlow(process, app.terminal)
    pending = getattr(app, "budget_pending", None) or {}
    if pending.get("class_students"):
        flow.start_class_session(int(pending["class_students"]))
    if pending.get("assisted"):
        flow.mark_next_assisted()
    app.budget_pending = {}  # handed over: the flow owns them now
    return BudgetScreen(flow)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
