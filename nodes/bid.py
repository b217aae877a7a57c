"""``bid``: one agent writes a short strategy for the task (greedy, with logprobs for the entropy term)."""

from __future__ import annotations

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import breaker_for, domain_of, pool_of
from graphs.state import Bid, BidTask
from sale.core.calls import CallRecord, call_model, ledger_entry
from sale.core.deliverable import parsable_prefix
from sale.core.entropy import plan_entropy
from sale.core.pool import AgentSpec

MIN_BID_TOKENS = 2
MIN_KEPT_WORDS = 12
"""A cut plan keeps its open code block closed rather than dropped when fewer words than this precede it."""


async def bid(task: BidTask, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    spec = pool_of(ctx).get(task["agent"])
    domain = domain_of(ctx, task["task"], task.get("domain"))
    messages = [
        SystemMessage(domain.prompt("BID_SYSTEM").format(agent=spec.name, tools=domain.tools_description,
                                                         max_words=ctx.bid_max_words)),
        HumanMessage(domain.prompt("BID_USER").format(task=task["task"])),
    ]
    prefetch_embedding(ctx, task["task"])
    call = await strategy_call(spec, messages, "bid", ctx, {"auction_id": task.get("auction_id", ""), "round": 0})
    if call["error"]:
        return {"excluded": {spec.name: f"bid failed: {call['error']}"}, "calls": [ledger_entry(call)]}
    return {"bids": [make_bid(spec.name, 0, call, retrieved=[])], "calls": [ledger_entry(call)]}


def prefetch_embedding(ctx: AuctionContext, task: str) -> None:
    """Start the task's embedding in the background when the auction's path will wait for it (the refine round
    retrieves with it; a shared memory embeds the record before writing it): computed while the bids are out, it
    is off that path. A local memory indexes the record off the path anyway. Only with a memory the caller opened
    (``Live.memory``; every entry point but ``langgraph dev`` passes one): opening one blocks, and a memory that
    cannot be opened is reported by the nodes that need it."""
    memory = ctx.live.memory
    if memory is not None and (ctx.refine or memory.shared):
        memory.prefetch(task)


async def strategy_call(spec: AgentSpec, messages: list, purpose: str, ctx: AuctionContext,
                        trace: dict | None = None) -> CallRecord:
    """A bid or rebid: greedy, length-capped, with top-k logprobs for the entropy term."""
    return await call_model(
        spec, messages, purpose=purpose, deadline_s=ctx.bid_deadline_s,
        max_tokens=min(ctx.bid_max_tokens, spec.max_tokens), factory=ctx.live.model_factory,
        logprobs=True, top_logprobs=ctx.top_logprobs, breaker=breaker_for(ctx, spec.name), trace=trace,
    )


def close_cut_plan(text: str) -> str:
    """A plan the length cap cut off, closed cleanly: the unfinished last line goes (a half-written line of code
    is wrong code), and so does a code block left open, unless it is most of the plan: then it keeps the lines
    that still parse as Python, and is closed."""
    head, newline, _ = text.rpartition("\n")
    if not newline:
        sentence = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
        head = text[:sentence + 1] if sentence > 0 else text.rsplit(" ", 1)[0]
    head = head.rstrip()
    if head.count("```") % 2:
        fence = head.rfind("```")
        before = head[:fence].rstrip()
        opening, _, code = head[fence:].partition("\n")
        code = parsable_prefix(code)
        if len(before.split()) >= MIN_KEPT_WORDS or not code.strip():
            head = before
        else:
            head = f"{before}\n{opening}\n{code}\n```".lstrip("\n")
    return head  # empty when nothing but a cut line of code was written: no plan (disqualified as empty)


def make_bid(agent: str, round_: int, call: CallRecord, retrieved: list[str]) -> Bid:
    """A scored-to-be bid from a completed call; empty, whitespace-only and 1-token bids are disqualified. A bid
    that hit the length cap is closed cleanly (:func:`close_cut_plan`) and marked ``truncated``."""
    h = plan_entropy(call["logprobs"])
    truncated = call.get("finish_reason") == "length"
    text = close_cut_plan(call["text"]) if truncated and call["text"].strip() else call["text"]
    disqualified = None
    if not text.strip():
        disqualified = f"empty bid (finish_reason={call['finish_reason']})"
    elif call["completion_tokens"] < MIN_BID_TOKENS:
        disqualified = f"bid of {call['completion_tokens']} token(s)"
    return Bid(
        id=f"{agent}@{round_}", agent=agent, round=round_, refined=round_ > 0, text=text,
        tokens=call["completion_tokens"], token_source=call["token_source"], entropy=round(h.value, 6),
        entropy_missing=h.missing, top_k=h.top_k, disqualified=disqualified, retrieved=retrieved,
        truncated=truncated, call_tokens=call["prompt_tokens"] + call["completion_tokens"],
    )
