"""The benchmark report: ``report.md`` (tables) and three PNG plots, from ``results.json`` figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sale.bench.report_bins import bin_lines, goal_lines

PLOTS = ("pareto.png", "workload.png", "win_share.png", "knob.png")


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _usd(x: float | None) -> str:
    return "-" if x is None else f"${x:.5f}"


def write_report(results: dict[str, Any], runs: dict[str, list[Any]], out: Path) -> None:
    plots = write_plots(results, out)
    routers = results["routers"]
    pool = ", ".join(f"{a['name']} (${a['price_per_mtok']:g}/Mtok{_provider_prices(a)})"
                     for a in results["pool"]["agents"])
    label = "**SIMULATED** agents (`sim:qwen3-ladder`): figures describe the mechanism, not real models." \
        if results["simulated"] else "Real agents."
    if results.get("long_bins_source"):
        label += (f" Programs tasks: execution lengths per agent and bin from the real run "
                  f"`{results['long_bins_source']}` (sale/sim/long_bins.json); pass rates the paper's, the "
                  "auction's signals simulated.")
    lines = [
        f"# SALE benchmark: {results['suite']} (seed {results['seed']})", "",
        label, "",
        f"Pool: {pool}. "
        f"Tasks: {results['n_tasks']} ({results['n_train']} train, {results['n_test']} test); SALE averaged over "
        f"{results['orders']} order(s). {results['cost_convention']}. Provider-style: "
        f"{results.get('cost_convention_provider', '-')}.", "",
        "| router | pass@1 | cost | cost / largest | APGR | largest share | auction tokens | auction generated "
        "| auction USD | tool USD | wall s | cost (provider) | auction USD (provider) | cached tokens |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in routers.items():
        if not f:
            continue
        lines.append(
            f"| {name} | {_pct(f['pass_at_1'])} | {_usd(f['cost_usd'])} | "
            f"{f.get('cost_vs_largest', 0):.2f}x | {f.get('apgr', float('nan')):.2f} | {_pct(f['largest_share'])} | "
            f"{_pct(f['auction_token_share'])} | {_pct(f['auction_completion_share'])} | "
            f"{_pct(f['auction_usd_share'])} | {_usd(f['tool_usd'])} | {f['wall_s']:.1f} | "
            f"{_usd(f.get('cost_usd_provider'))} | {_pct(f.get('auction_usd_share_provider'))} | "
            f"{_pct(f.get('cached_token_share'))} |")
    lines += ["", "APGR: share of the pass@1 gap between the smallest and the largest single agent recovered "
              "(RouteLLM). Auction columns: share of all tokens, of generated tokens and of USD spent on bids "
              "and jury calls. Provider columns: the same tokens billed as providers bill (input, cached input and "
              "output priced apart); cached tokens: share of all tokens the endpoints served from a prefix cache.",
              ""]
    pairs = [(n.removeprefix("direct:"), f, routers.get("single:" + n.removeprefix("direct:")))
             for n, f in routers.items() if n.startswith("direct:") and f]
    if pairs:
        lines += ["## Each agent answering directly vs through the executor", "",
                  "| agent | direct pass@1 | executor pass@1 | direct tokens/task | executor tokens/task |",
                  "|---|---|---|---|---|"]
        for agent, direct, executor in pairs:
            via = _pct(executor["pass_at_1"]) if executor else "-"
            lines.append(f"| {agent} | {_pct(direct['pass_at_1'])} | {via} | {_per_task(direct)} | "
                         f"{_per_task(executor) if executor else '-'} |")
        lines += ["", "Direct: one call with the task as the only message (no plan, no tools): the model's own "
                  "skill, the floor the executor should not fall below.", ""]
    for name, f in routers.items():
        split = (f or {}).get("auction_token_share_by_purpose")
        if split:
            lines += [f"Where {name}'s auction tokens go (share of all its tokens): "
                      + ", ".join(f"{k} {_pct(v)}" for k, v in split.items()) + ".", ""]
        if f and f.get("auction_tokens_per_task"):
            lines += [_auction_size(name, f), ""]
        if f and f.get("auction_skipped"):
            lines += [_skips(name, f["auction_skipped"]), ""]
        if f and f.get("auction_by_kind"):
            lines += _by_kind(name, f["auction_by_kind"])
    lines += bin_lines(routers, results.get("execution_vs_bid"))
    lines += goal_lines(routers, runs)
    diag = {n: f["diagnostics"] for n, f in routers.items() if f and "diagnostics" in f}
    if diag:
        lines += ["## Routing diagnostics", "",
                  "| router | smallest picked | right when smallest picked | over-escalations | missed "
                  "| winner alone |",
                  "|---|---|---|---|---|---|"]
        for n, d in diag.items():
            lines.append(f"| {n} | {_pct(d['smallest_share'])} | {_pct(d['smallest_pick_precision'])} | "
                         f"{_pct(d['over_escalation_rate'])} | {_pct(d['missed_rate'])} | "
                         f"{_pct(d.get('winner_alone_pass_at_1'))} |")
        lines += ["", "Over-escalation: a larger agent than needed won and passed. Missed: the winner failed "
                  "although some agent passes alone. Paper: right 54% (deep search) / 70% (coding) when SALE picks "
                  "the smallest agent. Winner alone: the pass@1 had each task's winner run it alone, with its own "
                  "plan; the gap to the largest agent's pass@1 is the routing's, the gap to the router's own pass@1 "
                  "the auction plan's and its execution's.", ""]
    if results.get("signal_sweep"):
        lines += ["## Signal sweep (simulated jury/entropy informativeness)", "",
                  "| signal | pass@1 | cost | largest share | right when smallest picked |", "|---|---|---|---|---|"]
        for p in results["signal_sweep"]:
            lines.append(f"| {p['signal']:g} | {_pct(p['pass_at_1'])} | {_usd(p['cost_usd'])} | "
                         f"{_pct(p['largest_share'])} | {_pct(p['smallest_pick_precision'])} |")
        lines.append("")
    if results.get("budget_sweep"):
        knob = results.get("budget_knob") or {}
        lines += ["## budget_bias: the cost-quality knob, calibrated on the train split", "",
                  "| budget_bias | pass@1 (train) | cost (train) | largest share |", "|---|---|---|---|"]
        for p in results["budget_sweep"]:
            lines.append(f"| {p['budget_bias']:g} | {_pct(p['pass_at_1'])} | {_usd(p['cost_usd'])} | "
                         f"{_pct(p['largest_share'])} |")
        chosen = knob.get("chosen") or {}
        lines += ["", f"Target: {_pct(knob.get('target_share_of_largest'))} of the largest agent's train pass@1 "
                  f"({_pct(knob.get('target_pass_at_1'))}). "
                  + (f"Cheapest setting reaching it: budget_bias = {chosen.get('budget_bias', 1):g}; "
                     if knob.get("reached") else
                     f"No setting reaches it; the best, budget_bias = {chosen.get('budget_bias', 1):g}, is used; ")
                  + "the SALE rows above ran on the test split with that value.", ""]
    from sale.bench.calibrate import report_lines as knob_lines
    from sale.bench.check_signal import report_lines as check_lines
    from sale.bench.jurors import report_lines as juror_lines
    from sale.bench.learned import report_lines as learned_lines

    lines += (knob_lines(results) + learned_lines(results) + _second_half(results) + _against_largest(results)
              + _random_controls(results) + check_lines(results) + juror_lines(results))
    lines += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")


def _against_largest(results: dict[str, Any]) -> list[str]:
    """Each auction router against the largest agent alone, and which part holds it back: the routing (the
    winners' own runs pass less often than the largest's), the auction's plan and its execution (the winners
    pass less often under the auction than alone), or the auction's cost."""
    routers = results["routers"]
    largest = routers.get(f"single:{results['pool']['agents'][-1]['name']}")
    rows = {n: f for n, f in routers.items() if f and f.get("diagnostics") and f.get("cost_vs_largest") is not None}
    if not largest or not rows:
        return []
    lines = ["## Against the largest agent alone", "",
             "| router | pass@1 gap | cost / largest | routing loss | plan + execution loss | auction share of "
             "USD | cost / largest without the auction |", "|---|---|---|---|---|---|---|"]
    for name, f in rows.items():
        alone = f["diagnostics"].get("winner_alone_pass_at_1")
        losses = ("- | -" if alone is None else
                  f"{100 * (largest['pass_at_1'] - alone):+.1f} pts | {100 * (alone - f['pass_at_1']):+.1f} pts")
        bare = f["cost_vs_largest"] * (1 - f["auction_usd_share"])
        lines.append(f"| {name} | {100 * (f['pass_at_1'] - largest['pass_at_1']):+.1f} pts | "
                     f"{f['cost_vs_largest']:.2f}x | {losses} | {_pct(f['auction_usd_share'])} | {bare:.2f}x |")
    return [*lines, "", "Routing loss: the largest agent's pass@1 minus the winners' own (single-agent) pass@1 on "
            "the same tasks. Plan + execution loss: the winners' own pass@1 minus the router's (the auction's plan "
            "and its execution, against the agent's single-agent run). The last column is the cost had the "
            "auction been free.", ""]


