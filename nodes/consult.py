"""``consult_memory``: the adaptive auction policy (context ``auction_policy="adaptive"``, beyond the paper).

An auction costs N bids and N x N jury calls on every task. When the task's nearest past auctions are
near-duplicates of it and agree (the same agent won each, and none is known to have failed), holding another
auction would most likely crown that agent again: it executes the task directly, at the cost of one embedding
lookup. A deterministic exploration draw still holds some of those auctions, so the memory keeps testing its own
consensus; skipped tasks are never recorded as auctions, so a skip can never vote for the next one.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import breaker_for, memory_of, pool_of
from graphs.state import AuctionState
from memory_store import MemoryUnavailableError, Neighbour
from nodes.record import auction_id_for
from sale.core.cascade import explores

POLICIES = ("always", "adaptive", "cascade")


def check_auction_policy(ctx: AuctionContext) -> None:
    """One clear error for a bad policy setting, before any model call."""
    if ctx.auction_policy not in POLICIES:
        raise ValueError(f"unknown auction_policy {ctx.auction_policy!r}; choose one of {', '.join(POLICIES)}")
    problems = []
    if not 0.0 <= ctx.skip_similarity <= 1.0:
        problems.append(f"skip_similarity must be in [0, 1], not {ctx.skip_similarity}")
    if ctx.skip_neighbours < 1:
        problems.append(f"skip_neighbours must be >= 1, not {ctx.skip_neighbours}")
    if not 0.0 <= ctx.skip_exploration <= 1.0:
        problems.append(f"skip_exploration must be in [0, 1], not {ctx.skip_exploration}")
    if not 0.0 <= ctx.refine_min_similarity <= 1.0:
        problems.append(f"refine_min_similarity must be in [0, 1], not {ctx.refine_min_similarity}")
    if problems:
        raise ValueError("; ".join(problems))


def decide(task: str, neighbours: list[Neighbour], ctx: AuctionContext, agents: list[str]) -> dict[str, Any]:
    """Skip or hold, and why (``reason`` is a short code, ``detail`` a sentence). Pure: the node supplies the
    neighbours and the agents that may execute now."""
    need = ctx.skip_neighbours
    close = [n for n in neighbours[:need] if n["similarity"] >= ctx.skip_similarity]

    def held(reason: str, detail: str) -> dict[str, Any]:
        return {"skipped": False, "agent": None, "reason": reason, "detail": detail, "neighbours": neighbours}

    if len(close) < need:
        return held("too_few_similar", f"{len(close)} of the {need} nearest past auctions reach similarity "
                                       f"{ctx.skip_similarity:g}")
    winners = sorted({n["winner"] for n in close})
    if len(winners) > 1:
        return held("winners_differ", f"the {need} nearest past auctions were won by {', '.join(winners)}")
    agent = winners[0]
    failed = [n["auction_id"] for n in close if n["passed"] is False]
    if failed:
        return held("winner_failed", f"{agent} won them, but its answer failed in {', '.join(failed)}")
    if ctx.skip_needs_outcome and any(n["passed"] is None for n in close):
        return held("outcome_unknown", f"{agent} won them, but not every verdict is known (skip_needs_outcome)")
    if agent not in agents:
        return held("agent_unavailable", f"{agent} won them, but it is not in the pool or its circuit is open")
    if explores(ctx.skip_seed, task, ctx.skip_exploration):
        return held("exploration", f"{agent} won them; this task was drawn to hold the auction anyway "
                                   f"(skip_exploration {ctx.skip_exploration:g})")
    passed = sum(1 for n in close if n["passed"])
    return {"skipped": True, "agent": agent, "reason": "neighbours_agree",
            "detail": f"the {need} nearest past auctions (similarity >= {ctx.skip_similarity:g}) were all won by "
                      f"{agent}; {passed} verified as passed, none failed",
            "neighbours": close}


async def consult_memory(state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    memory = memory_of(ctx)
    agents = [a for a in pool_of(ctx).names if breaker_for(ctx, a).state != "open"]
    try:
        neighbours = await asyncio.to_thread(lambda: memory.neighbours(state["task"], ctx.skip_neighbours,
                                                                       memory.max_seq()))
    except MemoryUnavailableError as exc:
        decision = {"skipped": False, "agent": None, "reason": "memory_unavailable", "detail": str(exc),
                    "neighbours": []}
    else:
        decision = decide(state["task"], neighbours, ctx, agents)
    if not decision["skipped"]:
        return {"auction_decision": decision}
    return {"auction_decision": decision, "auction_id": auction_id_for(state), "status": "ok",
            "memory_size_before": memory.size()}
