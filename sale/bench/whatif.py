"""``sale whatif``: a recorded bench run re-priced at another price list, with no model call.

Each run's spend is split by agent and re-priced at that agent's price ratio (new / recorded): a single agent's
run or direct answer whole; a routed baseline's as the sum of the single runs it tried; SALE's execution at its
executor's ratio and its auction per kind of call (bid, jury, rebid, rejury) at the token-weighted ratio of the
agents that made those calls. The recordings do not split an auction's tokens by agent, so that split is
modelled from ``auctions.jsonl``: the calls of one kind share its prompt tokens equally (they send the same text),
bids keep their recorded completion tokens. At the recorded prices, and at any list that scales every price
alike, the re-priced figures are exact.

A router whose path depends on prices through a rule the recording can replay (the cascade: who drafts is priced)
is re-run instead, at the new prices, with every call served from the recording (sale/bench/whatif_rerun.py): its
pass@1 and spend are what a rerun at those prices gives, or, where that path needs a call the recording does not
hold, no figure and the tasks and agents that need one. For every other router pass@1 never changes: what each run
delivered is fixed. Routes that depend on price are held fixed and named so; the oracle (hindsight) is re-routed
and the random control re-drawn, as neither needs a model call; for the paper's auction the auctions whose
provisional or final winner would change under the new cost term are counted from the recorded bids' C and V.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from sale.bench import routers as R
from sale.bench.results import random_matched
from sale.bench.runs import Run
from sale.bench.summary import summarise

PRICE_ORDER_ROUTERS = ("wtp", "to-router")
"""Baselines whose routes depend on prices only through the agents' price order (``wtp`` unless its tolerance was
calibrated on train spend). Every baseline's routes survive prices that all scale alike (CARROT divides cost by
the dearest, FrugalGPT's and the calibrations' ties compare spends); SALE's do not (C is absolute)."""
_RUN_FIELDS = {f.name for f in fields(Run)}


class WhatifError(ValueError):
    """Bad ``sale whatif`` input; the message names every problem (``problems``: one line each)."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass
class Recording:
    """A finished ``sale bench --out`` directory: its results, every router's runs and SALE's auction records."""

    directory: Path
    results: dict[str, Any]
    runs: dict[str, list[Run]]
    auctions: dict[tuple[str, int, str], dict[str, Any]]

    @property
    def agents(self) -> list[str]:
        """The bench's agent order: by recorded price, pool order among equals."""
        pool = self.results["pool"]["agents"]
        return [a["name"] for a in sorted(pool, key=lambda a: a["price_per_mtok"])]

    def prices(self) -> dict[str, tuple[float, float]]:
        """Recorded (flat, output) USD per million tokens; the bid's cost term C uses the output price."""
        return {a["name"]: (a["price_per_mtok"], a.get("output_price_per_mtok", a["price_per_mtok"]))
                for a in self.results["pool"]["agents"]}


def load_recording(directory: Path) -> Recording:
    if not directory.is_dir():
        raise WhatifError(f"no run directory {directory} (a `sale bench --out DIR` directory)")
    try:
        results = json.loads((directory / "results.json").read_text(encoding="utf-8"))
        lines = (directory / "tasks.jsonl").read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as exc:
        raise WhatifError(f"{directory}: no readable results.json and tasks.jsonl ({exc})") from None
    runs: dict[str, list[Run]] = defaultdict(list)
    auctions = {}
    path = directory / "auctions.jsonl"
    try:
        for line in filter(str.strip, lines):
            row = json.loads(line)
            runs[row["router"]].append(Run(**{k: v for k, v in row.items() if k in _RUN_FIELDS}))
        for line in filter(str.strip, path.read_text(encoding="utf-8").splitlines() if path.is_file() else []):
            row = json.loads(line)
            auctions[(row["run"], row["order"], row["task_id"])] = row
        results["pool"]["agents"][0]["price_per_mtok"]
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise WhatifError(f"{directory}: not a bench run's results.json, tasks.jsonl and auctions.jsonl "
                          f"({type(exc).__name__}: {exc})") from None
    return Recording(directory, results, dict(runs), auctions)


def parse_prices(recording: Recording, pairs: list[str], pool_file: str = "") -> dict[str, tuple[float, float]]:
    """The what-if (flat, output) prices: the recorded ones, then a pool file's, then each ``NAME=USD_PER_MTOK``
    (which scales all of that agent's prices alike). Every problem is named in one error."""
    recorded = recording.prices()
    prices = dict(recorded)
    problems = []
    if pool_file:
        from sale.core.pool import PoolError, load_pool

        try:
            pool = load_pool(pool_file)
        except PoolError as exc:
            raise WhatifError(*(getattr(exc, "problems", None) or [str(exc)])) from None
        missing = sorted(set(recorded) - set(pool.names))
        if missing:
            problems.append(f"--pool {pool_file}: no price for the run's agent(s) {', '.join(missing)}")
        prices |= {a.name: (a.price_per_mtok, a.output_price) for a in pool.agents if a.name in recorded}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            price = float(value) if sep else math.nan
        except ValueError:
            price = math.nan
        if name.strip() not in recorded:
            problems.append(f"--price {pair!r}: no agent {name.strip()!r} in the run ({', '.join(recorded)})")
        elif not (math.isfinite(price) and price >= 0):
            problems.append(f"--price {pair!r}: expected NAME=USD_PER_MTOK with a finite price >= 0")
        else:
            flat, output = recorded[name.strip()]
            prices[name.strip()] = (price, output * price / flat if flat else price)
    for name, (flat, _) in recorded.items():
        if flat <= 0 and prices[name][0] != flat:
            problems.append(f"agent {name!r} was recorded at price 0: its tokens cannot be re-priced from its USD")
    if problems:
        raise WhatifError(*problems)
    return prices


