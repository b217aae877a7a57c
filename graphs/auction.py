"""The SALE auction as a LangGraph state graph (graph id ``auction``).

    START ─Send per agent─▶ bid ─Send per juror─▶ jury ─▶ score ─▶ select_provisional
      ─Send per cheaper agent─▶ refine ─Send per juror─▶ jury ─▶ score ─▶ select_final ─▶ record ─▶ execute ─▶ finish

Each ``bid`` and ``refine`` branch sends its own new bid to every juror, so bids and jury calls fan out with
``Send``. ``score`` is deferred: it runs once, after every branch of the round has finished (including branches
that failed and sent nothing). With ``jury_batch`` set, bid and refine branches go to the deferred
``jury_gather`` instead, which sends one call per juror holding all of the round's bids. Routers here are wiring
only; the work happens in ``nodes/``.

With context ``auction_policy="adaptive"``, START goes to ``consult_memory`` first, which either sends the bids
as above or, when the task's nearest past auctions agree, skips the auction and goes straight to ``execute``
(``finish`` with ``route_only``).

With ``auction_policy="cascade"``, START goes to ``rank_agents`` (who drafts, in which order, from memory), then
``draft_bid`` once per draft, cheapest credible agent first, until a draft passes its check or the last agent has
drafted; then ``record``, ``execute`` (which delivers a verified draft without another call) and ``finish``
(nodes/cascade.py).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import get_runtime
from langgraph.types import Send

from graphs.context import AuctionContext
from graphs.executor import graph as executor_graph
from graphs.live import domain_of, pool_of
from graphs.runnables import sync_and_async
from graphs.state import AuctionInput, AuctionOutput, AuctionState, BidTask, JuryTask, RefineTask
from nodes.bid import bid
from nodes.cascade import after_draft_bid, after_rank, draft_bid, rank_agents
from nodes.consult import check_auction_policy, consult_memory
from nodes.execute import make_execute
from nodes.finish import finish
from nodes.jury import jury
from nodes.record import record
from nodes.refine import refine
from nodes.score import eligible_bids, juror_reliability, score
from nodes.select import select_final, select_provisional
from sale.core.cost import check_jury_signal
from sale.core.jurors import counted
from sale.core.preflight import check_context
from sale.core.prompts import check_prompt_settings
from sale.core.tasks import validate_task

NODES = ("bid", "jury", "score", "select_provisional", "refine", "select_final", "record", "execute", "finish",
         "jury_gather", "consult_memory", "rank_agents", "draft_bid")


def dispatch_bids(state: AuctionState) -> list[Send] | str:
    validate_task(state["task"])
    ctx = get_runtime(AuctionContext).context
    check_context(ctx, paths=False)  # settings and keys: one ConfigError before any model call
    domain = domain_of(ctx, state["task"], state.get("domain"))  # an unknown domain: one error before any call
    check_jury_signal(ctx.jury_signal, ctx.jury_batch)
    check_prompt_settings(ctx.jury_layout, ctx.rebid_exemplars)
    domain.check_layout(ctx.jury_layout)
    check_auction_policy(ctx)
    if ctx.auction_policy == "adaptive":
        return "consult_memory"
    if ctx.auction_policy == "cascade":
        return "rank_agents"
    return _bid_sends(state)


def after_consult(state: AuctionState) -> list[Send] | str:
    """A skipped auction goes straight to execution; a held one sends the bids."""
    if state["auction_decision"]["skipped"]:
        return "finish" if get_runtime(AuctionContext).context.route_only else "execute"
    return _bid_sends(state)


def _bid_sends(state: AuctionState) -> list[Send]:
    pool = pool_of(get_runtime(AuctionContext).context)
    return [Send("bid", BidTask(task=state["task"], agent=a.name, auction_id=state.get("auction_id") or "",
                                **_domain(state)))
            for a in pool.agents]


def _domain(state: AuctionState) -> dict:
    """The input's domain, carried to every branch (unset: each node applies the context's setting)."""
    return {"domain": state["domain"]} if state.get("domain") else {}


def dispatch_jury(state: AuctionState) -> list[Send] | str:
    """After one bid/refine branch: its new (not yet scored) bid goes to every juror still in the auction."""
    if get_runtime(AuctionContext).context.jury_batch:
        return "jury_gather"
    jurors, fresh = _jurors_and_fresh_bids(state)
    sends = [Send("jury", JuryTask(task=state["task"], bid=b, juror=j, auction_id=state.get("auction_id") or "",
                                   **_domain(state)))
             for b in fresh for j in jurors]
    return sends or "score"


def jury_gather(state: AuctionState) -> dict:
    """Batched jury: waits (deferred) until every bid or refine branch of the round is done."""
    return {}


def dispatch_batch_jury(state: AuctionState) -> list[Send] | str:
    """After the round's branches: one call per juror with all of the round's fresh bids."""
    jurors, fresh = _jurors_and_fresh_bids(state)
    if not fresh:
        return "score"
    return [Send("jury", JuryTask(task=state["task"], bids=fresh, juror=j, auction_id=state.get("auction_id") or "",
                                  **_domain(state)))
            for j in jurors] or "score"


def _jurors_and_fresh_bids(state: AuctionState) -> tuple[list[str], list]:
    """Jurors still in the auction and not dropped as unreliable, and the eligible bids no one has scored yet."""
    ctx = get_runtime(AuctionContext).context
    pool = pool_of(ctx)
    excluded = state.get("excluded", {})
    scored = state.get("scores", {})
    jurors = counted(juror_reliability(state, ctx), [a for a in pool.names if a not in excluded])
    return jurors, [b for b in eligible_bids(state) if b["id"] not in scored]


def after_score(state: AuctionState) -> str:
    return "select_final" if state.get("phase") == "refining" else "select_provisional"


def dispatch_refine(state: AuctionState) -> list[Send] | str:
    """Only agents strictly cheaper than the provisional winner refine."""
    if state.get("status") == "failed":
        return "finish"
    ctx = get_runtime(AuctionContext).context
    if not ctx.refine:
        return "select_final"
    pool = pool_of(ctx)
    bids = {b["agent"]: b for b in state["bids"] if b["round"] == 0}
    leader = next(b for b in state["bids"] if b["id"] == state["provisional_winner"])
    ceiling = pool.get(leader["agent"]).price_per_mtok
    excluded = state.get("excluded", {})
    sends = [
        Send("refine", RefineTask(task=state["task"], agent=a.name, own=bids[a.name],
                                  memory_seq_before=state["memory_seq_before"],
                                  auction_id=state.get("auction_id") or "", **_domain(state)))
        for a in pool.agents
        if a.price_per_mtok < ceiling and a.name in bids and a.name not in excluded
    ]
    return sends or "select_final"


def after_select_final(state: AuctionState) -> str:
    return "finish" if state.get("status") == "failed" else "record"


def after_record(state: AuctionState) -> str:
    return "finish" if get_runtime(AuctionContext).context.route_only else "execute"


def build_auction_graph(nodes: Mapping[str, Callable[..., Any]] | None = None) -> StateGraph:
    """The uncompiled builder: compile it with your own checkpointer. ``nodes`` replaces node functions by name
    (same signature: ``(state_or_task, runtime) -> update``; async functions get a sync twin). A domain's own
    prompts, tools, cost terms and verifier need no node of their own: register it (docs/domains.md)."""
    unknown = sorted(set(nodes or {}) - set(NODES))
    if unknown:
        raise ValueError(f"unknown node(s) {', '.join(unknown)}; the nodes are {', '.join(NODES)}")
    chosen: dict[str, Callable[..., Any]] = {
        "bid": bid, "jury": jury, "score": score, "select_provisional": select_provisional, "refine": refine,
        "select_final": select_final, "record": record, "execute": make_execute(executor_graph), "finish": finish,
        "jury_gather": jury_gather, "consult_memory": consult_memory, "rank_agents": rank_agents,
        "draft_bid": draft_bid, **(nodes or {})}
    builder = StateGraph(AuctionState, context_schema=AuctionContext, input_schema=AuctionInput,
                         output_schema=AuctionOutput)
    for name in NODES:
        fn = chosen[name]
        builder.add_node(name, sync_and_async(fn) if inspect.iscoroutinefunction(fn) else fn,
                         defer=name in ("score", "jury_gather"))

    builder.add_conditional_edges(START, dispatch_bids, ["bid", "consult_memory", "rank_agents"])
    builder.add_conditional_edges("rank_agents", after_rank, ["draft_bid", "record", "finish"])
    builder.add_conditional_edges("draft_bid", after_draft_bid, ["draft_bid", "record", "finish"])
    builder.add_conditional_edges("consult_memory", after_consult, ["bid", "execute", "finish"])
    builder.add_conditional_edges("bid", dispatch_jury, ["jury", "score", "jury_gather"])
    builder.add_conditional_edges("jury_gather", dispatch_batch_jury, ["jury", "score"])
    builder.add_edge("jury", "score")
    builder.add_conditional_edges("score", after_score, ["select_provisional", "select_final"])
    builder.add_conditional_edges("select_provisional", dispatch_refine, ["refine", "select_final", "finish"])
    builder.add_conditional_edges("refine", dispatch_jury, ["jury", "score", "jury_gather"])
    builder.add_conditional_edges("select_final", after_select_final, ["record", "finish"])
    builder.add_conditional_edges("record", after_record, ["execute", "finish"])
    builder.add_edge("execute", "finish")
    builder.add_edge("finish", END)
    return builder


graph = build_auction_graph().compile(name="auction")
