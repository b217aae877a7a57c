"""Issue 26's figures from `sale bench` output folders: what users get from each router, before and after.

For every folder given (a committed run in docs/figures, or a new one): per router, pass@1, the share of answers
that carry a deliverable (under the executor's deliverable rule, sale/core/deliverable.py), tokens per task,
executor steps per task and repeated actions per run; and over the auctions, the share of bids that reached
their length cap and the share of bids left inside an open code fence.

Runs made before the rule existed recorded only the tail of each answer (500 characters) and no answer source:
there the deliverable share is the rule applied to that tail (an answer whose definition starts earlier counts as
none), except for direct answers, whose whole reply is in the run's recording; the columns the old runs lack print
as "-". Usage:

    .venv/bin/python scripts/deliverable_figures.py docs/figures/executor-coding-seed0-10 NEW_DIR ... [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nodes.bid import close_cut_plan  # noqa: E402
from sale.core.deliverable import Delivery, code_delivery, text_delivery  # noqa: E402
from sale.suites.suite import BenchTask  # noqa: E402
from sale.suites.verify import verify  # noqa: E402

BID_CAP = 160
ROUTED = ("wtp", "carrot", "to-router")
"""Baselines that route each task to one agent and are scored on that agent's own run."""


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []


def folder_figures(folder: Path) -> dict:
    suite = {row["id"]: row for row in _rows(folder / "suite.jsonl")}
    by_router: dict[str, list[dict]] = defaultdict(list)
    for run in _rows(folder / "tasks.jsonl"):
        by_router[run["router"]].append(run)
    routers = {}
    replies = _direct_replies(folder, suite)
    seen_alone: dict[tuple[str, str], bool] = {}
    order = sorted(by_router, key=lambda name: (name.partition(":")[0] not in ("single", "direct"), name))
    for router in order:
        runs = by_router[router]
        recorded = all("answer_source" in r for r in runs)
        seen: list[bool] | None = None
        if recorded:
            sources, how = [r["answer_source"] for r in runs], "recorded"
        else:
            if router.startswith("direct:") and replies:
                agent = router.removeprefix("direct:")
                answers = [replies.get((agent, r["task_id"]), "") for r in runs]
                how = "rule applied to the recorded reply"
            elif any(r.get("answer") for r in runs):
                answers = [r.get("answer") or "" for r in runs]
                how = "rule applied to the recorded answer tail (500 characters)"
            else:
                answers, how = [], "not recorded"
            deliveries = [_delivery(suite.get(r["task_id"]), a) for r, a in zip(runs, answers, strict=False)]
            sources = [d.source for d in deliveries]
            if deliveries and all(r["task_id"] in suite for r in runs):
                pairs = zip(runs, deliveries, strict=True)
                seen = [d.source != "none" and _passes(suite[r["task_id"]], d.answer) for r, d in pairs]
                if router.startswith("single:"):
                    seen_alone |= {(r["agent"], r["task_id"]): ok for r, ok in zip(runs, seen, strict=True)}
            elif router in ROUTED and all((r["agent"], r["task_id"]) in seen_alone for r in runs):
                seen, how = [seen_alone[(r["agent"], r["task_id"])] for r in runs], "the chosen agent's own run"
        n = len(runs)
        routers[router] = {
            "tasks": n, "pass_at_1": sum(r["passed"] for r in runs) / n,
            "pass_at_1_as_seen": (sum(seen) / n if seen is not None
                                  else sum(r["passed"] for r in runs) / n if recorded else None),
            "deliverable_share": sum(s != "none" for s in sources) / n if sources else None,
            "answer_sources": {s: sources.count(s) for s in sorted(set(sources))},
            "sources_from": how,
            "tokens_per_task": sum(r["tokens"] for r in runs) / n,
            "exec_steps_per_task": sum(r["exec_steps"] for r in runs) / n if recorded else None,
            "repeated_actions_per_run": sum(r["repeated_actions"] for r in runs) / n if recorded else None,
        }
    bids = [b for row in _rows(folder / "auctions.jsonl") for b in row.get("bids") or [] if b.get("round") == 0]
    marked = all("truncated" in b for b in bids)
    auctions = {"first_round_bids": len(bids)}
    if bids:
        at_cap = [b.get("truncated") if marked else b["tokens"] >= BID_CAP for b in bids]
        auctions |= {"share_at_cap": sum(at_cap) / len(bids),
                     "cap_from": "recorded truncated flag" if marked else f"tokens >= {BID_CAP}",
                     "share_open_code_fence": sum(b["text"].count("```") % 2 for b in bids) / len(bids)}
        if not marked:  # what the same bids become now: closed where the cap cut them (nodes/bid.py)
            closed = [close_cut_plan(b["text"]) if cut else b["text"] for b, cut in zip(bids, at_cap, strict=True)]
            auctions["share_open_code_fence_once_closed"] = sum(t.count("```") % 2 for t in closed) / len(bids)
    return {"folder": str(folder), "routers": routers, "auctions": auctions}


