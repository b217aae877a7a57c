"""The auction under attack (A1-A3): scripted agents over a deterministic stream of 200 tasks.

Each task has a hidden quality per agent's bid; honest jurors report it, the adversary lies. Every task runs
through the real graph in robust mode (median jury); the same auctions are then re-scored with the score
node's own value function as the paper mode (weighted sum, self-scores included) and as an all-honest jury,
the baseline. Robust mode may raise the adversary's win rate by at most 2 points and change the winner in at
most 5% of auctions; the paper mode's figures are printed.
"""

from __future__ import annotations

import json
import random

import pytest

from graphs.auction import graph
from graphs.context import AuctionContext, Live
from sale.core.cost import Weights, bid_cost, bid_value
from tests.scripted import Script, factory_for, scripted_pool

N_TASKS = 200
PRICE = 0.1


def stream(agents: list[str], seed: int = 7) -> list[tuple[str, dict[str, int]]]:
    rng = random.Random(seed)
    return [(f"task {i}: compute item {rng.randrange(10**6)}", {a: rng.randint(1, 5) for a in agents})
            for i in range(N_TASKS)]


def winner(result: dict, jury_of, mode: str) -> str:
    """Re-score one finished auction's bids under another jury/mode with the score node's value function."""
    weights = Weights()
    jurors = result["jurors"]
    best = min(result["bids"], key=lambda b: (
        bid_cost(weights, PRICE, b["tokens"])
        - bid_value(weights, b["entropy"], jury_of(b), jurors, mode=mode, bidder=b["agent"]), b["agent"]))
    return best["agent"]


def run_attack(memory, agents, adversary, behaviour):
    quality: dict[str, dict[str, int]] = {}

    def juror(name):
        def reply(messages, kwargs):
            text = messages[1].content
            task = text.split("Task:\n", 1)[1].split("\n", 1)[0]
            bidder = next(a for a in agents if f"plan by {a}." in text)
            score = quality[task][bidder]
            given = behaviour(name, bidder, score) if name in adversary else score
            return json.dumps({"score": given})
        return reply

    scripts = {a: Script(bid=f"plan by {a}. steps one two three", jury=juror(a), spread=1.0) for a in agents}
    ctx = AuctionContext(live=Live(pool=scripted_pool({a: PRICE for a in agents}),
                                   memory=memory, model_factory=factory_for(scripts)),
                         refine=False, jury_mode="median")
    rows = []
    for task, q in stream(agents):
        quality[task] = q
        result = graph.invoke({"task": task}, context=ctx)["result"]
        assert result["status"] == "ok" and set(result["jurors"]) == set(agents)
        honest = winner(result, lambda b, q=q: dict.fromkeys(agents, q[b["agent"]]), "paper")
        paper = winner(result, lambda b: b["jury"], "paper")
        robust = winner(result, lambda b: b["jury"], "median")
        assert robust == result["winner"]  # the re-scoring agrees with the graph's own decision
        rows.append((honest, paper, robust))
    return rows


def figures(rows, column, adversary):
    base = sum(r[0] in adversary for r in rows) / len(rows)
    attacked = sum(r[column] in adversary for r in rows) / len(rows)
    changed = sum(r[0] != r[column] for r in rows) / len(rows)
    return attacked - base, changed


CASES = {
    "A1 self-promotion": (["a", "b", "c"], {"c"}, lambda j, b, s: 5 if b == j else 0),
    "A2 two colluders": (["a", "b", "c", "d", "e"], {"d", "e"}, lambda j, b, s: 5 if b in ("d", "e") else 0),
    "A3 flipped scores": (["a", "b", "c"], {"c"}, lambda j, b, s: 6 - s),
}


@pytest.mark.parametrize("case", list(CASES))
def test_robust_mode_bounds_the_adversary(memory, case, capsys):
    agents, adversary, behaviour = CASES[case]
    rows = run_attack(memory, agents, adversary, behaviour)
    paper_gain, paper_change = figures(rows, 1, adversary)
    robust_gain, robust_change = figures(rows, 2, adversary)
    with capsys.disabled():
        print(f"\n{case} ({N_TASKS} tasks): paper mode win-rate change {paper_gain:+.1%}, winner changed "
              f"{paper_change:.1%}; robust (median) {robust_gain:+.1%}, winner changed {robust_change:.1%}")
    assert robust_gain <= 0.02 and robust_change <= 0.05


