"""The touch terminal's Kivy app: ``OsallistuApp`` and ``run_terminal(kdir)``.

Screens (``kiosk/screens/``) are thin: layout in ``name.kv``, a little glue in
``name.py``; what they say comes from the catalogs (``kiosk/i18n.py``) and what they
decide from plain presenters (``activity_registry``, ``librarian_panel``,
``idle_watch``). Slow work (sync, export, server check) runs on a background thread
and its result comes back on the UI thread through ``Clock.schedule_once``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.activity_registry import ActivityRegistry, OfferedActivity
from kiosk.i18n import DEFAULT_LANGUAGE, Catalogs, load_catalogs
from kiosk.idle_watch import IdleWatch
from kiosk.read_aloud import ReadAloud
from kiosk.theme import NORMAL, Palette, Sizes, palette_for, sizes_for
from kiosk.widgets import AppRoot

__all__ = ["ACTIVITY_SCREENS", "OsallistuApp", "ThreadJobs", "run_terminal"]

# Citizen activity screens register here (activity name -> factory(app, process) -> Screen).
ACTIVITY_SCREENS = ActivityRegistry()


def _budget_screen(app: Any, process: Any) -> Any:
    from kiosk.screens.budget_vote import make_budget_screen

    return make_budget_screen(app, process)


ACTIVITY_SCREENS.register("budget", _budget_screen)


def _voxit_screen(app: Any, process: Any) -> Any:
    from kiosk.screens.voxit_conversation import make_voxit_screen

    return make_voxit_screen(app, process)


ACTIVITY_SCREENS.register("voxit", _voxit_screen)


def _feedback_screen(app: Any, process: Any) -> Any:
    from kiosk.screens.feedback_screen import make_feedback_screen

    return make_feedback_screen(app, process)


ACTIVITY_SCREENS.register("feedback", _feedback_screen)

POLL_SECONDS = 0.25
WELCOME, PIN, LIBRARIAN = "welcome", "pin", "librarian"
STAFF_SCREENS = (PIN, LIBRARIAN)

Done = Callable[[Any, BaseException | None], None]


class ThreadJobs:
    """Runs a job on a daemon thread; ``done(result, error)`` is called on the UI thread."""

    def run(self, job: Callable[[], Any], done: Done) -> None:
        def work() -> None:
            result: Any = None
            error: BaseException | None = None
            try:
                result = job()
            except Exception as exc:  # reported to the screen as plain words
                error = exc
            Clock.schedule_once(lambda _dt: done(result, error), 0)

        threading.Thread(target=work, name="osallistu-job", daemon=True).start()


@dataclass(frozen=True)
class SyncResult:
    """The shape of ``kiosk.worker.SyncOutcome`` that the panel reads."""

    ok: bool
    report: Any
    error: str | None = None


class _SyncOnJobs:
    """Used when no ``SyncWorker`` is given: one sync on a ``ThreadJobs`` thread per request."""

    def __init__(self, app: OsallistuApp) -> None:
        self._app = app

    def request_sync(self) -> None:
        def job() -> Any:
            with self._app.thread_terminal() as terminal:
                return terminal.sync()

        def done(report: Any, error: BaseException | None) -> None:
            self._app.sync_finished(SyncResult(error is None, report, None if error is None else str(error)))

        self._app.jobs.run(job, done)


class OsallistuApp(App):
    lang = StringProperty(DEFAULT_LANGUAGE)
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    palette = ObjectProperty(NORMAL)
    sizes = ObjectProperty(sizes_for(1080, 96))
    # Flat copies for KV: a KV rule re-evaluates on ``app.x`` but not on ``app.x.y``.
    font_body = NumericProperty(30)
    font_title = NumericProperty(45)
    button_h = NumericProperty(83)
    gap = NumericProperty(15)
    pad = NumericProperty(24)
    outline = NumericProperty(4)  # button outline, thicker in high contrast
    col_bg = ColorProperty(NORMAL.bg)
    col_text = ColorProperty(NORMAL.text)
    col_muted = ColorProperty(NORMAL.muted)
    col_primary_bg = ColorProperty(NORMAL.primary_bg)
    col_primary_text = ColorProperty(NORMAL.primary_text)
    col_secondary_bg = ColorProperty(NORMAL.secondary_bg)
    col_secondary_text = ColorProperty(NORMAL.secondary_text)
    col_border = ColorProperty(NORMAL.border)
    col_selected_bg = ColorProperty(NORMAL.selected_bg)
    col_selected_text = ColorProperty(NORMAL.selected_text)
    col_error = ColorProperty(NORMAL.error)
    col_success = ColorProperty(NORMAL.success)
    col_panel_bg = ColorProperty(NORMAL.panel_bg)
    col_panel_text = ColorProperty(NORMAL.panel_text)
    col_scrim = ColorProperty(NORMAL.scrim)
    librarian_signed_in = BooleanProperty(False)
    error_message = StringProperty("")  # shown on the welcome screen after an unexpected error

    def __init__(
        self,
        terminal: Any,
        *,
        idle_seconds: float = 90,
        warning_seconds: float = 30,
        clock: Callable[[], float] = time.monotonic,
        registry: ActivityRegistry | None = None,
        jobs: ThreadJobs | None = None,
        sync_worker: Any = None,
        export_dir: Path | None = None,
        media_roots: tuple[Path, ...] | None = None,
        catalogs: Catalogs | None = None,
        poll_seconds: float = POLL_SECONDS,
        kdir: Path | None = None,
        screenshot_path: Path | None = None,
        **kwargs: Any,
    ) -> None:
        self.terminal = terminal
        self.clock = clock
        self.catalogs = catalogs or load_catalogs()
        self.registry = registry if registry is not None else ACTIVITY_SCREENS
        self.jobs = jobs or ThreadJobs()
        self.kdir = kdir
        self.screenshot_path = screenshot_path  # once the first screen is drawn, save it here (PNG)
        self.sync_worker = sync_worker if sync_worker is not None else _SyncOnJobs(self)
        self.export_dir = export_dir or (kdir / "exports" if kdir else Path.cwd() / "exports")
        self.media_roots = media_roots
        self.idle = IdleWatch(idle_seconds, warning_seconds, clock)
        self.poll_seconds = poll_seconds  # how often idle and the corner gesture are checked (0: every frame)
        self.manager: ScreenManager | None = None
        self.warning: Any = None
        self.budget_pending: dict[str, Any] = {}  # a class session or assisted mark for the next budget vote
        self._poll: Any = None
        # the screens' "Read aloud" (none without espeak-ng); a failure is logged by name, never the text
        self.read_aloud = ReadAloud(on_error=lambda name: self.log("error.unexpected", error=name))
        super().__init__(**kwargs)
        self.title = "Osallistu"

    # -- building ---------------------------------------------------------------

    def build(self) -> AppRoot:
        from kiosk.screens.librarian import LibrarianScreen
        from kiosk.screens.pin_entry import PinEntryScreen
        from kiosk.screens.welcome import WelcomeScreen

        self._resize()
        root = AppRoot(now=self.clock)
        root.bind(on_activity=self._touched, on_corner_hold=lambda *_: self.handle(self.open_librarian))
        self.manager = ScreenManager(transition=NoTransition())
        self.manager.add_widget(WelcomeScreen(name=WELCOME))
        self.manager.add_widget(PinEntryScreen(name=PIN))
        self.manager.add_widget(LibrarianScreen(name=LIBRARIAN))
        self.manager.bind(current=self._screen_changed)
        root.add_widget(self.manager)
        Window.bind(size=self._resize)
        self._poll = Clock.schedule_interval(self._tick, self.poll_seconds)
        self.log("kiosk.started")
        if self.screenshot_path is not None:
            Clock.schedule_once(lambda _dt: self._save_screenshot(), 3.0)
        return root

    def _save_screenshot(self) -> None:
        """Writes the window's picture to ``screenshot_path`` whole (via a temporary name), so a
        process watching for the file never reads half of it."""
        assert self.root is not None and self.screenshot_path is not None
        partial = self.screenshot_path.with_name(self.screenshot_path.stem + ".partial.png")
        self.root.export_to_png(str(partial))
        partial.replace(self.screenshot_path)

    def on_stop(self) -> None:
        self.read_aloud.stop()
        if self._poll is not None:
            self._poll.cancel()
        Window.unbind(size=self._resize)

    def _resize(self, *_args: Any) -> None:
        self.sizes = sizes_for(Window.height, Metrics.dpi, large_text=self.large_text)
        if self.root is not None:
            self.root.corner_size = self.sizes.button_h

    def on_large_text(self, *_args: Any) -> None:
        self._resize()

    def on_high_contrast(self, _app: Any, value: bool) -> None:
        self.palette = palette_for(value)
        self.outline = self.sizes.outline_for(value)

    def on_lang(self, *_args: Any) -> None:
        self.read_aloud.stop()  # the words on screen change language: the reading stops

    def on_palette(self, _app: Any, palette: Palette) -> None:
        for item in fields(palette):
            if item.name != "name":
                setattr(self, f"col_{item.name}", getattr(palette, item.name))

    def on_sizes(self, _app: Any, sizes: Sizes) -> None:
        self.font_body, self.font_title = sizes.body, sizes.title
        self.button_h, self.gap, self.pad = sizes.button_h, sizes.gap, sizes.pad
        self.outline = sizes.outline_for(self.high_contrast)

    # -- texts -------------------------------------------------------------------

    def tr(self, key: str, lang: str | None = None, **fields: object) -> str:
        """A catalog text; KV passes ``app.lang`` so the text follows the language switch."""
        return self.catalogs.text(lang or self.lang, key, **fields)

    def say(self, message: Any, lang: str | None = None) -> str:
        """A presenter ``Message`` (key and fields in one object) in words; "" for none."""
        return self.tr(message.key, lang, **message.fields) if message is not None else ""

    # -- citizen actions ----------------------------------------------------------

    def set_language(self, code: str) -> None:
        if code in self.catalogs.languages:
            self.lang = code

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text

    def toggle_high_contrast(self) -> None:
        self.high_contrast = not self.high_contrast

    def manifest(self) -> Any:
        return self.terminal.manifest()

    def open_activity(self, offered: OfferedActivity) -> None:
        assert self.manager is not None
        manifest = self.manifest()
        process = manifest.process(offered.process_id) if manifest is not None else None
        if process is None or process.status != "open" or offered.activity not in self.registry:
            self.manager.get_screen(WELCOME).refresh()
            return
        screen = self.registry.factory(offered.activity)(self, process)
        screen.name = f"activity:{offered.process_id}:{offered.activity}"
        if self.manager.has_screen(screen.name):
            self.manager.remove_widget(self.manager.get_screen(screen.name))
        self.manager.add_widget(screen)
        self.manager.current = screen.name

    # -- librarian: budget class session and assisted ballot -----------------------

    def start_class_session(self, students: int) -> None:
        """The next budget vote opened here is a class session for ``students`` students."""
        self.budget_pending = {**self.budget_pending, "class_students": int(students)}

    def end_class_session(self) -> None:
        self.budget_pending = {k: v for k, v in self.budget_pending.items() if k != "class_students"}
        for screen in list(self.manager.screens if self.manager else []):
            if hasattr(screen, "flow") and screen.flow.class_session is not None:
                screen.flow.end_class_session()

    def mark_next_ballot_assisted(self) -> None:
        """The next budget ballot is recorded as assisted (no identity); only that one."""
        self.budget_pending = {**self.budget_pending, "assisted": True}
        for screen in list(self.manager.screens if self.manager else []):
            if hasattr(screen, "flow"):
                screen.flow.mark_next_assisted()

    # -- librarian ----------------------------------------------------------------

    def open_librarian(self) -> None:
        assert self.manager is not None
        if self.manager.current in STAFF_SCREENS:
            return
        self.manager.get_screen(PIN).clear()
        self.manager.current = PIN

    def signed_in(self) -> None:
        assert self.manager is not None
        self.librarian_signed_in = True  # the terminal logged librarian.signed_in in check_pin
        self.manager.current = LIBRARIAN

    def close_librarian(self) -> None:
        assert self.manager is not None
        if self.librarian_signed_in:
            self.librarian_signed_in = False
            self.log("librarian.signed_out")
        self.manager.get_screen(LIBRARIAN).clear()
        self.manager.get_screen(PIN).clear()
        self.manager.current = WELCOME

    # -- idle and errors ----------------------------------------------------------

    def at_rest(self) -> bool:
        """Nothing of the last person's to clear: the welcome screen with default settings."""
        return self.manager is None or (
            self.manager.current == WELCOME
            and self.lang == DEFAULT_LANGUAGE
            and not self.large_text
            and not self.high_contrast
        )

    def _touched(self, *_args: Any) -> None:
        if self.warning is None:
            self.idle.touched()
        self.error_message = ""  # an error sentence stays until the next touch

    def _tick(self, _dt: float) -> None:
        self.handle(self._check_idle)
        if self.root is not None:
            self.root.check_corner()

    def _check_idle(self) -> None:
        phase = self.idle.phase(at_rest=self.at_rest())
        if phase.name == "expired":
            self.reset_to_welcome()
            self.log("idle.reset")
        elif phase.name == "warning":
            self._show_warning(phase.seconds_left)
        elif self.warning is not None:
            self._hide_warning()

    def _show_warning(self, seconds_left: int) -> None:
        from kiosk.screens.idle_warning import IdleWarning

        if self.warning is None:
            self.warning = IdleWarning()
            self.warning.bind(on_continue=lambda *_: self.keep_going())
            assert self.root is not None
            self.root.add_widget(self.warning)
        self.warning.seconds_left = seconds_left

    def _hide_warning(self) -> None:
        if self.warning is not None:
            self.warning.parent.remove_widget(self.warning)
            self.warning = None

    def keep_going(self) -> None:
        """The warning's Continue: the person is still here, keep everything."""
        self.idle.touched()
        self._hide_warning()

    def reset_to_welcome(self) -> None:
        """Clear every trace of the last person: screens, inputs, switches, language, panel."""
        assert self.manager is not None
        self.read_aloud.stop()
        self._hide_warning()
        if self.librarian_signed_in:
            self.librarian_signed_in = False
            self.log("librarian.signed_out", reason="reset")
        for screen in list(self.manager.screens):
            if screen.name.startswith("activity:"):
                if hasattr(screen, "walked_away"):
                    screen.walked_away()  # the activity keeps what was given (Voxit answers), then forgets
                self.manager.remove_widget(screen)
            elif hasattr(screen, "clear"):
                screen.clear()
        self.manager.current = WELCOME
        self.lang = DEFAULT_LANGUAGE
        self.large_text = False
        self.high_contrast = False
        self.error_message = ""
        self.budget_pending = {}
        self.idle.touched()

    def handle(self, action: Callable[[], Any]) -> Any:
        """Run a touch handler; an unexpected exception resets to welcome, logged, in plain words."""
        try:
            return action()
        except Exception as exc:
            self.recover(exc)
            return None

    def recover(self, exc: BaseException) -> None:
        try:
            self.log("error.unexpected", error=type(exc).__name__)
            if self.manager is not None:
                self.reset_to_welcome()
        finally:
            self.error_message = "error.unexpected"

    def _screen_changed(self, *_args: Any) -> None:
        self.read_aloud.stop()  # leaving a screen ends its reading
        self.idle.touched()

    # -- background work ----------------------------------------------------------

    @contextlib.contextmanager
    def thread_terminal(self) -> Iterator[Any]:
        """The terminal for a background thread: its own connection when the app has a kdir
        (SQLite connections belong to the thread that opened them), else the one given."""
        if self.kdir is None:
            yield self.terminal
            return
        from kiosk.terminal import Terminal

        terminal = Terminal.open(self.kdir)
        try:
            yield terminal
        finally:
            terminal.close()

    def request_sync(self) -> None:
        self.sync_worker.request_sync()

    def post_sync_outcome(self, outcome: Any) -> None:
        """The sync worker's callback, called on its thread: hand the outcome to the UI thread."""
        Clock.schedule_once(lambda _dt: self.sync_finished(outcome), 0)

    def sync_finished(self, outcome: Any) -> None:
        manager = self.manager
        assert manager is not None
        self.handle(lambda: manager.get_screen(LIBRARIAN).synced(outcome))
        self.handle(lambda: manager.get_screen(WELCOME).refresh())  # the manifest may be newer

    def log(self, event: str, **detail: Any) -> None:
        try:
            self.terminal.log_event(event, **detail)
        except Exception:  # a failing log must never take the screen down
            from kivy.logger import Logger

            Logger.exception("Osallistu: could not log %s", event)


