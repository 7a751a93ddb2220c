"""The vote matrix: last vote wins; rebuilt from votes.csv it equals Polis's participants-votes.csv."""

from __future__ import annotations

import numpy as np
import pytest

from sync_server.analysis import VoteLog, build_vote_matrix
from sync_server.analysis.participation import select_in_conv
from tests.sync_server.analysis.conftest import Conversation


def make_log(*rows: tuple[int, int, int, int]) -> VoteLog:
    return VoteLog.from_rows(rows)


def test_last_vote_wins_by_timestamp_not_log_order() -> None:
    log = make_log((1, 10, 1, 300), (1, 10, -1, 100), (2, 10, 0, 50), (1, 11, -1, 200))
    matrix = build_vote_matrix(log)
    np.testing.assert_array_equal(matrix.to_dense(), [[1.0, -1.0], [0.0, np.nan]])


def test_equal_timestamps_keep_the_later_row() -> None:
    matrix = build_vote_matrix(make_log((1, 10, 1, 5), (1, 10, -1, 5)))
    assert matrix.to_dense().tolist() == [[-1.0]]


def test_a_vote_outside_agree_disagree_pass_is_refused() -> None:
    with pytest.raises(ValueError, match="vote must be"):
        make_log((1, 10, 2, 5))


def test_matrix_from_votes_equals_participants_votes_export(conversation: Conversation) -> None:
    exported = conversation.participants_votes
    matrix = conversation.matrix
    # The export lists every statement that has a vote (moderated-out ones included, with their votes).
    np.testing.assert_array_equal(matrix.statement_ids, exported.statement_ids)
    assert sorted(exported.participant_ids.tolist()) == matrix.participant_ids.tolist()
    rows = np.searchsorted(matrix.participant_ids, exported.participant_ids)
    np.testing.assert_array_equal(matrix.to_dense()[rows], exported.values)


def test_in_conv_is_seven_votes_or_more(conversation: Conversation) -> None:
    mask = select_in_conv(conversation.matrix)
    counts = conversation.matrix.votes_per_participant()
    assert (counts[mask] >= 7).all() and (counts[~mask] < 7).all()
    # Polis clustered the same people, except the few its history kept in ("once in, stays in").
    polis = set(conversation.participants_votes.group)
    ours = set(conversation.matrix.participant_ids[mask].tolist())
    assert ours <= polis and len(polis - ours) <= 2


def test_in_conv_tops_up_to_fifteen_most_active() -> None:
    rows = [(p, s, 1, p * 100 + s) for p in range(20) for s in range(p % 5 + 1)]
    matrix = build_vote_matrix(make_log(*rows))
    mask = select_in_conv(matrix)
    assert mask.sum() == 15
    counts = matrix.votes_per_participant()
    assert counts[mask].min() >= counts[~mask].max()


def test_in_conv_needs_only_every_statement_when_there_are_few() -> None:
    matrix = build_vote_matrix(make_log(*[(p, s, 1, 0) for p in range(30) for s in range(3)]))
    assert select_in_conv(matrix).all()
