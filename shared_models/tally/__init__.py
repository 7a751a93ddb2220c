"""Counting participatory-budget votes: greedy by votes and the Method of Equal Shares.

Pure functions over plain data (``Project(id, cost)``, ballots as approval sets or
point mappings, an integer budget); exact arithmetic (integers and Fractions). Each rule
cites its source in its module: ``_greedy`` (greedy by votes, Helsinki's variant),
``_equal_shares`` (Peters, Pierczyński, Skowron 2021; Add1 from equalshares.net),
``_rules`` (pabulib META ``rule`` names, Faliszewski et al. 2023).
"""

from shared_models.tally._equal_shares import tally_equal_shares
from shared_models.tally._greedy import greedy_ranking, project_scores, tally_greedy
from shared_models.tally._model import (
    Add1Step,
    Ballot,
    GreedyResult,
    GreedyStep,
    MesResult,
    MesRound,
    MesRun,
    Project,
    TallyError,
    UnknownRule,
)
from shared_models.tally._rules import RULES, pb_inputs, tally_by_rule, tally_pb

__all__ = [
    "RULES",
    "Add1Step",
    "Ballot",
    "GreedyResult",
    "GreedyStep",
    "MesResult",
    "MesRound",
    "MesRun",
    "Project",
    "TallyError",
    "UnknownRule",
    "greedy_ranking",
    "pb_inputs",
    "project_scores",
    "tally_by_rule",
    "tally_equal_shares",
    "tally_greedy",
    "tally_pb",
]
