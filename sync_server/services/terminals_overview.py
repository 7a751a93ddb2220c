"""What the staff pages show about terminals and the ingest's anomalies, as plain dataclasses.

``terminals_overview`` lists every enrolled terminal with the state the server holds
about it and a status from ``terminal_status`` (a pure function of that state and
``now``):

``revoked``
    the terminal was revoked (whatever else is true: its pushes are quarantined).
``never_synced``
    enrolled, but nothing has ever arrived from it (no push, no bundle).
``behind``
    not seen for longer than ``behind_after`` (the ``terminal_behind_hours`` setting,
    24 h by default), or it reported records waiting unsealed on the terminal at its
    last push while its acknowledged seal has not advanced for longer than
    ``behind_after`` (counted from the arrival of the acknowledged seal, or from
    enrollment when nothing is acknowledged yet).
``ok``
    everything else.

``anomalies_summary`` gathers what the ingest flagged: anomalies (``gap``,
``equivocation``) and quarantined lines with their reasons, counted overall and per
claimed device, with the newest entries of each device first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from sync_server.db.models import Anomaly, Device, Quarantine, Seal

__all__ = [
    "DEFAULT_BEHIND_AFTER",
    "AnomaliesSummary",
    "AnomalyItem",
    "DeviceAnomalies",
    "Status",
    "StatusWhy",
    "TerminalRow",
    "anomalies_summary",
    "terminal_status",
    "terminals_overview",
]

Status = Literal["ok", "behind", "never_synced", "revoked"]
StatusWhy = Literal["not_seen", "pending_without_ack"]
DEFAULT_BEHIND_AFTER = timedelta(hours=24)
ITEMS_PER_DEVICE = 50


@dataclass(frozen=True)
class TerminalRow:
    id: str
    name: str
    place: str | None
    enrolled_at: datetime
    last_seen: datetime | None
    ack_seq: int
    ack_at: datetime | None  # when the acknowledged seal arrived
    pending_reported: int | None  # unsealed records the terminal reported at its last push
    clock_offset_s: int | None  # terminal clock minus server clock at its last push
    revoked_at: datetime | None
    quarantined: int
    quarantine_reasons: dict[str, int]  # reason -> count, most frequent first
    status: Status
    why: StatusWhy | None  # for ``behind``: which rule made it so

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class AnomalyItem:
    at: datetime
    kind: str  # gap, equivocation or quarantine
    reason: str  # the anomaly kind, or the quarantine reason
    detail: dict[str, Any]


@dataclass(frozen=True)
class DeviceAnomalies:
    device: str | None  # as claimed by what arrived; None when nothing named a device
    name: str | None  # None when no such terminal is enrolled
    anomalies: dict[str, int]  # gap / equivocation -> count
    quarantine_reasons: dict[str, int]  # reason -> count, most frequent first
    latest: datetime
    items: list[AnomalyItem] = field(default_factory=list)  # newest first, at most ITEMS_PER_DEVICE

    @property
    def total(self) -> int:
        return sum(self.anomalies.values()) + sum(self.quarantine_reasons.values())


@dataclass(frozen=True)
class AnomaliesSummary:
    anomalies: dict[str, int]  # gap / equivocation -> count
    quarantine_reasons: dict[str, int]  # reason -> count, most frequent first
    devices: list[DeviceAnomalies]  # newest activity first

    @property
    def quarantined(self) -> int:
        return sum(self.quarantine_reasons.values())


def terminal_status(
    *,
    revoked_at: datetime | None,
    last_seen: datetime | None,
    pending_reported: int | None,
    ack_at: datetime | None,
    enrolled_at: datetime,
    now: datetime,
    behind_after: timedelta = DEFAULT_BEHIND_AFTER,
) -> tuple[Status, StatusWhy | None]:
    """The status rules of the module docstring, in that order."""
    if revoked_at is not None:
        return "revoked", None
    if last_seen is None:
        return "never_synced", None
    if now - _utc(last_seen) > behind_after:
        return "behind", "not_seen"
    progress = _utc(ack_at) if ack_at is not None else _utc(enrolled_at)
    if pending_reported and now - progress > behind_after:
        return "behind", "pending_without_ack"
    return "ok", None


def terminals_overview(
    session: Session, *, now: datetime | None = None, behind_after: timedelta = DEFAULT_BEHIND_AFTER
) -> list[TerminalRow]:
    """Every enrolled terminal, by name."""
    now = now or datetime.now(UTC)
    with session.begin():
        rows = session.execute(
            select(Device, Seal.received_at)
            .outerjoin(Seal, and_(Seal.device == Device.id, Seal.seq == Device.ack_seq))
            .order_by(Device.name, Device.id)
        ).all()
        reasons = _quarantine_reasons_by_device(session)
    terminals = []
    for device, ack_at in rows:
        device_reasons = reasons.get(device.id, {})
        status, why = terminal_status(
            revoked_at=device.revoked_at,
            last_seen=device.last_seen,
            pending_reported=device.pending_reported,
            ack_at=ack_at,
            enrolled_at=device.enrolled_at,
            now=now,
            behind_after=behind_after,
        )
        terminals.append(
            TerminalRow(
                id=device.id,
                name=device.name,
                place=device.place,
                enrolled_at=_utc(device.enrolled_at),
                last_seen=_utc_or_none(device.last_seen),
                ack_seq=device.ack_seq,
                ack_at=_utc_or_none(ack_at),
                pending_reported=device.pending_reported,
                clock_offset_s=device.clock_offset_s,
                revoked_at=_utc_or_none(device.revoked_at),
                quarantined=sum(device_reasons.values()),
                quarantine_reasons=device_reasons,
                status=status,
                why=why,
            )
        )
    return terminals


def anomalies_summary(session: Session, *, items_per_device: int = ITEMS_PER_DEVICE) -> AnomaliesSummary:
    """Counts by anomaly kind and quarantine reason, and per device the newest entries with their detail."""
    with session.begin():
        names: dict[str, str] = {device: name for device, name in session.execute(select(Device.id, Device.name))}
        anomaly_counts: dict[str | None, dict[str, int]] = defaultdict(dict)
        latest: dict[str | None, datetime] = {}
        for device, kind, n, newest in session.execute(
            select(Anomaly.device, Anomaly.kind, func.count(), func.max(Anomaly.at)).group_by(
                Anomaly.device, Anomaly.kind
            )
        ):
            anomaly_counts[device][kind] = n
            latest[device] = max(latest.get(device, _utc(newest)), _utc(newest))
        reason_counts = _quarantine_reasons_by_device(session)
        for device, newest in session.execute(
            select(Quarantine.device, func.max(Quarantine.received_at)).group_by(Quarantine.device)
        ):
            latest[device] = max(latest.get(device, _utc(newest)), _utc(newest))
        items: dict[str | None, list[AnomalyItem]] = defaultdict(list)
        ranked_anomalies = select(
            Anomaly,
            func.row_number()
            .over(partition_by=Anomaly.device, order_by=(Anomaly.at.desc(), Anomaly.id.desc()))
            .label("n"),
        ).subquery()
        for anomaly in session.execute(select(ranked_anomalies).where(ranked_anomalies.c.n <= items_per_device)):
            items[anomaly.device].append(
                AnomalyItem(at=_utc(anomaly.at), kind=anomaly.kind, reason=anomaly.kind, detail=dict(anomaly.detail))
            )
        ranked_quarantine = select(
            Quarantine.id,
            Quarantine.received_at,
            Quarantine.device,
            Quarantine.reason,
            Quarantine.channel,
            Quarantine.kind,
            Quarantine.record_hash,
            Quarantine.raw_length,
            func.row_number()
            .over(partition_by=Quarantine.device, order_by=(Quarantine.received_at.desc(), Quarantine.id.desc()))
            .label("n"),
        ).subquery()
        for row in session.execute(select(ranked_quarantine).where(ranked_quarantine.c.n <= items_per_device)):
            detail = {
                "channel": row.channel,
                "record_kind": row.kind,
                "record": row.record_hash,
                "bytes": row.raw_length,
            }
            items[row.device].append(
                AnomalyItem(at=_utc(row.received_at), kind="quarantine", reason=row.reason, detail=detail)
            )
    totals_anomalies: dict[str, int] = defaultdict(int)
    totals_reasons: dict[str, int] = defaultdict(int)
    devices = []
    for device in latest:
        for kind, n in anomaly_counts.get(device, {}).items():
            totals_anomalies[kind] += n
        for reason, n in reason_counts.get(device, {}).items():
            totals_reasons[reason] += n
        newest_first = sorted(items.get(device, []), key=lambda item: item.at, reverse=True)[:items_per_device]
        devices.append(
            DeviceAnomalies(
                device=device,
                name=names.get(device) if device is not None else None,
                anomalies=dict(sorted(anomaly_counts.get(device, {}).items())),
                quarantine_reasons=reason_counts.get(device, {}),
                latest=latest[device],
                items=newest_first,
            )
        )
    devices.sort(key=lambda entry: entry.latest, reverse=True)
    return AnomaliesSummary(
        anomalies=dict(sorted(totals_anomalies.items())),
        quarantine_reasons=_most_first(totals_reasons),
        devices=devices,
    )


def _quarantine_reasons_by_device(session: Session) -> dict[str | None, dict[str, int]]:
    counts: dict[str | None, dict[str, int]] = defaultdict(dict)
    for device, reason, n in session.execute(
        select(Quarantine.device, Quarantine.reason, func.count()).group_by(Quarantine.device, Quarantine.reason)
    ):
        counts[device][reason] = n
    return {device: _most_first(reasons) for device, reasons in counts.items()}


def _most_first(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stamp is stored in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else _utc(moment)
