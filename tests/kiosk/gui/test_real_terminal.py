"""The app over the real ``kiosk.terminal.Terminal`` and ``kiosk.worker.SyncWorker``
(enrolled against the core tests' in-memory server)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from kiosk_factories import PIN

from .driving import button, press, settle, texts

pytestmark = pytest.mark.gui


def test_real_terminal_pin_panel_and_sync_on_the_worker_thread(
    make_app: Any, enrolled_kiosk: Any, server: Any, clock: Any, tmp_path: Path
) -> None:
    from kiosk.worker import SyncWorker

    kdir = tmp_path / "kiosk"
    holder: list[Any] = []
    worker = SyncWorker(
        kdir,
        on_result=lambda outcome: holder[0].post_sync_outcome(outcome),
        interval=None,
        http_factory=lambda _url: server.client(),
    )
    app = make_app(enrolled_kiosk, kdir=kdir, sync_worker=worker)
    holder.append(app)
    worker.start()
    try:
        welcome = app.manager.get_screen("welcome")
        assert app.tr("welcome.nothing_open") in texts(welcome)  # the demo enables activities, none registered yet

        wrong = "0" * len(PIN) if "0" * len(PIN) != PIN else "9" * len(PIN)
        app.open_librarian()
        pin_screen = app.manager.get_screen("pin")
        for digit in wrong:
            pin_screen.press(digit)
        pin_screen.submit()
        settle()
        assert "Yrityksiä jäljellä" in texts(pin_screen)
        for digit in PIN:
            pin_screen.press(digit)
        pin_screen.submit()
        settle()
        assert app.manager.current == "librarian"
        panel = app.manager.get_screen("librarian")

        press(button(panel, app.tr("panel.sync")))
        deadline = time.monotonic() + 20
        while panel.syncing and time.monotonic() < deadline:
            time.sleep(0.02)
            settle(1)
        assert not panel.syncing
        assert "Lähetys onnistui." in texts(panel)
        assert "Viimeisin lähetys" in texts(panel)

        press(button(panel, app.tr("panel.close")))
        assert app.manager.current == "welcome" and not app.librarian_signed_in
    finally:
        worker.stop(timeout=5)
