"""``act``: one model step of the executor. The agent's model decides the next tool call or gives the answer.

Two protocols, per agent (pool key ``tool_protocol``): ``native`` uses the endpoint's tool calling; ``text`` uses
a Thought/Action/Action Input/Final Answer format with a tolerant parser (:mod:`sale.core.react_text`), so small
local models can drive it. The last step a budget allows offers no tools and asks for the final deliverable. If
the agent's endpoint fails, the next-ranked bid of the auction takes over (context ``fallback``).
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage, SystemMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import breaker_for, domain_of, pool_of
from graphs.state import Candidate, ExecutorState
from nodes.run_tools import check_delivery
from sale.core.calls import call_model, ledger_entry
from sale.core.domains import Domain, text_input, tool_line
from sale.core.prompts import FORMAT_REMINDER
from sale.core.react_text import TEXT_STOP, TOOLS, inline_tool_call, parse_reply
from tools.domains import DEEP_SEARCH

MAX_FORMAT_REMINDERS = 1


def start_messages(agent: str, protocol: str, task: str, plan: str, domain: Domain = DEEP_SEARCH
                   ) -> list[BaseMessage]:
    lines = "\n".join(tool_line(t) for t in domain.tools)
    first = domain.tools[0]
    if protocol == "text":
        system = domain.prompt("EXECUTE_TEXT_SYSTEM").format(
            agent=agent, tool_lines=lines, first_tool=first.name, first_input=text_input(first),
            deliverable=domain.deliverable)
    else:
        system = domain.prompt("EXECUTE_NATIVE_SYSTEM").format(agent=agent, tool_lines=lines,
                                                               deliverable=domain.deliverable)
    return [SystemMessage(system), HumanMessage(domain.prompt("EXECUTE_USER").format(task=task, plan=plan))]


def format_reminder(domain: Domain) -> str:
    tool = domain.tools[0]
    return FORMAT_REMINDER.format(first_tool=tool.name, first_input=text_input(tool).replace("\n", " "))


def offered_specs(domain: Domain) -> list[dict[str, Any]]:
    """The native protocol's tool specs, in name order (the order recorded runs were made with)."""
    return sorted((convert_to_openai_tool(t) for t in domain.tools), key=lambda s: s["function"]["name"])


async def act(state: ExecutorState, runtime: Runtime[AuctionContext]) -> dict:
    """One model step. The last step the budgets allow asks for the final deliverable, with no tools, instead of
    another action: a run cut off mid-action would otherwise deliver its last action as the answer."""
    ctx = runtime.context
    pool = pool_of(ctx)
    candidates = state.get("candidates") or [Candidate(agent=state["agent"], plan=state["plan"])]
    agent = state.get("agent") or candidates[0]["agent"]
    domain = domain_of(ctx, state["task"], state.get("domain"))
    spec = pool.get(agent)
    history = state.get("messages") or []
    opening = [] if history else start_messages(agent, spec.tool_protocol, state["task"],
                                                state.get("plan") or candidates[0]["plan"], domain)
    messages = [*history, *opening]
    step = state.get("model_steps", 0) + 1
    last = step >= ctx.max_steps or (step > 1 and state.get("tokens_used", 0) + ctx.exec_max_tokens
                                     > ctx.exec_token_budget)
    offered = offered_specs(domain)
    ask_final = [HumanMessage(domain.prompt("FINAL_STEP").format(deliverable=domain.deliverable,
                                                                 form=domain.answer_form))] if last else []
    sent = [*messages, *ask_final]
    call = await call_model(spec, sent, purpose="execute", deadline_s=ctx.execute_deadline_s,
                            max_tokens=ctx.exec_max_tokens, factory=ctx.live.model_factory,
                            tools=offered if spec.tool_protocol == "native" and not last else None,
                            stop=TEXT_STOP if spec.tool_protocol == "text" else None,
                            breaker=breaker_for(ctx, agent), trace={"step": step, "final_step": last})
    used = state.get("tokens_used", 0) + call["prompt_tokens"] + call["completion_tokens"]
    update: dict[str, Any] = {"calls": [ledger_entry(call)], "model_steps": step, "tokens_used": used,
                              "agent": agent, "domain": domain.name}
    if call["error"]:
        return update | hand_over(state, ctx, candidates, agent, call["error"])
    if spec.tool_protocol == "native":
        tool_calls = [] if last else call["tool_calls"] or _inline_calls(call["text"], offered, step)
        replies: list[BaseMessage] = [AIMessage(content=call["text"], tool_calls=[
            {"id": c["id"], "name": c["name"], "args": c["args"], "type": "tool_call"} for c in tool_calls])]
        actions = [{"id": c["id"], "name": c["name"], "input": _native_input(c), "args": c["args"]}
                   for c in tool_calls]
        final = None if actions else call["text"].strip()
    else:
        replies = [AIMessage(content=call["text"])]
        parsed = parse_reply(call["text"], (*TOOLS, *(t for t in domain.tool_names if t not in TOOLS)))
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
        answer = call["text"].strip() if final is None else final  # a bare "Final Answer:" delivers nothing
        return update | {"answer": answer, "status": f"{limit} budget exhausted", "pending": []}
    if final is not None and not actions:
        check = (await _final_check(state, ctx, domain, final)
                 if ctx.check_final_answers and not pool.simulated else None)
        if check is not None:
            record["check"] = check
        if check is not None and not check.get("passed"):
            why = check["detail"]
            return update | {"messages": [*opening, *ask_final, *replies,
                                          HumanMessage(domain.prompt("DRAFT_REJECTED").format(why=why))],
                             "pending": [], "status": ""}
        return update | {"answer": final, "status": "answered", "pending": []}
    return update | {"pending": actions, "status": ""}


async def _final_check(state: ExecutorState, ctx: AuctionContext, domain: Domain, final: str
                       ) -> dict[str, Any] | None:
    """The domain's check of a Final Answer (None: the task shows nothing to run); a failed one sends the answer
    back, and either is kept on the step (the run's test count)."""
    if domain.check is None or not (domain.checkable and domain.checkable(state["task"])):
        return None
    own = [s for s in state.get("steps") or [] if s.get("agent") in (None, state.get("agent"))]
    return await check_delivery(ctx, domain, state["task"], domain.deliver(state["task"], final, own))


def _inline_calls(text: str, offered: list[dict[str, Any]], step: int) -> list[dict[str, Any]]:
    found = inline_tool_call(text, [t["function"]["name"] for t in offered])
    return [{"id": f"step{step}", "name": found[0], "args": found[1]}] if found else []


def _native_input(call: dict[str, Any]) -> str:
    args = call["args"]
    return str(args.get("code") or args.get("query") or next(iter(args.values()), "")) if args else ""


def hand_over(state: ExecutorState, ctx: AuctionContext, candidates: list[Candidate], agent: str,
              error: str) -> dict:
    """The next-ranked bid takes over from an agent whose endpoint failed (context ``fallback``), or the run
    fails."""
    tried = {agent} | {f["from"] for f in state.get("fallbacks", [])}
    remaining = [c for c in candidates if c["agent"] not in tried]
    if ctx.fallback != "next_best" or not remaining:
        return {"status": "failed", "error": f"{agent} failed during execution: {error}", "pending": []}
    nxt = remaining[0]
    return {"fallbacks": [{"from": agent, "to": nxt["agent"], "reason": error, "policy": ctx.fallback}],
            "agent": nxt["agent"], "plan": nxt["plan"], "messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES)],
            "pending": []}


