"""What an ingest says back: one result per line, the ack, counts, and for a
bundle whether the file itself verified."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from shared_models.wire import Ack, PushResponse, RecordResult

__all__ = ["STATUSES", "BundleVerdict", "IngestReport"]

STATUSES = ("accepted", "duplicate", "quarantined", "rejected")


@dataclass(frozen=True)
class BundleVerdict:
    """Whether a USB bundle file verified as a whole. Its lines are judged one by one regardless."""

    status: Literal["verified", "quarantined"]
    reason: str | None = None
    message: str | None = None


@dataclass
class IngestReport:
    batch_id: str
    device: str | None
    channel: str
    results: list[RecordResult]
    ack: Ack
    bundle: BundleVerdict | None = None
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        tally: Counter[str] = Counter(result.status for result in self.results)
        self.counts = {status: tally.get(status, 0) for status in STATUSES}

    def reasons(self) -> dict[str, int]:
        return dict(Counter(r.reason for r in self.results if r.reason is not None))

    def to_push_response(self, server_time: str) -> PushResponse:
        return PushResponse(results=self.results, ack=self.ack, server_time=server_time)

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
            "results": [result.model_dump() for result in self.results],
        }
