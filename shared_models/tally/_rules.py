"""Count rules by name: pabulib META ``rule`` strings and Osallistu's own settings.

Names (pabulib.org/format; Faliszewski et al. 2023, "Participatory Budgeting: Data, Tools
and Analysis"):

- ``greedy``: greedy by votes (points for cumulative ballots);
- ``greedy-threshold``: the same, projects with a score below META
  ``min_project_score_threshold`` not eligible;
- ``greedy-helsinki``: Helsinki's variant (Osallistu's name; see ``_greedy``);
- ``equalshares``: Method of Equal Shares, no completion;
- ``equalshares/add1``: with Add1, stopping at the first exhaustive outcome;
- ``equalshares/add1-exhaustive``: with Add1, going on while the budget allows
  (Osallistu's name for the second stopping variant);
- any ``equalshares...`` name followed by ``/greedy``: then a final greedy completion.

Anything else raises :class:`UnknownRule`: a count is never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared_models.pabulib import PbElection
from shared_models.tally._equal_shares import tally_equal_shares
from shared_models.tally._greedy import tally_greedy
from shared_models.tally._model import (
    Ballot,
    Completion,
    GreedyResult,
    GreedyVariant,
    MesResult,
    Project,
    TallyError,
    UnknownRule,
)

RULES = (
    "equalshares",
    "equalshares/add1",
    "equalshares/add1-exhaustive",
    "equalshares/add1-exhaustive/greedy",
    "equalshares/add1/greedy",
    "equalshares/greedy",
    "greedy",
    "greedy-helsinki",
    "greedy-threshold",
)


def tally_by_rule(
    rule: str,
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    budget: int,
    *,
    meta: Mapping[str, str] | None = None,
) -> GreedyResult | MesResult:
    """Count with the rule named ``rule``; ``meta`` gives its settings (pabulib META keys)."""
    meta = meta or {}
    name = rule.strip().lower()
    if name not in RULES:
        raise UnknownRule(f"unknown count rule {rule!r}; known: {', '.join(RULES)}")
    if name.startswith("greedy"):
        threshold = 0
        if name == "greedy-threshold":
            try:
                threshold = int(meta.get("min_project_score_threshold", "0"))
            except ValueError:
                raise TallyError("min_project_score_threshold must be an integer") from None
        variant: GreedyVariant = "helsinki" if name == "greedy-helsinki" else "standard"
        return tally_greedy(projects, ballots, budget, variant=variant, min_score=threshold)
    parts = name.split("/")
    completions: dict[str, Completion] = {"add1": "add1", "add1-exhaustive": "add1_exhaustive"}
    completion = completions.get(parts[1]) if len(parts) > 1 else None
    return tally_equal_shares(
        projects,
        ballots,
        budget,
        completion=completion,
        greedy_completion=parts[-1] == "greedy",
    )


def pb_inputs(election: PbElection) -> tuple[list[Project], list[Ballot], int]:
    """Projects, ballots (approval sets, or point mappings for cumulative files) and budget of a file."""
    projects = [Project(p.id, p.cost) for p in election.projects]
    ballots: list[Ballot]
    if election.vote_type == "cumulative":
        ballots = [dict(zip(v.vote, v.points or (), strict=True)) for v in election.votes]
    else:
        ballots = [frozenset(v.vote) for v in election.votes]
    return projects, ballots, election.budget


def tally_pb(election: PbElection, *, rule: str | None = None) -> GreedyResult | MesResult:
    """Count a pabulib election with ``rule``, by default the rule its META names."""
    name = rule or election.rule
    if name is None:
        raise UnknownRule("the file's META names no rule; give one")
    projects, ballots, budget = pb_inputs(election)
    return tally_by_rule(name, projects, ballots, budget, meta=election.meta)
