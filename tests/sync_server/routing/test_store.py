"""A router on disk: round trip, the sidecar, and every way a stored router is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import joblib
import pytest
import sklearn

from sync_server.routing import RouterCorrupt, Scores, load_router, read_router_info, save_router
from sync_server.routing.model import Router
from tests.sync_server.routing.conftest import make_texts

SCORES = Scores(accuracy=0.9, macro_f1=0.85, top3_accuracy=1.0)


@pytest.fixture
def saved(tmp_path: Path, small_router: Router) -> Path:
    save_router(small_router, tmp_path, scores=SCORES, trained_at=datetime(2026, 11, 29, 3, 0, tzinfo=UTC))
    return tmp_path


def sidecar(data_dir: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((data_dir / "router" / "router.json").read_text())
    return loaded


def model_file(data_dir: Path) -> Path:
    return data_dir / "router" / str(sidecar(data_dir)["model_file"])


def test_no_router_saved_loads_as_none(tmp_path: Path) -> None:
    assert load_router(tmp_path) is None
    assert read_router_info(tmp_path) is None


def test_a_saved_router_loads_and_suggests_the_same(saved: Path, small_router: Router) -> None:
    loaded = load_router(saved)
    assert loaded is not None
    assert loaded.label_name == "topic"
    assert loaded.labels == small_router.labels
    assert loaded.trained_rows == small_router.trained_rows
    assert loaded.temperature == small_router.temperature
    probe = make_texts(5, seed=21)[0]
    assert loaded.suggest(probe) == small_router.suggest(probe)


def test_the_sidecar_says_what_the_router_is(saved: Path, small_router: Router) -> None:
    data = sidecar(saved)
    assert data["label_name"] == "topic"
    assert data["labels"] == list(small_router.labels)
    assert data["trained_rows"] == 120
    assert data["trained_at"] == "2026-11-29T03:00:00Z"
    assert data["scores"] == {"accuracy": 0.9, "macro_f1": 0.85, "top3_accuracy": 1.0}
    assert data["sklearn_version"] == sklearn.__version__
    assert len(str(data["sha256"])) == 64
    assert str(data["model_file"]) == f"model-{str(data['sha256'])[:16]}.joblib"
    info = read_router_info(saved)
    assert info is not None and info.scores == SCORES


def test_saving_again_replaces_the_router_and_its_old_model_file(saved: Path) -> None:
    texts, labels = make_texts(10, seed=30)
    other = [label.upper() for label in labels]
    from sync_server.routing import train_router

    save_router(train_router(texts, other, label_name="TEAM"), saved)
    files = sorted(p.name for p in (saved / "router").iterdir())
    assert files == sorted(["router.json", str(sidecar(saved)["model_file"])])
    loaded = load_router(saved)
    assert loaded is not None and loaded.label_name == "TEAM" and loaded.labels == ("KADUT", "KOULUT", "PUISTOT")
    assert sidecar(saved)["scores"] is None


def test_a_changed_model_file_is_refused_by_its_sha256(saved: Path) -> None:
    path = model_file(saved)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RouterCorrupt, match="does not match the sha256") as caught:
        load_router(saved)
    assert caught.value.reason == "router_corrupt"
    assert "train-router" in str(caught.value)


def test_a_swapped_sidecar_hash_is_refused(saved: Path) -> None:
    data = sidecar(saved)
    data["sha256"] = "0" * 64
    (saved / "router" / "router.json").write_text(json.dumps(data))
    with pytest.raises(RouterCorrupt, match="sha256"):
        load_router(saved)


def test_a_missing_model_file_is_refused(saved: Path) -> None:
    model_file(saved).unlink()
    with pytest.raises(RouterCorrupt, match="is missing"):
        load_router(saved)


@pytest.mark.parametrize(
    "text",
    [pytest.param("{not json", id="not-json"), pytest.param('{"labels": []}', id="keys-missing")],
)
def test_an_unreadable_sidecar_is_refused(saved: Path, text: str) -> None:
    (saved / "router" / "router.json").write_text(text)
    with pytest.raises(RouterCorrupt, match="unreadable"):
        load_router(saved)


def test_a_model_file_name_outside_the_folder_is_refused(saved: Path) -> None:
    data = sidecar(saved)
    data["model_file"] = "../settings.toml"
    (saved / "router" / "router.json").write_text(json.dumps(data))
    with pytest.raises(RouterCorrupt, match="is missing"):
        load_router(saved)


def test_another_scikit_learn_version_is_refused(saved: Path) -> None:
    data = sidecar(saved)
    data["sklearn_version"] = "0.24.2"
    (saved / "router" / "router.json").write_text(json.dumps(data))
    with pytest.raises(RouterCorrupt, match=r"scikit-learn 0\.24\.2") as caught:
        load_router(saved)
    assert caught.value.reason == "router_version"


def test_a_model_for_other_labels_is_refused_even_with_the_right_hash(saved: Path) -> None:
    data = sidecar(saved)
    data["labels"] = ["a", "b", "c"]
    (saved / "router" / "router.json").write_text(json.dumps(data))
    with pytest.raises(RouterCorrupt, match="not a router for the labels"):
        load_router(saved)


def test_a_file_that_is_not_a_pipeline_is_refused(saved: Path) -> None:
    path = model_file(saved)
    joblib.dump({"not": "a pipeline"}, path)
    data = sidecar(saved)
    import hashlib

    data["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (saved / "router" / "router.json").write_text(json.dumps(data))
    with pytest.raises(RouterCorrupt, match="not a router"):
        load_router(saved)
