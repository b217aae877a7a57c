"""The executor subgraph (graph id ``executor``): the auction's winner carries out its own plan.

For now one node, ``act``, makes a single call to the winner's model with the plan as guidance; the executor
issue replaces it with a ReAct loop over web search and a sandboxed Python tool. Usable on its own: invoke it
with ``{"task", "plan", "agent"}`` and the same context as the auction.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from sale.calls import call_model
from sale.prompts import EXECUTE_SYSTEM, EXECUTE_USER
from sale.resources import pool_of


class ExecutorState(TypedDict, total=False):
    task: str
    plan: str
    agent: str
    answer: str
    error: str | None
    calls: Annotated[list[dict[str, Any]], operator.add]


async def act(state: ExecutorState, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    spec = pool_of(ctx).get(state["agent"])
    messages = [
        SystemMessage(EXECUTE_SYSTEM.format(agent=spec.name)),
        HumanMessage(EXECUTE_USER.format(task=state["task"], plan=state["plan"])),
    ]
    call = await call_model(spec, messages, purpose="execute", deadline_s=ctx.execute_deadline_s,
                            max_tokens=ctx.exec_max_tokens,
                            factory=ctx.model_factory)
    ledger = {k: v for k, v in call.items() if k not in ("text", "logprobs")}
    return {"answer": call["text"].strip(), "error": call["error"], "calls": [ledger]}


def build_executor_graph() -> StateGraph:
    builder = StateGraph(ExecutorState, context_schema=AuctionContext)
    builder.add_node("act", act)
    builder.add_edge(START, "act")
    builder.add_edge("act", END)
    return builder


graph = build_executor_graph().compile(name="executor")
