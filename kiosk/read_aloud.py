"""Reading a screen's words aloud with the machine's speech engine (espeak-ng), when it has one.

Optional, as ``shared/UX.md`` asks: without ``espeak-ng`` on the PATH, or once it has failed
to start or to speak, ``available()`` is false and the screens show no "Read aloud" button.
The engine runs as a child process, the text fed on its stdin (no shell, no quoting), so
speaking never holds up the screen; a second press, leaving the screen, the language switch
and the idle reset stop it (the process is terminated).

Privacy: the spoken text is never logged, and a failure is reported to ``on_error`` by a
fixed name only (a ballot choice read aloud must not land in a log). The screens never
offer the button where typed contact details are shown.

No Kivy here: the button is ``kiosk.widgets.ReadAloudButton``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from typing import IO, Any, Protocol

__all__ = ["ENGINE", "FAILED", "RATE", "VOICES", "ReadAloud", "Speech", "spoken"]

ENGINE = "espeak-ng"
# espeak-ng's voice per catalog language (``espeak-ng --voices``: "fi", "sv", "en-gb")
VOICES = {"fi": "fi", "sv": "sv", "en": "en-gb"}
RATE = 140  # words a minute: slower than espeak-ng's 175, for people who read with difficulty
MAX_CHARS = 8000  # far above any screen's words; at most 32 kB of UTF-8, so the pipe takes it at once
STOP_WAIT = 0.2  # seconds a terminated reading is waited for on the UI thread
CLAUSE_LINE = MAX_CHARS + 1  # espeak-ng's -l: every shorter line ends a clause (a pause after a title)
THOUSANDS = re.compile(r"\b\d{1,3}(?:[ \u00a0\u202f]\d{3})+\b")  # 120 000: one number, spaced
FAILED = "read_aloud_failed"  # the one name a failure is reported by (never the text)


def spoken(paragraphs: Sequence[str] | str) -> str:
    """The words as the engine gets them: a line per paragraph (each ends a clause), no empty
    lines, no-break spaces as plain ones, and sums written in groups ("120 000 €") as one number
    (the English and Finnish voices would read the groups as separate numbers or digits)."""
    lines = (
        paragraphs.splitlines()
        if isinstance(paragraphs, str)
        else [p for part in paragraphs for p in part.splitlines()]
    )
    plain = (THOUSANDS.sub(_joined, line).replace("\u00a0", " ").replace("\u202f", " ").strip() for line in lines)
    return "\n".join(line for line in plain if line)[:MAX_CHARS]


def _joined(match: re.Match[str]) -> str:
    return re.sub(r"\D", "", match.group())


class Speech(Protocol):
    """What ``ReadAloud`` needs of a started process (``subprocess.Popen``)."""

    stdin: IO[bytes] | None
    returncode: int | None

    def poll(self) -> int | None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...
    def wait(self, timeout: float | None = None) -> int: ...


def _start(args: list[str]) -> Speech:
    return subprocess.Popen(  # no shell: the text goes on stdin, never on a command line
        args,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )


class ReadAloud:
    """One voice for the terminal: at most one text spoken at a time.

    ``which`` finds the engine (``shutil.which``), ``start`` starts a process from an argv
    (``subprocess.Popen`` with a stdin pipe); both replaceable for tests. ``on_error`` is
    called with ``FAILED`` when the engine fails, after which it is not offered again.
    """

    def __init__(
        self,
        *,
        which: Callable[[str], str | None] | None = None,
        start: Callable[[list[str]], Speech] = _start,
        rate: int = RATE,
        on_error: Callable[[str], Any] | None = None,
    ) -> None:
        self._path = (which or shutil.which)(ENGINE)
        self._start = start
        self.rate = rate
        self.on_error = on_error
        self._speech: Speech | None = None  # the reading under way (one we stopped is forgotten)
        self._failed = False
        self._dying: list[Speech] = []  # killed but not yet reaped

    def available(self) -> bool:
        """An engine was found and has not failed: the screens may offer the button."""
        self._reap()
        return self._path is not None and not self._failed

    def speaking(self) -> bool:
        """A text is being read (its process has not ended)."""
        self._reap()
        return self._speech is not None

    def voice(self, lang: str) -> str:
        return VOICES.get(lang, VOICES["fi"])

    def command(self, lang: str) -> list[str]:
        assert self._path is not None
        return [self._path, "-v", self.voice(lang), "-s", str(self.rate), "-l", str(CLAUSE_LINE), "--stdin"]

    def speak(self, text: str, lang: str) -> bool:
        """Start reading ``text`` in ``lang``'s voice, stopping any reading first. False when
        there is nothing to read or no engine; never raises for an engine that fails."""
        self.stop()
        words = spoken(text)
        if not words or not self.available():
            return False
        try:
            speech = self._start(self.command(lang))
        except OSError:
            self._fail()
            return False
        self._speech = speech
        try:
            if speech.stdin is not None:
                speech.stdin.write(words.encode("utf-8"))
                speech.stdin.close()
        except OSError:  # it ended at once (a broken pipe): a failure, seen by _reap
            pass
        return True

    def toggle(self, text: str, lang: str) -> bool:
        """A press of the button: stop the reading under way, else start this one. True when
        reading started."""
        if self.speaking():
            self.stop()
            return False
        return self.speak(text, lang)

    def stop(self) -> None:
        """End the reading under way, if any: terminated, and waited for a moment so no zombie
        stays (espeak-ng ends at once on SIGTERM); killed if it has not, without waiting."""
        speech = self._speech
        if speech is None:
            return
        self._speech = None
        if speech.poll() is None:
            try:
                speech.terminate()
                speech.wait(timeout=STOP_WAIT)
            except subprocess.TimeoutExpired:
                self._kill(speech)
            except OSError:
                pass

    def _kill(self, speech: Speech) -> None:
        speech.kill()
        try:
            speech.wait(timeout=STOP_WAIT)  # SIGKILL ends it at once
        except subprocess.TimeoutExpired:
            self._dying.append(speech)  # reaped later

    def _reap(self) -> None:
        """Forget a reading that has ended; one that ended with an error status is a failure."""
        self._dying = [gone for gone in self._dying if gone.poll() is None]
        speech = self._speech
        if speech is None or speech.poll() is None:
            return
        self._speech = None
        if speech.returncode not in (0, None):
            self._fail()

    def _fail(self) -> None:
        if self._failed:
            return
        self._failed = True
        if self.on_error is not None:
            self.on_error(FAILED)
