"""Vote counts per group, representativeness, group-informed consensus and divisiveness.

Counting is vectorised: one ``bincount`` over the answered cells per vote kind, indexed by
(group, statement). Only clustered participants count, as Polis counts the members of the
group clusters (``conversation.clj`` ``:votes-base`` / ``group-votes``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sync_server.analysis.matrix import AGREE, DISAGREE, VoteMatrix

__all__ = [
    "Z_90",
    "GroupVotes",
    "RepStatement",
    "RepnessTable",
    "count_group_votes",
    "divisiveness",
    "group_informed_consensus",
    "prop_test",
    "repness_table",
    "select_rep_statements",
    "two_prop_test",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Polis ``stats.clj`` ``z-sig-90?``: one-sided 90 % critical value.
Z_90 = 1.2816


@dataclass(frozen=True)
class GroupVotes:
    """Counts per (group, statement): agree, disagree and seen (any vote, pass included)."""

    group_ids: IntArray  # (G,)
    agree: IntArray  # (G, S)
    disagree: IntArray  # (G, S)
    seen: IntArray  # (G, S)


def count_group_votes(matrix: VoteMatrix, row_group: IntArray, group_ids: IntArray, n_statements: int) -> GroupVotes:
    """``row_group[i]`` is the index into ``group_ids`` of participant row ``i``, or -1 if not clustered.

    ``n_statements`` may exceed the matrix columns (statements without votes count zero).
    """
    n_groups = group_ids.size
    entry_group = row_group[matrix.rows]
    counted = entry_group >= 0
    keys = entry_group[counted] * n_statements + matrix.cols[counted]
    values = matrix.values[counted]
    size = n_groups * n_statements

    def count(mask: NDArray[np.bool_] | None) -> IntArray:
        chosen = keys if mask is None else keys[mask]
        return np.bincount(chosen, minlength=size).reshape(n_groups, n_statements).astype(np.int64)

    return GroupVotes(
        group_ids=group_ids,
        agree=count(values == AGREE),
        disagree=count(values == DISAGREE),
        seen=count(None),
    )


def prop_test(successes: FloatArray, trials: FloatArray) -> FloatArray:
    """One-proportion z-test against 1/2 with a pseudocount (Polis ``stats.clj`` ``prop-test``)."""
    s, n = successes + 1.0, trials + 1.0
    result: FloatArray = 2.0 * np.sqrt(n) * (s / n - 0.5)
    return result


def two_prop_test(succ_in: FloatArray, succ_out: FloatArray, n_in: FloatArray, n_out: FloatArray) -> FloatArray:
    """Two-proportion z-test with pseudocounts (Polis ``stats.clj`` ``two-prop-test``); 0 when pooled p is 1."""
    s1, s2, n1, n2 = succ_in + 1.0, succ_out + 1.0, n_in + 1.0, n_out + 1.0
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    denominator = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / denominator
    result: FloatArray = np.where(pooled == 1.0, 0.0, z)
    return result


@dataclass(frozen=True)
class RepnessTable:
    """Polis ``repness.clj`` ``comment-stats`` + ``add-comparitive-stats``, arrays of shape (G, S).

    n=count, p=probability, r=representativeness (ratio to the rest), t=test;
    a=agree, d=disagree, s=seen.
    """

    na: IntArray
    nd: IntArray
    ns: IntArray
    pa: FloatArray
    pd: FloatArray
    pat: FloatArray
    pdt: FloatArray
    ra: FloatArray
    rd: FloatArray
    rat: FloatArray
    rdt: FloatArray


def repness_table(votes: GroupVotes) -> RepnessTable:
    """Every group's statistics for every statement, the rest being all other groups together."""
    na, nd, ns = votes.agree, votes.disagree, votes.seen
    rest_na = na.sum(axis=0) - na
    rest_nd = nd.sum(axis=0) - nd
    rest_ns = ns.sum(axis=0) - ns
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    fa, fd, fs, rfa, rfd, rfs = (x.astype(np.float64) for x in (na, nd, ns, rest_na, rest_nd, rest_ns))
    return RepnessTable(
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd,
        pat=prop_test(fa, fs),
        pdt=prop_test(fd, fs),
        ra=pa / ((rest_na + 1.0) / (rest_ns + 2.0)),
        rd=pd / ((rest_nd + 1.0) / (rest_ns + 2.0)),
        rat=two_prop_test(fa, rfa, fs, rfs),
        rdt=two_prop_test(fd, rfd, fs, rfs),
    )


@dataclass(frozen=True)
class RepStatement:
    """One representative statement of a group (Polis ``repness.clj`` ``finalize-cmt-stats``)."""

    statement_id: int
    repful_for: str  # "agree" or "disagree"
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = field(default=False)

    def metric(self) -> float:
        """Polis ``repness.clj`` ``repness-metric``."""
        return self.repness * self.repness_test * self.p_success * self.p_test


