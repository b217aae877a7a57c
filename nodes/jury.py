"""``jury``: one juror scores one bid on 0-5. Parsing is strict; invalid replies score nothing.

Bids reach the juror only inside a ``<strategy>`` data block (see :func:`sale.core.prompts.data_block`), and the
juror is asked for ``{"score": N}`` with constrained decoding where the endpoint supports it. Context
``jury_signal`` decides what the reply becomes: ``integer`` (the paper) keeps the digit; ``expected`` reads the
probabilities the juror gave each digit at the score token and keeps their expected value, so a juror that
writes 5 for every plan still says how sure it was; ``verdict`` asks instead whether the plan will pass and keeps
5 x P(pass). Both fall back to the written reply where the endpoint returns no logprobs.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import breaker_for, domain_of, pool_of
from graphs.state import JuryTask, Verdict
from sale.core.calls import (
    JURY_REASON_SCHEMA,
    JURY_SCORE_SCHEMA,
    JURY_VERDICT_SCHEMA,
    call_model,
    jury_batch_schema,
    ledger_entry,
    response_format_for,
)
from sale.core.prompts import JURY_BATCH_ITEM, JURY_REPLY_REASON, JURY_REPLY_SCORE, data_block

JURY_TOP_LOGPROBS = 10
MAX_REPLY_CHARS = 64
MAX_REASON_CHARS = 600
_BARE_DIGIT = re.compile(r"[0-5]")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def parse_score(reply: str, with_reason: bool = False) -> int | None:
    """Accept exactly one integer 0-5: a bare digit or ``{"score": N}`` (with ``with_reason``:
    ``{"reason": "<text>", "score": N}``, and nothing else). Everything else is invalid."""
    text = reply.strip()
    if len(text) > (MAX_REASON_CHARS + 40 if with_reason else MAX_REPLY_CHARS):
        return None
    if _BARE_DIGIT.fullmatch(text):
        return int(text)
    try:
        obj = json.loads(text, object_pairs_hook=_unique_keys)
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


def parse_verdict(reply: str) -> bool | None:
    """Exactly ``{"pass": true}`` or ``{"pass": false}``; anything else is invalid (None)."""
    text = reply.strip()
    if len(text) > MAX_REPLY_CHARS:
        return None
    try:
        obj = json.loads(text, object_pairs_hook=_unique_keys)
    except (json.JSONDecodeError, ValueError):
        return None
    if not isinstance(obj, dict) or list(obj) != ["pass"] or type(obj["pass"]) is not bool:
        return None
    return obj["pass"]


_SCORE_VALUE = re.compile(r'"score"\s*:\s*([0-5])\b')
_PASS_VALUE = re.compile(r'"pass"\s*:\s*(true|false)\b')
_LABEL = re.compile(r"\s*([0-5]|true|false)(?![0-9a-z])", re.IGNORECASE)


def value_distribution(logprobs: list[dict[str, Any]] | None, pattern: re.Pattern[str], labels: tuple[str, ...],
                       written: str) -> dict[str, float] | None:
    """The probabilities the model gave each label at the token where the reply's value starts, renormalised over
    the labels among that token's top alternatives. None when the logprobs do not show the value the reply wrote
    (so they never contradict it) or are malformed: the caller then keeps the written value."""
    entries = [e for e in logprobs or [] if isinstance(e, dict) and isinstance(e.get("token"), str)]
    if len(entries) != len(logprobs or []) or not entries:
        return None
    text, starts = "", []
    for entry in entries:
        starts.append(len(text))
        text += entry["token"]
    matches = list(pattern.finditer(text))
    if not matches:
        return None
    at = matches[-1].start(1)  # the key comes last: a reason sentence before it may quote digits
    index = max(i for i, start in enumerate(starts) if start <= at)
    entry = entries[index]
    prefix = entry["token"][: at - starts[index]]
    alternatives = entry.get("top_logprobs")
    alternatives = [a for a in alternatives if isinstance(a, dict)] if isinstance(alternatives, list) else []
    probs: dict[str, tuple[str, float]] = {}
    chosen = None
    for alt in [entry, *alternatives]:
        token, logprob = alt.get("token"), alt.get("logprob")
        if not isinstance(token, str) or not token.startswith(prefix):
            continue
        label = _LABEL.match(token[len(prefix):])
        if alt is entry:
            chosen = label.group(1).lower() if label else None
        if label is None or label.group(1).lower() not in labels:
            continue
        if isinstance(logprob, int | float) and math.isfinite(logprob):
            probs.setdefault(token, (label.group(1).lower(), math.exp(logprob)))  # the chosen token recurs in tops
    if chosen != written:
        return None
    by_label: dict[str, float] = {}
    for label, p in probs.values():
        by_label[label] = by_label.get(label, 0.0) + p
    total = sum(by_label.values())
    return {k: v / total for k, v in by_label.items()} if total > 0 else None


def expected_score(logprobs: list[dict[str, Any]] | None, written: int) -> float | None:
    dist = value_distribution(logprobs, _SCORE_VALUE, tuple("012345"), str(written))
    return None if dist is None else round(sum(int(d) * p for d, p in dist.items()), 4)


def pass_probability(logprobs: list[dict[str, Any]] | None, written: bool) -> float | None:
    dist = value_distribution(logprobs, _PASS_VALUE, ("true", "false"), "true" if written else "false")
    return None if dist is None else round(dist.get("true", 0.0), 4)


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
    domain = domain_of(ctx, task["task"], task.get("domain"))
    verdict_mode = ctx.jury_signal == "verdict"
    reply_format = JURY_REPLY_REASON if ctx.jury_reason else JURY_REPLY_SCORE
    shared = ctx.jury_layout == "shared_prefix"
    if verdict_mode:
        user = "JURY_VERDICT_SHARED_USER" if shared else "JURY_VERDICT_USER"
        messages = [SystemMessage(domain.prompt("JURY_VERDICT_SYSTEM")),
                    HumanMessage(domain.prompt(user).format(task=task["task"], bid_block=data_block(bid["text"])))]
        schema = JURY_VERDICT_SCHEMA
    else:
        user = "JURY_SHARED_USER" if shared else "JURY_USER"
        messages = [
            SystemMessage(domain.prompt("JURY_SYSTEM").format(reply_format=reply_format)),
            HumanMessage(domain.prompt(user).format(task=task["task"], bid_block=data_block(bid["text"]),
                                                    reply_format=reply_format)),
        ]
        schema = JURY_REASON_SCHEMA if ctx.jury_reason else JURY_SCORE_SCHEMA
    weighted = ctx.jury_signal != "integer"
    call = await call_model(
        spec, messages, purpose="jury" if bid["round"] == 0 else "rejury", deadline_s=ctx.jury_deadline_s,
        max_tokens=ctx.jury_reason_max_tokens if ctx.jury_reason and not verdict_mode else ctx.jury_max_tokens,
        factory=ctx.live.model_factory, breaker=breaker_for(ctx, spec.name),
        response_format=response_format_for(spec, schema, "jury_verdict" if verdict_mode else "jury_score"),
        logprobs=weighted, top_logprobs=JURY_TOP_LOGPROBS if weighted else 0,
        trace={"auction_id": task.get("auction_id", ""), "round": bid["round"], "juror": spec.name,
               "bidder": bid["agent"], "bid_id": bid["id"]},
    )
    update: dict = {"calls": [ledger_entry(call)]}
    if call["error"]:
        verdict = Verdict(bid_id=bid["id"], juror=spec.name, score=None, raw="", error=call["error"])
    else:
        score = reply_score(call["text"], call["logprobs"], ctx.jury_signal, ctx.jury_reason)
        verdict = Verdict(bid_id=bid["id"], juror=spec.name, score=score, raw=call["text"][:200],
                          error=None if score is not None else "invalid reply" + (
                              ' (not {"pass": true|false})' if verdict_mode else " (not one integer 0-5)"))
    update["verdicts"] = [verdict]
    return update


def reply_score(text: str, logprobs: list[dict[str, Any]] | None, signal: str, with_reason: bool) -> float | None:
    """The score a valid reply is worth under ``signal``; None for an invalid reply, whatever its logprobs."""
    if signal == "verdict":
        passed = parse_verdict(text)
        if passed is None:
            return None
        weighted = pass_probability(logprobs, passed)
        return round(5 * weighted, 4) if weighted is not None else (5.0 if passed else 0.0)
    score = parse_score(text, with_reason=with_reason)
    if score is None or signal == "integer":
        return score
    weighted = expected_score(logprobs, score)
    return weighted if weighted is not None else float(score)


async def jury_batch(task: JuryTask, runtime: Runtime[AuctionContext]) -> dict:
    """One juror scores every fresh bid of the round in one call; an invalid reply invalidates all its scores."""
    ctx = runtime.context
    spec = pool_of(ctx).get(task["juror"])
    bids = task["bids"]
    domain = domain_of(ctx, task["task"], task.get("domain"))
    blocks = "\n\n".join(JURY_BATCH_ITEM.format(n=i + 1, bid_block=data_block(b["text"])) for i, b in enumerate(bids))
    user = "JURY_BATCH_SHARED_USER" if ctx.jury_layout == "shared_prefix" else "JURY_BATCH_USER"
    messages = [SystemMessage(domain.prompt("JURY_BATCH_SYSTEM")),
                HumanMessage(domain.prompt(user).format(task=task["task"], blocks=blocks, n=len(bids)))]
    call = await call_model(
        spec, messages, purpose="jury" if bids[0]["round"] == 0 else "rejury", deadline_s=ctx.jury_deadline_s,
        max_tokens=ctx.jury_max_tokens + 4 * len(bids), factory=ctx.live.model_factory,
        breaker=breaker_for(ctx, spec.name),
        response_format=response_format_for(spec, jury_batch_schema(len(bids)), "jury_scores"),
        trace={"auction_id": task.get("auction_id", ""), "round": bids[0]["round"], "juror": spec.name,
               "bid_ids": [b["id"] for b in bids]},
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
