"""The OpenAI-shaped parts of an auction's reply: the ``sale`` record extension, usage, ``X-Sale-*`` headers,
and the streamed chunks (progress as the auction happens, then the answer)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from graphs.context import AuctionContext
from nodes.finish import provider_usd_of

log = logging.getLogger("sale.server")


def auction_record(result: dict[str, Any]) -> dict[str, Any]:
    """The documented extension field: enough to explain the routing decision."""
    return {
        "auction_id": result["auction_id"], "winner": result["winner"],
        "provisional_winner": result["provisional_winner"], "route_only": result["route_only"],
        "budget_bias": result["budget_bias"], "simulated": result["simulated"], "plan": result["plan"],
        "domain": result.get("domain"), "verified": result.get("verified"),
        "answer_source": result.get("answer_source"),
        "bids": [{k: b[k] for k in ("agent", "refined", "tokens", "entropy", "jury", "cost", "value", "score")}
                 for b in result["bids"]],
        "excluded": result["excluded"], "memory_size_before": result.get("memory_size_before"),
        "retrieved": result.get("retrieved") or [], "usage": result["usage"],
        "auction_skipped": result.get("auction_skipped"), "cascade": result.get("cascade"),
        "execution": {k: v for k, v in (result.get("execution") or {}).items() if k != "steps"},
    }


def record_headers(result: dict[str, Any]) -> dict[str, str]:
    scores = {b["id"]: b["score"] for b in result["bids"] if b["score"] is not None}
    return {
        "X-Sale-Auction-Id": result["auction_id"],
        "X-Sale-Winner": result["winner"] or "",
        "X-Sale-Provisional-Winner": result["provisional_winner"] or "",
        "X-Sale-Scores": json.dumps(scores, separators=(",", ":")),
    }


def usage_of(result: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's usage shape (cache hits in ``prompt_tokens_details``, as OpenAI reports them) plus ``cost_usd``:
    the whole request under the paper's flat price and as providers bill (input, cached input, output apart)."""
    u = result["usage"]
    flat = u["auction_usd"] + u["execution_usd"]
    provider = provider_usd_of(u)
    return {"prompt_tokens": u["prompt_tokens"], "completion_tokens": u["completion_tokens"],
            "total_tokens": u["prompt_tokens"] + u["completion_tokens"],
            "prompt_tokens_details": {"cached_tokens": u["cached_tokens"]},
            "cost_usd": {"flat": flat, "provider": provider}}


def progress_event(namespace: tuple[str, ...], node: str, update: Any) -> dict[str, Any] | None:
    """What a client may want to see of one graph step, as it happens (None: nothing worth a chunk)."""
    update = update if isinstance(update, dict) else {}
    if namespace:  # the executor subgraph
        if node == "act" and update.get("steps"):
            step = update["steps"][-1]
            return {"event": "executor_step", "agent": step.get("agent"), "step": step.get("step"),
                    "tools": [c["name"] for c in step.get("tool_calls", [])]}
        if node == "tools" and update.get("steps"):
            return {"event": "tool_results", "tools": [s.get("tool") for s in update["steps"]]}
        return None
    if node in ("bid", "refine") and update.get("bids"):
        bid = update["bids"][-1]
        return {"event": "rebid" if bid.get("refined") else "bid", "agent": bid["agent"]}
    if node == "jury" and update.get("verdicts"):
        v = update["verdicts"][-1]
        return {"event": "jury", "juror": v["juror"], "bid_id": v["bid_id"]}
    if node == "consult_memory":
        decision = update.get("auction_decision") or {}
        return {"event": "auction_skipped" if decision.get("skipped") else "auction_held",
                "agent": decision.get("agent"), "reason": decision.get("reason")}
    if node == "draft_bid" and update.get("cascade"):
        d = update["cascade"]["decisions"][-1]
        return {"event": "draft", "agent": d["agent"], "round": d["round"], "accepted": d["accepted"]}
    if node == "select_provisional":
        return {"event": "provisional_winner", "bid_id": update.get("provisional_winner")}
    if node == "select_final":
        return {"event": "winner", "bid_id": update.get("winner")}
    if node == "record":
        return {"event": "recorded", "auction_id": update.get("auction_id")}
    if node == "execute":
        execution = update.get("execution") or {}
        return {"event": "executed", "status": execution.get("status"), "answer_source": execution.get("answer_source")}
    return None


async def stream_auction(graph: Any, task: str, auction_id: str, ctx: AuctionContext, model: str,
                         include_usage: bool) -> AsyncIterator[bytes]:
    """Chunks as the auction happens: the first before any model is called, one progress chunk (empty delta,
    the step in the ``sale`` extension field) per bid, jury verdict, winner and executor step, then the answer
    and the record. A failure after the first chunk can no longer change the HTTP status: it ends the stream with
    OpenAI's in-stream error event, which the openai client raises as an APIError."""
    completion_id, created = f"chatcmpl-{auction_id}", int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
        return f"data: {json.dumps(payload)}\n\n".encode()

    yield chunk({"role": "assistant", "content": ""}, sale={"event": "started", "auction_id": auction_id})
    result = None
    try:
        async for namespace, update in graph.astream({"task": task, "auction_id": auction_id}, context=ctx,
                                                     stream_mode="updates", subgraphs=True):
            for node, value in update.items():
                if node == "finish" and not namespace:
                    result = value["result"]
                elif event := progress_event(namespace, node, value):
                    yield chunk({}, sale=event)
    except Exception:
        error_id = uuid.uuid4().hex[:12]
        log.exception("streamed auction failed (error id %s)", error_id)
        result = {"status": "failed", "error": f"internal error (error id {error_id})"}
    if result is None or result["status"] != "ok":
        error = {"message": f"the auction failed: {(result or {}).get('error', 'no result')}",
                 "type": "server_error", "param": None,
                 "code": "no_answer" if (result or {}).get("status") == "no_answer" else "auction_failed"}
        yield f"data: {json.dumps({'error': error})}\n\n".encode()
        yield b"data: [DONE]\n\n"
        return
    content = (result["plan"] or "") if model == "sale-route" else result["answer"]
    for i in range(0, len(content), 32):
        yield chunk({"content": content[i:i + 32]})
        await asyncio.sleep(0)
    yield chunk({}, "stop", sale=auction_record(result))
    if include_usage:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [], "usage": usage_of(result)}
        yield f"data: {json.dumps(payload)}\n\n".encode()
    yield b"data: [DONE]\n\n"
