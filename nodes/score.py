"""``score``: C, V and C - V for every eligible bid, over one common set of jurors.

A juror that did not give a valid score on every eligible bid is dropped for all of them (symmetric), so no
bid is helped or hurt by a missing verdict; the drop is reported. Excluded agents neither win nor judge. The
task's domain may add cost terms of its own to C. With context ``juror_reliability``, jurors are weighted (or
dropped, uncalled) by how well their past scores predicted verdicts (sale/core/jurors.py).
"""

from __future__ import annotations

import math

from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import domain_of, memory_of, pool_of
from graphs.state import AuctionState, Bid, Score
from memory_store.verdicts import recent_verdicts
from sale.core import jurors as reliability
from sale.core.cost import bid_cost, bid_value, consensus_outliers, unreliable_jurors


def eligible_bids(state: AuctionState) -> list[Bid]:
    excluded = state.get("excluded", {})
    return [b for b in state.get("bids", []) if not b["disqualified"] and b["agent"] not in excluded]


def juror_reliability(state: AuctionState, ctx: AuctionContext) -> dict[str, reliability.JurorReliability]:
    """The auction's reliability report: learned once (the first round's score stores it), from auctions logged
    before this one; {} when the setting is off."""
    if not ctx.juror_reliability:
        return {}
    if state.get("juror_reliability"):
        return state["juror_reliability"]
    memory = memory_of(ctx)
    bound = state.get("memory_seq_before", memory.max_seq())  # this auction is not logged before `record`
    return reliability.learn(recent_verdicts(memory, ctx.juror_reliability, bound), pool_of(ctx).names)


def score(state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    pool = pool_of(ctx)
    weights = ctx.weights()
    learned = juror_reliability(state, ctx)
    bids = eligible_bids(state)
    cost_terms = domain_of(ctx, state["task"], state.get("domain")).cost_terms
    excluded = state.get("excluded", {})
    valid: dict[tuple[str, str], int] = {
        (v["bid_id"], v["juror"]): v["score"] for v in state.get("verdicts", []) if v["score"] is not None
    }
    errors = {(v["bid_id"], v["juror"]): v["error"] for v in state.get("verdicts", []) if v["score"] is None}
    dropped: dict[str, str] = {}
    for juror in pool.names:
        if juror in excluded:
            dropped[juror] = "excluded from the auction"
            continue
        if juror in learned and not learned[juror]["weight"]:
            dropped[juror] = f"unreliable ({learned[juror]['reason']}); not called"
            continue
        missing = [b["id"] for b in bids if (b["id"], juror) not in valid]
        if missing:
            reasons = sorted({errors.get((m, juror)) or "no verdict" for m in missing})
            dropped[juror] = f"no valid score for {', '.join(missing)} ({'; '.join(reasons)})"
    jurors = [j for j in pool.names if j not in dropped]
    if ctx.juror_history > 0 and ctx.jury_mode != "paper":
        history = memory_of(ctx).recent_jury(ctx.juror_history)
        for juror, correlation in unreliable_jurors(history, jurors).items():
            dropped[juror] = (f"unreliable: its past scores correlate {correlation} with the other jurors' median "
                              f"(last {ctx.juror_history} auctions)")
        jurors = [j for j in jurors if j not in dropped]
    if ctx.jury_mode == "consensus":
        by_bid = {b["id"]: {j: valid[(b["id"], j)] for j in jurors if (b["id"], j) in valid} for b in bids}
        for juror, deviation in consensus_outliers(by_bid, jurors).items():
            dropped[juror] = f"outlier: mean deviation {deviation} from the other jurors' median"
        jurors = [j for j in jurors if j not in dropped]
    if learned:
        weights = reliability.reweighted(weights, jurors, learned)
    scores: dict[str, Score] = {}
    for b in bids:
        jury = {j: valid[(b["id"], j)] for j in pool.names if (b["id"], j) in valid}
        cost = bid_cost(weights, pool.get(b["agent"]).output_price, b["tokens"])
        if cost_terms:
            cost += sum(float(term(b)) for term in cost_terms)
        value = bid_value(weights, b["entropy"], jury, jurors, mode=ctx.jury_mode, bidder=b["agent"],
                          weight_cap=ctx.juror_weight_cap,
                          entropy_range=tuple(ctx.entropy_range) if ctx.entropy_range else None)
        total = cost - value
        scores[b["id"]] = Score(cost=cost, value=value, score=total if math.isfinite(total) else math.inf,
                                jury=jury)
    update = {"scores": scores, "jurors": jurors, "dropped_jurors": dropped}
    if learned:
        update["juror_reliability"] = learned
    return update
