"""The executor subgraph (graph id ``executor``): the auction's winner carries out its own plan as a ReAct agent.

    START ─▶ act ─(tool calls)─▶ tools ─▶ act ─ ... ─(final answer | budget | failure)─▶ END

``act`` asks the current agent's model for the next step; ``tools`` runs the requested tools (web search, the
sandboxed Python tool) and feeds back observations. Two protocols, per agent (pool key ``tool_protocol``):
``native`` uses the endpoint's tool calling; ``text`` uses a Thought/Action/Action Input/Final Answer format with
a tolerant parser (:mod:`sale.core.react_text`), so small local models can drive it.

Budgets: ``max_steps`` model calls and ``exec_token_budget`` tokens; when either runs out the last reply is the
answer and the result says so. Fallback (``fallback = "next_best"``): if the current agent's endpoint fails
mid-run, the next-ranked bid of the auction takes over from the start with its own plan, and the result
records the switch. Usable on its own: invoke with ``{"task", "plan", "agent"}`` and the auction's context.
"""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import breaker_for, pool_of
from graphs.runnables import sync_and_async
from sale.core.calls import call_model, ledger_entry
from sale.core.prompts import (
    DELIVERABLE,
    EXECUTE_NATIVE_SYSTEM,
    EXECUTE_TEXT_SYSTEM,
    EXECUTE_USER,
    FINAL_STEP,
    FORMAT_REMINDER,
    OBSERVATION,
    TEXT_TOOL_INPUT,
    TOOL_LINES,
    TOOL_SPECS,
)
from sale.core.react_text import TEXT_STOP, parse_reply
from sale.core.tasks import DOMAIN_TOOLS, task_domain
from tools.python import python_observation
from tools.sandbox import SandboxConfig
from tools.search import make_backend, search_observation

MAX_FORMAT_REMINDERS = 1


class Candidate(TypedDict):
    agent: str
    plan: str


class ExecutorState(TypedDict, total=False):
    task: str
    plan: str
    agent: str
    domain: str
    candidates: list[Candidate]
    messages: list[BaseMessage]
    pending: list[dict[str, Any]]
    steps: Annotated[list[dict[str, Any]], operator.add]
    calls: Annotated[list[dict[str, Any]], operator.add]
    fallbacks: Annotated[list[dict[str, str]], operator.add]
    model_steps: int
    tokens_used: int
    answer: str
    status: str
    error: str | None


def start_messages(agent: str, protocol: str, task: str, plan: str, domain: str = "deep_search") -> list[BaseMessage]:
    tools = DOMAIN_TOOLS[domain]
    lines = "\n".join(TOOL_LINES[t] for t in tools)
    if protocol == "text":
        system = EXECUTE_TEXT_SYSTEM.format(agent=agent, tool_lines=lines, first_tool=tools[0],
                                            first_input=TEXT_TOOL_INPUT[tools[0]], deliverable=DELIVERABLE[domain])
    else:
        system = EXECUTE_NATIVE_SYSTEM.format(agent=agent, tool_lines=lines, deliverable=DELIVERABLE[domain])
    return [SystemMessage(system), HumanMessage(EXECUTE_USER.format(task=task, plan=plan))]


def format_reminder(domain: str) -> str:
    tool = DOMAIN_TOOLS[domain][0]
    return FORMAT_REMINDER.format(first_tool=tool, first_input=TEXT_TOOL_INPUT[tool].replace("\n", " "))


