"""The terminal's Ed25519 key: made on the terminal, kept at ``KDIR/device.key``.

Raw 32 private bytes in a file created with ``O_CREAT | O_EXCL`` and mode 0600,
so an existing key is never overwritten and nobody else can read it. A key file
that group or others can read is refused: it may have been copied.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.errors import KeyFileError
from shared_models.keys import ed25519_private_from_bytes, private_bytes

__all__ = ["KEY_FILE", "create_device_key", "key_path", "load_device_key"]

KEY_FILE = "device.key"


def key_path(kdir: str | Path) -> Path:
    return Path(kdir) / KEY_FILE


def fsync_dir(folder: Path) -> None:
    """Make a file's creation or rename in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_device_key(kdir: str | Path) -> Ed25519PrivateKey:
    """Make a new key at ``KDIR/device.key``; KeyFileError if one is already there."""
    folder = Path(kdir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    try:
        fd = os.open(key_path(folder), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(
            f"a device key already exists in {folder}; it is never overwritten", reason="key_exists"
        ) from None
    try:
        os.write(fd, private_bytes(key))
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(folder)
    return key


def load_device_key(kdir: str | Path) -> Ed25519PrivateKey:
    """Load the terminal's key; KeyFileError if it is missing, damaged or readable by others."""
    path = key_path(kdir)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise KeyFileError(f"there is no device key at {path}", reason="key_missing") from None
    try:
        mode = os.fstat(fd).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(
                f"the device key {path} can be read by other users (mode {stat.S_IMODE(mode):o}); "
                "it may have been copied, so it is not used",
                reason="key_insecure",
            )
        raw = os.read(fd, 64)
    finally:
        os.close(fd)
    if len(raw) != 32:
        raise KeyFileError(f"the device key {path} is damaged ({len(raw)} bytes, expected 32)", reason="key_damaged")
    return ed25519_private_from_bytes(raw)
