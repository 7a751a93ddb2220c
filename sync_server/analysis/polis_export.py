"""Polis export files as text in and text out, so conversations travel to and from Polis tools.

The three files (as written by Polis's export, e.g. the conversations under ``../shared/data/polis``):

- ``comments.csv``: ``timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body``;
  ``moderated`` is -1 (moderated out), 0 (not yet reviewed) or 1 (accepted).
- ``votes.csv``: ``timestamp,datetime,comment-id,voter-id,vote``, every vote ever cast
  (agree = 1, disagree = -1, pass = 0); the last one per voter and comment counts.
- ``participants-votes.csv``: ``participant,group-id,n-comments,n-votes,n-agree,n-disagree``
  and one column per voted statement (sorted by id): the final vote matrix, blank when
  not voted; ``group-id`` blank for participants who were not clustered.

Timestamps are milliseconds since the epoch; ``datetime`` is informative only (read and
ignored; written in UTC). Everything here is pure: strings in, strings out.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sync_server.analysis.matrix import AGREE, DISAGREE, VoteLog, VoteMatrix
from sync_server.errors import ServerError

__all__ = [
    "COMMENTS_HEADER",
    "PARTICIPANTS_VOTES_FIXED",
    "VOTES_HEADER",
    "ParticipantsVotes",
    "PolisComment",
    "PolisExportError",
    "read_comments_csv",
    "read_participants_votes_csv",
    "read_votes_csv",
    "write_comments_csv",
    "write_participants_votes_csv",
    "write_votes_csv",
]

COMMENTS_HEADER = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
VOTES_HEADER = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANTS_VOTES_FIXED = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")


class PolisExportError(ServerError):
    """A Polis export file the server cannot read (missing column, a value that is not a number)."""

    reason = "bad_polis_export"


@dataclass(frozen=True)
class PolisComment:
    """One row of ``comments.csv``."""

    id: int
    author_id: int
    timestamp: int
    body: str
    moderated: int = 0
    agrees: int = 0
    disagrees: int = 0


@dataclass(frozen=True)
class ParticipantsVotes:
    """``participants-votes.csv`` as read: the dense final matrix and Polis's groups."""

    participant_ids: NDArray[np.int64]
    statement_ids: NDArray[np.int64]
    values: NDArray[np.float64]  # NaN where not voted
    group: dict[int, int]  # participant -> group-id, clustered participants only
    n_comments: dict[int, int]


def _datetime(timestamp_ms: int) -> str:
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(timestamp_ms / 1000))


def _rows(text: str, name: str, required: Iterable[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or ())]
    if missing:
        raise PolisExportError(f"{name} lacks the column(s) {', '.join(missing)}", file=name, missing=missing)
    return list(reader)


def _int(row: Mapping[str, str], column: str, name: str, line: int) -> int:
    try:
        return int(row[column])
    except (TypeError, ValueError):
        raise PolisExportError(
            f"{name} line {line}: {column} is not a whole number", file=name, line=line, column=column
        ) from None


def read_comments_csv(text: str) -> list[PolisComment]:
    """The statements of ``comments.csv``, in file order."""
    name = "comments.csv"
    return [
        PolisComment(
            id=_int(row, "comment-id", name, line),
            author_id=_int(row, "author-id", name, line),
            timestamp=_int(row, "timestamp", name, line),
            body=row["comment-body"],
            moderated=_int(row, "moderated", name, line),
            agrees=_int(row, "agrees", name, line) if row.get("agrees") else 0,
            disagrees=_int(row, "disagrees", name, line) if row.get("disagrees") else 0,
        )
        for line, row in enumerate(_rows(text, name, ("timestamp", "comment-id", "author-id", "moderated")), start=2)
    ]


def write_comments_csv(comments: Iterable[PolisComment]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COMMENTS_HEADER)
    for c in comments:
        writer.writerow(
            [c.timestamp, _datetime(c.timestamp), c.id, c.author_id, c.agrees, c.disagrees, c.moderated, c.body]
        )
    return out.getvalue()


def read_votes_csv(text: str) -> VoteLog:
    """Every vote of ``votes.csv`` as a ``VoteLog`` (file order kept: it breaks timestamp ties)."""
    name = "votes.csv"
    rows = _rows(text, name, ("timestamp", "comment-id", "voter-id", "vote"))
    try:
        data = np.array(
            [(r["voter-id"], r["comment-id"], r["vote"], r["timestamp"]) for r in rows], dtype=np.int64
        ).reshape(-1, 4)
    except ValueError:
        for line, row in enumerate(rows, start=2):
            for column in ("voter-id", "comment-id", "vote", "timestamp"):
                _int(row, column, name, line)
        raise
    try:
        return VoteLog.from_arrays(data[:, 0], data[:, 1], data[:, 2], data[:, 3])
    except ValueError as exc:
        raise PolisExportError(f"{name}: {exc}", file=name) from None


def write_votes_csv(log: VoteLog) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(VOTES_HEADER)
    for p, s, v, t in zip(
        log.participant.tolist(), log.statement.tolist(), log.vote.tolist(), log.timestamp.tolist(), strict=True
    ):
        writer.writerow([t, _datetime(t), s, p, v])
    return out.getvalue()


def read_participants_votes_csv(text: str) -> ParticipantsVotes:
    name = "participants-votes.csv"
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(header[: len(PARTICIPANTS_VOTES_FIXED)]) != PARTICIPANTS_VOTES_FIXED:
        raise PolisExportError(f"{name} does not start with {','.join(PARTICIPANTS_VOTES_FIXED)}", file=name)
    n_fixed = len(PARTICIPANTS_VOTES_FIXED)
    try:
        statement_ids = np.array([int(c) for c in header[n_fixed:]], dtype=np.int64)
        body = list(reader)
        participant_ids = np.array([int(r[0]) for r in body], dtype=np.int64)
        values = np.array(
            [[float(x) if x != "" else np.nan for x in r[n_fixed:]] for r in body], dtype=np.float64
        ).reshape(len(body), statement_ids.size)
        group = {int(r[0]): int(float(r[1])) for r in body if r[1] != ""}
        n_comments = {int(r[0]): int(r[2]) for r in body}
    except ValueError:
        raise PolisExportError(f"{name} holds a value that is not a number", file=name) from None
    return ParticipantsVotes(participant_ids, statement_ids, values, group, n_comments)


def write_participants_votes_csv(
    matrix: VoteMatrix, *, group: Mapping[int, int] | None = None, n_comments: Mapping[int, int] | None = None
) -> str:
    """The final vote matrix in Polis's layout; ``group`` maps clustered participants to their group id."""
    group = group or {}
    n_comments = n_comments or {}
    dense = matrix.to_dense()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*PARTICIPANTS_VOTES_FIXED, *matrix.statement_ids.tolist()])
    answered = ~np.isnan(dense)
    n_votes = answered.sum(axis=1)
    n_agree = (dense == AGREE).sum(axis=1)
    n_disagree = (dense == DISAGREE).sum(axis=1)
    for i, pid in enumerate(matrix.participant_ids.tolist()):
        cells = ["" if np.isnan(x) else str(int(x)) for x in dense[i]]
        gid = group.get(pid)
        writer.writerow(
            [
                pid,
                "" if gid is None else gid,
                n_comments.get(pid, 0),
                int(n_votes[i]),
                int(n_agree[i]),
                int(n_disagree[i]),
                *cells,
            ]
        )
    return out.getvalue()
