"""What retrieval returns: contrastive exemplars for a rebid (the paper's memory refinement, docs/paper-notes.md
step 4), and the nearest past auctions' winners and verdicts for the adaptive auction policy.

From the most similar earlier auctions in which the agent bid: (losing, winning) strategy pairs with at least one
side the agent's own, its losing bid against the winner or its winning bid against the best loser. No one agent
supplies more than ceil(k/2) of them (reliability case A11), so no single agent can fill a rebid prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypedDict


class Exemplar(TypedDict):
    auction_id: str
    similarity: float
    task: str
    losing_agent: str
    losing: str
    winning_agent: str
    winning: str
    passed: bool | None
    """The auction's verified verdict (``AuctionMemory.record_outcome``); None when unknown."""


class Neighbour(TypedDict):
    """A past auction near a task: who won it and, if known, whether the winner's answer passed."""

    auction_id: str
    similarity: float
    winner: str
    passed: bool | None


def nearest(k: int, hits: Iterable[tuple[str, float]], trusted: Callable[[str], dict[str, Any] | None]
            ) -> list[Neighbour]:
    """The first ``k`` trusted auctions of ``hits`` (best first)."""
    out: list[Neighbour] = []
    for auction_id, similarity in hits:
        record = trusted(auction_id)
        if record is not None:
            out.append(Neighbour(auction_id=auction_id, similarity=round(similarity, 4),
                                 winner=record["winner_agent"], passed=record.get("passed")))
        if len(out) == k:
            break
    return out


def nearest_records(k: int, hits: Iterable[tuple[str, float]], trusted: Callable[[str], dict[str, Any] | None]
                    ) -> list[tuple[dict[str, Any], float]]:
    """The first ``k`` trusted auctions of ``hits``, whole (the verified verdict as ``passed``), with their
    similarity."""
    out = []
    for auction_id, similarity in hits:
        record = trusted(auction_id)
        if record is not None:
            out.append((record, similarity))
        if len(out) == k:
            break
    return out


def pick_exemplars(agent: str, k: int, hits: Iterable[tuple[str, float]],
                   trusted: Callable[[str], dict[str, Any] | None]) -> list[Exemplar]:
    """Up to ``k`` exemplars from ``hits`` (auction id, similarity; best first). ``trusted`` gives an auction's
    record, or None if it must never be shown to a model (unsigned, tampered or quarantined)."""
    out: list[Exemplar] = []
    per_source: dict[str, int] = {}
    cap = -(-k // 2)
    for auction_id, similarity in hits:
        record = trusted(auction_id)
        if record is None or (record.get("outcome") or {}).get("answer_source") == "none":
            continue  # an execution that delivered nothing did not win anything worth learning from
        pair = _pair_for(agent, record)
        if not pair:
            continue
        source = pair["winning_agent"] if pair["losing_agent"] == agent else pair["losing_agent"]
        if per_source.get(source, 0) >= cap:
            continue
        per_source[source] = per_source.get(source, 0) + 1
        out.append(Exemplar(auction_id=auction_id, similarity=round(similarity, 4), task=record["task"], **pair,
                            passed=record.get("passed")))
        if len(out) == k:
            break
    return out


def _pair_for(agent: str, record: dict[str, Any]) -> dict[str, str] | None:
    ranked = [b for b in record["bids"] if b.get("label") in ("win", "loss")]
    own = [b for b in ranked if b["agent"] == agent]
    winner = next((b for b in ranked if b["label"] == "win"), None)
    if not own or winner is None:
        return None
    mine = max(own, key=lambda b: b.get("round", 0))
    if winner["agent"] == agent:
        losers = sorted((b for b in ranked if b["label"] == "loss" and b["agent"] != agent),
                        key=lambda b: b.get("score", 0.0))
        if not losers:
            return None
        return {"losing_agent": losers[0]["agent"], "losing": losers[0]["text"],
                "winning_agent": agent, "winning": winner["text"]}
    return {"losing_agent": agent, "losing": mine["text"], "winning_agent": winner["agent"],
            "winning": winner["text"]}
