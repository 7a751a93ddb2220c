"""Polis export CSV text: read, write, and read back the same."""

from __future__ import annotations

import numpy as np
import pytest

from sync_server.analysis.polis_export import (
    PolisComment,
    PolisExportError,
    read_comments_csv,
    read_participants_votes_csv,
    read_votes_csv,
    write_comments_csv,
    write_participants_votes_csv,
    write_votes_csv,
)
from tests.sync_server.analysis.conftest import Conversation


def test_comments_round_trip_keeps_bodies_with_commas_quotes_and_newlines() -> None:
    comments = [
        PolisComment(id=0, author_id=3, timestamp=1_500_000_000_000, body='Hyvä, "ääni"\nrivi', moderated=1),
        PolisComment(id=1, author_id=4, timestamp=1_500_000_001_000, body="Å", moderated=-1, agrees=2),
    ]
    assert read_comments_csv(write_comments_csv(comments)) == comments


def test_votes_round_trip(conversation: Conversation) -> None:
    again = read_votes_csv(write_votes_csv(conversation.log))
    for column in ("participant", "statement", "vote", "timestamp"):
        np.testing.assert_array_equal(getattr(again, column), getattr(conversation.log, column))


def test_comments_of_the_real_export_read_back_the_same(conversation: Conversation) -> None:
    assert read_comments_csv(write_comments_csv(conversation.comments)) == conversation.comments


def test_participants_votes_written_as_polis_writes_them(conversation: Conversation) -> None:
    exported = conversation.participants_votes
    text = write_participants_votes_csv(conversation.matrix, group=exported.group, n_comments=exported.n_comments)
    # Polis orders rows its own way; by participant they are the same lines.
    ours = sorted(text.splitlines()[1:], key=lambda line: int(line.split(",")[0]))
    original = (conversation.folder / "participants-votes.csv").read_text(encoding="utf-8").splitlines()
    assert text.splitlines()[0] == original[0]
    assert ours == sorted(original[1:], key=lambda line: int(line.split(",")[0]))
    again = read_participants_votes_csv(text)
    assert again.group == exported.group


@pytest.mark.parametrize(
    ("text", "reader"),
    [
        pytest.param("timestamp,comment-id,voter-id\n1,2,3\n", read_votes_csv, id="votes-missing-column"),
        pytest.param(
            "timestamp,datetime,comment-id,voter-id,vote\n1,x,2,three,1\n", read_votes_csv, id="votes-not-number"
        ),
        pytest.param("timestamp,datetime,comment-id,voter-id,vote\n1,x,2,3,5\n", read_votes_csv, id="votes-bad-vote"),
        pytest.param("comment-id,author-id\n1,2\n", read_comments_csv, id="comments-missing-column"),
        pytest.param("participant,group\n", read_participants_votes_csv, id="participants-votes-bad-header"),
    ],
)
def test_unreadable_export_is_refused_with_a_reason(text: str, reader: object) -> None:
    with pytest.raises(PolisExportError) as caught:
        reader(text)  # type: ignore[operator]
    assert caught.value.reason == "bad_polis_export"
