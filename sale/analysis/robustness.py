"""``sale analyze robustness``: how far one lying juror (or two colluding) can move the auction, per jury mode.

The pool is the simulated ladder (labelled SIMULATED), over a generated deep-search stream. One agent's juror
lies according to an attack; every auction runs through the real graph in the chosen robust mode (route-only,
no refinement), and the same bids are then re-scored with the score node's value function under the paper mode
and under an honest jury (every juror's truthful score, which the simulator records alongside the lie).

Attacks (``docs/reliability-cases.md`` A1-A3): ``self-promoter`` scores its own bid 5 and every other 0;
``colluders`` (two agents) score their two bids 5 and the rest 0, on the four-agent ladder (half the jury) and,
as ``colluders-of-5``, with a fifth agent (:data:`FIFTH`) so they are a minority; ``flipper`` reports 5 minus its
honest score.
Figures per attack and mode: the adversary's win-rate change against the honest jury (points) and the share of
auctions whose winner differs from the honest jury's.

Two juror settings. ``consistent``: honest jurors agree on a bid (no private noise, no self bias), the
condition of the spec's A1-A3, where a median can recover the honest score exactly. ``calibrated``: the
benchmark's jurors, each with private noise, so that any change to the jury reshuffles close auctions;
``abstain_floor`` is the winner-change rate if the adversaries had simply not judged (honest scores, adversaries
left out): no rule that ignores the liars can change fewer winners than that, so the report also says whether
the robust mode stays within the spec's bounds measured from that floor. On the four-agent ladder the two
colluders are half the jury, beyond what a median or trimmed mean can bound; ``colluders-of-5`` is the spec's A2.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage

from sale.core.cost import Weights, bid_cost, bid_value, consensus_outliers, unreliable_jurors
from sale.core.pool import AgentSpec, Pool
from sale.sim.draws import norm_text as _norm
from sale.sim.params import SimParams, sim_pool
from sale.sim.world import SimWorld

ATTACKS = {"self-promoter": ("sim-qwen3-8b",), "colluders": ("sim-qwen3-8b", "sim-qwen3-14b"),
           "colluders-of-5": ("sim-qwen3-8b", "sim-qwen3-14b"), "flipper": ("sim-qwen3-8b",)}
FIFTH = AgentSpec(name="sim-peer-14b", model="sim-peer-14b", base_url="http://sim-peer-14b.simulated.invalid/v1",
                  price_per_mtok=0.16, simulated=True, max_tokens=4096, timeout_s=60.0)
"""A second 14B-class simulated agent: with it the two colluders are a minority of five, as in the spec's A2."""


def attack_pool(attack: str) -> Pool:
    ladder = sim_pool()
    return Pool.of(*ladder.agents, FIFTH, source=ladder.source) if attack.endswith("-of-5") else ladder


JUROR_SETTINGS = {"consistent": SimParams(jury_noise=0.0, self_bias=0.0), "calibrated": SimParams()}
SPEC_GAIN_POINTS, SPEC_CHANGE_RATE = 2.0, 0.05


class AttackedWorld(SimWorld):
    """The simulated ladder with lying jurors; honest scores are kept for the baseline."""

    def __init__(self, tasks, seed: int, attack: str, params: SimParams | None = None) -> None:
        super().__init__(tasks, seed, params)
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


def _winner(result: dict[str, Any], jury_of, mode: str, prices: dict[str, float],
            leave_out: tuple[str, ...] | set[str] = ()) -> str:
    weights = Weights(**{k: v for k, v in result["weights"].items() if k in ("cost", "entropy", "jury")},
                      jurors=result["weights"].get("jurors") or {})
    bids = [b for b in result["bids"] if not b["disqualified"]]

    def scores(b: dict[str, Any]) -> dict[str, Any]:
        return {j: s for j, s in jury_of(b).items() if j not in leave_out}

    present = {j for b in bids for j in scores(b)}
    jurors = [j for j in prices if j in present]  # pool order, as the score node sees them (ties break alike)
    if mode == "consensus":
        outliers = consensus_outliers({b["id"]: scores(b) for b in bids}, jurors)
        jurors = [j for j in jurors if j not in outliers]

    def score(b):
        return bid_cost(weights, prices[b["agent"]], b["tokens"]) - bid_value(
            weights, b["entropy"], scores(b), jurors, mode=mode, bidder=b["agent"])

    return min(bids, key=lambda b: (score(b), prices[b["agent"]]))["agent"]


