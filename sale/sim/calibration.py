"""Reproduces the calibrated constants of :mod:`sale.sim.params` from the paper's figures
(``tests/test_sim.py`` checks that they still are)."""

from __future__ import annotations

import math

import numpy as np

from sale.sim.draws import PlanInfo, bid_features, jury_score, latent_success, seeded_rng
from sale.sim.params import LADDER, PAPER_ORACLE, PAPER_SMALLEST_PRECISION, SimParams
from sale.suites.suite import BINS, BenchTask


def oracle_rate(domain: str, rho: float, n: int = 4000, seed: int = 0) -> float:
    """Share of synthetic tasks (uniform over bins) that at least one ladder agent solves alone."""
    hits = 0
    for i in range(n):
        task = BenchTask(id=f"cal-{i}", task="", domain=domain, bin=BINS[i % len(BINS)], verifier="exact")
        hits += any(latent_success(seed, name, task, rho) for name, _, _ in LADDER)
    return hits / n


def smallest_pick_precision(domain: str, params: SimParams, n: int = 4000, seed: int = 0) -> tuple[float, float]:
    """(P(smallest passes | first-round auction picks it), share of picks) with the default weights, paper mode."""
    from sale.core.cost import Weights, bid_cost, bid_value

    weights = Weights()
    names = [name for name, _, _ in LADDER]
    prices = {name: price for name, price, _ in LADDER}
    picks = right = 0
    for i in range(n):
        task = BenchTask(id=f"cal-{i}", task="", domain=domain, bin=BINS[i % len(BINS)], verifier="exact")
        best, best_score, best_good = None, math.inf, False
        for name in names:
            good = latent_success(seed, name, task, params.rho_for(domain))
            rng = seeded_rng(seed, "cal-bid", name, task.id)
            length, entropy = bid_features(params, name, domain, good, rng)
            info = PlanInfo(agent=name, task_id=task.id, good=good)
            jury = {j: jury_score(params, j, info, domain, rng) for j in names}
            score = bid_cost(weights, prices[name], length) - bid_value(weights, entropy, jury, names)
            if score < best_score:
                best, best_score, best_good = name, score, good
        if best == names[0]:
            picks += 1
            right += best_good
    return (right / picks if picks else 0.0), picks / n


def calibrate(domain: str, n: int = 2000) -> tuple[float, float, float]:
    """(rho, signal, precision reached) for ``domain``.

    rho: bisection until the oracle matches the paper (monotone in rho). signal: the smallest value on a 0.05 grid
    whose first-round smallest-agent precision reaches the paper's figure. Precision is not monotone in the
    signal (with strong signals the smallest agent is mostly picked when every plan looks bad, and then no agent
    would pass), so where the target is out of reach the signal of highest precision is used and reported.
    """
    lo, hi = 0.0, 0.99
    for _ in range(14):
        mid = (lo + hi) / 2
        if oracle_rate(domain, mid, n) > PAPER_ORACLE[domain]:
            lo = mid
        else:
            hi = mid
    rho = round((lo + hi) / 2, 2)
    best = (0.0, -1.0)
    for step in range(0, 61):
        signal = round(step * 0.05, 2)
        precision, _ = smallest_pick_precision(domain, SimParams(rho=rho, signal=signal), n)
        if precision >= PAPER_SMALLEST_PRECISION[domain]:
            return rho, signal, round(precision, 3)
        if precision > best[1]:
            best = (signal, precision)
        elif precision < best[1] - 0.05:
            break
    return rho, best[0], round(best[1], 3)


def value_auc(signal: float, n: int = 400, seed: int = 0) -> float:
    """Within-agent AUC of a first-round bid's value V (default weights, paper jury) for telling plans that work
    from plans that do not, on ``n`` synthetic tasks per agent: the figure ``sale analyze signal`` reports as
    ``value``'s ``auc_within_agent``. It depends on the signal alone (an agent's size and self biases are the
    same on all its bids, and an AUC does not depend on the pass rate), so one curve serves every suite."""
    from sale.core.cost import Weights, bid_value

    weights, params = Weights(), SimParams(signal=signal)
    names = [name for name, _, _ in LADDER]
    wins = pairs = 0.0
    for name in names:
        values: dict[bool, list[float]] = {True: [], False: []}
        for i in range(n):
            good = i % 2 == 0
            rng = seeded_rng(seed, "auc-bid", name, i)
            _, entropy = bid_features(params, name, "any", good, rng)
            info = PlanInfo(agent=name, task_id=f"auc-{i}", good=good)
            jury = {j: jury_score(params, j, info, "any", rng) for j in names}
            values[good].append(bid_value(weights, entropy, jury, names))
        pos, neg = np.array(values[True]), np.array(values[False])
        wins += float((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum())
        pairs += len(pos) * len(neg)
    return wins / pairs


def signal_for_auc(target: float, n: int = 400) -> float:
    """The smallest signal on a 0.01 grid whose simulated ``value_auc`` reaches ``target`` (0 at or below chance,
    0.5). ``value_auc`` grows with the signal, so a bisection over the grid finds it."""
    if target <= 0.5:
        return 0.0
    lo, hi = 0, 300  # hundredths; value_auc(3.0) is 1.0
    while lo < hi:
        mid = (lo + hi) // 2
        if value_auc(mid / 100, n) >= target:
            hi = mid
        else:
            lo = mid + 1
    return lo / 100