def _random_controls(results: dict[str, Any]) -> list[str]:
    """Each auction router beside random routing that spends as much: what its choices add over chance."""
    rows = {n: f for n, f in results["routers"].items() if f and "matched_to" in f}
    if not rows:
        return []
    lines = ["## Cost-matched random control", "",
             "| router | pass@1 | random at its spend: pass@1 (sd; 5-95 %) | random spend | mixture |",
             "|---|---|---|---|---|"]
    for f in rows.values():
        own = results["routers"][f["matched_to"]]
        capped = "" if f["spend_matched"] else " (capped: no mix of agents spends as much)"
        mixture = ", ".join(f"{a} {_pct(p)}" for a, p in f["mixture"].items())
        lines.append(f"| {f['matched_to']} | {_pct(own['pass_at_1'])} | {_pct(f['pass_at_1'])} "
                     f"({100 * f['pass_at_1_sd']:.1f} pts; {_pct(f['pass_at_1_p05'])}-{_pct(f['pass_at_1_p95'])}) | "
                     f"{_usd(f['cost_usd'])} of {_usd(f['target_cost_usd'])}{capped} | {mixture} |")
    return [*lines, "", "Rows `random-matched:ROUTER`: each test task goes to an agent drawn from the mixture of the "
            "two agents whose own runs' spend brackets the router's (docs/benchmark.md); mean over seeded draws.", ""]


