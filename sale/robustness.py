"""``sale analyze robustness``: how far one lying juror (or two colluding) can move the auction, per jury mode.

The pool is the simulated ladder (labelled SIMULATED), over a generated deep-search stream. One agent's juror
lies according to an attack; every auction runs through the real graph in the chosen robust mode (route-only,
no refinement), and the same bids are then re-scored with the score node's value function under the paper mode
and under an honest jury (every juror's truthful score, which the simulator records alongside the lie).

Attacks (``../shared/reliability-cases.md`` A1-A3): ``self-promoter`` scores its own bid 5 and every other 0;
``colluders`` (two agents) score their two bids 5 and the rest 0; ``flipper`` reports 5 minus its honest score.
Figures per attack and mode: the adversary's win-rate change against the honest jury (points) and the share of
auctions whose winner differs from the honest jury's.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage

from sale.cost import Weights, bid_cost, bid_value, consensus_outliers
from sale.sim import SimWorld, _norm, sim_pool

ATTACKS = {"self-promoter": ("sim-qwen3-8b",), "colluders": ("sim-qwen3-8b", "sim-qwen3-14b"),
           "flipper": ("sim-qwen3-8b",)}


class AttackedWorld(SimWorld):
    """The simulated ladder with lying jurors; honest scores are kept for the baseline."""

    def __init__(self, tasks, seed: int, attack: str) -> None:
        super().__init__(tasks, seed)
        self.attack = attack
        self.adversaries = ATTACKS[attack]
        self.honest: dict[tuple[str, str], int] = {}

    def _jury(self, juror: str, system: str, user: str) -> AIMessage:
        honest = super()._jury(juror, system, user)
        score = json.loads(str(honest.content))["score"]
        bid = _norm(user.rsplit("<strategy>\n", 1)[-1].split("\n</strategy>", 1)[0])
        self.honest[(juror, bid)] = score
        if juror not in self.adversaries:
            return honest
        bidder = self.plans[bid].agent if bid in self.plans else None
        lie = 5 - score if self.attack == "flipper" else (5 if bidder in self.adversaries else 0)
        return AIMessage(content=json.dumps({"score": lie}), response_metadata={"finish_reason": "stop"})


def _winner(result: dict[str, Any], jury_of, mode: str, prices: dict[str, float]) -> str:
    weights = Weights(**{k: v for k, v in result["weights"].items() if k in ("cost", "entropy", "jury")},
                      jurors=result["weights"].get("jurors") or {})
    bids = [b for b in result["bids"] if not b["disqualified"]]
    jurors = sorted({j for b in bids for j in jury_of(b)})
    if mode == "consensus":
        outliers = consensus_outliers({b["id"]: jury_of(b) for b in bids}, jurors)
        jurors = [j for j in jurors if j not in outliers]

    def score(b):
        return bid_cost(weights, prices[b["agent"]], b["tokens"]) - bid_value(
            weights, b["entropy"], jury_of(b), jurors, mode=mode, bidder=b["agent"])

    return min(bids, key=lambda b: (score(b), prices[b["agent"]]))["agent"]


async def robustness(tasks: int = 200, seed: int = 0, mode: str = "median") -> dict[str, Any]:
    from graphs.auction import graph
    from graphs.context import AuctionContext
    from memory_store import AuctionMemory
    from memory_store.embeddings import Embedder
    from sale.suites import load_suite

    work = Path(tempfile.mkdtemp(prefix="sale-robustness-"))
    suite = load_suite("deep-search", seed, work / "suite", size=tasks)
    pool = sim_pool()
    prices = {a.name: a.price_per_mtok for a in pool.agents}
    embedder = Embedder()
    report: dict[str, Any] = {"simulated": True, "tasks": len(suite.tasks), "robust_mode": mode, "attacks": {}}
    for attack, adversaries in ATTACKS.items():
        world = AttackedWorld(suite.tasks, seed, attack)
        with AuctionMemory(work / f"memory-{attack}", embedder=embedder) as memory:
            ctx = AuctionContext(pool=pool, memory=memory, model_factory=world.factory, jury_mode=mode,
                                 refine=False, route_only=True)
            results = [(await graph.ainvoke({"task": t.task}, context=ctx))["result"] for t in suite.tasks]
        figures = {}

        def honest_jury(b: dict[str, Any], world: AttackedWorld = world) -> dict[str, int]:
            return {j: world.honest[(j, _norm(b["text"]))] for j in b["jury"]}

        for label, m in (("paper", "paper"), ("robust", mode)):
            said = [_winner(r, lambda b: b["jury"], m, prices) for r in results]
            truth = [_winner(r, honest_jury, m, prices) for r in results]
            adversary_said = sum(w in adversaries for w in said) / len(results)
            adversary_truth = sum(w in adversaries for w in truth) / len(results)
            figures[label] = {
                "win_rate_change_points": round(100 * (adversary_said - adversary_truth), 2),
                "winner_change_rate": round(sum(a != b for a, b in zip(said, truth, strict=True)) / len(results), 4),
                "adversary_win_rate": round(adversary_said, 4),
            }
        report["attacks"][attack] = {"adversaries": list(adversaries), **figures}
    return report


def run(tasks: int, seed: int, mode: str) -> dict[str, Any]:
    return asyncio.run(robustness(tasks, seed, mode))
