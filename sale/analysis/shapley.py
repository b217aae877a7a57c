"""Analysis of a recorded bench run: exact Shapley values of the agents, and workload dynamics over the stream.

Shapley (``sale analyze shapley``): the value of a coalition S of agents is what SALE would have achieved with
only S in the pool, found by replaying the recorded auctions: S's first-round bids are re-scored with S's jurors
only (the run's own weights and jury mode), the provisional winner is taken, refined bids of agents in S
cheaper than it compete as in the graph, and the winner's outcome is the recorded one when it is the bid that
won the real auction, otherwise that agent's own run on the task. ``value = pass`` is system pass@1;
``value = cost-adjusted`` subtracts the execution cost relative to the largest agent's. Exact over all 2^N
coalitions, so the values sum to v(full) - v(empty).
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from sale.core.cost import Weights, bid_cost, bid_value


class AnalysisError(ValueError):
    pass


def load_run(directory: Path) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    paths = [directory / n for n in ("results.json", "auctions.jsonl", "tasks.jsonl")]
    for path in paths:
        if not path.is_file():
            raise AnalysisError(f"{path} is missing: point --from at a `sale bench --out` directory")
    results = json.loads(paths[0].read_text(encoding="utf-8"))
    auctions = [json.loads(line) for line in paths[1].read_text(encoding="utf-8").splitlines() if line.strip()]
    tasks = [json.loads(line) for line in paths[2].read_text(encoding="utf-8").splitlines() if line.strip()]
    return results, auctions, tasks


def single_runs(tasks: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """{task_id: {agent: row}} from tasks.jsonl rows of the single-agent runs (``single:largest`` is a copy)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in tasks:
        if row["router"].startswith("single:") and row["router"] != "single:largest":
            out.setdefault(row["task_id"], {})[row["agent"]] = row
    return out


def _weights(raw: dict[str, Any] | None) -> Weights:
    raw = raw or {}
    return Weights(cost=raw.get("cost", 0.1), entropy=raw.get("entropy", 1.0), jury=raw.get("jury", 1.0),
                   jurors=raw.get("jurors") or {})


def coalition_outcome(auction: dict[str, Any], coalition: frozenset[str], prices: dict[str, float],
                      single: dict[str, dict[str, Any]], memory: bool) -> tuple[bool, float]:
    """(passed, execution USD) of the auction replayed with only ``coalition`` bidding and judging."""
    weights = _weights(auction.get("weights"))
    jurors = [j for j in auction.get("jurors") or sorted(prices) if j in coalition]

    def score(bid: dict[str, Any]) -> float:
        jury = {j: bid["jury"][j] for j in jurors if j in bid["jury"]}
        if len(jury) < len(jurors):
            return math.inf
        return bid_cost(weights, prices[bid["agent"]], bid["tokens"]) - bid_value(weights, bid["entropy"], jury,
                                                                                  jurors)

    def rank(bid: dict[str, Any]) -> tuple[float, float]:
        return score(bid), prices[bid["agent"]]

    bids = [b for b in auction["bids"] if b["agent"] in coalition and not b["disqualified"]]
    first = [b for b in bids if b["round"] == 0 and math.isfinite(score(b))]
    if not first:
        return False, 0.0
    winner = min(first, key=rank)
    if memory:
        refined = [b for b in bids if b["round"] > 0 and prices[b["agent"]] < prices[winner["agent"]]
                   and math.isfinite(score(b))]
        if refined and rank(best := min(refined, key=rank)) < rank(winner):
            winner = best
    own = single.get(winner["agent"], {})
    if winner["id"] == auction.get("winner_bid"):
        return bool(auction["passed"]), float(own.get("usd", 0.0))
    return bool(own.get("passed", False)), float(own.get("usd", 0.0))


