"""``refine``: an agent cheaper than the provisional winner rebids after contrasting past losing and winning
strategies (k most similar earlier auctions, at least one strategy of each pair its own)."""

from __future__ import annotations

import asyncio

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import domain_of, memory_of, pool_of
from graphs.state import RefineTask
from memory_store import Exemplar, MemoryUnavailableError
from nodes.bid import make_bid, strategy_call
from sale.core.calls import ledger_entry
from sale.core.domains import Domain
from sale.core.prompts import REBID_EXAMPLE, data_block, digest
from tools.domains import DEEP_SEARCH


def rebid_prompt(agent: str, task: str, own_text: str, exemplars: list[Exemplar], max_words: int,
                 domain: Domain = DEEP_SEARCH, digests: bool = False) -> list:
    """With ``digests`` (context ``rebid_exemplars="digest"``) each past strategy is quoted by its first words."""
    quote = digest if digests else str
    examples = "\n\n".join(
        REBID_EXAMPLE.format(
            n=i + 1, similarity=e["similarity"], task_block=data_block(e["task"], "task"),
            loser=e["losing_agent"], losing_block=data_block(quote(e["losing"])),
            winner=e["winning_agent"], winning_block=data_block(quote(e["winning"])),
        )
        for i, e in enumerate(exemplars)
    )
    return [
        SystemMessage(domain.prompt("REBID_SYSTEM").format(agent=agent, tools=domain.tools_description,
                                                           max_words=max_words)),
        HumanMessage(domain.prompt("REBID_USER").format(examples=examples, own_block=data_block(own_text),
                                                        task=task)),
    ]


async def refine(task: RefineTask, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    spec = pool_of(ctx).get(task["agent"])
    memory = memory_of(ctx)
    try:
        exemplars = await asyncio.to_thread(memory.exemplars, spec.name, task["task"], ctx.k,
                                            task["memory_seq_before"])
    except MemoryUnavailableError as exc:
        return {"refine_notes": {spec.name: f"memory unavailable ({exc}); no rebid"}}
    if not exemplars:
        return {"refine_notes": {spec.name: "no earlier auction with its own strategy; no rebid"}}
    nearest = max(e["similarity"] for e in exemplars)
    if ctx.refine_min_similarity > 0 and nearest < ctx.refine_min_similarity:
        return {"refine_notes": {spec.name: f"nearest past auction only {nearest:.2f} similar "
                                            f"(refine_min_similarity {ctx.refine_min_similarity:g}); no rebid"}}
    messages = rebid_prompt(spec.name, task["task"], task["own"]["text"], exemplars, ctx.bid_max_words,
                            domain_of(ctx, task["task"], task.get("domain")), digests=ctx.rebid_exemplars == "digest")
    call = await strategy_call(spec, messages, "rebid", ctx, {"auction_id": task.get("auction_id", ""), "round": 1})
    if call["error"]:
        return {"refine_notes": {spec.name: f"rebid failed: {call['error']}"}, "calls": [ledger_entry(call)]}
    retrieved = [e["auction_id"] for e in exemplars]
    return {
        "bids": [make_bid(spec.name, 1, call, retrieved=retrieved)],
        "calls": [ledger_entry(call)],
        "refine_notes": {spec.name: f"rebid after {len(exemplars)} past auction(s)"},
    }
