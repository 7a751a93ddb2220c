"""Reading aloud (kiosk/read_aloud.py) with a fake espeak-ng on PATH that records its argv and
stdin: the voice per language, the text on stdin, one reading at a time, stopping, and a
missing or broken engine that is quietly not offered. One test runs the real espeak-ng, when
installed, to prove the voice names exist."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fake_espeak import alive, install_fake_espeak, recorded_runs, wait_ended

from kiosk.read_aloud import FAILED, RATE, STOP_WAIT, VOICES, ReadAloud, spoken


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return install_fake_espeak(tmp_path, monkeypatch)


@pytest.fixture
def reader(runs: Path) -> Any:
    errors: list[str] = []
    voice = ReadAloud(on_error=errors.append)
    voice.errors = errors  # type: ignore[attr-defined]
    yield voice
    voice.stop()


@pytest.mark.parametrize(("lang", "voice"), [("fi", "fi"), ("sv", "sv"), ("en", "en-gb")])
def test_each_language_is_read_in_its_voice_slowly_with_the_text_on_stdin(
    reader: Any, runs: Path, lang: str, voice: str
) -> None:
    text = "Kirjaston piha: ääni & \"lainausmerkit\" $(rm -rf /) 'yksi' ; echo"
    assert reader.available() and reader.speak(text, lang)
    (run,) = recorded_runs(runs, 1)
    assert run["argv"] == ["-v", voice, "-s", str(RATE), "-l", run["argv"][5], "--stdin"]
    assert run["stdin"] == text  # byte for byte: no shell ever saw it
    assert RATE < 175  # slower than espeak-ng's default


def test_a_second_press_stops_the_first_reading(reader: Any, runs: Path) -> None:
    assert reader.toggle("Ensimmäinen väite.", "fi") is True
    (first,) = recorded_runs(runs, 1)
    assert reader.speaking() and alive(first["pid"])
    assert reader.toggle("Ensimmäinen väite.", "fi") is False  # the same button again: Stop
    assert wait_ended(first["pid"]) and not reader.speaking()
    assert reader.toggle("Toinen väite.", "sv") is True  # and once more: reads again
    second = recorded_runs(runs, 2)[1]
    assert second["stdin"] == "Toinen väite." and second["argv"][1] == "sv"
    assert reader.errors == []


def test_speaking_something_else_ends_the_reading_under_way(reader: Any, runs: Path) -> None:
    reader.speak("Yksi.", "fi")
    (first,) = recorded_runs(runs, 1)
    reader.speak("Kaksi.", "en")
    second = recorded_runs(runs, 2)[1]
    assert wait_ended(first["pid"]) and alive(second["pid"]) and reader.speaking()


def test_stop_ends_the_reading_as_the_idle_reset_does(reader: Any, runs: Path) -> None:
    reader.speak("Väite, jota kukaan ei kuuntele loppuun.", "fi")
    (run,) = recorded_runs(runs, 1)
    reader.stop()
    assert wait_ended(run["pid"]) and not reader.speaking()
    reader.stop()  # nothing under way: nothing happens
    assert reader.available() and reader.errors == []  # a stopped reading is not a failure


def test_an_engine_deaf_to_sigterm_is_killed_without_holding_up_the_screen(tmp_path: Path, monkeypatch: Any) -> None:
    runs = install_fake_espeak(tmp_path, monkeypatch, deaf_to_term=True)
    reader = ReadAloud()
    reader.speak("Jumiin jäävä puhe.", "fi")
    (run,) = recorded_runs(runs, 1)
    began = time.monotonic()
    reader.stop()
    assert time.monotonic() - began < STOP_WAIT + 0.5
    assert wait_ended(run["pid"]) and not reader.speaking()


def test_a_reading_that_ends_by_itself_is_no_longer_under_way(tmp_path: Path, monkeypatch: Any) -> None:
    runs = install_fake_espeak(tmp_path, monkeypatch, seconds=0)
    reader = ReadAloud()
    reader.speak("Lyhyt.", "fi")
    (run,) = recorded_runs(runs, 1)
    assert wait_ended(run["pid"], timeout=5)
    for _ in range(100):
        if not reader.speaking():
            break
        subprocess.run(["sleep", "0.02"], check=True)
    assert not reader.speaking() and reader.available()


def test_nothing_to_read_starts_nothing(reader: Any, runs: Path) -> None:
    assert reader.speak("  \n ", "fi") is False
    assert not reader.speaking() and list(runs.iterdir()) == []


def test_without_espeak_ng_nothing_is_offered_and_nothing_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    errors: list[str] = []
    reader = ReadAloud(on_error=errors.append)
    assert not reader.available()
    assert reader.speak("Hei", "fi") is False and reader.toggle("Hei", "fi") is False
    assert not reader.speaking() and errors == []


def test_an_engine_that_cannot_start_is_reported_by_name_once_and_no_longer_offered() -> None:
    errors: list[str] = []

    def broken(args: list[str]) -> Any:
        raise PermissionError(13, "Permission denied", args[0])

    reader = ReadAloud(which=lambda name: "/usr/bin/espeak-ng", start=broken, on_error=errors.append)
    assert reader.available()
    secret = "Äänestän Kallion skeittipuistoa"
    assert reader.speak(secret, "fi") is False
    assert not reader.available() and errors == [FAILED]
    assert reader.speak(secret, "fi") is False and errors == [FAILED]
    assert all(secret not in e for e in errors)  # what was to be read is never in the report


def test_an_engine_that_exits_with_an_error_is_reported_and_no_longer_offered(tmp_path: Path, monkeypatch: Any) -> None:
    runs = install_fake_espeak(tmp_path, monkeypatch, exit_status=1)
    errors: list[str] = []
    reader = ReadAloud(on_error=errors.append)
    secret = "Valitsen: Töölönlahden valot"
    assert reader.speak(secret, "fi")
    for _ in range(250):
        if not reader.available():
            break
        subprocess.run(["sleep", "0.02"], check=True)
    assert not reader.available() and not reader.speaking()
    assert errors == [FAILED] and list(runs.iterdir()) == []


def test_the_engine_gets_a_line_per_paragraph_and_sums_as_numbers() -> None:
    shown = ["Kallion penkit", "120\u00a0000\u00a0€", "", "Uusia penkkejä  puistoon.\n"]
    assert spoken(shown) == "Kallion penkit\n120000 €\nUusia penkkejä  puistoon."
    assert spoken("Vuonna 2027 100 ihmistä, 1 / 9") == "Vuonna 2027 100 ihmistä, 1 / 9"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("lang", sorted(VOICES))
def test_the_real_espeak_ng_has_each_voice(lang: str) -> None:
    """The argv the terminal uses, with --stdout (a WAV on stdout, no audio device needed)."""
    command = ReadAloud().command(lang)
    text = {"fi": "Lue ääneen.", "sv": "Läs högt.", "en": "Read aloud."}[lang]
    done = subprocess.run(
        [*command, "--stdout"], input=text.encode("utf-8"), capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout[:4] == b"RIFF" and len(done.stdout) > 10_000  # a WAV with sound in it
