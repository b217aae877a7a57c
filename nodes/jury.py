"""``jury``: one juror scores one bid with a single integer 0-5. Parsing is strict; invalid replies score nothing.

Bids reach the juror only inside a ``<strategy>`` data block (see :func:`sale.prompts.data_block`), and the
juror is asked for ``{"score": N}`` with constrained decoding where the endpoint supports it.
"""

from __future__ import annotations

import json
import re

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.state import JuryTask, Verdict
from sale.calls import JURY_SCORE_SCHEMA, call_model, ledger_entry, response_format_for
from sale.prompts import JURY_SYSTEM, JURY_USER, data_block
from sale.resources import pool_of

MAX_REPLY_CHARS = 64
_BARE_DIGIT = re.compile(r"[0-5]")


def parse_score(reply: str) -> int | None:
    """Accept exactly one integer 0-5: a bare digit or ``{"score": N}``. Everything else is invalid."""
    text = reply.strip()
    if len(text) > MAX_REPLY_CHARS:
        return None
    if _BARE_DIGIT.fullmatch(text):
        return int(text)
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return None
    if isinstance(obj, dict) and list(obj) == ["score"]:
        value = obj["score"]
        if type(value) is int and 0 <= value <= 5:
            return value
    return None


async def jury(task: JuryTask, runtime: Runtime[AuctionContext]) -> dict:
    ctx = runtime.context
    spec = pool_of(ctx).get(task["juror"])
    bid = task["bid"]
    messages = [
        SystemMessage(JURY_SYSTEM),
        HumanMessage(JURY_USER.format(task=task["task"], bid_block=data_block(bid["text"]))),
    ]
    call = await call_model(
        spec, messages, purpose="jury" if bid["round"] == 0 else "rejury", deadline_s=ctx.jury_deadline_s,
        max_tokens=ctx.jury_max_tokens, factory=ctx.model_factory,
        response_format=response_format_for(spec, JURY_SCORE_SCHEMA, "jury_score"),
    )
    update: dict = {"calls": [ledger_entry(call)]}
    if call["error"]:
        verdict = Verdict(bid_id=bid["id"], juror=spec.name, score=None, raw="", error=call["error"])
    else:
        score = parse_score(call["text"])
        verdict = Verdict(bid_id=bid["id"], juror=spec.name, score=score, raw=call["text"][:200],
                          error=None if score is not None else "invalid reply (not one integer 0-5)")
    update["verdicts"] = [verdict]
    return update
