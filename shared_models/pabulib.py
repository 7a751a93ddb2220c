"""The pabulib ``.pb`` format: parse a file's text into a :class:`PbElection`, write one back.

Format: Faliszewski, Flis, Peters, Pierczyński, Skowron, Stolicki, Szufa, Talmon,
"Participatory Budgeting: Data, Tools and Analysis" (IJCAI 2023), and pabulib.org/format.
A file has three sections, each a line with its name (``META``, ``PROJECTS``, ``VOTES``)
followed by a header row and ``;``-separated rows (CSV quoting with ``"``):

- ``META``: ``key;value`` (``budget``, ``vote_type``, ``rule``, ``currency``, ...);
- ``PROJECTS``: ``project_id;cost;...`` (often ``votes``, ``score``, ``name``, ``category``,
  ``selected``: the official outcome);
- ``VOTES``: ``voter_id;vote;...``; ``vote`` lists project ids separated by commas (in
  preference order for ``ordinal`` ballots), ``points`` gives each listed project's points
  for ``cumulative`` ballots.

Money: costs and the budget are integers in the file's currency units (``currency`` in
META, e.g. whole PLN or EUR). Osallistu keeps money in cents; the conversion happens where
a process is imported, not here, so a file written back has the units it was read with.
A cost with a fractional part (``1250.50``) is refused; ``1250.00`` reads as 1250.

Pure: this module works on text; reading and writing files is the caller's business.
Every column is kept as text (``PbProject.fields``, ``PbVote.extra``) so that
``parse_pb(write_pb(election)) == election``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from shared_models.errors import OsallistuError

__all__ = [
    "VOTE_TYPES",
    "PabulibError",
    "PbElection",
    "PbProject",
    "PbVote",
    "parse_pb",
    "write_pb",
]

VOTE_TYPES = ("approval", "choose-1", "cumulative", "ordinal", "scoring")
SECTIONS = ("META", "PROJECTS", "VOTES")


class PabulibError(OsallistuError):
    """A ``.pb`` text that does not follow the format (the message says where)."""

    reason = "bad_pabulib"


def parse_money(text: str, what: str) -> int:
    """An integer amount of currency units; ``"1250.00"`` is 1250, ``"1250.5"`` is refused."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise PabulibError(f"{what}: {text!r} is not a number") from None
    if amount != amount.to_integral_value() or amount < 0:
        raise PabulibError(f"{what}: {text!r} is not a whole non-negative amount of currency units")
    return int(amount)


def _optional_int(text: str | None) -> int | None:
    if text is None or text.strip() == "":
        return None
    try:
        return int(Decimal(text.strip()))
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class PbProject:
    """One row of PROJECTS. ``fields`` holds every column as text, in file order."""

    id: str
    cost: int
    fields: Mapping[str, str] = field(compare=True)

    @property
    def name(self) -> str | None:
        return self.fields.get("name")

    @property
    def category(self) -> str | None:
        return self.fields.get("category")

    @property
    def votes(self) -> int | None:
        return _optional_int(self.fields.get("votes"))

    @property
    def score(self) -> int | None:
        return _optional_int(self.fields.get("score"))

    @property
    def selected(self) -> bool | None:
        """The official outcome (``selected`` column; some files write a rank, >0 means selected)."""
        value = _optional_int(self.fields.get("selected"))
        return None if value is None else value > 0


@dataclass(frozen=True)
class PbVote:
    """One row of VOTES: the voter, the projects (in ballot order) and points (cumulative)."""

    voter_id: str
    vote: tuple[str, ...]
    points: tuple[int, ...] | None = None
    extra: tuple[str, ...] = ()  # the other columns, as in ``PbElection.vote_columns`` after voter_id/vote/points


@dataclass(frozen=True)
class PbElection:
    """A whole ``.pb`` file."""

    meta: Mapping[str, str]
    project_columns: tuple[str, ...]
    projects: tuple[PbProject, ...]
    vote_columns: tuple[str, ...]
    votes: tuple[PbVote, ...]

    @property
    def budget(self) -> int:
        if "budget" not in self.meta:
            raise PabulibError("META has no budget")
        return parse_money(self.meta["budget"], "META budget")

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    @property
    def rule(self) -> str | None:
        return self.meta.get("rule")

    @property
    def currency(self) -> str | None:
        return self.meta.get("currency")

    @property
    def extra_vote_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.vote_columns if c not in ("voter_id", "vote", "points"))

    def official_selected(self) -> frozenset[str]:
        """The projects the ``selected`` column marks as chosen."""
        return frozenset(p.id for p in self.projects if p.selected)


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";", quotechar='"')
    for row in reader:
        if row and any(cell.strip() for cell in row):
            yield reader.line_num, row


