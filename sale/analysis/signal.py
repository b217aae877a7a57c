"""Do the bids tell good plans from bad ones? The signal report of a bench run (`sale analyze signal`).

SALE picks a winner from value signals (a plan's entropy, each juror's score, their weighted sum against the
cost term). They help only if they predict whether the bidder would solve the task. A bench run holds both
halves: every auction's first-round bids (``auctions.jsonl``) and every agent's own single-agent run on the same
tasks (``tasks.jsonl``). For each signal this gives

- the AUC for predicting the bidder's own single-agent pass, pooled over all bids, within agents (pass/fail
  pairs of the same agent only: what the signal says beyond who the bidder is, since bigger agents both pass
  more often and may be scored higher for their size) and per agent;
- the same-task ranking accuracy: over every task where one bidder passed and another failed, how often the
  signal ranks the passing bidder's bid above the failing one's (ties count half).

Intervals are 95 % bootstrap intervals resampling tasks (a task's bids move together). Higher signal means
"better" for every row: ``value_minus_cost`` is V - C (the auction picks the lowest C - V).

Where the run also holds the check juror's verdicts (a cascade's first drafts, else each agent's direct answer:
the same request, the task as the only message), ``check`` (1 = the examples the task shows held) is one more
signal on the same bids, and ``check_on_draft`` scores it against the draft's own hidden tests as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from sale.analysis.shapley import AnalysisError, load_run, single_runs

BOOTSTRAP = 1000
AUCTION_RUNS = ("sale", "sale-nomem")


def bid_rows(auctions: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per first-round bid with a known own outcome: task, agent, passed, and its signals.

    One auction per task (the first of the ``sale`` run, else of ``sale-nomem``): first-round bid texts do not
    depend on memory, and counting a task's bids once per stream order would only repeat them. Their logged
    ``value`` and ``score`` are the final ones (after refinement, over the jurors still in the auction)."""
    singles = single_runs(tasks)
    chosen: dict[str, dict[str, Any]] = {}
    for run in AUCTION_RUNS:
        for a in sorted((a for a in auctions if a.get("run") == run), key=lambda a: (a["order"], a["position"])):
            chosen.setdefault(a["task_id"], a)
        if chosen:
            break
    checks = check_verdicts(auctions, tasks)
    rows = []
    for task_id, auction in chosen.items():
        for bid in auction.get("bids") or []:
            own = singles.get(task_id, {}).get(bid["agent"])
            if bid.get("round") != 0 or bid.get("disqualified") or own is None:
                continue
            row = {"task": task_id, "agent": bid["agent"], "passed": bool(own["passed"]), "signals": bid_signals(bid)}
            if (check := checks.get((task_id, bid["agent"]))) is not None:
                row["signals"]["check"], row["draft_passed"], row["check_source"] = check
            rows.append(row)
    return rows


def check_verdicts(auctions: list[dict[str, Any]], tasks: list[dict[str, Any]]
                   ) -> dict[tuple[str, str], tuple[float, bool | None, str]]:
    """(task, agent) -> (the check juror's verdict on that agent's one-call draft, 1.0 pass / 0.0 fail; the draft's
    hidden pass where the run has it; where the verdict came from). A cascade's first-round draft where it drafted
    (its first auction of the task), else the agent's direct answer; a check that ran no example says nothing."""
    out: dict[tuple[str, str], tuple[float, bool | None, str]] = {}
    hidden = {(r["task_id"], r["agent"]): bool(r["passed"]) for r in tasks if r["router"].startswith("direct:")}
    for a in sorted(auctions, key=lambda a: (a["run"], a["order"], a["position"])):
        for bid in a.get("bids") or []:
            check = bid.get("check")
            if bid.get("round") == 0 and check and check.get("examples") and a.get("cascade") is not None:
                key = (a["task_id"], bid["agent"])
                out.setdefault(key, (float(bool(check["passed"])), hidden.get(key), "cascade"))
    for r in tasks:
        key = (r["task_id"], r["agent"])
        if r["router"].startswith("direct:") and r.get("check") in ("pass", "fail") and key not in out:
            out[key] = (float(r["check"] == "pass"), bool(r["passed"]), "direct")
    return out


def bid_signals(bid: dict[str, Any]) -> dict[str, float]:
    signals: dict[str, float] = {}
    if not bid.get("entropy_missing") and bid.get("entropy") is not None:
        signals["entropy"] = float(bid["entropy"])
    jury = {j: float(s) for j, s in (bid.get("jury") or {}).items() if s is not None}
    for juror, score in jury.items():
        signals[f"jury:{juror}"] = score
    if jury:
        signals["jury_mean"] = float(np.mean(list(jury.values())))
    if bid.get("value") is not None:
        signals["value"] = float(bid["value"])
    if bid.get("score") is not None:
        signals["value_minus_cost"] = -float(bid["score"])
    return signals