def _finalize(table: RepnessTable, g: int, s: int, statement_id: int, *, best_agree: bool = False) -> RepStatement:
    agree = bool(table.rat[g, s] > table.rdt[g, s])
    n, p, pt, r, rt = (
        (table.na, table.pa, table.pat, table.ra, table.rat)
        if agree
        else (table.nd, table.pd, table.pdt, table.rd, table.rdt)
    )
    return RepStatement(
        statement_id=statement_id,
        repful_for="agree" if agree else "disagree",
        n_success=int(n[g, s]),
        n_trials=int(table.ns[g, s]),
        p_success=float(p[g, s]),
        p_test=float(pt[g, s]),
        repness=float(r[g, s]),
        repness_test=float(rt[g, s]),
        best_agree=best_agree,
    )


def select_rep_statements(
    table: RepnessTable,
    statement_ids: IntArray,
    group_ids: IntArray,
    *,
    moderated_out: Iterable[int] = (),
    pick_max: int = 5,
) -> dict[int, list[RepStatement]]:
    """Representative statements per group, ported from Polis ``repness.clj`` ``select-rep-comments``.

    Per group: *sufficient* statements pass ``passes-by-test?`` (rat and pat, or rdt and pdt,
    significant at 90 %); the *best agree* is tracked with ``beats-best-agr?``; if nothing is
    sufficient the *best* by ``beats-best-by-test?`` is kept. The best agree goes first, then
    sufficient statements by ``repness-metric``, at most ``pick_max``, agrees before disagrees.
    """
    removed = set(int(i) for i in moderated_out)
    columns = [s for s, tid in enumerate(statement_ids.tolist()) if tid not in removed]
    passes = ((table.rat > Z_90) & (table.pat > Z_90)) | ((table.rdt > Z_90) & (table.pdt > Z_90))
    result: dict[int, list[RepStatement]] = {}
    for g, gid in enumerate(group_ids.tolist()):
        na, nd, ra, rat, rdt, pa, pat = (
            x[g].tolist() for x in (table.na, table.nd, table.ra, table.rat, table.rdt, table.pa, table.pat)
        )
        sufficient: list[int] = []
        best: int | None = None
        best_z = 0.0
        best_agree: int | None = None
        for s in columns:
            if passes[g, s]:
                sufficient.append(s)
            # beats-best-by-test?, only while nothing is sufficient
            if not sufficient and (best is None or max(rat[s], rdt[s]) > best_z):
                best, best_z = s, max(rat[s], rdt[s])
            # beats-best-agr?
            if na[s] == 0 and nd[s] == 0:
                continue
            if best_agree is not None and ra[best_agree] > 1.0:
                beats = (
                    ra[s] * rat[s] * pa[s] * pat[s]
                    > ra[best_agree] * rat[best_agree] * pa[best_agree] * pat[best_agree]
                )
            elif best_agree is not None:
                beats = pa[s] * pat[s] > pa[best_agree] * pat[best_agree]
            else:
                beats = pat[s] > Z_90 or (ra[s] > 1.0 and pa[s] > 0.5)
            if beats:
                best_agree = s
        sid = statement_ids.tolist()
        head: list[RepStatement] = []
        if best_agree is not None:
            head = [_finalize(table, g, best_agree, sid[best_agree], best_agree=True)]
        elif best is not None:
            head = [_finalize(table, g, best, sid[best])]
        if not sufficient:
            result[gid] = head
            continue
        ranked = sorted(
            (_finalize(table, g, s, sid[s]) for s in sufficient if s != best_agree),
            key=lambda r: -r.metric(),
        )
        chosen = (head if best_agree is not None else []) + ranked
        chosen = chosen[:pick_max]
        result[gid] = [r for r in chosen if r.repful_for == "agree"] + [r for r in chosen if r.repful_for != "agree"]
    return result


def group_informed_consensus(votes: GroupVotes) -> tuple[FloatArray, FloatArray]:
    """Product over groups of ``(A + 1) / (S + 2)``, and the same for disagree.

    Polis ``conversation.clj`` ``:group-aware-consensus`` (agree; "+1 acts as a dumb prior");
    the disagree form is red-dwarf's ``group-aware-consensus-disagree``
    (``reddwarf.utils.stats.calculate_comment_statistics``).
    """
    seen = votes.seen + 2.0
    agree: FloatArray = np.prod((votes.agree + 1.0) / seen, axis=0)
    disagree: FloatArray = np.prod((votes.disagree + 1.0) / seen, axis=0)
    return agree, disagree


def divisiveness(table: RepnessTable) -> FloatArray:
    """How far the groups part on a statement: the variance across groups of the agree probability ``pa``.

    Our choice (Polis has no single "divisive" score; its report shows statements with high
    ``repness`` per group, and ``extremity`` measures a statement's pull on the PCA axes):
    pa is the pseudocounted agree probability of ``repness.clj``, so a statement few have
    seen stays near 1/2 in every group and is not called divisive. 0 with a single group.
    """
    result: FloatArray = np.var(table.pa, axis=0) if table.pa.shape[0] > 1 else np.zeros(table.pa.shape[1])
    return result
