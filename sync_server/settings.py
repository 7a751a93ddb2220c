"""The server's settings: one object, built from the data folder's ``settings.toml``.

Settings are passed to ``create_app`` and the admin functions; nothing is read
from environment variables. A ``Settings`` refuses to exist without the server
keys, so a server never starts with missing or default secrets.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared_models.keys import ed25519_private_from_bytes, x25519_private_from_bytes
from shared_models.wire import MAX_BATCH_BYTES
from sync_server.errors import DataDirError

__all__ = ["SETTINGS_FILE", "ServerKeys", "Settings", "default_database_url"]

SETTINGS_FILE = "settings.toml"
KEY_BYTES = 32


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir.resolve() / 'osallistu.db'}"


@dataclass(frozen=True)
class ServerKeys:
    signing: Ed25519PrivateKey  # manifests; its fingerprint is in every enrollment token
    sealing: X25519PrivateKey  # opens personal data sealed on terminals


class Settings(BaseModel):
    """Where the server keeps its data and keys, and its limits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path
    database_url: str
    signing_key_path: Path
    sealing_key_path: Path
    max_batch_bytes: int = Field(default=MAX_BATCH_BYTES, ge=1024)
    max_bundle_bytes: int = Field(default=8 * MAX_BATCH_BYTES, ge=1024)
    # staff session cookies are Secure over HTTPS; true also marks them Secure behind a proxy that speaks HTTP to us
    secure_cookies: bool = False
    # the terminals page calls a terminal "behind" when it has not been seen for this long
    terminal_behind_hours: float = Field(default=24.0, gt=0)

    @model_validator(mode="after")
    def _keys_present(self) -> Settings:
        for path in (self.signing_key_path, self.sealing_key_path):
            if not path.is_file():
                raise DataDirError(f"the server key {path} is missing; create the data folder with 'server init'")
            if path.stat().st_size != KEY_BYTES:
                raise DataDirError(f"the server key {path} is not a raw {KEY_BYTES}-byte key")
        return self

    @classmethod
    def from_data_dir(cls, data_dir: Path, *, database_url: str | None = None) -> Settings:
        """Read ``DIR/settings.toml``; a ``database_url`` given here wins over the file's."""
        path = data_dir / SETTINGS_FILE
        if not path.is_file():
            raise DataDirError(f"{data_dir} is not a server data folder (no {SETTINGS_FILE})")
        try:
            values: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise DataDirError(f"{path} is not valid TOML: {exc}") from exc
        keys = values.pop("keys", {})
        return cls(
            data_dir=data_dir,
            database_url=database_url or values.pop("database_url", None) or default_database_url(data_dir),
            signing_key_path=data_dir / keys.get("signing", "keys/signing.key"),
            sealing_key_path=data_dir / keys.get("sealing", "keys/sealing.key"),
            **{k: v for k, v in values.items() if k != "database_url"},
        )

    def load_keys(self) -> ServerKeys:
        return ServerKeys(
            signing=ed25519_private_from_bytes(self.signing_key_path.read_bytes()),
            sealing=x25519_private_from_bytes(self.sealing_key_path.read_bytes()),
        )
