"""What an ingest says back: one result per line, the ack, counts, and for a
bundle whether the file itself verified."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, NamedTuple

from shared_models.wire import Ack, PushResponse, RecordResult

__all__ = ["STATUSES", "BundleVerdict", "IngestReport", "LineResult"]

STATUSES = ("accepted", "duplicate", "quarantined", "rejected")


@dataclass(frozen=True)
class BundleVerdict:
    """Whether a USB bundle file verified as a whole. Its lines are judged one by one regardless."""

    status: Literal["verified", "quarantined"]
    reason: str | None = None
    message: str | None = None


class LineResult(NamedTuple):
    """The verdict on one line, kept light; ``IngestReport.results`` gives the wire models."""

    hash: str
    id: str | None
    kind: str | None
    status: str
    reason: str | None


@dataclass
class IngestReport:
    batch_id: str
    device: str | None
    channel: str
    lines: list[LineResult]
    ack: Ack
    bundle: BundleVerdict | None = None
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        tally: Counter[str] = Counter(line.status for line in self.lines)
        self.counts = {status: tally.get(status, 0) for status in STATUSES}

    @cached_property
    def results(self) -> list[RecordResult]:
        return [RecordResult.model_validate(line._asdict()) for line in self.lines]

    def reasons(self) -> dict[str, int]:
        return dict(Counter(line.reason for line in self.lines if line.reason is not None))

    def to_push_response(self, server_time: str) -> PushResponse:
        return PushResponse(results=self.results, ack=self.ack, server_time=server_time)

    def push_response_json(self, server_time: str) -> bytes:
        """The ``PushResponse`` as JSON, written directly (a push may answer 20,000 lines)."""
        answer = {
            "results": [line._asdict() for line in self.lines],
            "ack": self.ack.model_dump(),
            "server_time": server_time,
        }
        return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()

    def summary(self) -> dict[str, Any]:
        """Plain JSON-able dict for the command line and the bundle endpoint."""
        bundle = (
            None
            if self.bundle is None
            else {"status": self.bundle.status, "reason": self.bundle.reason, "message": self.bundle.message}
        )
        problem = self.bundle.message if self.bundle and self.bundle.status != "verified" else None
        return {
            "batch": self.batch_id,
            "device": self.device,
            "channel": self.channel,
            "counts": dict(self.counts),
            "reasons": self.reasons(),
            "ack": self.ack.model_dump(),
            "bundle": bundle,
            "bundle_problem": problem,
            "results": [line._asdict() for line in self.lines],
        }
