"""Voxit opinion analysis: Polis's math as small pure functions (numpy, scipy, scikit-learn).

No database, no HTTP: the server feeds a conversation's raw vote log in and stores or
serves ``Analysis.to_json()``. ``analyze`` runs the steps in order (see
``sync_server.analysis.pipeline``); each step's module cites the Polis clojure function
or red-dwarf module it ports. ``sync_server.analysis.polis_export`` reads and writes
Polis export CSV text.
"""

from sync_server.analysis.matrix import AGREE, DISAGREE, PASS, VoteLog, VoteMatrix, build_vote_matrix
from sync_server.analysis.pipeline import Analysis, Carryover, analyze, consensus_for_groups

__all__ = [
    "AGREE",
    "DISAGREE",
    "PASS",
    "Analysis",
    "Carryover",
    "VoteLog",
    "VoteMatrix",
    "analyze",
    "build_vote_matrix",
    "consensus_for_groups",
]