def _ratio(old: float, new: float) -> float:
    return new / old if old else 1.0


def _kind_weights(kind: str, usage: dict[str, float], record: dict[str, Any] | None, agents: list[str]
                  ) -> dict[str, float] | None:
    """Modelled tokens per agent for one kind of auction call; None when the record cannot say."""
    bids = [b for b in (record or {}).get("bids") or [] if (b.get("round", 0) > 0) == kind.startswith("re")]
    calls: dict[str, float] = defaultdict(float)
    completion: dict[str, float] = defaultdict(float)
    if kind in ("bid", "rebid"):
        for b in bids:
            calls[b["agent"]] += 1
            completion[b["agent"]] += b.get("tokens") or 0
    elif kind in ("jury", "rejury"):
        for b in bids:
            for juror in b.get("jury") or {}:
                calls[juror] += 1
    n = sum(calls.values())
    if not n or not set(calls) <= set(agents):
        return None
    done = sum(completion.values())
    return {a: usage.get("prompt_tokens", 0) * c / n + (usage.get("completion_tokens", 0) *
            (completion[a] / done if done else c / n)) for a, c in calls.items()}


@dataclass
class Repricer:
    recording: Recording
    prices: dict[str, tuple[float, float]]
    modelled: int = 0
    """Auction kinds priced with an even split over the pool (no record said who made the calls)."""

    def ratio(self, agent: str | None) -> float:
        if agent is None:
            return 1.0
        return _ratio(self.recording.prices()[agent][0], self.prices[agent][0])

    def single(self, run: Run) -> Run:
        return replace(run, usd=run.usd + run.usd * (self.ratio(run.agent) - 1))

    def auction(self, router: str, run: Run) -> Run:
        record = self.recording.auctions.get((router, run.order, run.task_id))
        agents, old = self.recording.agents, self.recording.prices()
        auction = run.auction_usd
        kinds = run.auction_by_purpose or ({"all": {"usd": run.auction_usd}} if run.auction_usd else {})
        for kind, usage in kinds.items():
            weights = _kind_weights(kind, usage, record, agents)
            if weights is None:
                self.modelled += 1
                weights = dict.fromkeys(agents, 1.0)
            base = sum(w * old[a][0] for a, w in weights.items())
            factor = sum(w * old[a][0] * self.ratio(a) for a, w in weights.items()) / base if base else 1.0
            auction += usage["usd"] * (factor - 1)
        executor = run.agent or (record or {}).get("winner")
        execution = run.usd - run.auction_usd
        return replace(run, usd=run.usd + (auction - run.auction_usd) + execution * (self.ratio(executor) - 1),
                       auction_usd=auction)


def _tried(run: Run) -> list[str]:
    return [a.strip() for a in run.detail.removeprefix("tried ").split(",")] if run.detail.startswith("tried ") \
        else [run.agent] if run.agent else []


def rerouted_auctions(recording: Recording, router: str, prices: dict[str, tuple[float, float]]) -> dict[str, int]:
    """How many of ``router``'s auctions would pick another provisional or final winner at ``prices``: each
    bid's C scales with its agent's output price (C - V, lower wins, ties to the cheaper agent)."""
    old = recording.prices()
    changed = total = unverified = 0
    for (run, _, _), record in recording.auctions.items():
        bids = [b for b in record.get("bids") or [] if run == router and not b.get("disqualified")]
        if not bids:
            continue
        total += 1

        def best(pool: list[dict[str, Any]], scale: bool) -> str:
            key = {b["id"]: b["score"] + (b["cost"] * (_ratio(old[b["agent"]][1], prices[b["agent"]][1]) - 1)
                                          if scale else 0) for b in pool}
            return min(pool, key=lambda b: (key[b["id"]], (prices if scale else old)[b["agent"]][1]))["id"]

        first = [b for b in bids if b.get("round", 0) == 0] or bids
        if best(bids, False) != record.get("winner_bid"):
            unverified += 1
        elif best(bids, True) != best(bids, False) or best(first, True) != best(first, False):
            changed += 1
    return {"auctions": total, "changed": changed, "unverified": unverified}


