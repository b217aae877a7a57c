"""The report's tables per complexity bin: pass@1 and cost, and the work a task took (model steps, visible-test
runs, tokens), for every router."""

from __future__ import annotations

from typing import Any


def bin_lines(routers: dict[str, Any]) -> list[str]:
    bins = sorted({b for f in routers.values() if f for b in f.get("bins", {})})
    if not bins:
        return []
    header = ["| router | " + " | ".join(f"bin {b}" for b in bins) + " |", "|---|" + "---|" * len(bins)]
    lines = ["## pass@1 and cost per complexity bin", "", *header]
    lines += _rows(routers, bins, lambda f: f"{100 * f['pass_at_1']:.1f}% / ${f['cost_usd']:.5f}")
    lines += ["", "## Work per task and bin (model steps / visible-test runs / tokens)", "", *header]
    lines += _rows(routers, bins, _work)
    return [*lines, "", "Visible-test runs: checks of a draft or Final Answer against the task's examples, and the "
            "agent's own Python runs.", ""]


def _rows(routers: dict[str, Any], bins: list[str], cell: Any) -> list[str]:
    return [f"| {name} | " + " | ".join(cell(f["bins"][b]) if b in f["bins"] else "-" for b in bins) + " |"
            for name, f in routers.items() if f]


def _work(f: dict[str, Any]) -> str:
    per_task = f["tokens"] / max(f["tasks"], 1)
    return f"{f.get('steps_per_task', 0):.1f} / {f.get('test_runs_per_task', 0):.1f} / {per_task:,.0f}"
