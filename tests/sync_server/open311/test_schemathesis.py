"""schemathesis against the OpenAPI schema of the Open311 routes, over real HTTP: no server error,
status codes and JSON bodies as the schema says. Bounded (a few examples per operation)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sync_server.services.open311 import issue_key_for
from sync_server.settings import Settings
from tests.sync_server.servers import server_thread

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def open311_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The real app for a demo data folder, and an API key for it."""
    from sync_server.admin import init_data_dir, load_settings

    directory = tmp_path_factory.mktemp("open311") / "server"
    init_data_dir(directory, demo=True)
    settings: Settings = load_settings(directory)
    key = issue_key_for(settings, name="schemathesis", now=datetime.now(UTC))
    with server_thread(settings, voxit_interval=None) as url:
        yield url, key


def test_open311_routes_keep_to_their_schema(open311_server: tuple[str, str]) -> None:
    # schemathesis' own pytest loader (``from_fixture``) does not run under this pytest, so the
    # operations' strategies are driven with hypothesis directly; the checks are schemathesis'.
    url, key = open311_server
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json").include(path_regex="^/open311/")
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) == 14  # 7 resources x (json, xml)
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def conforms(case: schemathesis.Case[Any]) -> None:
            if case.method == "POST" and isinstance(case.body, dict) and case.body.get("description"):
                # A valid key and service for posts with a description, so the generated text reaches
                # the intake device, the ingest and the case projection (the others test the refusals).
                case.body.update({"api_key": key, "service_code": "parks"})
            case.call_and_validate(base_url=url, checks=CHECKS)

        conforms()
