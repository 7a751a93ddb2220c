"""The four real Polis conversations under ``../shared/data/polis``, read in place (never copied)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from sync_server.analysis import Analysis, VoteLog, VoteMatrix, analyze, build_vote_matrix
from sync_server.analysis.polis_export import (
    ParticipantsVotes,
    PolisComment,
    read_comments_csv,
    read_participants_votes_csv,
    read_votes_csv,
)

POLIS_DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "polis"
CONVERSATIONS = (
    "15-per-hour-seattle",
    "canadian-electoral-reform",
    "scoop-hivemind.biodiversity",
    "vtaiwan.uberx",
)


@dataclass(frozen=True)
class Conversation:
    name: str
    folder: Path
    comments: list[PolisComment]
    log: VoteLog
    matrix: VoteMatrix
    participants_votes: ParticipantsVotes

    @property
    def moderated_out(self) -> list[int]:
        return [c.id for c in self.comments if c.moderated == -1]

    def analysis(self) -> Analysis:
        return _analysis(self.name)


@cache
def load_conversation(name: str) -> Conversation:
    folder = POLIS_DATA / name
    if not (folder / "votes.csv").is_file():
        pytest.skip(f"Polis conversation {name} not found at {folder} (the shared data folder is absent)")
    log = read_votes_csv((folder / "votes.csv").read_text(encoding="utf-8"))
    return Conversation(
        name=name,
        folder=folder,
        comments=read_comments_csv((folder / "comments.csv").read_text(encoding="utf-8")),
        log=log,
        matrix=build_vote_matrix(log),
        participants_votes=read_participants_votes_csv((folder / "participants-votes.csv").read_text(encoding="utf-8")),
    )


@cache
def _analysis(name: str) -> Analysis:
    conversation = load_conversation(name)
    return analyze(
        conversation.log,
        moderated_out=conversation.moderated_out,
        statement_ids=[c.id for c in conversation.comments],
    )


@pytest.fixture(params=CONVERSATIONS)
def conversation(request: pytest.FixtureRequest) -> Conversation:
    return load_conversation(request.param)


@pytest.fixture
def vtaiwan() -> Conversation:
    return load_conversation("vtaiwan.uberx")
