"""The executor subgraph (graph id ``executor``): the auction's winner carries out its own plan as a ReAct agent.

    START ─▶ draft ─(kept)─────────────────────────────────────────────────────────▶ deliver ─▶ END
               └─▶ act ─(tools)─▶ tools ─▶ act ─ ... ─(final answer | budget | failure)─▶ deliver

``draft`` (nodes/draft.py) answers in one call where the domain can (coding) and keeps the answer if it passes
the domain's check (the task's own examples, in the sandbox); ``act`` (nodes/act.py) asks the current agent's
model for the next step; ``tools`` (nodes/run_tools.py) runs the requested tools (web search, the sandboxed Python
tool) and feeds back observations; ``deliver`` (nodes/deliver.py) applies the domain's deliverable rule: the
answer every caller gets, or ``no answer``.
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
from nodes.draft import draft
from nodes.run_tools import tools


def after_act(state: ExecutorState) -> str:
    if state.get("pending"):
        return "tools"
    if not state.get("status"):
        return "act"  # a format reminder was sent, or a fallback agent starts over
    return "deliver"


def after_draft(state: ExecutorState) -> str:
    return "deliver" if state.get("status") else "act"


def build_executor_graph() -> StateGraph:
    builder = StateGraph(ExecutorState, context_schema=AuctionContext)
    builder.add_node("act", sync_and_async(act))
    builder.add_node("tools", sync_and_async(tools))
    builder.add_node("draft", sync_and_async(draft))
    builder.add_node("deliver", deliver)
    builder.add_edge(START, "draft")
    builder.add_conditional_edges("draft", after_draft, ["act", "deliver"])
    builder.add_conditional_edges("act", after_act, ["tools", "act", "deliver"])
    builder.add_edge("tools", "act")
    builder.add_edge("deliver", END)
    return builder


graph = build_executor_graph().compile(name="executor")