def _second_half(results: dict[str, Any]) -> list[str]:
    """Every router on the stream's second half, and ``sale-online``'s refits."""
    halves = {n: f["second_half"] for n, f in results["routers"].items() if f and f.get("second_half")}
    if not halves:
        return []
    lines = ["## The stream's second half", "",
             "| router | pass@1 | cost | cost (provider) | largest share |", "|---|---|---|---|---|"]
    for name, h in halves.items():
        lines.append(f"| {name} | {_pct(h['pass_at_1'])} | {_usd(h['cost_usd'])} | {_usd(h['cost_usd_provider'])} | "
                     f"{_pct(h['largest_share'])} |")
    lines += ["", "Each stream order's last half of the test tasks, where memory (and sale-online's refitted "
              "weights) have had the first half to learn from; single agents and the predictive routers on the "
              "same tasks.", ""]
    refits = results.get("online_refits")
    if refits is not None:
        every = results["routers"].get("sale-online", {}).get("refit_every")
        lines += [f"sale-online refitted its weights after every {every} verdicts: {len(refits)} refit(s), "
                  f"{sum(1 for r in refits if r['weights'])} changed the weights.", ""]
        for r in refits:
            if r["weights"]:
                weights = ", ".join(f"{k} {v:.3g}" for k, v in r["weights"].items())
                lines.append(f"- order {r['order']}, after task {r['after_position'] + 1}: {r['n_examples']} labelled "
                             f"of {r['n_verdicts']} verdicts ({r['failures']} failures): {weights}")
            else:
                lines.append(f"- order {r['order']}, after task {r['after_position'] + 1}: {r['kept']}")
        lines.append("")
    return lines


def _auction_size(name: str, f: dict[str, Any]) -> str:
    """The auction's share is its fixed size over the execution's: say both, and where the share would be small."""
    auction, execution = f["auction_tokens_per_task"], f["execution_tokens_per_task"]
    per_bin = ", ".join(f"bin {b} {_pct(v['auction_token_share'])}" for b, v in sorted(f.get("bins", {}).items())
                        if v)
    return (f"{name}: the auction takes {auction:,.0f} tokens per task and the execution {execution:,.0f}; "
            f"the auction's share of tokens by bin: {per_bin}. At this auction size it is under 5 % of tokens "
            f"where executions average {19 * auction:,.0f} tokens or more, under 1 % from {99 * auction:,.0f}.")


def _skips(name: str, skipped: dict[str, Any]) -> str:
    """The adaptive policy's decisions: how many auctions it skipped, and why each was skipped or held."""
    reasons = ", ".join(f"{d} {n}" for d, n in skipped["decisions"].items())
    return (f"{name} skipped {skipped['count']} auction(s) ({_pct(skipped['share'])} of its tasks, all orders); "
            f"decisions: {reasons}.")


def _provider_prices(agent: dict[str, Any]) -> str:
    prices = [agent.get(k, agent["price_per_mtok"]) for k in
              ("input_price_per_mtok", "cached_input_price_per_mtok", "output_price_per_mtok")]
    if all(p == agent["price_per_mtok"] for p in prices):
        return ""
    return "; provider-style: input ${:g}, cached input ${:g}, output ${:g}".format(*prices)


