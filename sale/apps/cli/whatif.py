"""``sale whatif``: a recorded bench run at another price list, with no model call (sale/bench/whatif.py), printed
as the bench's table with what the figures assume."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sale.apps.cli.common import report_error


def cmd_whatif(args: argparse.Namespace) -> int:
    from sale.bench.whatif import WhatifError, load_recording, parse_prices, whatif

    try:
        recording = load_recording(Path(args.run))
        out = whatif(recording, parse_prices(recording, args.price, args.pool or ""), args.pool or "")
    except WhatifError as exc:
        return report_error(exc)
    print(json.dumps(out, indent=2) if args.json else format_whatif(out), end="" if not args.json else "\n")
    return 0


ROUTE_NOTES = {
    "exact": "exact",
    "re-routed": "re-routed (hindsight, no model call)",
    "re-drawn": "re-drawn at the re-priced spend",
    "held": "held fixed",
    "re-run": "re-run from the recording at these prices (no model call)",
    "needs calls": "needs calls the recording does not hold",
}


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def format_whatif(out: dict[str, Any]) -> str:
    """The bench's table at the new prices, then what the figures assume and which routes would change."""
    prices = ", ".join(f"{a} ${p['recorded']:g} -> ${p['whatif']:g}" for a, p in out["prices"].items())
    best = out["best_single"]
    lines = [f"What-if: {out['run']} ({out['label']}; {out['suite']}, {out['n_test']} test tasks), no model call.",
             f"Prices per million tokens: {prices}.", "",
             f"| router | pass@1 | cost recorded | cost at these prices | cost / largest | cost / best single "
             f"(single:{best}) | cost / its direct answer | auction USD | routes |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, f in out["routers"].items():
        recorded = "-" if f["recorded_cost_usd"] is None else f"${f['recorded_cost_usd']:.6f}"
        if f["cost_usd"] is None:
            lines.append(f"| {name} | - | {recorded} | - | - | - | - | - | {ROUTE_NOTES[f['routes']]} |")
            continue
        lines.append(f"| {name} | {100 * f['pass_at_1']:.1f}% | {recorded} | ${f['cost_usd']:.6f} | "
                     f"{_x(f['cost_vs_largest'])} | {_x(f['cost_vs_best_single'])} | {_x(f['cost_vs_best_direct'])} | "
                     f"{100 * f['auction_usd_share']:.1f}% | {ROUTE_NOTES[f['routes']]} |")
    rerun = [n for n, f in out["routers"].items() if f["routes"] in ("re-run", "needs calls")]
    lines += ["", "pass@1 is as recorded" + (f" except for {', '.join(rerun)}" if rerun else "") + ": what each run "
              "delivered does not depend on its price. Costs are the flat convention (every token at the agent's "
              "price); provider-style costs are not re-priced."]
    if rerun:
        lines.append(f"{', '.join(rerun)}: who drafts is decided from prices, so each ran again at these prices in "
                     "its recorded task order, every model call served from the recording (as `sale bench --replay` "
                     "serves them): pass@1 and cost are what a rerun at these prices gives.")
    for name, f in out["routers"].items():
        if u := f.get("unrecorded"):
            lines.append(f"{name}: NO FIGURE. At these prices its path needs model calls the recording does not hold "
                         f"on {u['tasks']} of its {u['of']} tasks (calls of {', '.join(u['agents'])}; the first at "
                         f"stream position {u['first_position']}, and the tasks after it depend on those outcomes "
                         f"through memory). Record them with `sale bench ... --reuse {out['run']}` and a pool at "
                         "these prices.")
    held = [n for n, f in out["routers"].items() if f["routes"] == "held"]
    if held:
        lines.append(f"Routes held fixed (only their spend is re-priced; at these prices they could route otherwise): "
                     f"{', '.join(held)}.")
    for name, r in out["rerouted_auctions"].items():
        lines.append(f"{name}: at these prices {r['changed']} of {r['auctions']} recorded auctions would pick another "
                     f"provisional or final winner (C rescaled, V as recorded); those tasks' pass@1 and spend would "
                     "need the new winner's execution, which was not recorded"
                     + (f"; {r['unverified']} auction(s) whose recorded winner the bids do not reproduce were not "
                        "judged" if r["unverified"] else "") + ".")
    if any(n in out["routers"] for n in out["rerouted_auctions"]):
        lines.append("SALE's auction spend is split by agent as modelled (each call of a kind gets an equal share of "
                     "its prompt tokens; bids their recorded completions); exact at the recorded prices and under "
                     "uniform scaling" + (f"; {out['modelled_auction_kinds']} kind(s) of auction call had no record "
                                          "and were split evenly over the pool" if out["modelled_auction_kinds"]
                                          else "") + ".")
    return "\n".join(lines) + "\n"
