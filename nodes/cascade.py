"""The cascade (context ``auction_policy="cascade"``, beyond the paper): ``rank_agents`` then ``draft_bid``.

    START ─▶ rank_agents ─▶ draft_bid ─(verified pass, or the last agent)─▶ record ─▶ execute ─▶ finish
                              └─(failed check: a second chance, or the next agent)─▶ draft_bid

``rank_agents`` reads each agent's P(pass) and expected cost on this task from memory (sale/core/cascade.py) and
orders them cheapest first, keeping those whose expected saving covers their cost. ``draft_bid`` asks one agent
for its answer (the bid is the draft: the task as the only message, as a user asking it directly) and the check
juror runs the draft against the examples the task shows, in the sandbox. A verified pass ends the auction and
is the answer (the executor makes no second call); a failure gets the agent one redraft shown what failed, then
escalates. Where a domain cannot answer in one call (it needs its tools), the cascade routes by memory alone: the
cheapest agent trusted on similar tasks executes, else the dearest.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import breaker_for, domain_of, memory_of, pool_of
from graphs.state import AuctionState, Bid
from memory_store import MemoryUnavailableError
from memory_store.verdicts import recent_verdicts
from nodes.draft import drafts
from nodes.run_tools import check_delivery
from sale.core.calls import call_model, ledger_entry
from sale.core.cascade import accepts, base_rates, check_record, estimate, order, right_given_pass
from sale.core.deliverable import asked_name
from sale.core.prompts import (
    REDRAFT_EXAMPLES,
    REDRAFT_EXAMPLES_LAST,
    REDRAFT_USER_EXAMPLES_LAST,
    SINGLE_PLAN,
    TESTS_USER,
    data_block,
)
from tools.checks import generated_examples

EXAMPLE_DRAFTS = 2
"""Verified drafts of similar past tasks a redraft is shown (at most one per agent)."""
TESTS_WRITTEN = 3
"""Asserts the dearest agent is asked for (context ``cascade_tests``)."""
CHECK_HISTORY = 200
"""Newest auctions with a verdict that each agent's check error rates are read from (its visible passes that held)."""


