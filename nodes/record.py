"""``record``: write the auction (task, every bid with its scores and win/loss label) to memory before execution,
so a crash while executing never loses the auction. Idempotent: the auction id is the log's key."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Any

from langgraph.config import get_config
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import memory_of
from graphs.state import AuctionState

AUCTION_NAMESPACE = uuid.UUID("6f1b8f3e-6c43-4a8e-9a55-2f6f0b1d5a11")


def auction_id_for(state: AuctionState) -> str:
    """The caller's id, else one derived from the thread and run (stable across a resume), else a fresh one."""
    if state.get("auction_id"):
        return state["auction_id"]
    configurable = (get_config() or {}).get("configurable", {})
    thread, run = configurable.get("thread_id"), configurable.get("run_id")
    if thread:
        return str(uuid.uuid5(AUCTION_NAMESPACE, f"{thread}:{run or ''}"))
    return str(uuid.uuid4())


def label(bid: dict[str, Any], state: AuctionState) -> str:
    if bid["disqualified"] or bid["agent"] in state.get("excluded", {}) or bid["id"] not in state["scores"]:
        return "disqualified"
    return "win" if bid["id"] == state["winner"] else "loss"


def build_record(state: AuctionState, auction_id: str) -> dict[str, Any]:
    scores = state["scores"]
    winner = next(b for b in state["bids"] if b["id"] == state["winner"])
    bids = []
    for b in state["bids"]:
        s = scores.get(b["id"])
        bids.append({
            "id": b["id"], "agent": b["agent"], "round": b["round"], "refined": b["refined"], "text": b["text"],
            "tokens": b["tokens"], "entropy": b["entropy"], "entropy_missing": b["entropy_missing"],
            "jury": dict(s["jury"]) if s else {}, "cost": s["cost"] if s else None,
            "value": s["value"] if s else None,
            "score": s["score"] if s and math.isfinite(s["score"]) else None, "label": label(b, state),
            "truncated": b.get("truncated", False),
            **({"check": b["check"], "call_tokens": b.get("call_tokens", 0)} if "check" in b else {}),
        })
    return {
        "auction_id": auction_id, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "task": state["task"], "bids": bids, "jurors": state.get("jurors", []),
        "provisional_winner": state["provisional_winner"], "winner": state["winner"],
        "winner_agent": winner["agent"],
        **({"policy": "cascade", "cascade": cascade_summary(state["cascade"])} if state.get("cascade") else {}),
        **({"juror_reliability": state["juror_reliability"]} if state.get("juror_reliability") else {}),
    }


def cascade_summary(cascade: dict[str, Any]) -> dict[str, Any]:
    """What a cascade decided and why, without the draft's text (the bids hold it)."""
    return {"order": cascade["order"], "decisions": cascade["decisions"], "verifiable": cascade["verifiable"],
            "one_call": cascade["one_call"], "neighbours": cascade["neighbours"], "note": cascade.get("note"),
            "tests": cascade.get("tests", ""),
            "estimates": {a: {k: round(v, 6) if isinstance(v, float) else v for k, v in e.items() if k != "agent"}
                          for a, e in cascade["estimates"].items()},
            "checks": {a: {k: round(v, 6) if isinstance(v, float) else v for k, v in c.items() if k != "agent"}
                       for a, c in (cascade.get("checks") or {}).items()},
            **({"priors": {a: round(p, 6) for a, p in cascade["priors"].items()}} if cascade.get("priors") else {})}


def record(state: AuctionState, runtime: Runtime[AuctionContext]) -> dict:
    auction_id = auction_id_for(state)
    seq = memory_of(runtime.context).add(build_record(state, auction_id))
    return {"auction_id": auction_id, "memory_seq": seq}
