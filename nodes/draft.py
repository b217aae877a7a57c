"""``draft``: the executor's first node. Where the task's domain can deliver in one call (``Domain.direct``) and
the context's ``execution`` is ``auto``, the agent answers in one call with no tools; the draft stands if it
delivers something and passes the domain's check (for code, the task's own examples, run in the sandbox).
Otherwise the ReAct loop (``act``) takes over from the same opening messages, followed by the draft and what was
wrong with it, as a developer fixes a first attempt that failed its tests."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import breaker_for, domain_of, pool_of
from graphs.state import ExecutorState
from nodes.act import hand_over, start_messages
from nodes.run_tools import tool_settings
from sale.core.calls import call_model, ledger_entry
from sale.core.deliverable import EXECUTIONS
from sale.core.domains import Domain


def drafts(ctx: AuctionContext, domain: Domain) -> bool:
    if ctx.execution not in EXECUTIONS:
        raise ValueError(f"unknown execution {ctx.execution!r} ({', '.join(EXECUTIONS)})")
    return ctx.execution == "auto" and domain.direct and not pool_of(ctx).simulated


async def draft(state: ExecutorState, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    domain = domain_of(ctx, state["task"], state.get("domain"))
    if state.get("draft") and not state.get("model_steps"):
        return given_draft(state, ctx, domain)
    if state.get("model_steps") or not drafts(ctx, domain):
        return {"domain": domain.name}
    agent = state.get("agent") or state["candidates"][0]["agent"]
    plan = state.get("plan") or state["candidates"][0]["plan"]
    spec = pool_of(ctx).get(agent)
    messages = [SystemMessage(domain.prompt("DRAFT_SYSTEM").format(agent=agent, deliverable=domain.deliverable)),
                HumanMessage(domain.prompt("EXECUTE_USER").format(task=state["task"], plan=plan))]
    call = await call_model(spec, messages, purpose="execute", deadline_s=ctx.execute_deadline_s,
                            max_tokens=ctx.exec_max_tokens, factory=ctx.live.model_factory,
                            breaker=breaker_for(ctx, agent), trace={"step": 1, "draft": True})
    tokens = call["prompt_tokens"] + call["completion_tokens"]
    update: dict[str, Any] = {"calls": [ledger_entry(call)], "model_steps": 1, "tokens_used": tokens,
                              "agent": agent, "plan": plan, "domain": domain.name}
    delivery = domain.deliver(state["task"], "" if call["error"] else call["text"], [])
    check = None
    if delivery.source != "none" and domain.check is not None:
        check = dict(await asyncio.to_thread(domain.check, state["task"], delivery.answer, tool_settings(ctx)))
    passed = delivery.source != "none" and (check is None or bool(check.get("passed")))
    record = {"step": 1, "agent": agent, "kind": "draft", "text": call["text"][:2000], "tool_calls": [],
              "tokens": tokens, "final_step": False, "check": check, "kept": passed,
              "error": call["error"]}
    update["steps"] = [record]
    if passed:
        return update | {"answer": call["text"], "status": "answered", "pending": []}
    if call["error"]:
        candidates = state.get("candidates") or [{"agent": agent, "plan": plan}]
        return update | hand_over(state, ctx, candidates, agent, call["error"])
    if ctx.max_steps <= 1:
        return update | {"answer": call["text"], "status": "step budget exhausted", "pending": []}
    if not call["text"].strip():
        return update
    why = check["detail"] if check is not None else delivery.reason
    opening = start_messages(agent, spec.tool_protocol, state["task"], plan, domain)
    return update | {"messages": [*opening, AIMessage(content=call["text"]),
                                  HumanMessage(domain.prompt("DRAFT_REJECTED").format(why=why))]}


def given_draft(state: ExecutorState, ctx: AuctionContext, domain: Domain) -> dict:
    """A draft the cascade already wrote and checked (and paid for, in the auction's ledger): delivered as it is
    when final (also the last agent's draft that failed its check, under ``cascade_last_resort="deliver"``: the
    record says so), else the loop starts from it and what its check found, as after a rejected draft here,
    the draft's tokens counted against the loop's token budget as a draft of its own is."""
    agent, given = state["agent"], state["draft"]
    record = {"step": 1, "agent": agent, "kind": "draft", "text": given["text"][:2000], "tool_calls": [],
              "tokens": 0, "final_step": False, "check": given.get("check"), "kept": given["final"],
              "error": None, "from_auction": True, "failed_check": bool(given.get("failed_check"))}
    update: dict[str, Any] = {"steps": [record], "model_steps": 1, "tokens_used": given.get("tokens", 0),
                              "domain": domain.name}
    if given["final"]:
        return update | {"answer": given["text"], "status": "answered", "pending": []}
    if ctx.max_steps <= 1:
        return update | {"answer": given["text"], "status": "step budget exhausted", "pending": []}
    if not given["text"].strip():
        return update
    why = (given.get("check") or {}).get("detail") or given.get("why") or "it delivered no answer"
    opening = start_messages(agent, pool_of(ctx).get(agent).tool_protocol, state["task"], state["plan"], domain)
    return update | {"messages": [*opening, AIMessage(content=given["text"]),
                                  HumanMessage(domain.prompt("DRAFT_REJECTED").format(why=why))]}
