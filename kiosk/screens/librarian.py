"""The librarian's panel: sync status and the maintenance buttons.

The budget vote's tools sit one tap further (``mode`` "vote"): start a class session
(``mode`` "students": how many students, on a keypad), end it, and mark the next ballot
as assisted. They call the app (``start_class_session`` etc.); starting and ending a
session is logged (``class.session_started`` / ``class.session_ended``); the assisted
mark is not logged, so nothing ties a moment at the desk to a ballot.

"Read from USB stick" reads the city's reply (``osallistu server import --reply``) from the
folder Export writes to: the seals the server holds and the newest manifest, together.

Sync, export, reading the reply and the server check run off the UI thread; their results come back
through ``Clock.schedule_once`` (``ThreadJobs`` / the sync worker), so a touch is
never blocked. Every action is logged as a ``kiosk.event`` through the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, DictProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.librarian_panel import (
    Message,
    StudentCount,
    class_session_message,
    export_file_name,
    export_message,
    find_export_folder,
    find_reply_file,
    reply_message,
    seal_message,
    status_lines,
    sync_message,
)
from kiosk.screens import pin_entry as _pin_entry  # noqa: F401  (its KV defines the keypad's PinKey)
from kiosk.widgets import BodyLabel

__all__ = ["LibrarianScreen"]


class LibrarianScreen(Screen):
    syncing = BooleanProperty(False)
    exporting = BooleanProperty(False)
    reading_reply = BooleanProperty(False)
    confirm_seal = BooleanProperty(False)
    message = ObjectProperty(None, allownone=True)  # a librarian_panel.Message under the status
    message_tone = StringProperty("text")
    status = DictProperty({})
    mode = StringProperty("main")  # "main", "vote" (class session and assisted) or "students"
    students_shown = StringProperty("_")

    def __init__(self, **kwargs: Any) -> None:
        self.students = StudentCount()
        super().__init__(**kwargs)
        App.get_running_app().bind(lang=lambda *_: self._show_status())

    def on_pre_enter(self, *_args: Any) -> None:
        app = App.get_running_app()
        app.handle(lambda: self.load_status(check_server=False))
        app.jobs.run(lambda: _checked_status(app), self._checked)

    def clear(self) -> None:
        self.mode = "main"
        self.students.clear()
        self.students_shown = self.students.shown
        self.confirm_seal = False
        self._say(None)
        self.status = {}
        self._show_status()

    # -- status ---------------------------------------------------------------------

    def load_status(self, *, check_server: bool) -> None:
        status = dict(App.get_running_app().terminal.status(check_server=check_server))
        if status.get("server_reachable") is None:  # not checked now: keep what the last check found
            status["server_reachable"] = self.status.get("server_reachable")
        self.status = status
        self._show_status()

    def _checked(self, status: Any, error: BaseException | None) -> None:
        if not App.get_running_app().librarian_signed_in:
            return
        if error is None and status is not None:
            self.status = dict(status)
        else:
            self.status = {**self.status, "server_reachable": False}
        self._show_status()

    def _show_status(self) -> None:
        app = App.get_running_app()
        box = self.ids.status
        box.clear_widgets()
        if not self.status:
            return
        for line in status_lines(self.status):
            box.add_widget(BodyLabel(text=app.tr(line.key, **line.fields), tone=_tone(line)))

    def _say(self, message: Message | None) -> None:
        self.message_tone = _tone(message) if message else "text"
        self.message = message
        self.ids.scroll.scroll_y = 1  # the newest sentence is at the top: show it

    # -- sync -----------------------------------------------------------------------

    def sync_now(self) -> None:
        if self.syncing:
            return
        app = App.get_running_app()
        self.syncing = True
        self.confirm_seal = False
        self._say(Message("panel.syncing"))
        app.request_sync()

    def synced(self, outcome: Any) -> None:
        """A sync finished (asked for here or the worker's timer); the terminal logged it."""
        app = App.get_running_app()
        asked, self.syncing = self.syncing, False
        if app.librarian_signed_in:
            if asked:
                self._say(sync_message(outcome))
            self.load_status(check_server=False)

    # -- seal -----------------------------------------------------------------------

    def ask_seal(self) -> None:
        self._say(Message("panel.seal_confirm"))
        self.confirm_seal = True

    def cancel_seal(self) -> None:
        self.confirm_seal = False
        self._say(None)

    def seal_now(self) -> None:
        app = App.get_running_app()
        self.confirm_seal = False
        try:
            seals, error = app.terminal.seal(force=True), None
        except Exception as exc:  # said in words next to the button
            seals, error = None, exc
        self._say(seal_message(seals, error))
        app.handle(lambda: self.load_status(check_server=False))

    # -- export ---------------------------------------------------------------------

    def export_now(self) -> None:
        if self.exporting:
            return
        app = App.get_running_app()
        self.exporting = True
        self.confirm_seal = False
        self._say(Message("panel.exporting"))
        device = str(getattr(app.terminal, "device_id", "terminal"))
        roots = app.media_roots

        def job() -> tuple[Path, bool]:
            folder, removable = (
                find_export_folder(app.export_dir) if roots is None else find_export_folder(app.export_dir, roots)
            )
            path = folder / export_file_name(device)
            with app.thread_terminal() as terminal:  # the terminal logs export.written
                report = terminal.export(path)
            summary = report.summary() if hasattr(report, "summary") else {}
            written = Path(summary.get("path") or path) if isinstance(summary, dict) else path
            return written, removable

        app.jobs.run(job, self._exported)

    def _exported(self, result: Any, error: BaseException | None) -> None:
        app = App.get_running_app()
        self.exporting = False
        path, removable = result if result else (None, False)
        if app.librarian_signed_in:
            self._say(export_message(path, removable, error))
            app.handle(lambda: self.load_status(check_server=False))

    # -- reply from the city (the way back by USB) ----------------------------------

    def read_reply_now(self) -> None:
        """Find this terminal's reply file where Export writes, and read it (ack and manifest together)."""
        if self.reading_reply:
            return
        app = App.get_running_app()
        self.reading_reply = True
        self.confirm_seal = False
        self._say(Message("panel.reading_reply"))
        device = str(getattr(app.terminal, "device_id", ""))
        roots = app.media_roots

        def job() -> Any:
            folder, _removable = (
                find_export_folder(app.export_dir) if roots is None else find_export_folder(app.export_dir, roots)
            )
            path = find_reply_file(folder, device)
            if path is None:
                return None
            with app.thread_terminal() as terminal:
                return terminal.import_reply(path)

        app.jobs.run(job, self._reply_read)

    def _reply_read(self, report: Any, error: BaseException | None) -> None:
        app = App.get_running_app()
        self.reading_reply = False
        if app.librarian_signed_in:
            self._say(reply_message(report, error))
            app.handle(lambda: self.load_status(check_server=False))

    # -- budget vote: class session and assisted ballot --------------------------------

    def open_vote_tools(self) -> None:
        self.confirm_seal = False
        self.mode = "vote"
        self._say(class_session_message(_class_students(App.get_running_app())))

    def back_to_main(self) -> None:
        self.mode = "main"
        self._say(None)

    def ask_students(self) -> None:
        self.students.clear()
        self.students_shown = self.students.shown
        self.mode = "students"
        self._say(Message("panel.students_prompt"))

    def press_digit(self, digit: str) -> None:
        self.students.press(digit)
        self.students_shown = self.students.shown

    def erase_digit(self) -> None:
        self.students.erase()
        self.students_shown = self.students.shown

    def start_class_session(self) -> None:
        count = self.students.count
        if count is None:
            self._say(Message("panel.students_missing", tone="error"))
            return
        app = App.get_running_app()
        app.start_class_session(count)
        app.log("class.session_started", students=count)
        self.students.clear()
        self.students_shown = self.students.shown
        self.mode = "vote"
        self._say(Message("panel.class_started", {"count": count}, "success"))

    def end_class_session(self) -> None:
        app = App.get_running_app()
        if _class_students(app) is None:
            self._say(Message("panel.class_none"))
            return
        app.end_class_session()
        app.log("class.session_ended", reason="librarian")
        self._say(Message("panel.class_ended", tone="success"))

    def mark_next_assisted(self) -> None:
        App.get_running_app().mark_next_ballot_assisted()
        self._say(Message("panel.assisted_done", tone="success"))

    def close(self) -> None:
        App.get_running_app().handle(App.get_running_app().close_librarian)


def _class_students(app: Any) -> int | None:
    """The class session on this terminal: its size, pending or in a vote screen (None: none)."""
    pending = (getattr(app, "budget_pending", None) or {}).get("class_students")
    if pending:
        return int(pending)
    for screen in app.manager.screens if app.manager else []:
        session = getattr(getattr(screen, "flow", None), "class_session", None)
        if session is not None:
            return int(session.students)
    return None


def _checked_status(app: Any) -> dict[str, Any]:
    with app.thread_terminal() as terminal:
        return dict(terminal.status(check_server=True))


def _tone(message: Message) -> str:
    return {"error": "error", "success": "success"}.get(message.tone, "text")


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