def shapley(directory: Path, value: str = "pass") -> dict[str, Any]:
    if value not in ("pass", "cost-adjusted"):
        raise AnalysisError(f"unknown value function {value!r} (pass or cost-adjusted)")
    results, auctions, tasks = load_run(directory)
    prices = {a["name"]: a["price_per_mtok"] for a in results["pool"]["agents"]}
    agents = sorted(prices, key=lambda a: prices[a])
    singles = single_runs(tasks)
    largest_cost = sum(s[agents[-1]]["usd"] for s in singles.values() if agents[-1] in s) / max(1, len(singles))
    out: dict[str, Any] = {"value": value, "agents": agents, "simulated": results.get("simulated")}
    for label, run, memory in (("with_memory", "sale", True), ("without_memory", "sale-nomem", False)):
        recorded = [a for a in auctions if a["run"] == run and a["order"] == 0 and a.get("bids")]
        if not recorded:
            continue
        def v(coalition: frozenset[str], recorded: list[dict[str, Any]] = recorded, memory: bool = memory) -> float:
            if not coalition:
                return 0.0
            outcomes = [coalition_outcome(a, coalition, prices, singles.get(a["task_id"], {}), memory)
                        for a in recorded]
            passed = sum(o[0] for o in outcomes) / len(outcomes)
            if value == "pass":
                return passed
            cost = sum(o[1] for o in outcomes) / len(outcomes)
            return passed - (cost / largest_cost if largest_cost else 0.0)

        values = {frozenset(c): v(frozenset(c)) for r in range(len(agents) + 1)
                  for c in itertools.combinations(agents, r)}
        n = len(agents)
        phi = {}
        for agent in agents:
            others = [a for a in agents if a != agent]
            total = 0.0
            for r in range(n):
                for c in itertools.combinations(others, r):
                    s = frozenset(c)
                    total += math.factorial(r) * math.factorial(n - r - 1) / math.factorial(n) * (
                        values[s | {agent}] - values[s])
            phi[agent] = round(total, 6)
        out[label] = {"shapley": phi, "v_full": values[frozenset(agents)], "v_empty": 0.0,
                      "auctions": len(recorded)}
    if "with_memory" not in out and "without_memory" not in out:
        raise AnalysisError(f"{directory} has no recorded sale or sale-nomem auctions")
    main = out.get("with_memory") or out["without_memory"]
    return out | {"shapley": main["shapley"], "v_full": main["v_full"], "v_empty": main["v_empty"]}


DYNAMICS_BLOCKS = 5


def win_matrix(winners: list[list[str]], agent: str) -> np.ndarray:
    """1 where ``agent`` won, one row per order (``winners``: each order's winners in stream order), cut to the
    shortest order."""
    n = min((len(w) for w in winners), default=0)
    return np.array([[a == agent for a in w[:n]] for w in winners], dtype=float).reshape(len(winners), n)


def cumulative_share(winners: list[list[str]], agent: str) -> list[float]:
    """``agent``'s cumulative share of the wins at each position of the stream, averaged over the orders."""
    hits = win_matrix(winners, agent)
    if not hits.size:
        return []
    return (hits.cumsum(axis=1) / np.arange(1, hits.shape[1] + 1)).mean(axis=0).tolist()


def dynamics(directory: Path, out_png: Path | None = None) -> dict[str, Any]:
    """Each agent's cumulative win share over the task stream, with and without memory, averaged over the
    recorded stream orders; and whether the smallest agent's share rises: its share in each fifth of the stream
    and a least-squares trend with a standard error, so "rising" and "flat" are tested, not read off a noisy
    curve (bench with ``--orders`` 12 or more before reading a trend)."""
    results, _, tasks = load_run(directory)
    agents = [a["name"] for a in sorted(results["pool"]["agents"], key=lambda a: a["price_per_mtok"])]
    curves: dict[str, dict[str, list[float]]] = {}
    blocks: dict[str, dict[str, list[float]]] = {}
    trend: dict[str, dict[str, Any]] = {}
    smallest: dict[str, np.ndarray] = {}
    for run in ("sale", "sale-nomem"):
        orders = sorted({t["order"] for t in tasks if t["router"] == run})
        streams = [sorted((t for t in tasks if t["router"] == run and t["order"] == o), key=lambda t: t["position"])
                   for o in orders]
        if not streams or not streams[0]:
            continue
        winners = [[row["agent"] for row in rows] for rows in streams]
        curves[run] = {agent: cumulative_share(winners, agent) for agent in agents}
        smallest[run] = win_matrix(winners, agents[0])
        blocks[run], trend[run] = _share_trend(smallest[run])
    if not curves:
        raise AnalysisError(f"{directory} has no sale or sale-nomem runs")
    memory_gain = None
    if set(smallest) == {"sale", "sale-nomem"} and smallest["sale"].shape == smallest["sale-nomem"].shape:
        memory_gain = _paired_trend(smallest["sale"], smallest["sale-nomem"])
    target = out_png or directory / "dynamics.png"
    _plot(curves, blocks, agents, target, bool(results.get("simulated")))
    return {"plot": str(target), "orders": len(streams),
            "final_share": {run: {a: c[-1] for a, c in per.items()} for run, per in curves.items()},
            "smallest_blocks": blocks, "smallest_trend": trend, "memory_trend_gain": memory_gain}


