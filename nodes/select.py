"""``select_provisional`` and ``select_final``: argmin of C - V; ties go to the cheaper agent."""

from __future__ import annotations

import math

from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import memory_of, pool_of
from graphs.state import AuctionState, Bid
from nodes.score import eligible_bids
from sale.core.pool import Pool


def rank(bid: Bid, state: AuctionState, pool: Pool) -> tuple[float, float, str]:
    """Sort key: score, then price (cheaper first), then name for determinism."""
    return (state["scores"][bid["id"]]["score"], pool.get(bid["agent"]).price_per_mtok, bid["agent"])


def ranked_bids(state: AuctionState, pool: Pool, round_: int | None = None) -> list[Bid]:
    """Eligible, scored bids (of one round, or all), best first."""
    scores = state.get("scores", {})
    bids = [b for b in eligible_bids(state)
            if (round_ is None or b["round"] == round_) and b["id"] in scores
            and math.isfinite(scores[b["id"]]["score"])]
    return sorted(bids, key=lambda b: rank(b, state, pool))


def select_provisional(state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
    pool = pool_of(runtime.context)
    memory = memory_of(runtime.context)
    update = {"phase": "refining", "memory_size_before": memory.size(), "memory_seq_before": memory.max_seq()}
    ranked = ranked_bids(state, pool, 0)
    if not ranked:
        reasons = {**{b["agent"]: b["disqualified"] for b in state.get("bids", []) if b["disqualified"]},
                   **state.get("excluded", {})}
        detail = "; ".join(f"{a}: {r}" for a, r in sorted(reasons.items())) or "no agent bid"
        return update | {"status": "failed", "error": f"no valid bid ({detail})", "provisional_winner": None}
    return update | {"status": "ok", "provisional_winner": ranked[0]["id"]}


def select_final(state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
    if state.get("status") == "failed":
        return {"winner": None}
    pool = pool_of(runtime.context)
    provisional = next(b for b in state["bids"] if b["id"] == state["provisional_winner"])
    refined = ranked_bids(state, pool, 1)
    if refined and rank(refined[0], state, pool) < rank(provisional, state, pool):
        return {"winner": refined[0]["id"]}
    return {"winner": provisional["id"]}
