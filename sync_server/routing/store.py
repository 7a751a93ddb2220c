"""A trained router on disk: ``DIR/router/`` holds the model file and a JSON sidecar.

- ``model-<first 16 hex of its sha256>.joblib``: the scikit-learn pipeline (joblib, zlib level 3);
- ``router.json``: label name, labels, training rows, trained_at (UTC), held-out scores, temperature,
  scikit-learn version, the model file's name and its sha256.

The sidecar is the commit point: the model file is written first under its own name, then the
sidecar replaces the old one atomically, then older model files go. So a crash leaves either
the old router or the new one, never half of one. ``load_router`` returns None when there is
no sidecar (no router yet: feedback goes to triage) and raises ``RouterCorrupt`` when the
sidecar is unreadable, its model file is missing, the sha256 differs, the scikit-learn version
differs (pickles do not travel between versions) or the file holds no matching pipeline.

The sha256 catches a damaged or swapped model file before it is unpickled. It is not a
defence against someone who may write to the data folder (they could rewrite the sidecar
too): the folder is the server's own, mode 0700 like its keys.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import sklearn
from sklearn.pipeline import Pipeline

from sync_server.files import write_atomically
from sync_server.routing.errors import RouterCorrupt
from sync_server.routing.model import Router, Scores

__all__ = ["ROUTER_FOLDER", "SIDECAR", "RouterInfo", "load_router", "read_router_info", "save_router"]

ROUTER_FOLDER = "router"
SIDECAR = "router.json"
FORMAT = 1


@dataclass(frozen=True)
class RouterInfo:
    """What the sidecar says about the stored router."""

    label_name: str
    labels: tuple[str, ...]
    trained_rows: int
    trained_at: str
    scores: Scores | None
    temperature: float
    sklearn_version: str
    model_file: str
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "label_name": self.label_name,
            "labels": list(self.labels),
            "trained_rows": self.trained_rows,
            "trained_at": self.trained_at,
            "scores": self.scores.to_json() if self.scores else None,
            "temperature": self.temperature,
            "sklearn_version": self.sklearn_version,
            "model_file": self.model_file,
            "sha256": self.sha256,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_router(
    router: Router, data_dir: Path, *, scores: Scores | None = None, trained_at: datetime | None = None
) -> RouterInfo:
    """Store ``router`` under ``data_dir/router/``, replacing any earlier one; returns the sidecar's content."""
    folder = Path(data_dir) / ROUTER_FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    part = folder / "model.joblib.part"
    joblib.dump(router.pipeline, part, compress=("zlib", 3))
    with part.open("rb") as handle:
        os.fsync(handle.fileno())
    sha = _sha256(part)
    model_file = f"model-{sha[:16]}.joblib"
    os.replace(part, folder / model_file)
    when = (trained_at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    info = RouterInfo(
        label_name=router.label_name,
        labels=router.labels,
        trained_rows=router.trained_rows,
        trained_at=when,
        scores=scores,
        temperature=router.temperature,
        sklearn_version=sklearn.__version__,
        model_file=model_file,
        sha256=sha,
    )
    sidecar = json.dumps(info.to_json(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    write_atomically(folder / SIDECAR, sidecar.encode("utf-8"))
    for old in folder.glob("model-*.joblib"):
        if old.name != model_file:
            old.unlink()
    return info


def _corrupt(folder: Path, why: str) -> RouterCorrupt:
    return RouterCorrupt(
        f"the stored router in {folder} cannot be used ({why}); train it again with 'osallistu server train-router'"
    )


def read_router_info(data_dir: Path) -> RouterInfo | None:
    """The sidecar of the stored router, or None when no router was saved."""
    folder = Path(data_dir) / ROUTER_FOLDER
    path = folder / SIDECAR
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        scores = raw["scores"]
        return RouterInfo(
            label_name=str(raw["label_name"]),
            labels=tuple(str(label) for label in raw["labels"]),
            trained_rows=int(raw["trained_rows"]),
            trained_at=str(raw["trained_at"]),
            scores=Scores(
                accuracy=float(scores["accuracy"]),
                macro_f1=float(scores["macro_f1"]),
                top3_accuracy=float(scores["top3_accuracy"]),
            )
            if scores is not None
            else None,
            temperature=float(raw["temperature"]),
            sklearn_version=str(raw["sklearn_version"]),
            model_file=str(raw["model_file"]),
            sha256=str(raw["sha256"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise _corrupt(folder, f"{SIDECAR} is unreadable: {type(exc).__name__}") from exc


def load_router(data_dir: Path) -> Router | None:
    """The stored router, checked against its sidecar; None when no router was saved."""
    info = read_router_info(data_dir)
    if info is None:
        return None
    folder = Path(data_dir) / ROUTER_FOLDER
    model_path = folder / info.model_file
    if Path(info.model_file).name != info.model_file or not model_path.is_file():
        raise _corrupt(folder, f"its model file {info.model_file} is missing")
    if _sha256(model_path) != info.sha256:
        raise _corrupt(folder, f"{info.model_file} does not match the sha256 in {SIDECAR}")
    if info.sklearn_version != sklearn.__version__:
        raise RouterCorrupt(
            f"the stored router in {folder} was trained with scikit-learn {info.sklearn_version} and this is "
            f"{sklearn.__version__}; train it again with 'osallistu server train-router'",
            reason="router_version",
        )
    try:
        pipeline = joblib.load(model_path)
    except Exception as exc:  # a file that matches its hash but does not unpickle: written by something else
        raise _corrupt(folder, f"{info.model_file} does not load: {type(exc).__name__}") from exc
    if not isinstance(pipeline, Pipeline) or tuple(str(c) for c in getattr(pipeline, "classes_", ())) != info.labels:
        raise _corrupt(folder, f"{info.model_file} is not a router for the labels in {SIDECAR}")
    if not info.temperature > 0:
        raise _corrupt(folder, f"the temperature in {SIDECAR} is not positive")
    return Router(
        label_name=info.label_name,
        labels=info.labels,
        trained_rows=info.trained_rows,
        temperature=info.temperature,
        pipeline=pipeline,
    )