def _stream_winners(results: list[dict[str, Any]], jury_of, mode: str, prices: dict[str, float],
                    leave_out: tuple[str, ...] = (), history: int = 0) -> list[str]:
    """Each auction's winner in stream order; with ``history`` (robust modes), jurors whose scores over the
    previous ``history`` auctions run against their peers' are left out, as the score node does from memory."""
    past: list[list[dict[str, int]]] = []
    winners = []
    for r in results:
        drop: set[str] = set(leave_out)
        if history and mode != "paper":
            present = {j for b in r["bids"] for j in jury_of(b) if j not in leave_out}
            jurors = [j for j in prices if j in present]
            drop |= set(unreliable_jurors([s for scores in past[-history:] for s in scores], jurors))
        winners.append(_winner(r, jury_of, mode, prices, leave_out=drop))
        past.append([{j: v for j, v in jury_of(b).items() if j not in leave_out}
                     for b in r["bids"] if not b["disqualified"]])
    return winners


async def _attack(suite, seed: int, attack: str, params: SimParams, mode: str, memory_dir: Path, embedder,
                  prices: dict[str, float], history: int = 0) -> dict[str, Any]:
    from graphs.auction import graph
    from graphs.context import AuctionContext, Live
    from memory_store import AuctionMemory

    adversaries = ATTACKS[attack]
    world = AttackedWorld(suite.tasks, seed, attack, params)
    with AuctionMemory(memory_dir, embedder=embedder) as memory:
        ctx = AuctionContext(live=Live(pool=attack_pool(attack), memory=memory, model_factory=world.factory),
                             jury_mode=mode,
                             refine=False, route_only=True, juror_history=history)
        results = [(await graph.ainvoke({"task": t.task}, context=ctx))["result"] for t in suite.tasks]

    def honest_jury(b: dict[str, Any]) -> dict[str, int]:
        return {j: world.honest[(j, _norm(b["text"]))] for j in b["jury"]}

    n = len(results)
    figures: dict[str, Any] = {"adversaries": list(adversaries)}
    for label, m in (("paper", "paper"), ("robust", mode)):
        said = _stream_winners(results, lambda b: b["jury"], m, prices, history=history)
        truth = _stream_winners(results, honest_jury, m, prices, history=history)
        abstained = _stream_winners(results, honest_jury, m, prices, leave_out=adversaries, history=history)
        figures[label] = {
            "win_rate_change_points": round(100 * (sum(w in adversaries for w in said)
                                                   - sum(w in adversaries for w in truth)) / n, 2),
            "winner_change_rate": round(sum(a != b for a, b in zip(said, truth, strict=True)) / n, 4),
            "adversary_win_rate": round(sum(w in adversaries for w in said) / n, 4),
            "abstain_floor": round(sum(a != b for a, b in zip(abstained, truth, strict=True)) / n, 4),
        }
        if m == mode:  # the re-scoring must reproduce the graph's own decisions
            figures[label]["agrees_with_graph"] = round(
                sum(w == r["winner"] for w, r in zip(said, results, strict=True)) / n, 4)
    robust = figures["robust"]
    figures["robust_within_spec"] = (robust["win_rate_change_points"] <= SPEC_GAIN_POINTS
                                     and robust["winner_change_rate"] <= SPEC_CHANGE_RATE)
    figures["robust_within_spec_of_floor"] = (
        robust["win_rate_change_points"] <= SPEC_GAIN_POINTS
        and robust["winner_change_rate"] - robust["abstain_floor"] <= SPEC_CHANGE_RATE)
    return figures


async def robustness(tasks: int = 200, seed: int = 0, mode: str = "median",
                     jurors: tuple[str, ...] = tuple(JUROR_SETTINGS), history: int = 0) -> dict[str, Any]:
    from memory_store.embeddings import Embedder
    from sale.suites.suite import load_suite

    work = Path(tempfile.mkdtemp(prefix="sale-robustness-"))
    suite = load_suite("deep-search", seed, work / "suite", size=tasks)
    prices = {a.name: a.price_per_mtok for a in attack_pool("-of-5").agents}
    embedder = Embedder()
    report: dict[str, Any] = {"simulated": True, "tasks": len(suite.tasks), "robust_mode": mode,
                              "juror_history": history,
                              "spec": {"win_rate_change_points": SPEC_GAIN_POINTS,
                                       "winner_change_rate": SPEC_CHANGE_RATE},
                              "jurors": {}}
    for setting in jurors:
        report["jurors"][setting] = {
            attack: await _attack(suite, seed, attack, JUROR_SETTINGS[setting], mode,
                                  work / f"memory-{setting}-{attack}", embedder, prices, history)
            for attack in ATTACKS}
    return report


def run(tasks: int, seed: int, mode: str, jurors: tuple[str, ...] = tuple(JUROR_SETTINGS),
        history: int = 0) -> dict[str, Any]:
    return asyncio.run(robustness(tasks, seed, mode, jurors, history))
