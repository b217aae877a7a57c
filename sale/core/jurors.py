"""Jurors weighted by measured reliability (context ``juror_reliability``; beyond the paper).

For past auctions with a verified verdict, each juror's score of the executed (winning) bid is set against the
verdict. The measure is the AUC (Mann-Whitney, ties counted half): the chance that the juror scored a passing
executed bid above a failing one. It is rank-based, so a juror's own scale or offset (integer digits, expected
scores, 5 x P(pass)) does not matter, and a juror that never varies sits at exactly 0.5.

    cold start   fewer than MIN_OUTCOMES scored outcomes, or fewer than MIN_CLASS passes or failures: weight 1
    constant     every one of at least MIN_OUTCOMES scores equal: dropped (weight 0), its calls are not made
    no signal    AUC < MIN_AUC: dropped
    predicts     weight 2 * AUC - 1 (0 at chance, 1 for a perfect juror), times the juror's base weight

The weights multiply the jurors' base weights (the even split, or ``juror_weights`` / a weights file), without
renormalising: a jury that predicts weakly counts less against cost and entropy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypedDict

from sale.core.cost import Weights

MIN_OUTCOMES = 20
MIN_CLASS = 5
MIN_AUC = 0.6


class JurorReliability(TypedDict):
    weight: float
    """0 = dropped (no calls); 1 = as in the paper (cold start); else 2 * AUC - 1."""
    auc: float | None
    n: int
    """Past executed bids this juror scored, with a verified verdict."""
    reason: str


Outcome = tuple[Mapping[str, float], bool]
"""The executed bid's jury ({juror: score}) and whether the auction's answer passed."""


def auc(scores: Sequence[float], passed: Sequence[bool]) -> float | None:
    """P(score of a passing item > score of a failing one), ties half; None without both classes."""
    pos = [s for s, p in zip(scores, passed, strict=True) if p]
    neg = [s for s, p in zip(scores, passed, strict=True) if not p]
    if not pos or not neg:
        return None
    wins = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def executed_outcomes(records: Iterable[Mapping[str, Any]]) -> list[Outcome]:
    """(jury of the winning bid, passed) for each record with a verdict and a jury on its winning bid; digests
    (retention) keep no jury and teach nothing."""
    out: list[Outcome] = []
    for record in records:
        if not isinstance(record.get("passed"), bool):
            continue
        winner = next((b for b in record.get("bids", []) if b.get("label") == "win"), None)
        if winner and winner.get("jury"):
            out.append((dict(winner["jury"]), record["passed"]))
    return out


def measure(outcomes: Sequence[Outcome], jurors: Sequence[str], min_outcomes: int = MIN_OUTCOMES,
            min_class: int = MIN_CLASS, min_auc: float = MIN_AUC) -> dict[str, JurorReliability]:
    """Each juror's weight and why (the rules in the module docstring)."""
    report: dict[str, JurorReliability] = {}
    for j in jurors:
        pairs = [(float(jury[j]), passed) for jury, passed in outcomes if jury.get(j) is not None]
        scores, verdicts = [s for s, _ in pairs], [p for _, p in pairs]
        n, passes = len(pairs), sum(verdicts)
        value = auc(scores, verdicts)
        shown = None if value is None else round(value, 4)
        if n >= min_outcomes and len(set(scores)) == 1:
            report[j] = JurorReliability(weight=0.0, auc=shown, n=n,
                                         reason=f"constant: scored all {n} executed bids {scores[0]:g}")
        elif n < min_outcomes or min(passes, n - passes) < min_class:
            report[j] = JurorReliability(weight=1.0, auc=shown, n=n,
                                         reason=f"cold start: {n} scored outcomes, {passes} passed (needs "
                                                f"{min_outcomes}, with {min_class} passed and {min_class} failed)")
        elif value < min_auc:
            report[j] = JurorReliability(weight=0.0, auc=shown, n=n,
                                         reason=f"does not predict: AUC {value:.2f} < {min_auc:g} over {n} outcomes")
        else:
            report[j] = JurorReliability(weight=round(2 * value - 1, 4), auc=shown, n=n,
                                         reason=f"predicts: AUC {value:.2f} over {n} outcomes")
    return report


def learn(records: Iterable[Mapping[str, Any]], jurors: Sequence[str]) -> dict[str, JurorReliability]:
    """The report from past records with their verdicts as ``passed`` (memory_store.verdicts.recent_verdicts)."""
    return measure(executed_outcomes(records), jurors)


def counted(report: Mapping[str, JurorReliability], jurors: Iterable[str]) -> list[str]:
    """The jurors still called: a juror the report drops is not; one it does not name is."""
    return [j for j in jurors if j not in report or report[j]["weight"] > 0]


def reweighted(weights: Weights, jurors: Sequence[str], report: Mapping[str, JurorReliability]) -> Weights:
    """``weights`` with each counted juror's base weight times its reliability weight."""
    base = weights.juror_weights(list(jurors))
    scaled = {j: base[j] * report[j]["weight"] for j in jurors if j in report}
    return replace(weights, jurors={**weights.jurors, **scaled})
