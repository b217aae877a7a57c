"""``results.json``: every router's figures side by side, and the budget knob chosen on the train split."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from sale.bench import routers as R
from sale.bench.check_signal import cascade_bounds, check_signal
from sale.bench.config import AUCTION_ROUTERS, BenchConfig
from sale.bench.jurors import juror_summary
from sale.bench.report_bins import auction_rows, execution_vs_bid
from sale.bench.runs import Run
from sale.bench.summary import diagnostics, second_half, win_stream, with_bins
from sale.bench.tasks import stream_order
from sale.core.pool import Pool
from sale.suites.programs import is_program
from sale.suites.suite import BenchTask, Suite


def choose_knob(curve: list[dict[str, Any]], target_pass: float) -> dict[str, Any]:
    """Like RouteLLM's threshold calibration: the cheapest knob setting whose pass@1 reaches the target; if none
    does, the setting with the best pass@1 (cheapest among ties), flagged as short of the target."""
    ok = [p for p in curve if p["pass_at_1"] >= target_pass - 1e-9]
    if ok:
        return {"target_pass_at_1": target_pass, "reached": True, "chosen": min(ok, key=lambda p: p["cost_usd"])}
    best = max(curve, key=lambda p: (p["pass_at_1"], -p["cost_usd"]))
    return {"target_pass_at_1": target_pass, "reached": False, "chosen": best}


def random_matched(name: str, target_usd: float, singles: dict[tuple[str, str], Run], agents: list[str],
                   task_ids: list[str], seed: int, draws: int = R.RANDOM_DRAWS) -> dict[str, Any]:
    """The cost-matched random control for the router ``name`` that spent ``target_usd``: the figures of
    ``draws`` random routings (each task answered by a drawn agent's own run), averaged as stream orders are, with
    the spread of pass@1 over draws and the mixture drawn from."""
    ids = sorted(task_ids)
    spend = np.array([sum(singles[(a, t)].usd for t in ids) for a in agents])
    probs, matched = R.matched_mixture(spend, target_usd)
    label = f"{R.RANDOM_MATCHED}:{name}"
    picks = R.random_draws(probs, len(ids), seed, label, draws)
    runs = [replace(singles[(agents[a], t)], router=label, order=d)
            for d, row in enumerate(picks) for a, t in zip(row, ids, strict=True)]
    per_draw = np.array([np.mean([singles[(agents[a], t)].passed for a, t in zip(row, ids, strict=True)])
                         for row in picks])
    passed = np.array([np.mean([singles[(a, t)].passed for t in ids]) for a in agents])
    return with_bins(runs, agents, draws) | {
        "matched_to": name, "target_cost_usd": target_usd, "spend_matched": matched, "draws": draws,
        "mixture": {a: float(p) for a, p in zip(agents, probs, strict=True) if p > 0},
        "expected_pass_at_1": float(probs @ passed), "pass_at_1_sd": float(per_draw.std(ddof=1)) if draws > 1 else 0.0,
        "pass_at_1_p05": float(np.percentile(per_draw, 5, method="nearest")),
        "pass_at_1_p95": float(np.percentile(per_draw, 95, method="nearest"))}


def with_random_controls(routers: dict[str, Any], singles: dict[tuple[str, str], Run], agents: list[str],
                         task_ids: list[str], seed: int) -> None:
    """A ``random-matched:NAME`` row for every auction router that ran, when every agent ran every test task.
    ``singles`` are the runs it draws from: each agent's direct answers where the run has them for every test
    task (the one-call baseline of one-shot tasks), else its executor runs."""
    if not all((a, t) in singles for a in agents for t in task_ids) or not task_ids:
        return
    for name in [n for n in routers if n in AUCTION_ROUTERS and routers[n]]:
        source = "direct" if next(iter(singles.values())).router.startswith("direct:") else "executor"
        routers[f"{R.RANDOM_MATCHED}:{name}"] = random_matched(name, routers[name]["cost_usd"], singles, agents,
                                                              task_ids, seed) | {"answers_from": source}


def _long_bins_source(tasks: list[BenchTask]) -> str | None:
    """The real run a simulated programs run took its long bins from (sale/sim/long_bins.json)."""
    if not any(is_program(t) for t in tasks):
        return None
    from sale.sim.long_bins import profile

    return str(profile().get("source"))


def control_runs(test: list[BenchTask], direct: dict[tuple[str, str], Run], singles: dict[tuple[str, str], Run],
                 agents: list[str]) -> dict[tuple[str, str], Run]:
    """The runs the random controls draw from: the direct answers on one-shot tasks when every agent answered every
    test task, else the executor runs; on programs tasks always the executor runs, the work a router hands out."""
    one_shot = not any(is_program(t) for t in test)
    return direct if one_shot and all((a, t.id) in direct for a in agents for t in test) else singles


def assemble(cfg: BenchConfig, suite: Suite, pool: Pool, tasks: list[BenchTask], train: list[BenchTask],
             test: list[BenchTask], runs: dict[str, list[Run]], singles: dict[tuple[str, str], Run],
             agents: list[str], signal_sweep: list[dict[str, Any]], budget_sweep: list[dict[str, Any]],
             knob: dict[str, Any] | None, wall_s: float) -> dict[str, Any]:
    routers: dict[str, Any] = {}
    for name, router_runs in runs.items():
        orders = cfg.orders if name in AUCTION_ROUTERS else 1
        routers[name] = with_bins(router_runs, agents, orders)
        if name in AUCTION_ROUTERS:
            routers[name]["budget_bias"] = knob["chosen"]["budget_bias"] if knob and knob["chosen"] else 1.0
        if name in AUCTION_ROUTERS and singles:
            routers[name]["diagnostics"] = diagnostics(router_runs, singles, agents)
            routers[name]["win_stream_smallest"] = win_stream(router_runs, agents[0])
    late = {o: {t.id for t in stream_order(test, cfg.seed, o)[len(test) // 2:]} for o in range(cfg.orders)}
    if any(name in AUCTION_ROUTERS for name in runs):
        for name, router_runs in runs.items():
            routers[name]["second_half"] = second_half(router_runs, late, agents, name in AUCTION_ROUTERS)
    direct = {(r.agent, r.task_id): r for n, rs in runs.items() if n.startswith("direct:") for r in rs}
    with_random_controls(routers, control_runs(test, direct, singles, agents), agents, [t.id for t in test],
                         cfg.seed)
    best_direct = max((n for n in routers if n.startswith("direct:") and routers[n]),
                      key=lambda n: (routers[n]["pass_at_1"], -routers[n]["cost_usd"]), default=None)
    strong = routers.get(f"single:{agents[-1]}")
    weak = routers.get(f"single:{agents[0]}")
    for figures in routers.values():
        if strong and strong["cost_usd"]:
            figures["cost_vs_largest"] = figures["cost_usd"] / strong["cost_usd"]
        if best_direct and routers[best_direct]["cost_usd"]:
            figures["cost_vs_best_direct"] = figures["cost_usd"] / routers[best_direct]["cost_usd"]
        if strong and weak and strong["pass_at_1"] != weak["pass_at_1"]:
            figures["apgr"] = (figures["pass_at_1"] - weak["pass_at_1"]) / (strong["pass_at_1"] - weak["pass_at_1"])
    rows = auction_rows(cfg.out)
    return {
        "simulated": pool.simulated,
        "label": "SIMULATED agents (sim:qwen3-ladder)" if pool.simulated else "real agents",
        "suite": suite.name,
        "seed": cfg.seed,
        "pool": {"source": pool.source, "agents": [{"name": a.name, "model": a.model, **a.prices(),
                                                    "simulated": a.simulated} for a in pool.agents]},
        "sim_params": cfg.sim.__dict__ if pool.simulated else None,
        "long_bins_source": _long_bins_source(tasks) if pool.simulated else None,
        "n_tasks": len(tasks), "n_train": len(train), "n_test": len(test), "orders": cfg.orders,
        "cost_convention": "cost_usd = token cost (prompt + completion at each agent's price) summed over the test "
                           "tasks, averaged over orders; tool calls are in tool_usd",
        "cost_convention_provider": "cost_usd_provider = the same tokens billed as providers bill: uncached prompt "
                                    "tokens at the input price, prompt tokens the endpoint reported as prefix-cache "
                                    "hits at the cached-input price, completion tokens at the output price",
        "routers": routers,
        "signal_sweep": signal_sweep,
        "budget_sweep": budget_sweep,
        "budget_knob": knob,
        "wall_s": wall_s,
        "replayed": cfg.replay is not None,
        "jury_signal": cfg.jury_signal,
        "jury_reason": cfg.jury_reason,
        "jury_batch": cfg.jury_batch,
        "jury_layout": cfg.jury_layout,
        "rebid_exemplars": cfg.rebid_exemplars,
        "refine_min_similarity": cfg.refine_min_similarity,
        "memory_policy": cfg.memory_policy,
        "domain": cfg.domain,
        "best_direct": best_direct,
        "check_signal": check_signal(runs, agents),
        "cascade_bounds": cascade_bounds(runs, agents),
        "execution_vs_bid": execution_vs_bid(rows, singles, agents),
        "jurors": juror_summary(rows),
    }
