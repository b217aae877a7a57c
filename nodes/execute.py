"""``execute``: run the winner's plan through the executor subgraph (only the winner executes)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.executor import graph as executor_graph
from graphs.state import AuctionState


async def execute(state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
    winner = next(b for b in state["bids"] if b["id"] == state["winner"])
    out = await executor_graph.ainvoke(
        {"task": state["task"], "plan": winner["text"], "agent": winner["agent"]}, context=runtime.context
    )
    update = {"answer": out.get("answer", ""), "calls": out.get("calls", [])}
    if out.get("error"):
        update["error"] = f"execution failed: {out['error']}"
    return update
