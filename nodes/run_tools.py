"""``tools``: run the tool calls the executor's last step asked for and feed back the observations.

Only the tools the task's domain offers run; a call to any other tool gets an observation saying so and costs
nothing. Each call is priced (context ``tool_prices``) and recorded in the run's ledger.
"""

from __future__ import annotations

import asyncio

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import pool_of
from graphs.state import ExecutorState
from sale.core.prompts import OBSERVATION
from sale.core.tasks import DOMAIN_TOOLS
from tools.python import python_observation
from tools.sandbox import SandboxConfig
from tools.search import make_backend, search_observation


async def tools(state: ExecutorState, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    protocol = pool_of(ctx).get(state["agent"]).tool_protocol
    messages: list[BaseMessage] = []
    steps, calls = [], []
    allowed = DOMAIN_TOOLS[state["domain"]]  # set by act, which always runs first
    for action in state["pending"]:
        if action["name"] in allowed:
            observation, detail = await asyncio.to_thread(run_tool, action["name"], action["input"], ctx)
        else:
            observation = (f"the {action['name']} tool is not available for this task; your tools: "
                           f"{', '.join(allowed)}")
            detail = {"ok": False, "known": False, "error": "tool not offered"}
        price = ctx.tool_prices.get(action["name"], 0.0) if detail.get("known", True) else 0.0
        calls.append({"agent": state["agent"], "purpose": "tool", "tool": action["name"], "prompt_tokens": 0,
                      "completion_tokens": 0, "usd": price, "error": detail.get("error"), "reported_usage": None,
                      "latency_s": detail.get("duration_s", 0.0)})
        steps.append({"step": state.get("model_steps", 0), "agent": state["agent"], "kind": "tool",
                      "tool": action["name"], "input": action["input"][:2000], "observation": observation[:2000],
                      "ok": detail.get("ok", True)})
        if protocol == "native":
            messages.append(ToolMessage(content=observation, tool_call_id=action["id"]))
        else:
            messages.append(HumanMessage(OBSERVATION.format(observation=observation)))
    return {"messages": messages, "pending": [], "steps": steps, "calls": calls}


def run_tool(name: str, tool_input: str, ctx: AuctionContext) -> tuple[str, dict]:
    if name == "python":
        config = SandboxConfig(timeout_s=ctx.python_timeout_s, allow_weak=ctx.sandbox_allow_weak)
        return python_observation(tool_input, config)
    if name == "search":
        try:
            backend = ctx.live.search or make_backend(ctx.search_backend, ctx.search_corpus)
        except ValueError as exc:
            return f"search unavailable: {exc}", {"ok": False, "error": str(exc)}
        text = search_observation(backend, tool_input)
        return text, {"ok": not text.startswith("search unavailable")}
    return f"unknown tool {name!r}; the tools are python and search", {"ok": False, "known": False,
                                                                      "error": "unknown tool"}


