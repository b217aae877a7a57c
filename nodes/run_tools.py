"""``tools``: run the tool calls the executor's last step asked for and feed back the observations.

Only the tools the task's domain offers run (any LangChain tool; the shipped ones get the context's sandbox and
search settings through ``config["configurable"]``); a call to any other tool gets an observation saying so and
costs nothing. A tool that raises gives the agent an observation naming the error. Each call is priced (context
``tool_prices``) and recorded in the run's ledger. A call identical to one already made (same tool, same input)
that succeeded is not run again nor charged: the agent is told it already ran it, and what came back. Steps keep
a call's whole input: the code an agent ran may be what the run delivers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import domain_of, pool_of
from graphs.state import ExecutorState
from sale.core.deliverable import Delivery
from sale.core.domains import Domain, tool_args
from sale.core.prompts import OBSERVATION, REPEATED_ACTION


async def tools(state: ExecutorState, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    protocol = pool_of(ctx).get(state["agent"]).tool_protocol
    messages: list[BaseMessage] = []
    steps, calls = [], []
    domain = domain_of(ctx, state["task"], state["domain"])  # set by act, which always runs first
    earlier = {s["key"]: s for s in state.get("steps", []) if s.get("kind") == "tool" and s.get("key")
               and s.get("repeat_of") is None and s.get("agent") == state["agent"] and s.get("ok", True)}
    for action in state["pending"]:
        tool = domain.tool(action["name"])
        key = action_key(action)
        if key in earlier:  # the same call gives the same result: tell the agent instead of paying again
            seen = earlier[key]
            observation = REPEATED_ACTION.format(step=seen["step"], observation=seen["observation"])
            steps.append({"step": state.get("model_steps", 0), "agent": state["agent"], "kind": "tool",
                          "tool": action["name"], "input": action["input"], "observation": observation[:2000],
                          "ok": seen.get("ok", True), "key": key, "repeat_of": seen["step"]})
            messages.append(ToolMessage(content=observation, tool_call_id=action["id"]) if protocol == "native"
                            else HumanMessage(OBSERVATION.format(observation=observation)))
            continue
        if tool is not None:
            observation, detail = await asyncio.to_thread(run_tool, tool, action, ctx)
        else:
            observation = (f"the {action['name']} tool is not available for this task; your tools: "
                           f"{', '.join(domain.tool_names)}")
            detail = {"ok": False, "known": False, "error": "tool not offered"}
        price = ctx.tool_prices.get(action["name"], 0.0) if detail.get("known", True) else 0.0
        calls.append({"agent": state["agent"], "purpose": "tool", "tool": action["name"], "prompt_tokens": 0,
                      "completion_tokens": 0, "usd": price, "error": detail.get("error"), "reported_usage": None,
                      "latency_s": detail.get("duration_s", 0.0)})
        steps.append({"step": state.get("model_steps", 0), "agent": state["agent"], "kind": "tool",
                      "tool": action["name"], "input": action["input"], "observation": observation[:2000],
                      "ok": detail.get("ok", True), "key": key})
        earlier[key] = steps[-1]
        if protocol == "native":
            messages.append(ToolMessage(content=observation, tool_call_id=action["id"]))
        else:
            messages.append(HumanMessage(OBSERVATION.format(observation=observation)))
    return {"messages": messages, "pending": [], "steps": steps, "calls": calls}


def action_key(action: dict[str, Any]) -> str:
    """Identifies a call by tool and full input (steps keep only the first 2,000 characters of an input)."""
    body = json.dumps([action["name"], action["input"], action.get("args")], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def tool_settings(ctx: AuctionContext) -> dict[str, Any]:
    """What the shipped tools read from ``config["configurable"]`` (tools/domains.py)."""
    return {"python_timeout_s": ctx.python_timeout_s, "sandbox_allow_weak": ctx.sandbox_allow_weak,
            "search": ctx.live.search, "search_backend": ctx.search_backend, "search_corpus": ctx.search_corpus}


async def check_delivery(ctx: AuctionContext, domain: Domain, task: str, delivery: Delivery) -> dict[str, Any] | None:
    """The domain's check of what an answer delivers, run in the sandbox off the event loop (None: the domain has
    no check); an answer that delivers nothing fails it, saying why. One place for the cascade's drafts and the
    loop's Final Answers."""
    if delivery.source == "none":
        return {"passed": False, "examples": 0, "failed": 0, "detail": f"no answer: {delivery.reason}"}
    if domain.check is None:
        return None
    return dict(await asyncio.to_thread(domain.check, task, delivery.answer, tool_settings(ctx)))


def run_tool(tool: BaseTool, action: dict[str, Any], ctx: AuctionContext) -> tuple[str, dict]:
    """(observation, ledger detail). A tool's artifact, when it returns one as a dict, is the detail."""
    try:
        args = tool_args(tool, action["input"], action.get("args"))
    except ValueError as exc:
        return f"{tool.name} error: {exc}", {"ok": False, "error": str(exc)}
    call = {"type": "tool_call", "id": action.get("id") or tool.name, "name": tool.name, "args": args}
    try:
        message = tool.invoke(call, config={"configurable": tool_settings(ctx)})
    except Exception as exc:  # the agent sees its tool fail, as LangGraph's ToolNode shows it; the run goes on
        return f"{tool.name} failed: {type(exc).__name__}: {exc}", {"ok": False, "error": f"{type(exc).__name__}"}
    content = message.content if isinstance(message, ToolMessage) else message
    text = content if isinstance(content, str) else json.dumps(content, default=str)
    artifact = getattr(message, "artifact", None)
    if isinstance(artifact, dict) and "ok" in artifact:
        return text, artifact
    return text, {"ok": getattr(message, "status", "success") != "error"}
