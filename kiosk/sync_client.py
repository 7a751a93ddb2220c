"""Talking to the sync server: push sealed batches, pull the signed manifest.

- ``push()`` first asks the server what it holds (``GET /api/v1/devices/{id}/ack``),
  marks those seals acknowledged, then sends every later unacknowledged seal in
  seq order, each followed by the records it covers, in requests of at most
  ``max_lines`` lines. Every answer's ack is applied at once, so an interrupted
  push resumes from what the server acknowledged. Re-sending is always safe.
- ``pull_manifest()`` fetches the newest manifest and applies it only when it
  verifies with the server key pinned at enrollment and is not older than the
  one held. A refused manifest is a result (``ManifestPull.status == "refused"``)
  and a ``manifest.refused`` event, not an exception.
- Requests are signed with the device key (``shared_models.wire.sign_request``).
  A ``401 clock_skew`` answer carries the server's time: the terminal adopts the
  offset (kept in ``meta.clock_offset``) and retries once. Network errors and 5xx
  answers are retried with exponential backoff and full jitter
  (``uniform(0, min(max_delay, base_delay * 2**n))``) up to ``max_attempts``
  tries, then ``SyncFailed`` says what happened. Other refusals raise at once.

Nothing here deletes anything: acknowledged seals are only marked.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from kiosk.capture import log_event
from kiosk.errors import NotEnrolled, SyncFailed
from kiosk.store import LocalStore
from shared_models import Manifest, ManifestError, Record, device_id_for, verify_manifest
from shared_models.keys import ed25519_public_from_b64
from shared_models.wire import Ack, PushResponse, RecordResult, encode_batch, sign_request

__all__ = [
    "ACK_PATH",
    "MANIFEST_PATH",
    "PUSH_PATH",
    "ManifestPull",
    "ManifestVerdict",
    "PushReport",
    "SyncClient",
    "ack_upto",
    "judge_manifest",
    "parse_server_time",
]

PUSH_PATH = "/api/v1/push"
MANIFEST_PATH = "/api/v1/manifest"
ACK_PATH = "/api/v1/devices/{device}/ack"


@dataclass
class PushReport:
    """What one push sent and what the server answered."""

    seals_sent: int = 0
    records_sent: int = 0
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    problems: list[RecordResult] = field(default_factory=list)  # rejected and quarantined lines
    ack_seq: int = 0


@dataclass(frozen=True)
class ManifestPull:
    """The outcome of a manifest pull: ``applied``, ``unchanged`` or ``refused``."""

    status: Literal["applied", "unchanged", "refused"]
    serial: int
    reason: str | None = None
    message: str | None = None


def parse_server_time(value: Any) -> float | None:
    """Seconds since the epoch from the server's ``server_time`` (number or ISO 8601)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return None


@dataclass(frozen=True)
class ManifestVerdict:
    """What the terminal makes of manifest bytes: ``apply`` (``manifest`` set), ``unchanged`` or ``refused``."""

    status: Literal["apply", "unchanged", "refused"]
    held: int
    manifest: Manifest | None = None
    reason: str | None = None
    message: str | None = None


def judge_manifest(store: LocalStore, raw: bytes) -> ManifestVerdict:
    """Verify manifest bytes with the pinned server key, no rollback, no other content under the held serial.

    The one check for every way a manifest arrives (a network pull, a reply from a USB stick)."""
    pinned = store.get_meta("server_key")
    if pinned is None:
        raise NotEnrolled("this terminal has no pinned server key; enroll it first")
    held = store.manifest_serial()
    try:
        manifest = verify_manifest(raw, ed25519_public_from_b64(pinned), min_serial=held)
    except ManifestError as exc:
        return ManifestVerdict("refused", held, reason=exc.reason, message=exc.message)
    if manifest.serial == held:
        if raw == store.manifest_raw():
            return ManifestVerdict("unchanged", held, manifest)
        return ManifestVerdict(
            "refused", held, reason="same_serial", message=f"the server sent other content under serial {held}"
        )
    return ManifestVerdict("apply", held, manifest)


def ack_upto(store: LocalStore, ack: Ack, *, beyond_head: Literal["clip", "refuse"] = "clip") -> int:
    """The seq up to which ``ack`` lets the terminal mark its seals acknowledged, after checking it.

    SyncFailed ``ack_mismatch`` when the server names another seal than this terminal made; with
    ``beyond_head="refuse"``, SyncFailed ``ack_unknown_seal`` for an ack past the newest seal held
    (a push answer is clipped to the head instead: the terminal asked about its own seals)."""
    head_seq, _ = store.head()
    if ack.seq > head_seq and beyond_head == "refuse":
        raise SyncFailed(
            f"the server acknowledges seal {ack.seq}, but this terminal holds seals up to {head_seq} only",
            reason="ack_unknown_seal",
        )
    upto = min(ack.seq, head_seq)
    if upto <= 0:
        return 0
    if ack.hash is not None and ack.seq <= head_seq and store.seal_hash(ack.seq) != ack.hash:
        raise SyncFailed(
            f"the server holds another seal {ack.seq} than this terminal made; nothing is marked sent",
            reason="ack_mismatch",
        )
    return upto


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    if isinstance(body, dict) and isinstance(body.get("detail"), dict):
        body = body["detail"]
    return body if isinstance(body, dict) else {}