def _by_kind(name: str, kinds: dict[str, dict[str, float]]) -> list[str]:
    lines = [f"Where {name}'s auction goes, per kind of call (per task; share of all the router's tokens or USD):",
             "", "| call | calls | tokens | cached | USD | USD (provider) | share of tokens | share of USD | "
             "share of USD (provider) |", "|---|---|---|---|---|---|---|---|---|"]
    for kind, k in kinds.items():
        lines.append(f"| {kind} | {k['calls_per_task']:.1f} | {k['tokens_per_task']:,.0f} | "
                     f"{k['cached_tokens_per_task']:,.0f} | {_usd(k['usd_per_task'])} | "
                     f"{_usd(k['usd_provider_per_task'])} | {_pct(k['token_share'])} | {_pct(k['usd_share'])} | "
                     f"{_pct(k['usd_share_provider'])} |")
    return [*lines, ""]


def _save(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_plots(results: dict[str, Any], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tag = " [SIMULATED]" if results["simulated"] else ""
    routers = {n: f for n, f in results["routers"].items() if f}
    written = []

    fig, ax = plt.subplots(figsize=(7, 5))
    for name, f in routers.items():
        if name == "single:largest":
            continue  # the same run as single:<largest agent>
        marker = "*" if name.startswith("sale") else ("o" if name.startswith("single:") else "s")
        ax.scatter(f["cost_usd"], 100 * f["pass_at_1"], marker=marker, s=140 if marker == "*" else 60)
        ax.annotate(name, (f["cost_usd"], 100 * f["pass_at_1"]), textcoords="offset points", xytext=(5, 4),
                    fontsize=8)
    singles = sorted((f["cost_usd"], 100 * f["pass_at_1"]) for n, f in routers.items() if n.startswith("single:"))
    if singles:
        ax.plot(*zip(*singles, strict=True), linestyle=":", color="grey", linewidth=1)
    ax.set_xlabel("cost on the test split (USD, tokens)")
    ax.set_ylabel("pass@1 (%)")
    ax.set_title(f"{results['suite']}: cost vs pass@1{tag}")
    ax.grid(alpha=0.3)
    _save(fig, out / "pareto.png")
    written.append("pareto.png")

    sale = routers.get("sale")
    if sale and sale.get("bins"):
        agents = [a["name"] for a in sorted(results["pool"]["agents"], key=lambda a: a["price_per_mtok"])]
        bins = sorted(sale["bins"], key=int)
        fig, ax = plt.subplots(figsize=(8.5, 4.5))
        bottom = [0.0] * len(bins)
        for agent in agents:
            shares = [100 * sale["bins"][b]["workload"].get(agent, 0.0) for b in bins]
            ax.bar([f"bin {b}" for b in bins], shares, bottom=bottom, label=agent)
            bottom = [x + y for x, y in zip(bottom, shares, strict=True)]
        ax.set_ylabel("share of tasks won (%)")
        ax.set_title(f"SALE workload per agent and complexity bin{tag}")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        _save(fig, out / "workload.png")
        written.append("workload.png")

    streams = {n: f.get("win_stream_smallest") for n, f in routers.items() if f.get("win_stream_smallest")}
    if streams:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for name, stream in streams.items():
            ax.plot(range(1, len(stream) + 1), [100 * x for x in stream], label=name)
        ax.set_xlabel("tasks seen in the stream")
        ax.set_ylabel("smallest agent's cumulative win share (%)")
        orders = results.get("orders", 1)
        ax.set_title(f"Smallest agent's share over the task stream{tag}\n(mean over {orders} stream order"
                     f"{'s' if orders != 1 else ''}; see `sale analyze dynamics` for the trend test)", fontsize=10)
        ax.legend()
        ax.grid(alpha=0.3)
        _save(fig, out / "win_share.png")
        written.append("win_share.png")
    sweep = results.get("budget_sweep") or []
    if sweep:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        xs = [p["cost_usd"] for p in sweep]
        ys = [100 * p["pass_at_1"] for p in sweep]
        ax.plot(xs, ys, marker="o")
        for p, x, y in zip(sweep, xs, ys, strict=True):
            ax.annotate(f"{p['budget_bias']:g}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
        knob = results.get("budget_knob") or {}
        if knob.get("target_pass_at_1") is not None:
            ax.axhline(100 * knob["target_pass_at_1"], color="grey", linestyle="--", linewidth=1,
                       label="target pass@1")
            ax.legend(fontsize=8)
        ax.set_xlabel("cost on the train split (USD)")
        ax.set_ylabel("pass@1 (%)")
        ax.set_title(f"budget_bias sweep (labels = knob value){tag}")
        ax.grid(alpha=0.3)
        _save(fig, out / "knob.png")
        written.append("knob.png")
    return written


def _per_task(f: dict[str, Any]) -> str:
    return f"{f['tokens'] / max(1, f['tasks']):,.0f}" if f.get("tasks") else "-"