def _share_trend(wins: np.ndarray) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """``wins``: orders x positions, 1 where the smallest agent won. Block shares (mean, standard error over
    orders) and the slope of a line fitted to the win indicator against the position in the stream (0..1), in
    share points per whole stream; its error is the spread of the per-order slopes (several orders) or the
    least-squares error (one order). Verdict at two standard errors."""
    n_orders, n = wins.shape
    edges = np.linspace(0, n, min(DYNAMICS_BLOCKS, n) + 1).round().astype(int)
    per_block = np.array([[w[a:b].mean() for a, b in itertools.pairwise(edges)] for w in wins])
    if n < 3:
        return ({"share": per_block.mean(axis=0).tolist(), "se": [0.0] * len(per_block[0]), "edges": edges.tolist()},
                {"slope_points": None, "se_points": None, "verdict": "too short", "orders": n_orders})
    x = np.arange(n) / n
    slopes = _slopes(wins)
    if n_orders >= 3:
        se = float(slopes.std(ddof=1) / math.sqrt(n_orders))
        block_se = per_block.std(axis=0, ddof=1) / math.sqrt(n_orders)
    else:
        xs, ys = np.tile(x, n_orders), wins.ravel()
        fit = np.polyfit(xs, ys, 1)
        resid = ys - np.polyval(fit, xs)
        se = float(math.sqrt(resid.var(ddof=2) / ((xs - xs.mean()) ** 2).sum()))
        share = per_block.mean(axis=0)
        block_se = np.sqrt(share * (1 - share) / (n_orders * np.diff(edges)))
    return ({"share": per_block.mean(axis=0).tolist(), "se": block_se.tolist(), "edges": edges.tolist()},
            _trend(float(slopes.mean()), se, n_orders))


def _trend(slope: float, se: float, n_orders: int) -> dict[str, Any]:
    verdict = "rising" if slope > 2 * se else "falling" if slope < -2 * se else "flat"
    return {"slope_points": 100 * slope, "se_points": 100 * se, "verdict": verdict, "orders": n_orders}


def _slopes(wins: np.ndarray) -> np.ndarray:
    x = np.arange(wins.shape[1]) / wins.shape[1]
    return np.array([np.polyfit(x, w, 1)[0] for w in wins])


def _paired_trend(with_memory: np.ndarray, without: np.ndarray) -> dict[str, Any] | None:
    """How much steeper the smallest agent's share climbs with memory than without, order by order: both runs
    stream the same seeded orders, so a permutation that happens to put its easy tasks late tilts both alike and
    cancels here. None with fewer than three orders or positions."""
    n_orders, n = with_memory.shape
    if n_orders < 3 or n < 3:
        return None
    diff = _slopes(with_memory) - _slopes(without)
    return _trend(float(diff.mean()), float(diff.std(ddof=1) / math.sqrt(n_orders)), n_orders)


def _plot(curves: dict[str, dict[str, list[float]]], blocks: dict[str, dict[str, list[float]]],
          agents: list[str], target: Path, simulated: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tag = " [SIMULATED]" if simulated else ""
    fig, axes = plt.subplots(1, len(curves) + 1, figsize=(5.5 * (len(curves) + 1), 4.5), squeeze=False)
    for ax, (run, per) in zip(axes[0], curves.items(), strict=False):
        for agent in agents:
            ax.plot(range(1, len(per[agent]) + 1), [100 * x for x in per[agent]], label=agent)
        ax.set_title(f"{run}: cumulative win share{tag}", fontsize=10)
        ax.set_xlabel("tasks seen in the stream")
        ax.set_ylabel("cumulative win share (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    ax = axes[0][-1]
    width = 0.8 / max(1, len(blocks))
    for i, (run, b) in enumerate(blocks.items()):
        centres = np.arange(len(b["share"])) + (i - (len(blocks) - 1) / 2) * width
        ax.bar(centres, [100 * v for v in b["share"]], width, yerr=[100 * v for v in b["se"]], capsize=3,
               label=run)
    edges = next(iter(blocks.values()))["edges"]
    ax.set_xticks(range(len(edges) - 1), [f"{a + 1}-{b}" for a, b in itertools.pairwise(edges)])
    ax.set_title(f"{agents[0]}: win share per fifth of the stream{tag}", fontsize=10)
    ax.set_xlabel("tasks in the stream (error bars: 1 s.e. over orders)")
    ax.set_ylabel("win share (%)")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)
