"""``sale bench --seeds``: each router's headline figures as mean ± sd over several seeds' runs (``seeds.json``,
``seeds.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SEED_METRICS = ("pass_at_1", "cost_vs_largest", "apgr", "largest_share", "auction_token_share",
                "auction_completion_share", "auction_usd_share", "cost_usd", "cost_usd_provider",
                "auction_usd_share_provider", "cached_token_share", "auction_tokens_per_task", "auction_usd_per_task",
                "auction_usd_provider_per_task")


def summarise_seeds(by_seed: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Mean, standard deviation, min and max of each router's headline figures over several seeds' runs, and on
    how many seeds each auction router beat or matched the largest agent's pass@1 at <= 0.75x its cost."""
    import numpy as np

    first = next(iter(by_seed.values()))
    names = [n for n in first["routers"] if all(r["routers"].get(n) for r in by_seed.values())]
    largest = f"single:{first['pool']['agents'][-1]['name']}"
    routers: dict[str, Any] = {}
    for name in names:
        figures: dict[str, Any] = {}
        for key, metric, part in ([(m, m, None) for m in SEED_METRICS]
                                  + [(f"second_half_{m}", m, "second_half") for m in ("pass_at_1", "cost_usd")]):
            values = [((r["routers"][name].get(part) or {}) if part else r["routers"][name]).get(metric)
                      for r in by_seed.values()]
            if all(v is not None for v in values):
                arr = np.array(values, dtype=float)
                figures[key] = {"mean": float(arr.mean()), "sd": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
                                "min": float(arr.min()), "max": float(arr.max())}
        if name.startswith("sale") and largest in names:
            figures["seeds_at_least_largest_at_075x"] = sum(
                r["routers"][name]["pass_at_1"] >= r["routers"][largest]["pass_at_1"]
                and r["routers"][name].get("cost_vs_largest", 1.0) <= 0.75 for r in by_seed.values())
        routers[name] = figures
    return {"simulated": first["simulated"], "label": first["label"], "suite": first["suite"],
            "seeds": sorted(by_seed), "n_test": {s: r["n_test"] for s, r in by_seed.items()}, "routers": routers}


def write_seeds_report(summary: dict[str, Any], out: Path) -> None:
    def cell(f: dict[str, Any] | None, kind: str = "%") -> str:
        if not f:
            return "-"
        if kind == "%":
            return f"{100 * f['mean']:.1f}% ± {100 * f['sd']:.1f}"
        return f"{f['mean']:.2f}{kind} ± {f['sd']:.2f}"

    lines = [f"# SALE benchmark over seeds {', '.join(map(str, summary['seeds']))}: {summary['suite']}", "",
             summary["label"] + ". Mean ± standard deviation over seeds (each seed: its own generated suite, "
             "split and stream order; per-seed reports in `seed-N/`).", "",
             "| router | pass@1 | cost / largest | APGR | largest share | auction tokens | auction generated | "
             "auction USD | auction USD (provider) |", "|---|---|---|---|---|---|---|---|---|"]
    for name, f in summary["routers"].items():
        lines.append(f"| {name} | {cell(f.get('pass_at_1'))} | {cell(f.get('cost_vs_largest'), 'x')} | "
                     f"{cell(f.get('apgr'), '')} | {cell(f.get('largest_share'))} | "
                     f"{cell(f.get('auction_token_share'))} | {cell(f.get('auction_completion_share'))} | "
                     f"{cell(f.get('auction_usd_share'))} | {cell(f.get('auction_usd_share_provider'))} |")
    halves = {n: f for n, f in summary["routers"].items() if "second_half_pass_at_1" in f}
    if halves:
        lines += ["", "The stream's second half (each seed's last half of the test tasks, where memory and "
                  "sale-online's refits have had the first half to learn from):", "",
                  "| router | pass@1 | cost |", "|---|---|---|"]
        for name, f in halves.items():
            cost = f["second_half_cost_usd"]
            lines.append(f"| {name} | {cell(f['second_half_pass_at_1'])} | ${cost['mean']:.5f} ± {cost['sd']:.5f} |")
    wins = {n: f["seeds_at_least_largest_at_075x"] for n, f in summary["routers"].items()
            if "seeds_at_least_largest_at_075x" in f}
    if wins:
        lines += ["", "Seeds on which the router reached the largest agent's pass@1 at no more than 0.75x its cost: "
                  + ", ".join(f"{n} {k}/{len(summary['seeds'])}" for n, k in wins.items()) + "."]
    (out / "seeds.md").write_text("\n".join(lines) + "\n")
