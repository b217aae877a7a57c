"""Issue 28 item 4's figures: what context `juror_reliability` would learn from committed real recordings.

For each `sale bench` folder given, per SALE run (one memory stream each) and pooled over the runs whose verdicts
differ: per juror, the outcomes it scored on executed (winning) bids, their passes, the AUC for the verdict, and
the setting's decision (sale/core/jurors.py, the same rules the graph applies). `replay` walks each stream in its
recorded order and counts the jury calls the setting would have left out, learning before each auction from the
earlier ones; the recorded scores are kept, so a drop does not change later winners (an upper bound on what a
live run would see). For reference, `bid-level` sets every first-round bid's score against its bidder's own
single-agent run (more outcomes than the executed bids give; pooled and within agent). No model is called.
Usage:

    .venv/bin/python scripts/juror_reliability.py docs/figures/real-coding-seed0-30 \
        docs/figures/jury-{integer,expected,verdict}-coding-seed0-10 [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sale.core.jurors import auc, measure  # noqa: E402


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.is_file() else []


def executed(auction: dict) -> dict | None:
    return next((b for b in auction["bids"] if b["id"] == auction.get("winner_bid")), None)


def streams(folder: Path) -> dict[str, list[dict]]:
    """Each SALE run's auctions with a verdict, in stream order; a run whose every auction repeats an earlier
    run's (same winning bids, same scores: e.g. an adaptive run that skipped nothing) is left out."""
    runs: dict[str, list[dict]] = defaultdict(list)
    for a in sorted(_rows(folder / "auctions.jsonl"), key=lambda a: (a["run"], a["order"], a["position"])):
        bid = executed(a)
        if isinstance(a.get("passed"), bool) and bid and bid.get("jury"):
            runs[a["run"]].append(a)
    seen, kept = set(), {}
    for run, auctions in runs.items():
        key = json.dumps([(a["task_id"], executed(a)["jury"], a["passed"]) for a in auctions], sort_keys=True)
        if key not in seen:
            seen.add(key)
            kept[run] = auctions
    return kept


def outcomes(auctions: list[dict]) -> list[tuple[dict, bool]]:
    return [(executed(a)["jury"], a["passed"]) for a in auctions]


def replay(auctions: list[dict], jurors: list[str]) -> dict:
    """Jury calls the setting would have left out, each auction learning from the stream's earlier ones."""
    saved, total, first = 0, 0, {}
    for i, a in enumerate(auctions):
        report = measure(outcomes(auctions[:i]), jurors)
        calls = sum(len(b["jury"]) for b in a["bids"])
        total += calls
        for j, r in report.items():
            if not r["weight"]:
                first.setdefault(j, i)
                saved += sum(1 for b in a["bids"] if j in b["jury"])
    return {"jury_calls": total, "left_out": saved, "first_dropped_at": first}


def bid_level(folder: Path, jurors: list[str]) -> dict:
    """Per juror: AUC of its first-round scores for the bidder's own single-agent pass, pooled and within agent."""
    alone = {(t["task_id"], t["router"].removeprefix("single:")): t["passed"] for t in _rows(folder / "tasks.jsonl")
             if t["router"].startswith("single:")}
    bids, tasks = [], set()
    for a in _rows(folder / "auctions.jsonl"):
        if a["task_id"] in tasks:
            continue  # every run's first round bids on the same task alike; count each task once
        tasks.add(a["task_id"])
        bids += [(b, alone[(a["task_id"], b["agent"])]) for b in a["bids"]
                 if b["round"] == 0 and b.get("jury") and (a["task_id"], b["agent"]) in alone]
    out = {}
    for j in jurors:
        scored = [(b["jury"][j], passed, b["agent"]) for b, passed in bids if j in b["jury"]]
        pooled = auc([s for s, _, _ in scored], [p for _, p, _ in scored])
        wins = pairs = 0.0
        for agent in {g for _, _, g in scored}:
            pos = [s for s, p, g in scored if g == agent and p]
            neg = [s for s, p, g in scored if g == agent and not p]
            wins += sum((x > y) + 0.5 * (x == y) for x in pos for y in neg)
            pairs += len(pos) * len(neg)
        decision = measure([({j: s}, p) for s, p, _ in scored], [j])[j]
        out[j] = {"bids": len(scored), "passed": sum(p for _, p, _ in scored),
                  "auc": None if pooled is None else round(pooled, 3),
                  "auc_within_agent": round(wins / pairs, 3) if pairs else None,
                  "within_pairs": int(pairs), "weight": decision["weight"], "reason": decision["reason"]}
    return out


def figures(folder: Path) -> dict:
    runs = streams(folder)
    jurors = sorted({j for auctions in runs.values() for a in auctions for j in executed(a)["jury"]})
    pooled = [a for auctions in runs.values() for a in auctions]
    report = {name: {"auctions": len(auctions), "passed": sum(a["passed"] for a in auctions),
                     "jurors": measure(outcomes(auctions), jurors), "replay": replay(auctions, jurors)}
              for name, auctions in runs.items()}
    if len(runs) > 1:
        report["pooled"] = {"auctions": len(pooled), "passed": sum(a["passed"] for a in pooled),
                            "jurors": measure(outcomes(pooled), jurors), "replay": replay(pooled, jurors)}
    return {"folder": str(folder), "runs": report, "bid_level": bid_level(folder, jurors)}


def print_figures(out: dict) -> None:
    print(f"\n{out['folder']}")
    for name, run in out["runs"].items():
        r = run["replay"]
        print(f"  {name}: {run['auctions']} auctions with a verdict, {run['passed']} passed; replayed, the setting "
              f"leaves out {r['left_out']} of {r['jury_calls']} jury calls ({r['left_out'] / r['jury_calls']:.0%})"
              + (f", first drops at auction {r['first_dropped_at']}" if r["first_dropped_at"] else ""))
        for j, rep in run["jurors"].items():
            shown = "-" if rep["auc"] is None else f"{rep['auc']:.2f}"
            print(f"    {j:<20} n={rep['n']:<3} AUC {shown:<5} weight {rep['weight']:<6g} {rep['reason']}")
    print("  bid-level reference (first-round bids vs the bidder's own single run):")
    for j, rep in out["bid_level"].items():
        print(f"    {j:<20} bids={rep['bids']:<3} passed={rep['passed']:<3} AUC {rep['auc']} within agent "
              f"{rep['auc_within_agent']} ({rep['within_pairs']} pairs) -> weight {rep['weight']:g} ({rep['reason']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    results = [figures(f) for f in args.folders]
    for out in results:
        print_figures(out)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
