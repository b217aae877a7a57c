"""``jury``: one juror scores one bid with a single integer 0-5. Parsing is strict; invalid replies score nothing.

Bids reach the juror only inside a ``<strategy>`` data block (see :func:`sale.core.prompts.data_block`), and the
juror is asked for ``{"score": N}`` with constrained decoding where the endpoint supports it.
"""

from __future__ import annotations

import json
import re

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import breaker_for, pool_of
from graphs.state import JuryTask, Verdict
from sale.core.calls import (
    JURY_REASON_SCHEMA,
    JURY_SCORE_SCHEMA,
    call_model,
    jury_batch_schema,
    ledger_entry,
    response_format_for,
)
from sale.core.prompts import (
    JURY_BATCH_ITEM,
    JURY_BATCH_SYSTEM,
    JURY_BATCH_USER,
    JURY_REPLY_REASON,
    JURY_REPLY_SCORE,
    JURY_SYSTEM,
    JURY_USER,
    data_block,
)

MAX_REPLY_CHARS = 64
MAX_REASON_CHARS = 600
_BARE_DIGIT = re.compile(r"[0-5]")


def parse_score(reply: str, with_reason: bool = False) -> int | None:
    """Accept exactly one integer 0-5: a bare digit or ``{"score": N}`` (with ``with_reason``:
    ``{"reason": "<text>", "score": N}``, and nothing else). Everything else is invalid."""
    text = reply.strip()
    if len(text) > (MAX_REASON_CHARS + 40 if with_reason else MAX_REPLY_CHARS):
        return None
    if _BARE_DIGIT.fullmatch(text):
        return int(text)
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return None
    if not isinstance(obj, dict):
        return None
    if with_reason and set(obj) == {"reason", "score"}:
        if not isinstance(obj["reason"], str) or len(obj["reason"]) > MAX_REASON_CHARS:
            return None
    elif list(obj) != ["score"]:
        return None
    value = obj["score"]
    return value if type(value) is int and 0 <= value <= 5 else None


def parse_scores(reply: str, n: int) -> list[int] | None:
    """Exactly ``{"scores": [n integers 0-5]}``; anything else is invalid (None)."""
    text = reply.strip()
    if len(text) > 32 + 4 * n:
        return None
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return None
    if not isinstance(obj, dict) or list(obj) != ["scores"] or not isinstance(obj["scores"], list):
        return None
    scores = obj["scores"]
    if len(scores) != n or not all(type(v) is int and 0 <= v <= 5 for v in scores):
        return None
    return scores


async def jury(task: JuryTask, runtime: Runtime[AuctionContext]) -> dict:
    if task.get("bids"):
        return await jury_batch(task, runtime)
    ctx = runtime.context
    spec = pool_of(ctx).get(task["juror"])
    bid = task["bid"]
    reply_format = JURY_REPLY_REASON if ctx.jury_reason else JURY_REPLY_SCORE
    messages = [
        SystemMessage(JURY_SYSTEM.format(reply_format=reply_format)),
        HumanMessage(JURY_USER.format(task=task["task"], bid_block=data_block(bid["text"]),
                                      reply_format=reply_format)),
    ]
    call = await call_model(
        spec, messages, purpose="jury" if bid["round"] == 0 else "rejury", deadline_s=ctx.jury_deadline_s,
        max_tokens=ctx.jury_reason_max_tokens if ctx.jury_reason else ctx.jury_max_tokens,
        factory=ctx.live.model_factory, breaker=breaker_for(ctx, spec.name),
        response_format=response_format_for(spec, JURY_REASON_SCHEMA if ctx.jury_reason else JURY_SCORE_SCHEMA,
                                            "jury_score"),
    )
    update: dict = {"calls": [ledger_entry(call)]}
    if call["error"]:
        verdict = Verdict(bid_id=bid["id"], juror=spec.name, score=None, raw="", error=call["error"])
    else:
        score = parse_score(call["text"], with_reason=ctx.jury_reason)
        verdict = Verdict(bid_id=bid["id"], juror=spec.name, score=score, raw=call["text"][:200],
                          error=None if score is not None else "invalid reply (not one integer 0-5)")
    update["verdicts"] = [verdict]
    return update


async def jury_batch(task: JuryTask, runtime: Runtime[AuctionContext]) -> dict:
    """One juror scores every fresh bid of the round in one call; an invalid reply invalidates all its scores."""
    ctx = runtime.context
    spec = pool_of(ctx).get(task["juror"])
    bids = task["bids"]
    blocks = "\n\n".join(JURY_BATCH_ITEM.format(n=i + 1, bid_block=data_block(b["text"])) for i, b in enumerate(bids))
    messages = [SystemMessage(JURY_BATCH_SYSTEM),
                HumanMessage(JURY_BATCH_USER.format(task=task["task"], blocks=blocks, n=len(bids)))]
    call = await call_model(
        spec, messages, purpose="jury" if bids[0]["round"] == 0 else "rejury", deadline_s=ctx.jury_deadline_s,
        max_tokens=ctx.jury_max_tokens + 4 * len(bids), factory=ctx.live.model_factory,
        breaker=breaker_for(ctx, spec.name),
        response_format=response_format_for(spec, jury_batch_schema(len(bids)), "jury_scores"),
    )
    update: dict = {"calls": [ledger_entry(call)]}
    scores = None if call["error"] else parse_scores(call["text"], len(bids))
    error = call["error"] or (None if scores is not None else f"invalid reply (not {len(bids)} integers 0-5)")
    update["verdicts"] = [
        Verdict(bid_id=b["id"], juror=spec.name, score=scores[i] if scores else None, raw=call["text"][:200],
                error=error)
        for i, b in enumerate(bids)
    ]
    return update
