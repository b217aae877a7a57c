"""Break-even map: where would SALE's spend undercut the best single agent's, by price ratio and task length?

From committed real-model recordings, offline (``sale whatif``'s re-pricing, no model call):

* x, the price ratio (dearest / cheapest agent): the recorded ladder's prices stretched on a log scale, the
  cheapest agent's price fixed, each agent keeping its place (p_a = p_min * (p_a0 / p_min) ** (ln x / ln x0)).
* y, task length: SALE's execution tokens per task over its auction tokens per task. The recorded executions are
  scaled by s (SALE's and the reference's alike), the auction is not: y = s * y0. MODELLED: real longer tasks
  would also change who wins and who passes.
* colour: SALE's cost / the reference's cost, routes and pass@1 as recorded (not at equal quality: the titles
  give both pass@1).

Prints the recorded point, the break-even length at each ratio, how many recorded auctions the cost term would
send elsewhere at that ratio, and how far the modelled split of auction tokens by agent is from the recorded USD.

    .venv/bin/python scripts/breakeven_map.py [--out docs/figures/breakeven.png]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from sale.bench.whatif import _kind_weights, load_recording, whatif

ROOT = Path(__file__).resolve().parents[1]
PANELS = (("real-coding-seed0-30", "single"), ("deliver-coding-seed0-10", "direct"))
RATIOS = np.geomspace(1.0, 1000.0, 31)
LENGTHS = np.geomspace(0.1, 100.0, 31)


def ladder(recording, ratio: float) -> dict[str, tuple[float, float]]:
    recorded = recording.prices()
    low = min(p for p, _ in recorded.values())
    top = max(p for p, _ in recorded.values())
    power = math.log(ratio) / math.log(top / low)
    return {a: (low * (p / low) ** power, out * (low * (p / low) ** power) / p) for a, (p, out) in recorded.items()}


def split_error(recording) -> list[float]:
    """Per auction call kind: |modelled USD - recorded USD| / recorded USD at the recorded prices."""
    prices = recording.prices()
    errors = []
    for record in recording.auctions.values():
        for kind, usage in ((record.get("usage") or {}).get("by_purpose") or {}).items():
            weights = _kind_weights(kind, usage, record, recording.agents)
            if weights and usage["usd"]:
                modelled = sum(w * prices[a][0] for a, w in weights.items()) / 1e6
                errors.append(abs(modelled - usage["usd"]) / usage["usd"])
    return errors


def panel(name: str, kind: str) -> dict:
    recording = load_recording(ROOT / "docs" / "figures" / name)
    base = whatif(recording, recording.prices())
    refs = {n: f for n, f in base["routers"].items() if n.startswith(f"{kind}:")}
    ref = max(refs, key=lambda n: (refs[n]["pass_at_1"], -refs[n]["cost_usd"]))
    sale = recording.results["routers"]["sale"]
    y0 = sale["execution_tokens_per_task"] / sale["auction_tokens_per_task"]
    parts = []
    for ratio in RATIOS:
        out = whatif(recording, ladder(recording, ratio))
        f = out["routers"]["sale"]
        auction = f["cost_usd"] * f["auction_usd_share"]
        parts.append((auction, f["cost_usd"] - auction, out["routers"][ref]["cost_usd"],
                      out["rerouted_auctions"]["sale"]["changed"]))
    grid = np.array([[(a + (y / y0) * e) / ((y / y0) * b) for a, e, b, _ in parts] for y in LENGTHS])
    prices = recording.prices()
    x0 = max(p for p, _ in prices.values()) / min(p for p, _ in prices.values())
    return {"name": name, "ref": ref, "grid": grid, "parts": parts, "x0": x0, "y0": y0,
            "sale_pass": base["routers"]["sale"]["pass_at_1"], "ref_pass": base["routers"][ref]["pass_at_1"],
            "at_recorded": base["routers"]["sale"]["cost_usd"] / base["routers"][ref]["cost_usd"],
            "split_error": split_error(recording), "n_auctions": base["rerouted_auctions"]["sale"]["auctions"]}


def report(p: dict) -> None:
    err = np.array(p["split_error"])
    print(f"\n{p['name']}: sale (pass@1 {100 * p['sale_pass']:.1f}%) against {p['ref']} "
          f"(pass@1 {100 * p['ref_pass']:.1f}%)")
    print(f"  recorded point: price ratio {p['x0']:.1f}, length y0 = execution / auction tokens = {p['y0']:.3f}, "
          f"cost ratio {p['at_recorded']:.2f}x")
    print(f"  modelled split of auction USD by agent at the recorded prices: median error {100 * np.median(err):.1f} %,"
          f" max {100 * err.max():.1f} % over {len(err)} call kinds (recorded totals are kept: re-pricing is exact "
          "at the recorded prices)")
    print("  price ratio | cost ratio at y0 | at 10*y0 | break-even length y (cost ratio 1) | at 0.75x | "
          f"auctions rerouted of {p['n_auctions']}")
    for ratio, (a, e, b, moved) in zip(RATIOS, p["parts"], strict=True):
        if ratio not in RATIOS[::5]:
            continue
        even = [a / (b * t - e) * p["y0"] if b * t > e else math.inf for t in (1.0, 0.75)]
        cells = [f"{y:.2f}" if math.isfinite(y) else "never" for y in even]
        print(f"  {ratio:11.1f} | {(a + e) / b:16.2f}x | {(a + 10 * e) / (10 * b):7.2f}x | {cells[0]:>35s} | "
              f"{cells[1]:>8s} | {moved}")


def draw(panels: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 5.2), squeeze=False)
    norm = LogNorm(vmin=0.1, vmax=10)
    for ax, p in zip(axes[0], panels, strict=True):
        mesh = ax.pcolormesh(RATIOS, LENGTHS, np.clip(p["grid"], 0.1, 10), norm=norm, cmap="RdYlGn_r",
                             shading="nearest")
        lines = ax.contour(RATIOS, LENGTHS, p["grid"], levels=[0.75, 1.0], colors=["black", "black"],
                           linestyles=["--", "-"], linewidths=1.2)
        ax.clabel(lines, fmt={0.75: "0.75x", 1.0: "1x"}, fontsize=8)
        ax.plot(p["x0"], p["y0"], marker="*", color="black", markersize=14, label="recorded run")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("price ratio (dearest / cheapest agent)")
        ax.set_ylabel("task length: execution tokens / auction tokens")
        ax.set_title(f"{p['name']}\nSALE ({100 * p['sale_pass']:.0f}% pass@1) vs {p['ref']} "
                     f"({100 * p['ref_pass']:.0f}%)", fontsize=9)
        ax.legend(loc="lower left", fontsize=8)
    fig.colorbar(mesh, ax=axes[0].tolist(), label="SALE cost / reference cost (log)")
    fig.suptitle("Break-even map, MODELLED from real recordings: routes and pass@1 as recorded, prices stretched, "
                 "executions scaled", fontsize=10)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "figures" / "breakeven.png"))
    args = parser.parse_args()
    panels = [panel(name, kind) for name, kind in PANELS]
    for p in panels:
        report(p)
    draw(panels, Path(args.out))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