def auc(positives: Iterable[float], negatives: Iterable[float]) -> float | None:
    """P(a random positive scores above a random negative), ties half (Mann-Whitney); None without both."""
    pos, neg = np.asarray(list(positives), float), np.asarray(list(negatives), float)
    if not len(pos) or not len(neg):
        return None
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def _pair_counts(groups: Iterable[list[tuple[float, bool]]]) -> tuple[float, int]:
    """(wins, pairs) over (passing, failing) pairs inside each group: wins count 1, ties 1/2."""
    wins, pairs = 0.0, 0
    for group in groups:
        pos = np.array([v for v, p in group if p], float)
        neg = np.array([v for v, p in group if not p], float)
        if len(pos) and len(neg):
            wins += float((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum())
            pairs += len(pos) * len(neg)
    return wins, pairs


def _grouped(rows: list[dict[str, Any]], name: str, key: str) -> dict[str, list[tuple[float, bool]]]:
    groups: dict[str, list[tuple[float, bool]]] = {}
    for r in rows:
        if name in r["signals"]:
            groups.setdefault(r[key], []).append((r["signals"][name], r["passed"]))
    return groups


def pooled_auc(rows: list[dict[str, Any]], name: str) -> float | None:
    kept = [(r["signals"][name], r["passed"]) for r in rows if name in r["signals"]]
    return auc([v for v, p in kept if p], [v for v, p in kept if not p])


def within_agent_auc(rows: list[dict[str, Any]], name: str) -> float | None:
    wins, pairs = _pair_counts(_grouped(rows, name, "agent").values())
    return wins / pairs if pairs else None


def ranking_accuracy(rows: list[dict[str, Any]], name: str) -> float | None:
    wins, pairs = _pair_counts(_grouped(rows, name, "task").values())
    return wins / pairs if pairs else None


def ranking_pairs(rows: list[dict[str, Any]], name: str) -> int:
    return _pair_counts(_grouped(rows, name, "task").values())[1]


def bootstrap(rows: list[dict[str, Any]], stat: Callable[[list[dict[str, Any]]], float | None],
              n: int = BOOTSTRAP, seed: int = 0) -> tuple[float | None, float | None]:
    """95 % interval of ``stat`` over resamples of whole tasks."""
    by_task: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_task.setdefault(r["task"], []).append(r)
    tasks = list(by_task)
    if len(tasks) < 2:
        return None, None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n):
        draws = rng.integers(0, len(tasks), len(tasks))  # a task drawn twice counts as two tasks, not one merged
        sample = [{**r, "task": (r["task"], j)} for j, i in enumerate(draws) for r in by_task[tasks[i]]]
        if (v := stat(sample)) is not None:
            values.append(v)
    if len(values) < n // 2:
        return None, None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def _figure(rows: list[dict[str, Any]], stat: Callable[[list[dict[str, Any]], str], float | None], name: str,
            seed: int) -> dict[str, Any]:
    low, high = bootstrap(rows, lambda sample: stat(sample, name), seed=seed)
    value = stat(rows, name)
    return {"value": None if value is None else round(value, 4),
            "low": None if low is None else round(low, 4), "high": None if high is None else round(high, 4)}


def signal_report(directory: Path, seed: int = 0) -> dict[str, Any]:
    results, auctions, tasks = load_run(directory)
    rows = bid_rows(auctions, tasks)
    if not rows:
        raise AnalysisError(f"{directory}: no first-round bid has a single-agent outcome; run `sale bench` with "
                            "`sale` (or `sale-nomem`) and the `single:NAME` routers of every agent")
    present = {r["agent"] for r in rows}
    listed = [a["name"] for a in (results.get("pool") or {}).get("agents", []) if a.get("name") in present]
    agents = listed + sorted(present - set(listed))  # the pool's order: cheapest first
    names = sorted({n for r in rows for n in r["signals"]}, key=_signal_order)
    signals = {}
    for name in names:
        have = [r for r in rows if name in r["signals"]]
        per_agent = {}
        for agent in agents:
            mine = [r for r in have if r["agent"] == agent]
            per_agent[agent] = _figure(mine, pooled_auc, name, seed) | {
                "bids": len(mine), "passed": sum(r["passed"] for r in mine)}
        signals[name] = {
            "bids": len(have),
            "auc_pooled": _figure(have, pooled_auc, name, seed),
            "auc_within_agent": _figure(have, within_agent_auc, name, seed),
            "auc_per_agent": per_agent,
            "ranking": _figure(have, ranking_accuracy, name, seed) | {"pairs": ranking_pairs(have, name)},
        }
    return {"source": str(directory), "simulated": bool(results.get("simulated")),
            "label": results.get("label", ""), "suite": results.get("suite"), "pool": results.get("pool"),
            "assumed_signal": assumed_signal(results), "jury_signal": results.get("jury_signal", "integer"),
            "tasks": len({r["task"] for r in rows}), "bids": len(rows),
            "pass_rate": {a: round(float(np.mean([r["passed"] for r in rows if r["agent"] == a])), 4)
                          for a in agents},
            "bootstrap": {"resamples": BOOTSTRAP, "unit": "task", "seed": seed},
            "signals": signals, **check_on_draft(rows, seed)}


