"""The auction's typed state. Lists written by parallel branches (bids, verdicts, calls) carry reducers."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


def merge_dicts(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {**left, **right}


class Bid(TypedDict):
    """One strategy. ``id`` is ``agent@round`` (round 0: initial bid, round 1: memory-refined rebid)."""

    id: str
    agent: str
    round: int
    refined: bool
    text: str
    tokens: int
    token_source: str
    entropy: float
    entropy_missing: bool
    top_k: int
    disqualified: str | None
    retrieved: list[str]
    truncated: NotRequired[bool]
    """The bid reached its length cap (``bid_max_tokens``); its text was closed cleanly where it was cut."""
    check: NotRequired[dict[str, Any] | None]
    """Cascade drafts only: the check juror's verdict on the draft (``tools/checks.py``: passed, examples,
    failed, detail), None where the domain has no check."""
    call_tokens: NotRequired[int]
    """Cascade drafts only: prompt + completion tokens of the call (what the next estimate of its cost reads)."""


class Verdict(TypedDict):
    """One juror's score for one bid; ``score`` is None when the reply was invalid (it is never used then). It is
    the integer the juror wrote, or with context ``jury_signal`` a probability-weighted score on the same 0-5
    scale."""

    bid_id: str
    juror: str
    score: float | None
    raw: str
    error: str | None


class Score(TypedDict):
    cost: float
    value: float
    score: float
    jury: dict[str, int]


class AuctionInput(TypedDict):
    task: str
    auction_id: NotRequired[str]
    domain: NotRequired[str]
    """The task's domain by name; wins over the context's ``domain`` setting."""


class AuctionOutput(TypedDict):
    result: dict[str, Any]


class AuctionState(TypedDict):
    task: str
    auction_id: NotRequired[str]
    domain: NotRequired[str]
    bids: Annotated[list[Bid], operator.add]
    verdicts: Annotated[list[Verdict], operator.add]
    calls: Annotated[list[dict[str, Any]], operator.add]
    excluded: Annotated[dict[str, str], merge_dicts]
    refine_notes: Annotated[dict[str, str], merge_dicts]
    scores: dict[str, Score]
    jurors: list[str]
    dropped_jurors: dict[str, str]
    juror_reliability: dict[str, dict[str, Any]]
    """Context ``juror_reliability``: each juror's learned weight and why (sale/core/jurors.py), set once."""
    phase: Literal["bidding", "refining"]
    provisional_winner: str | None
    winner: str | None
    memory_size_before: int
    memory_seq_before: int
    status: Literal["ok", "failed", "no_answer"]
    """``no_answer``: the auction chose a winner, but its execution delivered nothing (never an ``ok``)."""
    error: str | None
    memory_seq: int | None
    answer: str
    execution: dict[str, Any]
    result: dict[str, Any]
    auction_decision: dict[str, Any]
    """The adaptive policy's decision (nodes/consult.py): skipped or held, the agent, why, the auctions used."""
    cascade: dict[str, Any]
    """The cascade's state (nodes/cascade.py): estimates, the order and why, the position, each draft's fate."""


class BidTask(TypedDict):
    """What one parallel ``bid`` branch receives via Send."""

    task: str
    agent: str
    auction_id: NotRequired[str]
    """The caller's auction id, if it gave one (traces carry it)."""
    domain: NotRequired[str]
    """The input's domain, if it named one."""


class RefineTask(TypedDict):
    task: str
    agent: str
    own: Bid
    memory_seq_before: int
    auction_id: NotRequired[str]
    domain: NotRequired[str]


class JuryTask(TypedDict, total=False):
    task: str
    bid: Bid
    juror: str
    auction_id: str
    domain: str
    bids: list[Bid]
    """Batched jury (context ``jury_batch``): every fresh bid of the round, scored in one call."""


class Candidate(TypedDict):
    agent: str
    plan: str


class ExecutorState(TypedDict, total=False):
    task: str
    plan: str
    agent: str
    domain: str
    candidates: list[Candidate]
    messages: Annotated[list[AnyMessage], add_messages]
    """The conversation. Each step returns only the messages it adds (its update, as streamed and shown in Studio,
    is what happened in that step); a fallback agent starts it over."""
    pending: list[dict[str, Any]]
    steps: Annotated[list[dict[str, Any]], operator.add]
    calls: Annotated[list[dict[str, Any]], operator.add]
    fallbacks: Annotated[list[dict[str, str]], operator.add]
    model_steps: int
    tokens_used: int
    answer: str
    """What the run delivers (set by ``deliver``; before it, the agent's final reply)."""
    answer_source: str
    """``final_answer``, ``last_code`` or ``none`` (sale/core/deliverable.py)."""
    final_reply: str
    """The agent's final reply as parsed, before the deliverable rule."""
    draft: dict[str, Any]
    """A draft the auction already wrote and checked (the cascade): ``text``, ``check``, ``final``, ``why``,
    ``tokens`` (its call's). The executor delivers a final one without another call, and starts its loop from
    another."""
    status: str
    error: str | None
