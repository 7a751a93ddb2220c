"""The Voxit commands end to end on the real Polis conversations in ../shared/data/polis:
``import-polis`` (through the raw log), ``analyze --json`` (ids as in the export) and
``export-polis`` (the same format; import -> export -> import -> export keeps the matrix).

Figures printed (``pytest -s``): the adjusted Rand index of our groups against Polis's
``group-id``, and the Spearman correlation of the group-informed consensus computed with our
groups against the one computed with Polis's groups.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import adjusted_rand_score

from sync_server.analysis.matrix import build_vote_matrix
from sync_server.analysis.pipeline import consensus_for_groups
from sync_server.analysis.polis_export import (
    ParticipantsVotes,
    read_comments_csv,
    read_participants_votes_csv,
    read_votes_csv,
)
from tests.provisioning.test_cli import osallistu

POLIS = Path(__file__).resolve().parents[3] / "shared" / "data" / "polis"
CONVERSATIONS = sorted(p.name for p in POLIS.iterdir() if (p / "votes.csv").is_file()) if POLIS.is_dir() else []


def matrix_of(folder: Path) -> ParticipantsVotes:
    return read_participants_votes_csv((folder / "participants-votes.csv").read_text(encoding="utf-8"))


def assert_same_matrix(ours: ParticipantsVotes, theirs: ParticipantsVotes) -> None:
    """Same participants, statements and votes (Polis orders its rows otherwise: compared by id)."""
    assert ours.participant_ids.tolist() == sorted(theirs.participant_ids.tolist())
    assert ours.statement_ids.tolist() == theirs.statement_ids.tolist()
    rows = np.searchsorted(ours.participant_ids, theirs.participant_ids)
    np.testing.assert_array_equal(ours.values[rows], theirs.values)  # NaN where not voted, in both


@pytest.mark.timeout(900)  # six commands; each loads scikit-learn, slow on a busy 2-core machine
@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_import_analyze_export_round_trip(conversation: str, tmp_path: Path) -> None:
    source = POLIS / conversation
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory))
    imported = osallistu("server", "import-polis", str(directory), str(source)).stdout.splitlines()
    process = imported[-1]
    assert process == conversation

    report = json.loads(osallistu("server", "analyze", str(directory), process, "--json").stdout)
    comments = read_comments_csv((source / "comments.csv").read_text(encoding="utf-8"))
    votes = read_votes_csv((source / "votes.csv").read_text(encoding="utf-8"))
    voters = set(votes.participant.tolist())
    voted = set(votes.statement.tolist())
    shown = {c.id for c in comments if c.moderated != -1}
    assert {s["id"] for s in report["statements"]} == voted | shown
    assert all(p in voters for g in report["groups"] for p in g["participants"])
    assert 2 <= len(report["groups"]) <= 5
    priorities = [s["priority"] for s in report["statements"]]
    assert len(set(priorities)) > len(priorities) // 2  # never collapsed to one value

    polis = matrix_of(source)
    ours_groups = {p: g["id"] for g in report["groups"] for p in g["participants"]}
    both = sorted(set(ours_groups) & set(polis.group))
    ari = adjusted_rand_score([polis.group[p] for p in both], [ours_groups[p] for p in both])
    matrix = build_vote_matrix(votes)
    theirs_gic, _ = consensus_for_groups(matrix, polis.group)
    ours_gic, _ = consensus_for_groups(matrix, ours_groups)
    rho = spearmanr(ours_gic, theirs_gic).statistic
    print(f"\n{conversation}: ARI={ari:.3f} consensus Spearman={rho:.3f} groups={len(report['groups'])}")

    first = tmp_path / "export-1"
    osallistu("server", "export-polis", str(directory), process, str(first))
    assert_same_matrix(matrix_of(first), polis)
    exported_comments = read_comments_csv((first / "comments.csv").read_text(encoding="utf-8"))
    assert sorted((c.id, c.moderated, c.body) for c in exported_comments) == sorted(
        (c.id, c.moderated, c.body) for c in comments
    )
    assert {p for p, g in matrix_of(first).group.items()} == set(ours_groups)

    again = osallistu("server", "import-polis", str(directory), str(first)).stdout.splitlines()[-1]
    assert again != process
    second = tmp_path / "export-2"
    osallistu("server", "export-polis", str(directory), again, str(second))
    assert_same_matrix(matrix_of(second), polis)
    assert read_votes_csv((second / "votes.csv").read_text(encoding="utf-8")).vote.size == matrix.n_votes


def test_import_polis_refuses_a_folder_without_an_export(tmp_path: Path) -> None:
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory))
    (tmp_path / "empty").mkdir()
    answer = osallistu("server", "import-polis", str(directory), str(tmp_path / "empty"), check=False)
    assert answer.returncode != 0 and "comments.csv" in answer.stderr + answer.stdout
    missing = osallistu("server", "analyze", str(directory), "nothing", "--json", check=False)
    assert missing.returncode != 0 and "nothing" in missing.stderr + missing.stdout


CONVERSATION_TOML = """
id = "makelankatu"
activities = ["voxit"]

[title]
fi = "Mäkelänkatu"
sv = "Mäkelägatan"
en = "Mäkelänkatu"

[settings.voxit]
allow_proposals = true
opens = "2026-12-01T06:00:00Z"
topic = { fi = "Katuremontti", sv = "Gatrenovering", en = "Street renovation" }
intro = { fi = "Kerro mielipiteesi.", sv = "Säg vad du tycker.", en = "Tell us what you think." }

[[settings.voxit.statements]]
id = "pyorat"
text = { fi = "Lisää pyöräteitä.", sv = "Fler cykelvägar.", en = "More cycle lanes." }
"""


def test_process_add_checks_voxit_settings(tmp_path: Path) -> None:
    directory = tmp_path / "server"
    osallistu("server", "init", str(directory))
    good = tmp_path / "makelankatu.toml"
    good.write_text(CONVERSATION_TOML, encoding="utf-8")
    assert osallistu("server", "process", "add", str(directory), str(good)).stdout.splitlines()[-1] == "makelankatu"
    bad = tmp_path / "bad.toml"
    bad.write_text(CONVERSATION_TOML.replace('sv = "Fler cykelvägar.", ', ""), encoding="utf-8")
    answer = osallistu("server", "process", "add", str(directory), str(bad), check=False)
    assert answer.returncode == 1 and "Traceback" not in answer.stderr
    assert "needs a text in sv" in answer.stderr + answer.stdout
