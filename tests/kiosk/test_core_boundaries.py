"""The terminal core stays plain Python: no Kivy, never the server."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "kiosk.bundle_export",
    "kiosk.capture",
    "kiosk.drill",
    "kiosk.enroll",
    "kiosk.errors",
    "kiosk.keystore",
    "kiosk.pin",
    "kiosk.sealing",
    "kiosk.store",
    "kiosk.sync_client",
    "kiosk.terminal",
    "kiosk.worker",
]


def test_core_modules_import_neither_kivy_nor_the_server() -> None:
    code = (
        f"import sys\nfor name in {CORE!r}: __import__(name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'kivy', 'sync_server', 'sqlalchemy', 'fastapi'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
