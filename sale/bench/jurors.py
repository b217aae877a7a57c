"""Which jurors counted in each auction router's auctions, and why (``juror_reliability``, docs/scoring.md): read
from ``DIR/auctions.jsonl``, reported per router in ``results.json`` (``jurors``) and ``report.md``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def juror_summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per router (``run`` label) whose auctions weighed jurors by reliability: for each juror, in how many
    auctions it counted, was dropped (weight 0: its calls not made) or counted as in the paper (cold start), its
    mean weight, and the reason its last auction gave."""
    out: dict[str, dict[str, Any]] = {}
    seen: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        for juror, r in (row.get("juror_reliability") or {}).items():
            seen[row["run"]][juror].append(r)
    for run, jurors in seen.items():
        out[run] = {j: {"auctions": len(rs), "dropped": sum(r["weight"] == 0 for r in rs),
                        "cold_start": sum(r["weight"] == 1 and r.get("auc") is None for r in rs),
                        "mean_weight": sum(r["weight"] for r in rs) / len(rs), "last_reason": rs[-1]["reason"]}
                    for j, rs in sorted(jurors.items())}
    return out


def report_lines(results: dict[str, Any]) -> list[str]:
    summary = results.get("jurors") or {}
    if not summary:
        return []
    lines = ["## Jurors weighed by reliability", "",
             "| run | juror | auctions | dropped | cold start | mean weight | last reason |",
             "|---|---|---|---|---|---|---|"]
    for run, jurors in summary.items():
        for juror, f in jurors.items():
            lines.append(f"| {run} | {juror} | {f['auctions']} | {f['dropped']} | {f['cold_start']} | "
                         f"{f['mean_weight']:.2f} | {f['last_reason']} |")
    return [*lines, "", "Weight 0: dropped, its calls not made; 1 with no AUC: cold start, counted as in the paper; "
            "else 2 x AUC - 1 of its scores against verified outcomes in memory.", ""]
