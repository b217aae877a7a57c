"""``finish``: tally tokens and USD (auction vs execution), store the outcome, and shape the result object.

The result's fields are documented in docs/cli.md ("JSON output"); ``sale run --json`` prints it as is.
"""

from __future__ import annotations

import math
from typing import Any

from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import domain_of, memory_of, pool_of
from graphs.state import AuctionState
from nodes.record import auction_id_for, cascade_summary

AUCTION_PURPOSES = ("bid", "jury", "rebid", "rejury", "draft", "redraft", "tests")
DRAFT_PURPOSES = ("draft", "redraft")


def kind_of(call: dict[str, Any]) -> str:
    """A call's purpose, except a cascade draft that became the answer (``kept``): that is the execution."""
    return "execute" if call["purpose"] in DRAFT_PURPOSES and call.get("kept") else call["purpose"]


def _provider(call: dict[str, Any]) -> float:
    """Older ledgers and tool entries carry one price only: it stands for both conventions."""
    return call.get("usd_provider", call["usd"])


def provider_usd_of(usage: dict[str, Any]) -> float:
    """A run's whole cost as providers bill it (auction and execution, tool calls included)."""
    return usage["auction_usd_provider"] + usage["execution_usd_provider"]


def usage_split(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """Tokens and USD of the auction and of the execution, under the paper's flat price (``*_usd``) and as
    providers bill (``*_usd_provider``: input, cached input and output priced apart), and per kind of call."""
    def of(kinds: tuple[str, ...]) -> list[dict[str, Any]]:
        return [c for c in calls if kind_of(c) in kinds]

    def tally(kinds: tuple[str, ...]) -> tuple[int, float]:
        chosen = of(kinds)
        return (sum(c["prompt_tokens"] + c["completion_tokens"] for c in chosen), sum(c["usd"] for c in chosen))

    def provider(kinds: tuple[str, ...]) -> float:
        return sum(_provider(c) for c in of(kinds))

    def generated(kinds: tuple[str, ...]) -> int:
        return sum(c["completion_tokens"] for c in of(kinds))

    auction_tokens, auction_usd = tally(AUCTION_PURPOSES)
    execution_tokens, execution_usd = tally(("execute", "tool"))
    tools = [c for c in calls if c["purpose"] == "tool"]
    reported = [c["reported_usage"] for c in calls if c.get("reported_usage")]
    total = auction_tokens + execution_tokens
    by_purpose = {}
    for p in (*AUCTION_PURPOSES, "execute"):
        chosen = of((p,))
        if chosen:
            by_purpose[p] = {"calls": len(chosen), "prompt_tokens": sum(c["prompt_tokens"] for c in chosen),
                             "cached_tokens": sum(c.get("cached_tokens", 0) for c in chosen),
                             "completion_tokens": sum(c["completion_tokens"] for c in chosen),
                             "usd": sum(c["usd"] for c in chosen), "usd_provider": provider((p,))}
    return {
        "prompt_tokens": sum(c["prompt_tokens"] for c in calls),
        "cached_tokens": sum(c.get("cached_tokens", 0) for c in calls),
        "completion_tokens": sum(c["completion_tokens"] for c in calls),
        "auction_tokens": auction_tokens,
        "execution_tokens": execution_tokens,
        "auction_usd": auction_usd,
        "execution_usd": execution_usd,
        "auction_usd_provider": provider(AUCTION_PURPOSES),
        "execution_usd_provider": provider(("execute", "tool")),
        "auction_token_share": auction_tokens / total if total else 0.0,
        "auction_completion_tokens": generated(AUCTION_PURPOSES),
        "auction_cached_tokens": sum(c.get("cached_tokens", 0) for c in of(AUCTION_PURPOSES)),
        "execution_completion_tokens": generated(("execute",)),
        "tool_calls": len(tools),
        "tool_usd": sum(c["usd"] for c in tools),
        "calls": len(calls),
        "failed_calls": sum(1 for c in calls if c.get("error")),
        "server_reported_tokens": sum(r.get("total_tokens") or 0 for r in reported) if reported else None,
        "tokens_by_purpose": {p: n for p in (*AUCTION_PURPOSES, "execute") if (n := tally((p,))[0])},
        "by_purpose": by_purpose,
    }


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def build_result(state: AuctionState, context: AuctionContext) -> dict[str, Any]:
    pool = pool_of(context)
    domain = domain_of(context, state["task"], state.get("domain"))
    answer = state.get("answer", "")
    verified = None
    if domain.verifier is not None and answer.strip():
        verified = bool(domain.verifier(state["task"], answer))
    scores = state.get("scores", {})
    by_id = {b["id"]: b for b in state.get("bids", [])}
    bids = []
    for b in state.get("bids", []):
        s = scores.get(b["id"])
        bids.append({
            "id": b["id"], "agent": b["agent"], "round": b["round"], "refined": b["refined"], "text": b["text"],
            "tokens": b["tokens"], "token_source": b["token_source"], "entropy": b["entropy"],
            "entropy_missing": b["entropy_missing"], "jury": dict(s["jury"]) if s else {},
            "cost": _finite(s["cost"]) if s else None, "value": _finite(s["value"]) if s else None,
            "score": _finite(s["score"]) if s else None, "disqualified": b["disqualified"],
            "retrieved": b["retrieved"], "truncated": b.get("truncated", False),
            **({"check": b["check"]} if "check" in b else {}),
            **({"call_tokens": b["call_tokens"]} if "call_tokens" in b else {}),
        })

    def agent_of(bid_id: str | None) -> str | None:
        return by_id[bid_id]["agent"] if bid_id in by_id else None

    decision = state.get("auction_decision")
    skipped = decision if decision and decision["skipped"] else None
    return {
        "auction_id": state.get("auction_id"),
        "status": state.get("status", "failed"),
        "error": state.get("error"),
        "task": state["task"],
        "domain": domain.name,
        "simulated": pool.simulated,
        "pool": {"source": pool.source,
                 "agents": [{"name": a.name, "model": a.model, "price_per_mtok": a.price_per_mtok,
                             "simulated": a.simulated} for a in pool.agents]},
        "weights": context.weights().to_dict(),
        "bids": bids,
        "jurors": state.get("jurors", []),
        "dropped_jurors": state.get("dropped_jurors", {}),
        **({"juror_reliability": state["juror_reliability"]} if state.get("juror_reliability") else {}),
        "provisional_winner": agent_of(state.get("provisional_winner")),
        "winner": skipped["agent"] if skipped else agent_of(state.get("winner")),
        "winner_bid": state.get("winner"),
        "plan": by_id[state["winner"]]["text"] if state.get("winner") in by_id else None,
        "route_only": context.route_only,
        "auction_policy": context.auction_policy,
        "auction_skipped": skipped,
        "auction_held": decision if decision and not skipped else None,
        "cascade": cascade_summary(state["cascade"]) if state.get("cascade") else None,
        "budget_bias": context.budget_bias,
        "answer": answer,
        "answer_source": (state.get("execution") or {}).get("answer_source"),
        "verified": verified,
        "execution": state.get("execution", {}),
        "excluded": state.get("excluded", {}),
        "refine_notes": state.get("refine_notes", {}),
        "memory_size_before": state.get("memory_size_before", 0),
        "retrieved": sorted({a for b in state.get("bids", []) for a in b["retrieved"]}),
        "usage": usage_split(state.get("calls", [])),
    }


def finish(state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
    """Store the outcome; a failed auction (no valid bid) is kept in the log's failures table only, so it is
    never retrieved as an exemplar. An execution that delivered nothing is stored as a failed verdict, so its
    winner is never shown to a rebid as a winning strategy."""
    if state.get("status") == "failed":
        state = {**state, "auction_id": auction_id_for(state)}
        result = build_result(state, runtime.context)
        memory_of(runtime.context).add_failure(result["auction_id"], result)
        return {"result": result, "auction_id": result["auction_id"]}
    result = build_result(state, runtime.context)
    if state.get("auction_id") and not result["auction_skipped"]:
        memory = memory_of(runtime.context)
        outcome = {"answer": result["answer"], "usage": result["usage"], "error": result["error"],
                   "answer_source": result["answer_source"]}
        memory.set_outcome(state["auction_id"], outcome)
        if result["status"] == "no_answer":  # a verified failure: its winning plan is no exemplar to rebid from
            memory.record_outcome(state["auction_id"], False)
    return {"result": result}
