from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys

import pytest

import shared_models
from shared_models import errors

MODULES = sorted(f"shared_models.{info.name}" for info in pkgutil.iter_modules(shared_models.__path__))
WITH_ALL = [name for name in ["shared_models", *MODULES] if hasattr(importlib.import_module(name), "__all__")]
FORBIDDEN = ["fastapi", "httpx", "kivy", "psycopg", "sklearn", "sqlalchemy", "sqlite3", "sqlite_utils", "starlette"]


def _isort_order(name: str) -> tuple[int, str]:
    """The order ruff keeps ``__all__`` in: CONSTANTS, then Classes, then functions."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


@pytest.mark.parametrize("module", WITH_ALL, ids=str)
def test_all_is_sorted_and_every_name_is_importable(module: str) -> None:
    loaded = importlib.import_module(module)
    names = loaded.__all__
    assert names == sorted(names, key=_isort_order)
    assert len(set(names)) == len(names)
    missing = [name for name in names if not hasattr(loaded, name)]
    assert missing == []


def test_star_import_gives_exactly_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from shared_models import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(shared_models.__all__)


def test_shared_models_imports_no_io_or_framework_library() -> None:
    code = (
        "import json, sys, shared_models, shared_models.wire\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_every_error_is_an_osallistu_error_with_a_snake_case_reason() -> None:
    classes = [value for _, value in inspect.getmembers(errors, inspect.isclass) if value.__module__ == errors.__name__]
    classes.remove(errors.ReasonedError)
    assert len(classes) == 12
    for error in classes:
        assert issubclass(error, shared_models.OsallistuError)
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", error.reason), error
        assert error.__name__ in (errors.__doc__ or ""), f"{error.__name__} is missing from the drawn tree"


def test_the_terminal_and_server_error_trees_share_the_reasoned_base() -> None:
    from kiosk.errors import KioskError
    from sync_server.errors import ServerError

    for tree in (KioskError, ServerError, shared_models.OsallistuError):
        error = tree("the sentence", reason="some_reason")
        assert isinstance(error, errors.ReasonedError)
        assert (error.reason, error.message) == ("some_reason", "the sentence")


def test_record_errors_share_one_base() -> None:
    for error in ("MalformedRecord", "NonCanonical", "UnknownKind", "InvalidBody", "BadSignature"):
        assert issubclass(getattr(shared_models, error), shared_models.RecordError)


def test_an_error_keeps_its_reason_and_sentence() -> None:
    error = shared_models.ChainError("seal 3 is missing", reason="seal_gap")
    assert (error.reason, error.message, str(error)) == ("seal_gap", "seal 3 is missing", "seal 3 is missing")
    assert shared_models.ChainError("x").reason == "chain_broken"