def _direct_replies(folder: Path, suite: dict[str, dict]) -> dict[tuple[str, str], str]:
    """Each recorded direct reply in full, by (agent, task id): a direct request is the task alone."""
    from langchain_core.messages import HumanMessage

    from sale.bench.replay import request_key

    plain, packed = folder / "calls.jsonl", folder / "calls.jsonl.gz"
    if not plain.is_file() and not packed.is_file():
        return {}
    text = plain.read_text() if plain.is_file() else gzip.decompress(packed.read_bytes()).decode()
    first = {}
    for line in text.splitlines():
        row = json.loads(line)
        first.setdefault(row["key"], row)
    out = {}
    for task_id, task in suite.items():
        for agent in {row["agent"] for row in first.values()}:
            key = request_key(agent, [HumanMessage(task["task"])], {"extra_body": {"max_tokens": 512}})
            if key in first:
                out[(agent, task_id)] = str(first[key]["reply"]["content"])
    return out


def _delivery(task: dict | None, answer: str) -> Delivery:
    if task is not None and task.get("verifier") in ("unit_tests", "python_tests"):
        return code_delivery(task["task"], answer)
    return text_delivery(task["task"] if task else "", answer)


def _passes(row: dict, answer: str) -> bool:
    """The suite's own verifier on the answer a user would have seen (llm_judge rows need a model: not here)."""
    if row.get("verifier") == "llm_judge":
        return False
    fields = {k: row[k] for k in BenchTask.__dataclass_fields__ if k in row}
    return asyncio.run(verify(BenchTask(**fields), answer))["passed"]


def _fmt(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "-"
    return f"{100 * x:.1f}%" if pct else f"{x:,.1f}"


def print_table(figures: list[dict]) -> None:
    for f in figures:
        print(f"\n## {f['folder']}\n")
        print("| router | pass@1 as scored | pass@1 of the answer users get | carries a deliverable | sources | "
              "tokens/task | exec steps/task | repeats/run |")
        print("|---|---|---|---|---|---|---|---|")
        for name, r in f["routers"].items():
            sources = ", ".join(f"{k} {v}" for k, v in r["answer_sources"].items())
            print(f"| {name} | {_fmt(r['pass_at_1'], True)} | {_fmt(r['pass_at_1_as_seen'], True)} | "
                  f"{_fmt(r['deliverable_share'], True)} | {sources} | "
                  f"{_fmt(r['tokens_per_task'])} | {_fmt(r['exec_steps_per_task'])} | "
                  f"{_fmt(r['repeated_actions_per_run'])} |")
        a = f["auctions"]
        if a["first_round_bids"]:
            print(f"\nfirst-round bids: {a['first_round_bids']}; at the length cap: {_fmt(a['share_at_cap'], True)} "
                  f"({a['cap_from']}); left inside an open code fence: {_fmt(a['share_open_code_fence'], True)}"
                  + (f" (closed as bids now are: {_fmt(a['share_open_code_fence_once_closed'], True)})"
                     if "share_open_code_fence_once_closed" in a else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    missing = [str(f) for f in args.folders if not (f / "tasks.jsonl").is_file()]
    if missing:
        print(f"error: no tasks.jsonl in {', '.join(missing)} (give `sale bench --out` folders)", file=sys.stderr)
        return 2
    figures = [folder_figures(f) for f in args.folders]
    print_table(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
