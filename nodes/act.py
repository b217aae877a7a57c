"""``act``: one model step of the executor. The agent's model decides the next tool call or gives the answer.

Two protocols, per agent (pool key ``tool_protocol``): ``native`` uses the endpoint's tool calling; ``text`` uses
a Thought/Action/Action Input/Final Answer format with a tolerant parser (:mod:`sale.core.react_text`), so small
local models can drive it. The last step a budget allows offers no tools and asks for the final deliverable. If
the agent's endpoint fails, the next-ranked bid of the auction takes over (context ``fallback``).
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage, SystemMessage
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import breaker_for, pool_of
from graphs.state import Candidate, ExecutorState
from sale.core.calls import call_model, ledger_entry
from sale.core.prompts import (
    DELIVERABLE,
    EXECUTE_NATIVE_SYSTEM,
    EXECUTE_TEXT_SYSTEM,
    EXECUTE_USER,
    FINAL_STEP,
    FORMAT_REMINDER,
    TEXT_TOOL_INPUT,
    TOOL_LINES,
    TOOL_SPECS,
)
from sale.core.react_text import TEXT_STOP, inline_tool_call, parse_reply
from sale.core.tasks import DOMAIN_TOOLS, task_domain

MAX_FORMAT_REMINDERS = 1


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
    history = state.get("messages") or []
    opening = [] if history else start_messages(agent, spec.tool_protocol, state["task"],
                                                state.get("plan") or candidates[0]["plan"], domain)
    messages = [*history, *opening]
    step = state.get("model_steps", 0) + 1
    last = step >= ctx.max_steps or (step > 1 and state.get("tokens_used", 0) + ctx.exec_max_tokens
                                     > ctx.exec_token_budget)
    offered = [t for t in TOOL_SPECS if t["function"]["name"] in DOMAIN_TOOLS[domain]]
    ask_final = [HumanMessage(FINAL_STEP.format(deliverable=DELIVERABLE[domain]))] if last else []
    sent = [*messages, *ask_final]
    call = await call_model(spec, sent, purpose="execute", deadline_s=ctx.execute_deadline_s,
                            max_tokens=ctx.exec_max_tokens, factory=ctx.live.model_factory,
                            tools=offered if spec.tool_protocol == "native" and not last else None,
                            stop=TEXT_STOP if spec.tool_protocol == "text" else None,
                            breaker=breaker_for(ctx, agent), trace={"step": step, "final_step": last})
    used = state.get("tokens_used", 0) + call["prompt_tokens"] + call["completion_tokens"]
    update: dict[str, Any] = {"calls": [ledger_entry(call)], "model_steps": step, "tokens_used": used,
                              "agent": agent, "domain": domain}
    if call["error"]:
        return update | _fallback(state, ctx, candidates, agent, call["error"])
    if spec.tool_protocol == "native":
        tool_calls = [] if last else call["tool_calls"] or _inline_calls(call["text"], offered, step)
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
    update |= {"messages": [*opening, *ask_final, *replies], "steps": [record],
               "plan": state.get("plan") or candidates[0]["plan"]}
    if last:
        limit = "step" if step >= ctx.max_steps else "token"
        return update | {"answer": final or call["text"].strip(), "status": f"{limit} budget exhausted",
                         "pending": []}
    if final is not None and not actions:
        return update | {"answer": final, "status": "answered", "pending": []}
    return update | {"pending": actions, "status": ""}


def _inline_calls(text: str, offered: list[dict[str, Any]], step: int) -> list[dict[str, Any]]:
    found = inline_tool_call(text, [t["function"]["name"] for t in offered])
    return [{"id": f"step{step}", "name": found[0], "args": found[1]}] if found else []


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
            "agent": nxt["agent"], "plan": nxt["plan"], "messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES)],
            "pending": []}