async def rank_agents(state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    pool, memory = pool_of(ctx), memory_of(ctx)
    domain = domain_of(ctx, state["task"], state.get("domain"))
    agents = [(a.name, a.price_per_mtok) for a in pool.agents]
    available = {a for a, _ in agents if breaker_for(ctx, a).state != "open"}
    seq = memory.max_seq()
    note = None
    try:
        near = await asyncio.to_thread(memory.near_records, state["task"], ctx.cascade_neighbours, seq)
        judged = await asyncio.to_thread(recent_verdicts, memory, CHECK_HISTORY, seq)
    except MemoryUnavailableError as exc:
        near, judged, note = [], [], f"memory unavailable, priors only: {exc}"
    names = [a for a, _ in agents]
    prior = (base_rates(names, judged, ctx.cascade_prior, ctx.cascade_prior_weight) if ctx.cascade_prior_from_record
             else ctx.cascade_prior)
    estimates = estimate(agents, near, prior, ctx.cascade_prior_weight)
    checks = check_record(names, judged, ctx.cascade_prior_weight)
    one_call = drafts(ctx, domain)
    verifiable = one_call and domain.check is not None and bool(domain.checkable and domain.checkable(state["task"]))
    update: dict[str, Any] = {"memory_size_before": memory.size(), "memory_seq_before": seq, "phase": "bidding",
                              "jurors": ["check"] if one_call and domain.check is not None else [], "scores": {}}
    tests = ""
    if one_call and domain.check is not None and not verifiable and ctx.cascade_tests and available:
        writer = max((a for a in agents if a[0] in available), key=lambda a: a[1])[0]
        tests, call = await _write_tests(state, ctx, writer)
        update["calls"] = [ledger_entry(call)]
        verifiable = bool(tests)
    steps = order(agents, estimates, available, state["task"], ctx.cascade_exploration, ctx.skip_seed,
                  verifiable=verifiable, trust_unchecked=ctx.cascade_trust_unchecked, checks=checks,
                  trust_checked=ctx.cascade_trust_checked)
    cascade: dict[str, Any] = {"estimates": estimates, "priors": prior if isinstance(prior, dict) else {},
                               "checks": checks, "order": steps, "verifiable": verifiable,
                               "one_call": one_call, "neighbours": [r["auction_id"] for r, _ in near],
                               "position": 0, "round": 0, "decisions": [], "note": note, "tests": tests,
                               "examples": verified_drafts(near)}
    drafting = [s for s in steps if s["drafts"]]
    if not drafting:
        return update | {"cascade": cascade, "status": "failed", "provisional_winner": None, "winner": None,
                         "error": "no agent can take the task (every circuit is open)"}
    if one_call:
        return update | {"cascade": cascade, "status": "ok"}
    chosen = next((s["agent"] for s in drafting
                   if estimates[s["agent"]]["p_pass"] >= ctx.cascade_trust_unchecked), drafting[-1]["agent"])
    bid = _bid(chosen, 0, SINGLE_PLAN, 0, 0, "none", None, [])
    cascade["decisions"].append({"agent": chosen, "round": 0, "accepted": True,
                                 "why": f"{domain.name} needs its tools: routed by memory (P(pass) "
                                        f"{estimates[chosen]['p_pass']:.2f})"})
    return update | {"cascade": cascade, "status": "ok", "bids": [bid], "provisional_winner": bid["id"],
                     "winner": bid["id"], "scores": {bid["id"]: _score(0.0, estimates[chosen]["p_pass"])}}


async def draft_bid(state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    cascade = dict(state["cascade"])
    domain = domain_of(ctx, state["task"], state.get("domain"))
    drafting = [s["agent"] for s in cascade["order"] if s["drafts"]]
    position, round_ = cascade["position"], cascade["round"]
    agent, last = drafting[position], position == len(drafting) - 1
    spec = pool_of(ctx).get(agent)
    own = [b for b in state.get("bids", []) if b["agent"] == agent]
    retrieved: list[str] = []
    messages: list = [HumanMessage(state["task"])]
    if round_:
        task_last = ctx.cascade_redraft_layout == "task_last"
        examples = _examples_block(cascade["examples"], REDRAFT_EXAMPLES if task_last else REDRAFT_EXAMPLES_LAST)
        retrieved = [e["auction_id"] for e in cascade["examples"]]
        why = (own[-1].get("check") or {}).get("detail") or "it delivered no answer"
        template = (domain.prompt("REDRAFT_USER") if task_last
                    else domain.prompts.get("REDRAFT_USER") or REDRAFT_USER_EXAMPLES_LAST)
        messages += [AIMessage(own[-1]["text"]), HumanMessage(template.format(
            why=why, examples=examples, form=domain.answer_form, task=state["task"]))]
    call = await call_model(spec, messages, purpose="redraft" if round_ else "draft",
                            deadline_s=ctx.execute_deadline_s, max_tokens=ctx.exec_max_tokens,
                            factory=ctx.live.model_factory, breaker=breaker_for(ctx, agent),
                            trace={"auction_id": state.get("auction_id") or "", "round": round_, "cascade": True})
    estimate_ = cascade["estimates"][agent]
    if call["error"]:
        decision = {"agent": agent, "round": round_, "accepted": False, "why": f"call failed: {call['error']}"}
        update: dict[str, Any] = {"calls": [ledger_entry(call)], "excluded": {agent: f"draft failed: {call['error']}"}}
        return update | _advance(cascade, decision, last, retry=False)
    delivery = domain.deliver(state["task"], call["text"], [])
    shown = state["task"] + (f"\n\n{cascade['tests']}" if cascade.get("tests") else "")
    check = await check_delivery(ctx, domain, shown, delivery)
    checks = cascade.get("checks") or {}
    right_if_pass = right_given_pass(estimate_["p_pass"], checks[agent]) if agent in checks else 1.0
    accepted, why = accepts(check, estimate_["p_pass"], ctx.cascade_trust_unchecked, last, right_if_pass,
                            ctx.cascade_trust_checked)
    verified = bool(check and check.get("examples") and check.get("passed"))
    failed = delivery.source == "none" or bool(check is not None and not check.get("passed"))
    deliver_failed = last and ctx.cascade_last_resort == "deliver" and delivery.source != "none"
    if accepted and failed and deliver_failed and round_ < ctx.cascade_retries:
        accepted, why = False, f"{why}; a second chance before it is delivered"
    bid = _bid(agent, round_, call["text"], call["completion_tokens"],
               call["prompt_tokens"] + call["completion_tokens"], call["token_source"], check, retrieved)
    scores = {**state.get("scores", {}), bid["id"]: _score(call["usd"], 1.0 if verified else 0.0)}
    update = {"bids": [bid], "scores": scores, "calls": [ledger_entry(call) | {"kept": accepted}]}
    decision = {"agent": agent, "round": round_, "accepted": accepted, "verified": verified, "why": why}
    if accepted:
        final = not failed or deliver_failed
        text, kept_check, tokens = call["text"], check, bid["call_tokens"]
        earlier = [b for b in own if not (b.get("check") or {}).get("detail", "").startswith("no answer")]
        if not final and last and ctx.cascade_last_resort == "deliver" and earlier:
            text, kept_check, final = earlier[-1]["text"], earlier[-1].get("check"), True
            tokens = earlier[-1].get("call_tokens", 0)
            decision["why"] = why = f"{why}; its earlier draft, which delivered an answer, is delivered"
        cascade["decisions"] = [*cascade["decisions"], decision]
        cascade["draft"] = {"text": text, "check": kept_check, "final": final, "why": why,
                            "failed_check": failed and final, "tokens": tokens}
        return update | {"cascade": cascade, "provisional_winner": state.get("provisional_winner") or bid["id"],
                         "winner": bid["id"]}
    retry = round_ < ctx.cascade_retries and delivery.source != "none" and (not last or deliver_failed)
    if verified and not last:
        retry = False
    return update | _advance(cascade, decision, last, retry=retry)


def _advance(cascade: dict[str, Any], decision: dict[str, Any], last: bool, *, retry: bool) -> dict[str, Any]:
    """The next draft: the same agent's second chance, else the next agent's first; none left fails the auction."""
    cascade["decisions"] = [*cascade["decisions"], decision]
    if retry:
        cascade["round"] += 1
        return {"cascade": cascade}
    cascade["position"] += 1
    cascade["round"] = 0
    if cascade["position"] < sum(1 for s in cascade["order"] if s["drafts"]):
        return {"cascade": cascade}
    return {"cascade": cascade, "status": "failed", "winner": None, "provisional_winner": None,
            "error": "no agent delivered a draft (" + "; ".join(f"{d['agent']}: {d['why']}"
                                                            for d in cascade["decisions"]) + ")"}


async def _write_tests(state: AuctionState, ctx: AuctionContext, agent: str) -> tuple[str, Any]:
    """The dearest agent's asserts for a task that shows no example (context ``cascade_tests``), as the check
    reads them ("" when it wrote none the check can run), and its call."""
    name = asked_name(state["task"]) or "the function"
    call = await call_model(pool_of(ctx).get(agent),
                            [HumanMessage(TESTS_USER.format(task=state["task"], n=TESTS_WRITTEN, name=name))],
                            purpose="tests", deadline_s=ctx.execute_deadline_s, max_tokens=ctx.exec_max_tokens,
                            factory=ctx.live.model_factory, breaker=breaker_for(ctx, agent),
                            trace={"auction_id": state.get("auction_id") or "", "cascade": True})
    return ("" if call["error"] else generated_examples(state["task"], call["text"])), call


def verified_drafts(near: list[tuple[dict[str, Any], float]]) -> list[dict[str, str]]:
    """Drafts that passed checks with examples on the most similar past tasks, best first, one per agent (at most
    ``EXAMPLE_DRAFTS``): what a redraft is shown. Read once per auction, from the records ``rank_agents`` read."""
    chosen: dict[str, dict[str, str]] = {}
    for record, _ in near:
        for bid in record.get("bids", []):
            check = bid.get("check") or {}
            if check.get("examples") and check.get("passed") and bid["agent"] not in chosen:
                chosen[bid["agent"]] = {"auction_id": record["auction_id"], "task": record["task"], "text": bid["text"]}
                break
        if len(chosen) == EXAMPLE_DRAFTS:
            break
    return list(chosen.values())


def _examples_block(examples: list[dict[str, str]], template: str) -> str:
    if not examples:
        return ""
    blocks = "\n".join(f"{data_block(e['task'], 'task')}\n{data_block(e['text'])}" for e in examples)
    return template.format(blocks=blocks)


def after_rank(state: AuctionState) -> str:
    if state.get("status") == "failed":
        return "finish"
    return "record" if state.get("winner") else "draft_bid"


def after_draft_bid(state: AuctionState) -> str:
    if state.get("status") == "failed":
        return "finish"
    return "record" if state.get("winner") else "draft_bid"


def _bid(agent: str, round_: int, text: str, tokens: int, call_tokens: int, source: str,
         check: dict[str, Any] | None, retrieved: list[str]) -> Bid:
    return Bid(id=f"{agent}@{round_}", agent=agent, round=round_, refined=round_ > 0, text=text, tokens=tokens,
               token_source=source, entropy=0.0, entropy_missing=True, top_k=0, disqualified=None,
               retrieved=retrieved, truncated=False, check=check, call_tokens=call_tokens)


def _score(usd: float, value: float) -> dict[str, Any]:
    """A cascade bid's record in the auction's scores: what it cost and whether it was verified (no jury)."""
    return {"cost": usd, "value": value, "score": usd - value, "jury": {}}
