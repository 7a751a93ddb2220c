"""``osallistu server train-router`` and ``route`` as operators run them: the real command, a temp data folder."""

from __future__ import annotations

import bz2
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.provisioning.test_cli import osallistu
from tests.sync_server.routing.conftest import make_texts


def write_csv(path: Path, texts: list[str], labels: list[str] | None, *, compress: bool = False) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "viesti", "aihe"])
    for i, text in enumerate(texts):
        writer.writerow([i, text, labels[i] if labels is not None else ""])
    data = buffer.getvalue().encode("utf-8")
    path.write_bytes(bz2.compress(data) if compress else data)
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A server data folder with a router trained on 150 synthetic messages (a .csv.bz2 file)."""
    tmp = tmp_path_factory.mktemp("routing")
    directory = tmp / "server"
    osallistu("server", "init", str(directory))
    texts, labels = make_texts(50, seed=1)
    source = write_csv(tmp / "history.csv.bz2", texts, labels, compress=True)
    result = osallistu(
        "server", "train-router", str(directory), "--csv", str(source), "--text", "viesti", "--label", "aihe"
    )
    assert "Held-out figures: accuracy 1.0000, macro-F1 1.0000, top-3 1.0000." in result.stdout
    assert "Trained on 135 rows (3 labels)" in result.stdout
    assert "held out 15 rows (10% of each label)" in result.stdout
    return directory


def test_train_router_saves_the_model_with_its_sidecar(trained: Path) -> None:
    sidecar = json.loads((trained / "router" / "router.json").read_text())
    assert sidecar["label_name"] == "aihe"
    assert sidecar["labels"] == ["kadut", "koulut", "puistot"]
    assert sidecar["trained_rows"] == 135
    assert sidecar["scores"] == {"accuracy": 1.0, "macro_f1": 1.0, "top3_accuracy": 1.0}
    assert (trained / "router" / sidecar["model_file"]).is_file()


def test_route_json_with_labels_reports_the_figures_and_every_row(trained: Path, tmp_path: Path) -> None:
    texts, labels = make_texts(10, seed=40)
    source = write_csv(tmp_path / "backlog.csv", texts, labels)
    answer = json.loads(
        osallistu(
            "server", "route", str(trained), "--csv", str(source), "--text", "viesti", "--label", "aihe", "--json"
        ).stdout
    )
    assert set(answer) == {"accuracy", "macro_f1", "top3_accuracy", "predictions"}
    assert answer["accuracy"] >= 0.9 and answer["macro_f1"] >= 0.9 and answer["top3_accuracy"] == 1.0
    predictions = answer["predictions"]
    assert [p["row"] for p in predictions] == list(range(1, 31))
    assert sum(p["label"] == label for p, label in zip(predictions, labels, strict=True)) == round(
        answer["accuracy"] * 30
    )
    for p in predictions:
        assert set(p) == {"row", "label", "confidence", "top3"}
        assert 0 <= p["confidence"] <= 1
        assert p["top3"][0] == {"label": p["label"], "confidence": p["confidence"]}
        confidences = [t["confidence"] for t in p["top3"]]
        assert confidences == sorted(confidences, reverse=True)
        assert abs(sum(confidences) - 1) < 0.001


def test_route_without_labels_gives_null_figures_and_skips_blank_texts(trained: Path, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "backlog.csv", ["Koulun ruokala on huono", "   ", "Puistossa penkki rikki"], None)
    answer = json.loads(
        osallistu("server", "route", str(trained), "--csv", str(source), "--text", "viesti", "--json").stdout
    )
    assert answer["accuracy"] is None and answer["macro_f1"] is None and answer["top3_accuracy"] is None
    assert [(p["row"], p["label"]) for p in answer["predictions"]] == [(1, "koulut"), (3, "puistot")]


def test_route_for_people_prints_a_table_and_the_figures(trained: Path, tmp_path: Path) -> None:
    texts, labels = make_texts(2, seed=41)
    source = write_csv(tmp_path / "backlog.csv", texts, labels)
    out = osallistu("server", "route", str(trained), "--csv", str(source), "--text", "viesti", "--label", "aihe").stdout
    assert "Routed 6 rows; 0 rows without a text were skipped." in out
    assert "Against 'aihe': accuracy" in out
    assert "kadut" in out and "koulut" in out


def bad_input(folder: Path, kind: str) -> Path:
    path = folder / "a.csv"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind != "absent":
        write_csv(path, ["x"], ["y"])
    return path


@pytest.mark.parametrize(
    ("kind", "args", "words"),
    [
        pytest.param(
            "csv", ["--text", "message"], "has no column 'message' (its columns: id, viesti, aihe)", id="no-text-column"
        ),
        pytest.param("csv", ["--text", "viesti", "--label", "team"], "has no column 'team'", id="no-label-column"),
        pytest.param("empty", ["--text", "viesti"], "is empty; it needs a header line and rows", id="empty-file"),
        pytest.param("absent", ["--text", "viesti"], "No such file or folder", id="no-file"),
    ],
)
def test_route_refuses_bad_input_in_one_sentence(
    trained: Path, tmp_path: Path, kind: str, args: list[str], words: str
) -> None:
    source = bad_input(tmp_path, kind)
    result = osallistu("server", "route", str(trained), "--csv", str(source), *args, check=False)
    assert result.returncode == 1
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_route_without_a_trained_router_says_so(tmp_path: Path) -> None:
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory))
    source = write_csv(tmp_path / "backlog.csv", ["Katu on rikki"], None)
    result = osallistu("server", "route", str(directory), "--csv", str(source), "--text", "viesti", check=False)
    assert result.returncode == 1
    assert "there is no trained router in" in result.stderr
    assert "osallistu server train-router" in result.stderr


def test_route_with_a_damaged_model_refuses_it(trained: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "server"
    shutil.copytree(trained, copy)
    sidecar = json.loads((copy / "router" / "router.json").read_text())
    model = copy / "router" / sidecar["model_file"]
    model.write_bytes(model.read_bytes()[:-10])
    source = write_csv(tmp_path / "backlog.csv", ["Katu on rikki"], None)
    result = osallistu("server", "route", str(copy), "--csv", str(source), "--text", "viesti", check=False)
    assert result.returncode == 1
    assert "does not match the sha256" in result.stderr and "train it again" in result.stderr


def test_train_router_refuses_an_empty_file_and_a_folder_that_is_not_a_server(tmp_path: Path) -> None:
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory))
    header_only = tmp_path / "h.csv"
    header_only.write_text("viesti,aihe\n")
    args = ["--csv", str(header_only), "--text", "viesti", "--label", "aihe"]
    result = osallistu("server", "train-router", str(directory), *args, check=False)
    assert result.returncode == 1 and "has a header but no rows" in result.stderr
    result = osallistu("server", "train-router", str(tmp_path / "elsewhere"), *args, check=False)
    assert result.returncode == 1 and "is not a server data folder" in result.stderr
    assert not (directory / "router").exists()


def test_train_router_refuses_a_single_label(tmp_path: Path) -> None:
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory))
    source = write_csv(tmp_path / "one.csv", ["katu kuoppa", "katu auraus", "katu valo"], ["kadut"] * 3)
    result = osallistu(
        "server",
        "train-router",
        str(directory),
        "--csv",
        str(source),
        "--text",
        "viesti",
        "--label",
        "aihe",
        check=False,
    )
    assert result.returncode == 1
    assert "at least two different values of 'aihe'" in result.stderr


HARBOUR = ["satama", "laituri", "vene", "lautta", "aallonmurtaja", "kalastaja", "laiva", "ranta"]


def add_staff_routings(directory: Path) -> None:
    """Feedback cases that staff routed: 12 to the new topic 'satama', one only to a team, one by the model."""
    import random

    from sync_server.admin import load_settings
    from sync_server.db.engine import make_engine, make_sessionmaker
    from sync_server.db.models import FeedbackCase, FeedbackRouting

    rng = random.Random(5)
    now = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    engine = make_engine(load_settings(directory).database_url)
    rows: list[tuple[str, str, str | None, str]] = [
        (" ".join(rng.sample(HARBOUR, 4)), "reroute", "satama", "satamatiimi") for _ in range(12)
    ]
    rows += [("puisto penkki nurmikko", "triage", None, "puistotiimi"), ("katu kuoppa", "model", "kadut", "katutiimi")]
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            for n, (message, kind, topic, team) in enumerate(rows):
                case = FeedbackCase(
                    record_hash=f"{n:064x}", record_id=f"R{n:031d}", reference=f"REF{n:09d}", process="demo",
                    device="t" + "a" * 16, day="2026-11-28", received_at=now, lang="fi", message=message,
                    sent_topic="muu", place=None, wants_reply=False, has_contact=False, flags=[], problem=None,
                    problem_detail=None, topic=topic, team=team, routing="model" if kind == "model" else "staff",
                    confirmed=kind != "model", suggestion=None, suggestion_team=None, suggestion_topic=None,
                    confidence=None, top3=None, status="received", status_at=now, due_on=None, answered_at=None,
                    duplicate_of=None, duplicate_score=None, published_at=None,
                )  # fmt: skip
                session.add(case)
                session.flush()
                session.add(
                    FeedbackRouting(
                        case_id=case.id, at=now, kind=kind, staff_id=None, staff_email=None, from_team=None,
                        from_topic=None, to_team=team, to_topic=topic, suggestion=None, confidence=None,
                    )
                )  # fmt: skip
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("kind", "label", "left_out"),
    [pytest.param("topic", "satama", 1, id="topic"), pytest.param("team", "satamatiimi", 0, id="team")],
)
def test_train_router_with_reroutes_learns_the_staff_labels(
    tmp_path: Path, kind: str, label: str, left_out: int
) -> None:
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory))
    add_staff_routings(directory)
    texts, labels = make_texts(30, seed=6)
    source = write_csv(tmp_path / "history.csv", texts, labels)
    args = ["--csv", str(source), "--text", "viesti", "--label", "aihe", "--with-reroutes", "--reroutes-as", kind]
    result = osallistu("server", "train-router", str(directory), *args, "--json")
    answer = json.loads(result.stdout)
    expected = 12 if kind == "topic" else 13
    assert answer["reroutes"] == expected
    assert answer["rows"] == 90 + expected
    assert label in answer["router"]["labels"]
    assert f"{left_out} routed cases had no {kind}" in result.stderr
    backlog = write_csv(tmp_path / "backlog.csv", ["vene laituri satama lautta"], None)
    routed = json.loads(
        osallistu("server", "route", str(directory), "--csv", str(backlog), "--text", "viesti", "--json").stdout
    )
    assert routed["predictions"][0]["label"] == label