def whatif(recording: Recording, prices: dict[str, tuple[float, float]], pool_file: str = "") -> dict[str, Any]:
    """Every recorded router at ``prices``: the cascade re-run from the recording, the rest with pass@1 as recorded
    and spend re-priced, and what could not be."""
    from sale.bench.config import AUCTION_ROUTERS
    from sale.bench.whatif_rerun import RerunError, price_path_routers, rerun

    res, agents = recording.results, recording.agents
    rerun_names = price_path_routers(res, list(recording.runs))
    try:
        reruns = rerun(recording, prices, rerun_names, pool_file) if rerun_names else {}
    except RerunError as exc:
        raise WhatifError(str(exc)) from None
    priced = Repricer(recording, prices)
    singles = {(r.agent, r.task_id): priced.single(r) for name, runs in recording.runs.items()
               if name.startswith("single:") and name != "single:largest" for r in runs}
    new_order = sorted(agents, key=lambda a: prices[a][0])
    uniform = len({priced.ratio(a) for a in agents}) == 1
    out: dict[str, dict[str, Any]] = {}
    for name, runs in recording.runs.items():
        if name.startswith(("single:", "direct:")):
            rows, routes = [priced.single(r) for r in runs], "exact"
        elif name == "oracle":
            rows, routes = [replace(next((singles[(a, r.task_id)] for a in new_order if singles[(a, r.task_id)].passed),
                                         singles[(new_order[0], r.task_id)]), router=name) for r in runs], "re-routed"
        elif name in reruns and reruns[name]["unrecorded"]:
            out[name] = {"pass_at_1": None, "cost_usd": None, "tokens": None, "auction_usd_share": None,
                         "tasks": len(runs), "routes": "needs calls", "unrecorded": reruns[name]["unrecorded"],
                         "recorded_cost_usd": (res["routers"].get(name) or {}).get("cost_usd")}
            continue
        elif name in reruns:
            rows, routes = reruns[name]["runs"], "re-run"
        elif name in AUCTION_ROUTERS or any(r.auction_tokens for r in runs):
            rows, routes = [priced.auction(name, r) for r in runs], "held"
        else:
            rows = [replace(r, usd=sum(singles[(a, r.task_id)].usd for a in _tried(r))) for r in runs]
            calibrated = ((res["routers"].get(name) or {}).get("knob") or {}).get("calibrated_on")
            kept = uniform or (name in PRICE_ORDER_ROUTERS and new_order == agents and not calibrated)
            routes = "exact" if kept else "held"
        orders = len({r.order for r in rows}) or 1
        f = summarise(rows, agents, orders)
        out[name] = {"pass_at_1": f["pass_at_1"], "cost_usd": f["cost_usd"], "tokens": f["tokens"],
                     "auction_usd_share": f["auction_usd_share"], "tasks": f["tasks"], "routes": routes,
                     "recorded_cost_usd": (res["routers"].get(name) or {}).get("cost_usd")}
    direct = {(r.agent, r.task_id): priced.single(r) for name, runs in recording.runs.items()
              if name.startswith("direct:") for r in runs}
    drawn = direct if direct and all((a, t) in direct for a in agents for t in {t for (_, t) in direct}) else singles
    test_ids = sorted({t for (_, t) in drawn})  # the control draws from direct answers where the run has them all
    for name in [n for n in out if n in AUCTION_ROUTERS and out[n]["cost_usd"] is not None]:
        if all((a, t) in drawn for a in agents for t in test_ids):
            label = f"{R.RANDOM_MATCHED}:{name}"
            f = random_matched(name, out[name]["cost_usd"], drawn, agents, test_ids, res["seed"])
            out[label] = {k: f[k] for k in ("pass_at_1", "cost_usd", "tokens", "auction_usd_share", "tasks",
                                            "mixture", "spend_matched", "pass_at_1_sd")}
            out[label] |= {"routes": "re-drawn", "recorded_cost_usd": (res["routers"].get(label) or {}).get("cost_usd")}
    return {"run": str(recording.directory), "label": res.get("label", ""), "suite": res.get("suite"),
            "n_test": res.get("n_test"), "prices": {a: {"recorded": recording.prices()[a][0], "whatif": prices[a][0]}
                                                     for a in agents},
            "routers": out, "best_single": _with_ratios(out, new_order),
            "rerouted_auctions": {n: rerouted_auctions(recording, n, prices) for n in out
                                  if n in AUCTION_ROUTERS and n not in reruns},
            "modelled_auction_kinds": priced.modelled}


def _with_ratios(routers: dict[str, dict[str, Any]], order: list[str]) -> str | None:
    """Cost against the largest agent at these prices, the best single agent (highest pass@1, then cheapest) and
    that agent's direct answer; returns the best single agent."""
    singles = {n.removeprefix("single:"): f for n, f in routers.items() if n.startswith("single:")
               and n != "single:largest"}
    largest = singles.get(order[-1])
    best = max(singles, key=lambda a: (singles[a]["pass_at_1"], -singles[a]["cost_usd"])) if singles else None
    direct = routers.get(f"direct:{best}")
    for f in routers.values():
        for key, ref in (("cost_vs_largest", largest), ("cost_vs_best_single", singles.get(best)),
                         ("cost_vs_best_direct", direct)):
            f[key] = f["cost_usd"] / ref["cost_usd"] if ref and ref["cost_usd"] and f["cost_usd"] is not None \
                else None
    return best

