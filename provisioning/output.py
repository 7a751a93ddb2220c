"""How the command line speaks: rich for people, plain JSON for scripts, one sentence per error.

Library errors become words only here, at the edge.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from rich.console import Console

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class CommandError(Exception):
    """An error already put in words for the operator."""


def fail(message: str) -> NoReturn:
    raise CommandError(message)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    text = text.splitlines()[0]
    return text if text.endswith((".", "!", "?")) else text + "."


def _translate(exc: BaseException) -> str | None:
    """Words for the errors we expect; None for the unexpected."""
    from shared_models.errors import OsallistuError

    if isinstance(exc, (CommandError, OsallistuError)):
        return _sentence(exc)
    try:
        from sync_server.errors import ServerError
    except ImportError:  # a terminal-only install
        pass
    else:
        if isinstance(exc, ServerError):
            return _sentence(exc)
    try:
        from kiosk.errors import KioskError
    except ImportError:  # a server-only install
        pass
    else:
        if isinstance(exc, KioskError):
            return _sentence(exc)
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return "The server did not answer in time; check the address and the network, then try again."
    if isinstance(exc, httpx.TransportError):
        return "Could not reach the server; check the address and the network, then try again."
    if isinstance(exc, FileNotFoundError):
        return f"No such file or folder: {exc.filename}."
    if isinstance(exc, PermissionError):
        return f"Not allowed to read or write {exc.filename}."
    if isinstance(exc, ModuleNotFoundError):
        return f"This installation lacks the part that does this ({exc.name}); install osallistu[server] or [kiosk]."
    return None


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn expected errors into one sentence on stderr and exit status 1."""
    try:
        yield
    except KeyboardInterrupt:
        err_console.print("Stopped.")
        raise SystemExit(130) from None
    except Exception as exc:
        words = _translate(exc)
        if words is None:
            err_console.print(f"Error: an unexpected {type(exc).__name__}: {_sentence(exc)}")
            raise SystemExit(2) from None
        err_console.print(f"Error: {words}")
        raise SystemExit(1) from None


def guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator for command functions: errors in words, never a traceback."""
    import functools

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with friendly_errors():
            return function(*args, **kwargs)

    return wrapper
