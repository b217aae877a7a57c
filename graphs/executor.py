"""The executor subgraph (graph id ``executor``): the auction's winner carries out its own plan as a ReAct agent.

    START ─▶ act ─(tools)─▶ tools ─▶ act ─ ... ─(final answer | budget | failure)─▶ deliver ─▶ END

``act`` (nodes/act.py) asks the current agent's model for the next step; ``tools`` (nodes/run_tools.py) runs the
requested tools (web search, the sandboxed Python tool) and feeds back observations; ``deliver``
(nodes/deliver.py) applies the domain's deliverable rule: the answer every caller gets, or ``no answer``.
Budgets: ``max_steps`` model calls and ``exec_token_budget`` tokens. Usable on its own: invoke with
``{"task", "plan", "agent"}`` and the auction's context.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from graphs.context import AuctionContext
from graphs.runnables import sync_and_async
from graphs.state import ExecutorState
from nodes.act import act
from nodes.deliver import deliver
from nodes.run_tools import tools


def after_act(state: ExecutorState) -> str:
    if state.get("pending"):
        return "tools"
    if not state.get("status"):
        return "act"  # a format reminder was sent, or a fallback agent starts over
    return "deliver"


def build_executor_graph() -> StateGraph:
    builder = StateGraph(ExecutorState, context_schema=AuctionContext)
    builder.add_node("act", sync_and_async(act))
    builder.add_node("tools", sync_and_async(tools))
    builder.add_node("deliver", deliver)
    builder.add_edge(START, "act")
    builder.add_conditional_edges("act", after_act, ["tools", "act", "deliver"])
    builder.add_edge("tools", "act")
    builder.add_edge("deliver", END)
    return builder


graph = build_executor_graph().compile(name="executor")
