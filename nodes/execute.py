"""``execute``: run the winner's plan through the executor subgraph (only the winner executes).

The executor also gets the other eligible bids, ranked, as fallbacks: if the winner's endpoint dies mid-run,
the next-best bid takes over (context ``fallback``), and the result says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from langgraph.pregel import Pregel
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import domain_of, pool_of
from graphs.state import AuctionState
from nodes.deliver import NO_ANSWER
from nodes.select import ranked_bids
from sale.core.prompts import SINGLE_PLAN


def make_execute(executor_graph: Pregel) -> Callable[[AuctionState, Runtime[AuctionContext]], Awaitable[dict]]:
    """The ``execute`` node around a compiled executor subgraph; the wiring passes ``graphs/executor.py``'s, so
    this node never imports a graph."""

    async def execute(state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
        return await run_executor(executor_graph, state, runtime)

    return execute


async def run_executor(executor_graph: Pregel, state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
    skipped = state.get("auction_decision", {}).get("agent")
    if skipped:  # the adaptive policy skipped the auction: no plan, no other bids to fall back on
        winner = {"agent": skipped, "text": SINGLE_PLAN}
        candidates = [{"agent": skipped, "plan": SINGLE_PLAN}]
    else:
        winner = next(b for b in state["bids"] if b["id"] == state["winner"])
        candidates = [{"agent": winner["agent"], "plan": winner["text"]}]
        for bid in ranked_bids(state, pool_of(runtime.context)):
            if bid["agent"] not in {c["agent"] for c in candidates}:
                candidates.append({"agent": bid["agent"], "plan": bid["text"]})
    given: dict = {}
    if state.get("cascade"):  # a cascade's bids are answers, not plans: the executor gets no plan to follow
        winner = {**winner, "text": SINGLE_PLAN}
        candidates = [{**c, "plan": SINGLE_PLAN} for c in candidates]
        if state["cascade"].get("one_call"):
            given = {"draft": state["cascade"]["draft"]}
    out = await executor_graph.ainvoke(
        {"task": state["task"], "plan": winner["text"], "agent": winner["agent"], "candidates": candidates,
         "domain": domain_of(runtime.context, state["task"], state.get("domain")).name, **given},
        context=runtime.context,
    )
    execution = {
        "status": out.get("status", "failed"),
        "answer_source": out.get("answer_source", "none"),
        "final_reply": out.get("final_reply", ""),
        "agent": out.get("agent", winner["agent"]),
        "model_steps": out.get("model_steps", 0),
        "tool_calls": sum(1 for s in out.get("steps", []) if s["kind"] == "tool" and s.get("repeat_of") is None),
        "fallbacks": out.get("fallbacks", []),
        "steps": out.get("steps", []),
    }
    update = {"answer": out.get("answer", ""), "calls": out.get("calls", []), "execution": execution}
    if out.get("error") and out.get("status") != NO_ANSWER:
        update["error"] = f"execution failed: {out['error']}"
    if out.get("answer_source", "none") == "none":  # nothing delivered, whatever ended the run
        update |= {"status": NO_ANSWER, "error": update.get("error") or out.get("error") or "no answer"}
    return update