def parse_pb(text: str) -> PbElection:
    """Parse a ``.pb`` file's text; raise :class:`PabulibError` naming the line on a problem."""
    section: str | None = None
    headers: dict[str, list[str]] = {}
    meta: dict[str, str] = {}
    projects: list[PbProject] = []
    votes: list[PbVote] = []
    project_ids: set[str] = set()
    for line, row in _rows(text):
        if len(row) == 1 and row[0].strip() in SECTIONS:
            section = row[0].strip()
            if section in headers:
                raise PabulibError(f"line {line}: section {section} appears twice")
            headers[section] = []
            continue
        if section is None:
            raise PabulibError(f"line {line}: text before the META section")
        if not headers[section]:
            headers[section] = [cell.strip() for cell in row]
            _check_header(section, headers[section], line)
            continue
        header = headers[section]
        if len(row) != len(header):
            raise PabulibError(f"line {line}: {len(row)} fields where {section} has {len(header)} columns")
        if section == "META":
            meta[row[0].strip()] = row[1].strip()
        elif section == "PROJECTS":
            fields = dict(zip(header, row, strict=True))
            project_id = fields["project_id"].strip()
            if project_id in project_ids:
                raise PabulibError(f"line {line}: project {project_id!r} appears twice")
            project_ids.add(project_id)
            projects.append(PbProject(project_id, parse_money(fields["cost"], f"line {line}: cost"), fields))
        else:
            votes.append(_parse_vote(header, row, line))
    for section in SECTIONS:
        if section not in headers:
            raise PabulibError(f"the {section} section is missing")
    election = PbElection(meta, tuple(headers["PROJECTS"]), tuple(projects), tuple(headers["VOTES"]), tuple(votes))
    for vote in election.votes:
        unknown = [p for p in vote.vote if p not in project_ids]
        if unknown:
            raise PabulibError(f"voter {vote.voter_id!r} votes for unknown project {unknown[0]!r}")
    return election


def _check_header(section: str, header: list[str], line: int) -> None:
    required = {"META": ("key", "value"), "PROJECTS": ("project_id", "cost"), "VOTES": ("voter_id", "vote")}[section]
    missing = [name for name in required if name not in header]
    if missing:
        raise PabulibError(f"line {line}: {section} header lacks {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise PabulibError(f"line {line}: {section} header repeats a column")


def _parse_vote(header: list[str], row: list[str], line: int) -> PbVote:
    fields = dict(zip(header, row, strict=True))
    vote = tuple(p.strip() for p in fields["vote"].split(",") if p.strip())
    if len(set(vote)) != len(vote):
        raise PabulibError(f"line {line}: a project appears twice in one vote")
    points: tuple[int, ...] | None = None
    if "points" in fields:
        try:
            points = tuple(int(p) for p in fields["points"].split(",") if p.strip())
        except ValueError:
            raise PabulibError(f"line {line}: points must be integers") from None
        if len(points) != len(vote):
            raise PabulibError(f"line {line}: {len(points)} points for {len(vote)} projects")
    extra = tuple(fields[c] for c in header if c not in ("voter_id", "vote", "points"))
    return PbVote(fields["voter_id"].strip(), vote, points, extra)


def write_pb(election: PbElection) -> str:
    """The ``.pb`` text of ``election`` (``\\n`` line ends; quoting only where a field needs it)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(election.meta.items())
    writer.writerow(["PROJECTS"])
    writer.writerow(election.project_columns)
    for project in election.projects:
        fields = {**project.fields, "project_id": project.id}
        if parse_money(fields["cost"], "cost") != project.cost:
            fields["cost"] = str(project.cost)
        writer.writerow([fields.get(column, "") for column in election.project_columns])
    writer.writerow(["VOTES"])
    writer.writerow(election.vote_columns)
    extra_columns = election.extra_vote_columns
    for vote in election.votes:
        extra = dict(zip(extra_columns, vote.extra, strict=True))
        known = {"voter_id": vote.voter_id, "vote": ",".join(vote.vote)}
        if vote.points is not None:
            known["points"] = ",".join(str(p) for p in vote.points)
        writer.writerow([known.get(column, extra.get(column, "")) for column in election.vote_columns])
    return out.getvalue()