def check_on_draft(rows: list[dict[str, Any]], seed: int) -> dict[str, Any]:
    """The check verdict against the hidden tests of the very draft it checked (within agent and pooled), and
    where its verdicts came from; nothing when the run has no check verdict."""
    have = [r for r in rows if "check" in r["signals"]]
    if not have:
        return {}
    drafts = [{**r, "passed": r["draft_passed"]} for r in have if r.get("draft_passed") is not None]
    sources = {s: sum(r["check_source"] == s for r in have) for s in ("cascade", "direct")}
    return {"check_sources": sources, "check_on_draft": {
        "bids": len(drafts), "auc_within_agent": _figure(drafts, within_agent_auc, "check", seed),
        "auc_pooled": _figure(drafts, pooled_auc, "check", seed)}}


def assumed_signal(results: dict[str, Any]) -> float | None:
    """The simulated ladder's signal strength (the evidence its bids carry by construction); None for real models."""
    if not results.get("simulated"):
        return None
    from sale.sim.params import CALIBRATED_SIGNAL

    signal = (results.get("sim_params") or {}).get("signal")
    return float(signal) if signal is not None else CALIBRATED_SIGNAL.get(results.get("suite", ""))


def _describe(report: dict[str, Any]) -> str:
    if not report["simulated"]:
        return f"real models, jury signal {report['jury_signal']}"
    return f"SIMULATED, assumed signal {report['assumed_signal']}"


def _signal_order(name: str) -> tuple[int, str]:
    order = {"check": -1, "entropy": 0, "jury_mean": 2, "value": 3, "value_minus_cost": 4}
    return (1 if name.startswith("jury:") else order.get(name, 5)), name


def write_signal_report(report: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, png_path = out_dir / "signal.json", out_dir / "signal.png"
    json_path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    _plot(report, png_path)
    return json_path, png_path


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["signals"])
    kinds = (("auc_pooled", "AUC, pooled"), ("auc_within_agent", "AUC, within agent"),
             ("ranking", "same-task ranking accuracy"))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(names) + 2), 4.2))
    width = 0.8 / len(kinds)
    for k, (key, label) in enumerate(kinds):
        xs, ys, errs = [], [], [[], []]
        for i, name in enumerate(names):
            fig_ = report["signals"][name][key]
            if fig_["value"] is None:
                continue
            xs.append(i + (k - 1) * width)
            ys.append(fig_["value"])
            errs[0].append(fig_["value"] - (fig_["low"] if fig_["low"] is not None else fig_["value"]))
            errs[1].append((fig_["high"] if fig_["high"] is not None else fig_["value"]) - fig_["value"])
        ax.bar(xs, ys, width=width, yerr=errs, capsize=2, label=label)
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=1)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("higher = predicts the bidder's own pass")
    ax.set_title(f"Bid signals vs own outcome ({_describe(report)}; {report['tasks']} tasks, {report['bids']} bids; "
                 "95% CI)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def format_signal_report(report: dict[str, Any]) -> str:
    """The report as a Markdown table (what the CLI prints)."""

    def cell(f: dict[str, Any]) -> str:
        if f["value"] is None:
            return "-"
        return f"{f['value']:.2f} [{f['low']:.2f}, {f['high']:.2f}]" if f["low"] is not None else f"{f['value']:.2f}"

    agents = list(report["pass_rate"])
    head = ["signal", "AUC pooled", "AUC within agent", "same-task ranking", *[f"AUC {a}" for a in agents]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, s in report["signals"].items():
        per = [cell(s["auc_per_agent"][a]) for a in agents]
        lines.append(f"| {name} | {cell(s['auc_pooled'])} | {cell(s['auc_within_agent'])} | "
                     f"{cell(s['ranking'])} ({s['ranking']['pairs']} pairs) | " + " | ".join(per) + " |")
    tag = _describe(report)
    rates = ", ".join(f"{a} {r:.0%}" for a, r in report["pass_rate"].items())
    text = (f"Signal report, {tag}: {report['tasks']} tasks, {report['bids']} first-round bids; own pass rate "
            f"{rates}. 0.5 = no information.\n\n" + "\n".join(lines))
    if draft := report.get("check_on_draft"):
        src = report["check_sources"]
        text += (f"\n\ncheck: the check juror's verdict on each agent's one-call draft ({src['cascade']} from the "
                 f"cascade's drafts, {src['direct']} from direct answers). Against the draft's own hidden tests "
                 f"({draft['bids']} drafts): AUC within agent {cell(draft['auc_within_agent'])}, pooled "
                 f"{cell(draft['auc_pooled'])}.")
    return text
