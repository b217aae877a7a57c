"""The figures of one router's runs: pass@1, cost, token shares, workload, per bin; and the routing
diagnostics the paper reports."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from sale.analysis.shapley import cumulative_share
from sale.bench.runs import Run
from sale.suites.suite import BINS


def summarise(runs: list[Run], agents: list[str], orders: int) -> dict[str, Any]:
    if not runs:
        return {}
    largest = agents[-1]
    tokens = sum(r.tokens for r in runs)
    completion = sum(r.completion_tokens for r in runs)
    cost = sum(r.usd for r in runs)
    cost_provider = sum(r.provider_usd for r in runs)
    auction = sum(r.auction_tokens for r in runs)
    wins = Counter(r.agent for r in runs)
    out: dict[str, Any] = {
        "pass_at_1": float(np.mean([r.passed for r in runs])),
        "cost_usd": cost / orders,
        "usd_per_mtok": cost / tokens * 1e6 if tokens else 0.0,
        "largest_share": wins.get(largest, 0) / len(runs),
        "auction_token_share": auction / tokens if tokens else 0.0,
        "auction_completion_share": sum(r.auction_completion_tokens for r in runs) / completion if completion else 0.0,
        "auction_usd_share": sum(r.auction_usd for r in runs) / cost if cost else 0.0,
        "cost_usd_provider": cost_provider / orders,
        "auction_usd_share_provider": sum(r.auction_usd_provider for r in runs) / cost_provider if cost_provider
        else 0.0,
        "cached_token_share": sum(r.cached_tokens for r in runs) / tokens if tokens else 0.0,
        "wall_s": sum(r.wall_s for r in runs) / orders,
        "tokens": tokens / orders,
        "tool_usd": sum(r.tool_usd for r in runs) / orders,
        "tasks": len(runs) // orders,
        "workload": {a: wins.get(a, 0) / len(runs) for a in agents},
        "steps_per_task": float(np.mean([r.exec_steps for r in runs])),
        "test_runs_per_task": float(np.mean([r.test_runs for r in runs])),
    }
    purposes: Counter[str] = Counter()
    for r in runs:
        purposes.update(r.auction_tokens_by_purpose)
    if purposes and tokens:
        out["auction_token_share_by_purpose"] = {k: purposes[k] / tokens for k in sorted(purposes)}
    if auction:
        out["auction_tokens_per_task"] = auction / len(runs)
        out["execution_tokens_per_task"] = (tokens - auction) / len(runs)
        out["auction_usd_per_task"] = sum(r.auction_usd for r in runs) / len(runs)
        out["auction_usd_provider_per_task"] = sum(r.auction_usd_provider for r in runs) / len(runs)
    if kinds := auction_by_kind(runs, tokens, cost, cost_provider):
        out["auction_by_kind"] = kinds
    if any(r.provisional for r in runs):
        out["refine_changed_share"] = sum(1 for r in runs if r.provisional and r.provisional != r.agent) / len(runs)
    decisions = Counter(r.decision for r in runs if r.decision)
    if decisions:
        skipped = sum(n for d, n in decisions.items() if d.startswith("skipped:"))
        out["auction_skipped"] = {"count": skipped, "share": skipped / len(runs),
                                  "decisions": dict(sorted(decisions.items()))}
        paths = {d.removeprefix("cascade:"): n for d, n in decisions.items() if d.startswith("cascade:")}
        if paths:
            escalated = sum(n for p, n in paths.items() if ">" in p)
            out["cascade"] = {"escalated": escalated, "escalated_share": escalated / len(runs),
                              "paths": dict(sorted(paths.items()))}
    return out


def auction_by_kind(runs: list[Run], tokens: int, cost: float, cost_provider: float) -> dict[str, dict[str, float]]:
    """Where the auction's tokens and USD go, per kind of call (bid, jury, rebid, rejury), under both pricings:
    per task, and as a share of all the router's tokens or USD."""
    totals: dict[str, Counter[str]] = {}
    for r in runs:
        for kind, figures in r.auction_by_purpose.items():
            totals.setdefault(kind, Counter()).update(figures)
    n = len(runs)
    return {kind: {
        "calls_per_task": t["calls"] / n,
        "tokens_per_task": (t["prompt_tokens"] + t["completion_tokens"]) / n,
        "cached_tokens_per_task": t["cached_tokens"] / n,
        "usd_per_task": t["usd"] / n,
        "usd_provider_per_task": t["usd_provider"] / n,
        "token_share": (t["prompt_tokens"] + t["completion_tokens"]) / tokens if tokens else 0.0,
        "usd_share": t["usd"] / cost if cost else 0.0,
        "usd_share_provider": t["usd_provider"] / cost_provider if cost_provider else 0.0,
    } for kind, t in sorted(totals.items())}


HALF_KEYS = ("pass_at_1", "cost_usd", "cost_usd_provider", "largest_share", "tasks")


def second_half(runs: list[Run], late: dict[int, set[str]], agents: list[str], streamed: bool) -> dict[str, Any]:
    """The figures on each stream order's second half (``late``: order -> task ids), where a router that learns
    from its own stream (memory, ``sale-online``'s refits) has had the first half to learn. A router that is not
    ``streamed`` ran each task once; its run counts once per order, on that order's late tasks."""
    picked = [r for order, ids in late.items() for r in runs if r.task_id in ids and (r.order == order or not streamed)]
    figures = summarise(picked, agents, len(late))
    return {k: figures[k] for k in HALF_KEYS} if figures else {}


def with_bins(runs: list[Run], agents: list[str], orders: int) -> dict[str, Any]:
    out = summarise(runs, agents, orders)
    if out:
        out["bins"] = {str(b): summarise([r for r in runs if r.bin == b], agents, orders) for b in BINS
                       if any(r.bin == b for r in runs)}
    return out


def diagnostics(runs: list[Run], singles: dict[tuple[str, str], Run], agents: list[str]) -> dict[str, Any]:
    """Routing diagnostics as the paper reports them, against the agents' own runs; and
    ``winner_alone_pass_at_1``, the pass@1 had each task's winner run it alone (its own plan, the single-agent
    run; a task with no winner counts as failed, as in the router's pass@1): below the largest agent's, the routing
    loses; above the router's own pass@1, the auction's plan or its execution does."""
    rank = {a: i for i, a in enumerate(agents)}
    smallest = [r for r in runs if r.agent == agents[0]]
    over = under = 0
    for r in runs:
        if r.agent is None:
            continue
        passing = [rank[a] for a in agents if singles.get((a, r.task_id)) and singles[(a, r.task_id)].passed]
        if passing and rank[r.agent] > min(passing) and r.passed:
            over += 1
        if passing and not r.passed:
            under += 1
    alone = [(run := singles.get((r.agent, r.task_id))) is not None and run.passed for r in runs]
    return {
        "winner_alone_pass_at_1": float(np.mean(alone)) if alone else None,
        "smallest_pick_precision": float(np.mean([r.passed for r in smallest])) if smallest else None,
        "smallest_share": len(smallest) / len(runs) if runs else 0.0,
        "over_escalation_rate": over / len(runs) if runs else 0.0,
        "missed_rate": under / len(runs) if runs else 0.0,
    }


def win_stream(runs: list[Run], agent: str) -> list[float]:
    """Cumulative share of the stream's tasks won by ``agent``, averaged over the stream orders (one order's
    curve is mostly the luck of which tasks came first)."""
    return cumulative_share([[r.agent for r in sorted((r for r in runs if r.order == order), key=lambda r: r.position)]
                             for order in sorted({r.order for r in runs})], agent)
