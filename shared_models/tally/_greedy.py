"""Greedy by votes (or points): the rule most cities use.

Projects are ranked by score: the number of approvals, or the sum of points on cumulative
ballots (never votes per cost: pabulib's ``greedy`` ranks by score, Faliszewski et al. 2023,
"Participatory Budgeting: Data, Tools and Analysis", section 2). Ties: lower cost first,
then the project id in string order.

``standard``: walk down the ranking and take every project that still fits in the money
left (cost <= money left); a project that does not fit is skipped and the walk goes on.
This is pabulib's ``greedy`` (and ``greedy-threshold`` with ``min_score``).

``helsinki``: Helsinki's OmaStadi count as the shared data README words it: "takes a
project only while money remains after it, and stops once the remaining money is below
the cheapest project". Implemented literally:

1. before each project, if the money left is below the cost of the cheapest project not
   yet considered, the count stops (``stopped_at`` is that rank; the rest are
   ``not_reached``);
2. a project is taken only if money *remains after it*: cost < money left, strictly.
   A project that would spend the last cent exactly is skipped (``does_not_fit``).

Rule 1 alone never changes the outcome (nothing cheaper is left to fit); rule 2 is the
difference from ``standard``: the two agree except when a project fits exactly.

``min_score``: projects with a score below it are not eligible (pabulib
``min_project_score_threshold`` of ``greedy-threshold``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared_models.tally._model import (
    Ballot,
    GreedyDecision,
    GreedyResult,
    GreedyStep,
    GreedyVariant,
    Project,
    TallyError,
)


def project_scores(projects: Sequence[Project], ballots: Sequence[Ballot]) -> dict[str, int]:
    """Approvals per project, or the sum of points for cumulative (mapping) ballots."""
    scores = {project.id: 0 for project in projects}
    for ballot in ballots:
        if isinstance(ballot, Mapping):
            for project_id, points in ballot.items():
                if project_id not in scores:
                    raise TallyError(f"a ballot gives points to unknown project {project_id!r}")
                scores[project_id] += points
        else:
            for project_id in ballot:
                if project_id not in scores:
                    raise TallyError(f"a ballot approves unknown project {project_id!r}")
                scores[project_id] += 1
    return scores


def greedy_ranking(projects: Sequence[Project], scores: Mapping[str, int]) -> list[Project]:
    """Projects by score (highest first); ties by lower cost, then project id."""
    return sorted(projects, key=lambda p: (-scores[p.id], p.cost, p.id))


def tally_greedy(
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    budget: int,
    *,
    variant: GreedyVariant = "standard",
    min_score: int = 0,
) -> GreedyResult:
    """Count greedily by votes (see the module docstring for both variants)."""
    _check_projects(projects, budget)
    if variant not in ("standard", "helsinki"):
        raise TallyError(f"unknown greedy variant {variant!r}")
    scores = project_scores(projects, ballots)
    ranking = greedy_ranking(projects, scores)
    remaining = budget
    selected: list[str] = []
    steps: list[GreedyStep] = []
    stopped_at: int | None = None
    for rank, project in enumerate(ranking, start=1):
        decision: GreedyDecision
        if stopped_at is not None:
            decision = "not_reached"
        elif variant == "helsinki" and remaining < min(p.cost for p in ranking[rank - 1 :]):
            stopped_at = rank
            decision = "not_reached"
        elif scores[project.id] < min_score:
            decision = "below_threshold"
        elif project.cost < remaining or (variant == "standard" and project.cost == remaining):
            decision = "selected"
        else:
            decision = "does_not_fit"
        steps.append(GreedyStep(rank, project.id, scores[project.id], project.cost, remaining, decision))
        if decision == "selected":
            selected.append(project.id)
            remaining -= project.cost
    return GreedyResult(variant, budget, tuple(selected), scores, tuple(steps), min_score, stopped_at)


def _check_projects(projects: Sequence[Project], budget: int) -> None:
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 0:
        raise TallyError(f"the budget must be a non-negative integer, not {budget!r}")
    ids = [p.id for p in projects]
    if len(set(ids)) != len(ids):
        raise TallyError("two projects have the same id")
