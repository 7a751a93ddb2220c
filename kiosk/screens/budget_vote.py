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
from kiosk.widgets import BodyLabel, CitizenButton

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
        getattr(self, f"_render_{flow.step}")(content, footer, side)
        self.ids.scroll.scroll_y = 1

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
        self._text(content, app.tr("budget.district.prompt"))
        for district in flow.districts:
            money = app.tr("budget.district.money", money=format_euros(district["budget"]))
            button = CitizenButton(
                text=f"{flow.district_name(district, app.lang)}\n{money}",
                kind="selected" if district["id"] == flow.district_id else "secondary",
            )
            button.bind(on_release=lambda _b, d=district["id"]: self.act(lambda: flow.choose_district(d)))
            content.add_widget(button)

    # projects ------------------------------------------------------------------------

    def _money_left(self, footer: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._text(
            footer,
            app.tr("budget.money_left", left=format_euros(flow.money_left), budget=format_euros(flow.budget)),
            bold=True,
        )
        footer.add_widget(BudgetBar(fraction=flow.money_left / flow.budget if flow.budget else 0))

    def _render_projects(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._title(content, "budget.projects.title", district=flow.district_name(flow.district, app.lang))
        rule = "budget.projects.prompt_max" if flow.max_projects else "budget.projects.prompt"
        self._text(content, app.tr(rule, count=flow.max_projects or 0))
        for project in flow.projects():
            selected = project.id in flow.chosen
            card = BudgetCard(selected=selected)
            texts = BoxLayout(orientation="vertical", size_hint_y=None, spacing=app.gap * 0.5)
            texts.bind(minimum_height=texts.setter("height"))
            self._text(texts, project.title_in(app.lang), bold=True)
            self._text(texts, format_euros(project.cost), bold=True)
            if project.summary_in(app.lang):
                self._text(texts, project.summary_in(app.lang))
            if project.id in flow.notes:
                self._text(texts, app.say(flow.notes[project.id]), tone="error", bold=True)
            card.add_widget(texts)
            toggle = CitizenButton(
                text=app.tr("budget.projects.selected" if selected else "budget.projects.choose"),
                kind="selected" if selected else "secondary",
                size_hint_x=0.34,
            )
            toggle.project_id = project.id
            toggle.bind(on_release=lambda _b, pid=project.id: self.act(lambda: flow.toggle(pid)))
            card.add_widget(toggle)
            content.add_widget(card)
        self._money_left(footer)
        self._message(footer, flow.error)
        self._button(footer, "budget.projects.review", flow.to_review, kind="primary", name="to_review")

    # review ----------------------------------------------------------------------------

    def _render_review(self, content: Any, footer: Any, side: Any) -> None:
        app, flow = App.get_running_app(), self.flow
        self._title(content, "budget.review.title")
        self._text(content, app.tr("budget.review.district", district=flow.district_name(flow.district, app.lang)))
        for project in flow.chosen_projects():
            self._text(content, f"•  {project.title_in(app.lang)}: {format_euros(project.cost)}")
        self._text(content, app.tr("budget.review.total", total=format_euros(flow.spent)), bold=True)
        self._money_left(content)
        self._text(footer, app.tr("budget.review.final"), bold=True)
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
        self._title(content, "budget.thanks.title")
        self._text(content, app.tr("budget.thanks.saved"))
        self._text(content, app.tr("budget.thanks.receipt"))
        self._text(content, flow.receipt, font_size=app.font_title * (1.0 if app.large_text else 1.4), bold=True)
        self._text(content, app.tr("budget.thanks.next"))
        self._button(footer, "budget.thanks.done", self._finish, kind="primary", name="done")

    def _finish(self) -> None:
        if self.flow.finish() == "welcome":
            App.get_running_app().manager.current = "welcome"

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
