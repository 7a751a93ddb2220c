"""Counts for the operator: records by status and kind, terminals, quarantine reasons, anomalies."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync_server.db.models import Anomaly, Batch, Device, Quarantine, RawRecord
from sync_server.services.devices import device_info

__all__ = ["collect_stats"]


def collect_stats(session: Session) -> dict[str, Any]:
    """``accepted`` counts raw-log rows (seals included); ``duplicate``, ``quarantined`` and
    ``rejected`` are summed per arrival over batches; ``quarantine.reasons`` counts every
    quarantine row (lines, whole bundle files, notes of refused pushes)."""
    with session.begin():
        sums = session.execute(
            select(
                func.coalesce(func.sum(Batch.duplicate), 0),
                func.coalesce(func.sum(Batch.quarantined), 0),
                func.coalesce(func.sum(Batch.rejected), 0),
            )
        ).one()
        accepted = session.scalar(select(func.count()).select_from(RawRecord)) or 0
        by_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"accepted": 0, "quarantined": 0})
        for kind, n in session.execute(select(RawRecord.kind, func.count()).group_by(RawRecord.kind)):
            by_kind[kind]["accepted"] = n
        for quarantined_kind, n in session.execute(
            select(Quarantine.kind, func.count()).where(Quarantine.kind.is_not(None)).group_by(Quarantine.kind)
        ):
            if quarantined_kind is not None:
                by_kind[quarantined_kind]["quarantined"] = n
        reasons: dict[str, int] = {}
        per_device: dict[str, dict[str, int]] = defaultdict(dict)
        for claimed, reason, n in session.execute(
            select(Quarantine.device, Quarantine.reason, func.count()).group_by(Quarantine.device, Quarantine.reason)
        ):
            reasons[reason] = reasons.get(reason, 0) + n
            if claimed is not None:
                per_device[claimed][reason] = n
        devices = []
        for device in session.scalars(select(Device).order_by(Device.enrolled_at, Device.id)):
            info = device_info(device)
            info["reasons"] = dict(per_device.get(device.id, {}))
            info["quarantined"] = sum(info["reasons"].values())
            devices.append(info)
        anomalies = {kind: n for kind, n in session.execute(select(Anomaly.kind, func.count()).group_by(Anomaly.kind))}
    return {
        "records": {
            "accepted": accepted,
            "duplicate": int(sums[0]),
            "quarantined": int(sums[1]),
            "rejected": int(sums[2]),
        },
        "by_kind": {kind: dict(counts) for kind, counts in sorted(by_kind.items())},
        "devices": devices,
        "quarantine": {"reasons": reasons},
        "anomalies": anomalies,
    }