class SyncClient:
    """Push and pull for one terminal over an injected ``httpx.Client`` (with ``base_url``)."""

    def __init__(
        self,
        store: LocalStore,
        key: Ed25519PrivateKey,
        http: httpx.Client,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
        max_attempts: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        max_lines: int = 2000,
        max_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        self.store = store
        self.key = key
        self.http = http
        self.sleep = sleep
        self.rng = rng if rng is not None else random.Random()
        self.clock = clock
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.device_id = device_id_for(key)
        self.waits: list[float] = []  # every backoff wait, for the report and tests

    # ------------------------------------------------------------ time

    @property
    def clock_offset(self) -> float:
        return float(self.store.get_meta("clock_offset", "0") or 0)

    def now(self) -> float:
        """The terminal's idea of the time, corrected by the offset learnt from the server."""
        return self.clock() + self.clock_offset

    def _now_dt(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)

    # ------------------------------------------------------------ requests

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        failures = 0
        skew_fixed = False
        while True:
            all_headers = dict(headers or {})
            if signed:
                all_headers.update(sign_request(self.key, method, path, body, timestamp=round(self.now())))
            try:
                response = self.http.request(method, path, content=body, headers=all_headers)
            except httpx.TransportError as exc:
                problem = f"the server could not be reached ({type(exc).__name__}: {exc})"
            else:
                if response.status_code < 400:
                    return response
                error = _error_body(response)
                if response.status_code == 401 and error.get("error") == "clock_skew" and not skew_fixed:
                    server_time = parse_server_time(error.get("server_time"))
                    if server_time is not None:
                        self.store.set_meta("clock_offset", server_time - self.clock())
                        skew_fixed = True
                        continue
                if response.status_code < 500 and response.status_code != 429:
                    message = error.get("message") or response.reason_phrase
                    raise SyncFailed(
                        f"the server refused {method} {path} ({response.status_code}): {message}",
                        reason=str(error.get("error") or f"http_{response.status_code}"),
                    )
                problem = f"the server answered {response.status_code} {response.reason_phrase}"
            failures += 1
            if failures >= self.max_attempts:
                raise SyncFailed(
                    f"the sync gave up after {failures} tries; {problem}; the records stay on the terminal",
                    reason="unreachable",
                )
            wait = self.rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (failures - 1)))
            self.waits.append(wait)
            self.sleep(wait)

    # ------------------------------------------------------------ ack

    def fetch_ack(self) -> Ack:
        """What the server holds of this device's chain."""
        response = self._request("GET", ACK_PATH.format(device=self.device_id))
        try:
            return Ack.model_validate(response.json())
        except (ValidationError, json.JSONDecodeError) as exc:
            raise SyncFailed(f"the server's acknowledgement could not be read: {exc}", reason="bad_answer") from None

    def apply_ack(self, ack: Ack) -> int:
        """Mark seals up to ``ack.seq`` acknowledged after checking the server names our seal."""
        upto = ack_upto(self.store, ack)
        if upto <= 0:
            return 0
        self.store.mark_acked(upto)
        return upto

    # ------------------------------------------------------------ push

    def _chunks(self, after: int) -> list[tuple[list[Record], int]]:
        """Request bodies as (records, seals in them): each seal followed by its records."""
        chunks: list[tuple[list[Record], int]] = []
        lines: list[Record] = []
        size = 0
        seals = 0
        for stored in self.store.seals(unacked_only=True, after=after):
            for index, record in enumerate([stored.record, *self.store.records_of_seal(stored.seq)]):
                if lines and (len(lines) >= self.max_lines or size + len(record.raw) + 1 > self.max_bytes):
                    chunks.append((lines, seals))
                    lines, size, seals = [], 0, 0
                lines.append(record)
                size += len(record.raw) + 1
                seals += index == 0
        if lines:
            chunks.append((lines, seals))
        return chunks

    def push(self) -> PushReport:
        """Send every unacknowledged seal and its records; apply the server's ack as it comes."""
        report = PushReport(ack_seq=self.store.acked_seq())
        if not self.store.seals(unacked_only=True):
            return report
        ack = self.fetch_ack()
        self.apply_ack(ack)
        pending = self.store.counts()["pending"]
        for records, seals in self._chunks(after=max(ack.seq, 0)):
            body = encode_batch(records)
            response = self._request(
                "POST",
                PUSH_PATH,
                body=body,
                headers={"Content-Type": "application/x-ndjson", "X-Osallistu-Pending": str(pending)},
            )
            try:
                answer = PushResponse.model_validate(response.json())
            except (ValidationError, json.JSONDecodeError) as exc:
                raise SyncFailed(
                    f"the server's answer to a push could not be read: {exc}", reason="bad_answer"
                ) from None
            report.requests += 1
            report.seals_sent += seals
            report.records_sent += len(records) - seals
            for result in answer.results:
                report.statuses[result.status] += 1
                if result.status in ("rejected", "quarantined"):
                    report.problems.append(result)
            self.apply_ack(answer.ack)
        report.ack_seq = self.store.acked_seq()
        return report

    # ------------------------------------------------------------ manifest

    def pull_manifest(self) -> ManifestPull:
        """Fetch, verify and apply the newest manifest; refusals are results and events."""
        if self.store.get_meta("server_key") is None:
            raise NotEnrolled("this terminal has no pinned server key; enroll it first")
        raw = self._request("GET", MANIFEST_PATH, signed=False).content.strip()
        verdict = judge_manifest(self.store, raw)
        held = verdict.held
        if verdict.status == "refused":
            return self._refuse(held, verdict.reason or "bad_manifest", verdict.message or "")
        if verdict.status == "unchanged" or verdict.manifest is None:
            return ManifestPull("unchanged", held)
        manifest = verdict.manifest
        self.store.add_manifest(raw, manifest)
        log_event(self.store, self.key, "manifest.applied", {"serial": manifest.serial}, self._now_dt())
        return ManifestPull("applied", manifest.serial)

    def _refuse(self, held: int, reason: str, message: str) -> ManifestPull:
        log_event(self.store, self.key, "manifest.refused", {"reason": reason, "message": message}, self._now_dt())
        return ManifestPull("refused", held, reason, message)
