"""The librarian PIN: a salted scrypt hash, and a lockout that survives restarts.

Five wrong tries in a row lock the panel for 60 s; each further lockout doubles
the wait (60, 120, 240 ... s, at most a day) until a right PIN resets it. The
state lives in ``meta`` (``pin_failures``, ``pin_lockouts``, ``pin_locked_until``),
so switching the terminal off and on does not reset it. The clock is passed in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from kiosk.store import LocalStore

__all__ = [
    "FIRST_LOCKOUT",
    "MAX_LOCKOUT",
    "MAX_TRIES",
    "PinResult",
    "check_pin",
    "hash_pin",
    "pin_matches",
    "valid_pin",
]

MAX_TRIES = 5
FIRST_LOCKOUT = 60.0
MAX_LOCKOUT = 24 * 3600.0
_N, _R, _P = 2**14, 8, 1


@dataclass(frozen=True)
class PinResult:
    """The outcome of one PIN entry. ``locked_for`` is the seconds left in a lockout."""

    ok: bool
    tries_left: int
    locked_for: float = 0.0
    locked_until: float | None = None  # the terminal clock time (epoch seconds) the lockout ends
    just_locked: bool = False

    @property
    def locked(self) -> bool:
        return self.locked_for > 0

    @property
    def message(self) -> str:
        if self.ok:
            return "PIN accepted."
        if self.locked:
            return f"Too many wrong PINs. Try again in {int(self.locked_for + 0.999)} seconds."
        return f"Wrong PIN. {self.tries_left} tries left."


def valid_pin(pin: str) -> bool:
    return pin.isdigit() and 4 <= len(pin) <= 12


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (hex), for ``meta.pin_hash``."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            pin.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
        )
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def _number(store: LocalStore, key: str) -> float:
    return float(store.get_meta(key, "0") or 0)


def check_pin(store: LocalStore, pin: str, *, now: float) -> PinResult:
    """Check a PIN entry against ``meta.pin_hash`` and update the lockout state."""
    locked_until = _number(store, "pin_locked_until")
    if now < locked_until:
        return PinResult(ok=False, tries_left=0, locked_for=locked_until - now, locked_until=locked_until)
    stored = store.get_meta("pin_hash")
    if stored is not None and pin_matches(pin, stored):
        with store.atomic():
            store.set_meta("pin_failures", 0)
            store.set_meta("pin_lockouts", 0)
            store.set_meta("pin_locked_until", 0)
        return PinResult(ok=True, tries_left=MAX_TRIES)
    failures = int(_number(store, "pin_failures")) + 1
    if failures < MAX_TRIES:
        store.set_meta("pin_failures", failures)
        return PinResult(ok=False, tries_left=MAX_TRIES - failures)
    lockouts = int(_number(store, "pin_lockouts"))
    wait = min(MAX_LOCKOUT, FIRST_LOCKOUT * 2**lockouts)
    with store.atomic():
        store.set_meta("pin_failures", 0)
        store.set_meta("pin_lockouts", lockouts + 1)
        store.set_meta("pin_locked_until", now + wait)
    return PinResult(ok=False, tries_left=0, locked_for=wait, locked_until=now + wait, just_locked=True)