def test_juror_history_drops_a_flipper_once_its_record_shows_it(memory):
    """With `juror_history`, the score node reads past jury scores from memory: a juror whose scores run against
    its peers' is dropped once 20 of its past bids show it, and the drop is reported."""
    agents = ["a", "b", "c"]
    quality: dict[str, dict[str, int]] = {}

    def juror(name):
        def reply(messages, kwargs):
            text = messages[1].content
            task = text.split("Task:\n", 1)[1].split("\n", 1)[0]
            score = quality[task][next(a for a in agents if f"plan by {a}." in text)]
            return json.dumps({"score": 6 - score if name == "c" else score})
        return reply

    scripts = {a: Script(bid=f"plan by {a}. steps one two three", jury=juror(a), spread=1.0) for a in agents}
    ctx = AuctionContext(live=Live(pool=scripted_pool({a: PRICE for a in agents}),
                                   memory=memory, model_factory=factory_for(scripts)),
                         refine=False, jury_mode="median", juror_history=50)
    dropped = []
    for task, q in stream(agents)[:12]:
        quality[task] = q
        result = graph.invoke({"task": task}, context=ctx)["result"]
        assert result["status"] == "ok"
        dropped.append(result["dropped_jurors"].get("c", ""))
    assert dropped[:6] == [""] * 6  # 3 bids per auction: 18 past bids after six auctions, not enough
    assert all(reason.startswith("unreliable: its past scores correlate -") for reason in dropped[7:])
    assert all("a" in r and "b" in r for r in [result["jurors"]]) and "c" not in result["jurors"]


def test_a6_near_uniform_logprobs_are_clipped_to_the_calibration_range(memory):
    """An endpoint faking flat top-k logprobs (H = ln 5, the maximum) buys no more than the range's top."""
    scripts = {"honest": Script(bid="Plan by honest: search, verify, answer.", spread=1.0),
               "flat": Script(bid="Plan by flat: search, verify, answer.", spread=0.0)}
    pool = scripted_pool({"honest": PRICE, "flat": PRICE})
    base = AuctionContext(live=Live(pool=pool, memory=memory, model_factory=factory_for(scripts)), refine=False,
                          route_only=True)
    open_result = graph.invoke({"task": "A6 task one"}, context=base)["result"]
    clipped = graph.invoke({"task": "A6 task two"},
                           context=AuctionContext(**{**base.__dict__, "entropy_range": [0.0, 0.9]}))["result"]
    flat_open = next(b for b in open_result["bids"] if b["agent"] == "flat")
    flat_clipped = next(b for b in clipped["bids"] if b["agent"] == "flat")
    honest_clipped = next(b for b in clipped["bids"] if b["agent"] == "honest")
    assert flat_open["entropy"] == pytest.approx(1.6094, abs=1e-3)
    assert open_result["winner"] == "flat"
    jury = sum(flat_clipped["jury"].values()) / len(flat_clipped["jury"])
    assert flat_clipped["value"] == pytest.approx(0.9 + jury, abs=1e-6)
    assert honest_clipped["value"] == pytest.approx(min(honest_clipped["entropy"], 0.9) + jury, abs=1e-6)


def test_robustness_report_command(capsys):
    """`sale analyze robustness` runs each attack through the graph on the simulated ladder, for jurors that agree
    (the spec's condition) and for the benchmark's noisy jurors: with agreeing jurors the median mode gives a
    self-promoter, a flipper and two colluders among five nothing while the paper mode moves winners; the noisy
    setting reports how many winners change even if the adversary had abstained."""
    from sale.apps.cli import main

    assert main(["analyze", "robustness", "--tasks", "12", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["simulated"] is True and report["robust_mode"] == "median"
    assert set(report["jurors"]) == {"consistent", "calibrated"}
    for attacks in report["jurors"].values():
        assert set(attacks) == {"self-promoter", "colluders", "colluders-of-5", "flipper"}
        for figures in attacks.values():
            for mode in ("paper", "robust"):
                assert -100 <= figures[mode]["win_rate_change_points"] <= 100
                assert 0 <= figures[mode]["winner_change_rate"] <= 1 and 0 <= figures[mode]["abstain_floor"] <= 1
            assert figures["robust"]["agrees_with_graph"] == 1.0  # the re-scoring reproduces the graph's winners
    agreeing = report["jurors"]["consistent"]
    for attack in ("self-promoter", "colluders-of-5", "flipper"):
        assert agreeing[attack]["robust"]["win_rate_change_points"] == 0
        assert agreeing[attack]["robust"]["winner_change_rate"] == 0 and agreeing[attack]["robust_within_spec"]
        assert agreeing[attack]["robust_within_spec_of_floor"]
        assert agreeing[attack]["paper"]["abstain_floor"] == 0
    assert agreeing["self-promoter"]["paper"]["win_rate_change_points"] > 2
    assert report["jurors"]["calibrated"]["self-promoter"]["paper"]["win_rate_change_points"] > 0