async def act(state: ExecutorState, runtime: Runtime[AuctionContext]) -> dict:
    """One model step. The last step the budgets allow asks for the final deliverable, with no tools, instead of
    another action: a run cut off mid-action would otherwise deliver its last action as the answer."""
    ctx = runtime.context
    pool = pool_of(ctx)
    candidates = state.get("candidates") or [Candidate(agent=state["agent"], plan=state["plan"])]
    agent = state.get("agent") or candidates[0]["agent"]
    domain = state.get("domain") or task_domain(state["task"], ctx.domain)
    spec = pool.get(agent)
    messages = state.get("messages") or start_messages(agent, spec.tool_protocol, state["task"],
                                                       state.get("plan") or candidates[0]["plan"], domain)
    step = state.get("model_steps", 0) + 1
    last = step >= ctx.max_steps or (step > 1 and state.get("tokens_used", 0) + ctx.exec_max_tokens
                                     > ctx.exec_token_budget)
    offered = [t for t in TOOL_SPECS if t["function"]["name"] in DOMAIN_TOOLS[domain]]
    sent = [*messages, HumanMessage(FINAL_STEP.format(deliverable=DELIVERABLE[domain]))] if last else messages
    call = await call_model(spec, sent, purpose="execute", deadline_s=ctx.execute_deadline_s,
                            max_tokens=ctx.exec_max_tokens, factory=ctx.live.model_factory,
                            tools=offered if spec.tool_protocol == "native" and not last else None,
                            stop=TEXT_STOP if spec.tool_protocol == "text" else None,
                            breaker=breaker_for(ctx, agent))
    used = state.get("tokens_used", 0) + call["prompt_tokens"] + call["completion_tokens"]
    update: dict[str, Any] = {"calls": [ledger_entry(call)], "model_steps": step, "tokens_used": used,
                              "agent": agent, "domain": domain}
    if call["error"]:
        return update | _fallback(state, ctx, candidates, agent, call["error"])
    if spec.tool_protocol == "native":
        tool_calls = [] if last else call["tool_calls"]
        replies: list[BaseMessage] = [AIMessage(content=call["text"], tool_calls=[
            {"id": c["id"], "name": c["name"], "args": c["args"], "type": "tool_call"} for c in tool_calls])]
        actions = [{"id": c["id"], "name": c["name"], "input": _native_input(c)} for c in tool_calls]
        final = None if actions else call["text"].strip()
    else:
        replies = [AIMessage(content=call["text"])]
        parsed = parse_reply(call["text"])
        actions = [] if last or not parsed.action else [
            {"id": f"step{step}", "name": parsed.action, "input": parsed.action_input}]
        final = parsed.final_answer
        reminder = format_reminder(domain)
        reminders = sum(1 for m in messages if m.type == "human" and m.content == reminder)
        if not parsed.structured and reminders < MAX_FORMAT_REMINDERS and not last:
            final = None
            replies.append(HumanMessage(reminder))
    record = {"step": step, "agent": agent, "kind": "model", "text": call["text"][:2000],
              "tool_calls": [{"name": a["name"], "input": a["input"][:2000]} for a in actions],
              "tokens": call["prompt_tokens"] + call["completion_tokens"], "final_step": last}
    update |= {"messages": [*sent, *replies], "steps": [record],
               "plan": state.get("plan") or candidates[0]["plan"]}
    if last:
        limit = "step" if step >= ctx.max_steps else "token"
        return update | {"answer": final or call["text"].strip(), "status": f"{limit} budget exhausted",
                         "pending": []}
    if final is not None and not actions:
        return update | {"answer": final, "status": "answered", "pending": []}
    return update | {"pending": actions, "status": ""}


def _native_input(call: dict[str, Any]) -> str:
    args = call["args"]
    return str(args.get("code") or args.get("query") or next(iter(args.values()), "")) if args else ""


def _fallback(state: ExecutorState, ctx: AuctionContext, candidates: list[Candidate], agent: str,
              error: str) -> dict:
    tried = {agent} | {f["from"] for f in state.get("fallbacks", [])}
    remaining = [c for c in candidates if c["agent"] not in tried]
    if ctx.fallback != "next_best" or not remaining:
        return {"status": "failed", "error": f"{agent} failed during execution: {error}", "pending": []}
    nxt = remaining[0]
    return {"fallbacks": [{"from": agent, "to": nxt["agent"], "reason": error, "policy": ctx.fallback}],
            "agent": nxt["agent"], "plan": nxt["plan"], "messages": [], "pending": []}


async def tools(state: ExecutorState, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    protocol = pool_of(ctx).get(state["agent"]).tool_protocol
    messages = list(state["messages"])
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


def after_act(state: ExecutorState) -> str:
    if state.get("pending"):
        return "tools"
    if not state.get("status"):
        return "act"  # a format reminder was sent, or a fallback agent starts over
    return END


def build_executor_graph() -> StateGraph:
    builder = StateGraph(ExecutorState, context_schema=AuctionContext)
    builder.add_node("act", sync_and_async(act))
    builder.add_node("tools", sync_and_async(tools))
    builder.add_edge(START, "act")
    builder.add_conditional_edges("act", after_act, ["tools", "act", END])
    builder.add_edge("tools", "act")
    return builder


graph = build_executor_graph().compile(name="executor")
