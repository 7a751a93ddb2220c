"""Fixtures for the terminal core: stores, keys, a fake server, an enrolled kiosk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kiosk_factories import PIN, SERVER_URL, FakeServer, install_manifest

from kiosk.enroll import enroll_terminal
from kiosk.store import LocalStore
from kiosk.terminal import Terminal


@pytest.fixture
def fresh_store() -> Iterator[LocalStore]:
    store = LocalStore.in_memory()
    yield store
    store.close()


@pytest.fixture
def device_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def manifest_store(fresh_store: LocalStore, server: FakeServer, device_key: Ed25519PrivateKey) -> LocalStore:
    """A store holding the demo manifest and the pinned server key; the device is known to the server."""
    install_manifest(fresh_store, server)
    server.register(device_key.public_key())
    return fresh_store


@pytest.fixture
def enrolled_kiosk(tmp_path: Path, server: FakeServer) -> Iterator[Terminal]:
    with server.client() as http:
        terminal = enroll_terminal(tmp_path / "kiosk", server_url=SERVER_URL, token=server.token, pin=PIN, http=http)
    yield terminal
    terminal.close()
