"""How well the check juror's verdict predicts an answer's hidden tests, within each agent, and what a checked
cascade reaches: computed from the run's own direct answers (``direct:NAME``), no model call.

* ``check_signal``: per agent, over the test tasks whose check could run examples, the verdict against the hidden
  tests: true-positive and true-negative rates, their mean (balanced accuracy, which is the AUC of a yes/no
  signal), and how often a visible pass was right (precision).
* ``cascade_bounds``: per chain of agents (cheapest first, each ending with the dearest), a cascade over those
  direct answers that stops at the first answer whose check passed (``checked``: no redraft, no memory: the
  cascade's simplest form), and one that stops at the first answer that truly passed (``perfect``: the bound any
  signal could reach on these answers). Each is priced as the sum of the answers it paid for, beside the best
  single agent's direct answer (the fair baseline on one-shot tasks).
"""

from __future__ import annotations

from typing import Any

from sale.bench.runs import Run


def check_signal(runs: dict[str, list[Run]], agents: list[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for agent in agents:
        direct = runs.get(f"direct:{agent}") or []
        checked = [r for r in direct if r.check in ("pass", "fail")]
        if not direct or not any(r.check for r in direct):
            continue
        pos = [r for r in checked if r.passed]
        neg = [r for r in checked if not r.passed]
        said_pass = [r for r in checked if r.check == "pass"]
        tpr = sum(r.check == "pass" for r in pos) / len(pos) if pos else None
        tnr = sum(r.check == "fail" for r in neg) / len(neg) if neg else None
        out[agent] = {
            "tasks": len(direct), "checked": len(checked), "unverified": sum(r.check == "unverified" for r in direct),
            "hidden_pass": len(pos), "check_pass": len(said_pass),
            "true_positive_rate": tpr, "true_negative_rate": tnr,
            "balanced_accuracy": (tpr + tnr) / 2 if tpr is not None and tnr is not None else None,
            "precision": sum(r.passed for r in said_pass) / len(said_pass) if said_pass else None,
        }
    return out


def cascade_bounds(runs: dict[str, list[Run]], agents: list[str]) -> dict[str, Any]:
    direct = {a: {r.task_id: r for r in runs.get(f"direct:{a}") or []} for a in agents}
    if not all(direct.values()):
        return {}
    tasks = sorted(set.intersection(*(set(d) for d in direct.values())))
    if not tasks:
        return {}
    rates = {a: sum(direct[a][t].passed for t in tasks) / len(tasks) for a in agents}
    best = max(agents, key=lambda a: (rates[a], -agents.index(a)))
    best_usd = sum(direct[best][t].usd for t in tasks)

    def run_chain(chain: list[str], stop) -> dict[str, Any]:
        passed = usd = escalated = 0.0
        for t in tasks:
            tried = []
            for a in chain:
                tried.append(a)
                if stop(direct[a][t]):
                    break
            usd += sum(direct[a][t].usd for a in tried)
            passed += direct[tried[-1]][t].passed
            escalated += len(tried) > 1
        return {"pass_at_1": passed / len(tasks), "cost_usd": usd,
                "cost_vs_best_direct": usd / best_usd if best_usd else None, "escalated_share": escalated / len(tasks)}

    chains = [agents[i:] for i in range(len(agents) - 1)]
    return {
        "tasks": len(tasks), "best_direct": {"agent": best, "pass_at_1": rates[best], "cost_usd": best_usd},
        "chains": [{"chain": chain, "checked": run_chain(chain, lambda r: r.check == "pass"),
                    "perfect": run_chain(chain, lambda r: r.passed)} for chain in chains],
    }


def report_lines(results: dict[str, Any]) -> list[str]:
    """The report's section on the check juror (nothing when the run has no checked direct answers)."""
    signal, bounds = results.get("check_signal") or {}, results.get("cascade_bounds") or {}
    lines = _against_best_direct(results)
    if not signal:
        return lines

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.1f}%"

    def ratio(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}x"

    lines += ["## The check juror: does a visible pass predict the hidden tests?", "",
             "Each agent's direct answers on the test tasks, run against the examples the task shows (the check the "
             "cascade runs), against the hidden tests. Balanced accuracy is the AUC of this yes/no signal.", "",
             "| agent | checked | unverified | hidden pass (of checked) | visible pass | TPR | TNR | balanced accuracy "
             "| precision |",
             "|---|---|---|---|---|---|---|---|---|"]
    for agent, s in signal.items():
        lines.append(f"| {agent} | {s['checked']} | {s['unverified']} | {s['hidden_pass']} | {s['check_pass']} | "
                     f"{pct(s['true_positive_rate'])} | {pct(s['true_negative_rate'])} | "
                     f"{pct(s['balanced_accuracy'])} | {pct(s['precision'])} |")
    lines.append("")
    if bounds:
        best = bounds["best_direct"]
        lines += [f"Cascades over the same direct answers (no model call; {bounds['tasks']} tasks), beside the best "
                  f"single agent's direct answer ({best['agent']}: {pct(best['pass_at_1'])}, "
                  f"${best['cost_usd']:.5f}). `checked` stops at the first visible pass (no redraft, no memory); "
                  "`perfect` stops at the first answer that truly passed: the bound of any signal on these answers.",
                  "", "| chain | checked pass@1 | checked cost / best | escalated | perfect pass@1 | "
                  "perfect cost / best |", "|---|---|---|---|---|---|"]
        for c in bounds["chains"]:
            k, p = c["checked"], c["perfect"]
            lines.append(f"| {' > '.join(c['chain'])} | {pct(k['pass_at_1'])} | {ratio(k['cost_vs_best_direct'])} | "
                         f"{pct(k['escalated_share'])} | {pct(p['pass_at_1'])} | {ratio(p['cost_vs_best_direct'])} |")
        lines.append("")
    return lines


def _against_best_direct(results: dict[str, Any]) -> list[str]:
    """Every router beside the best single agent answering directly (one call): the fair baseline here."""
    best = results.get("best_direct")
    if not best:
        return []
    base = results["routers"][best]
    lines = [f"## Against the best single agent's direct answer ({best}: {100 * base['pass_at_1']:.1f}%, "
             f"${base['cost_usd']:.5f})", "", "| router | pass@1 | pass@1 - best direct | cost / best direct |",
             "|---|---|---|---|"]
    for name, f in results["routers"].items():
        if f and "cost_vs_best_direct" in f:
            lines.append(f"| {name} | {100 * f['pass_at_1']:.1f}% | {100 * (f['pass_at_1'] - base['pass_at_1']):+.1f} "
                         f"pts | {f['cost_vs_best_direct']:.2f}x |")
    return [*lines, ""]