SCREENSHOT_ENV = "OSALLISTU_SCREENSHOT"


def run_terminal(kdir: Path | str, *, fullscreen: bool = True, screenshot_path: Path | None = None) -> None:
    """``osallistu kiosk run KDIR``: open the terminal and show the touch app.

    SIGTERM (a service manager stopping the terminal) closes the app the normal way, so the
    sync worker stops and the store is closed; the process then exits with status 0.
    For tests and support: when ``OSALLISTU_SCREENSHOT=path.png`` is set (or
    ``screenshot_path`` given), the first screen is saved there as a PNG three seconds after start.
    """
    from kivy.config import Config

    from kiosk.terminal import Terminal

    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")
    if fullscreen:
        Window.fullscreen = "auto"
    from kiosk.worker import SyncWorker

    kdir = Path(kdir)
    terminal = Terminal.open(kdir)
    holder: list[OsallistuApp] = []
    worker = SyncWorker(kdir, on_result=lambda outcome: holder[0].post_sync_outcome(outcome))
    if screenshot_path is None and os.environ.get(SCREENSHOT_ENV):
        screenshot_path = Path(os.environ[SCREENSHOT_ENV])
    app = OsallistuApp(terminal, kdir=kdir, sync_worker=worker, screenshot_path=screenshot_path)
    holder.append(app)
    previous = signal.signal(signal.SIGTERM, lambda *_: Clock.schedule_once(lambda _dt: app.stop(), 0))
    worker.start()
    try:
        app.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
        worker.stop(timeout=5)
        terminal.close()
