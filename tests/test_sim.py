"""The simulated Qwen3 ladder: calibration constants, determinism, and the real graph running on it."""

from __future__ import annotations

import asyncio

import pytest

from graphs.auction import graph
from graphs.context import AuctionContext, Live
from memory_store import AuctionMemory
from sale.sim.calibration import oracle_rate, signal_for_auc, smallest_pick_precision, value_auc
from sale.sim.params import (
    CALIBRATED_PRECISION,
    CALIBRATED_RHO,
    CALIBRATED_SIGNAL,
    LADDER,
    MEASURED_SIGNAL,
    MEASURED_VALUE_AUC,
    PAPER_ORACLE,
    SimParams,
    pass_probability,
    sim_pool,
)
from sale.sim.world import SimWorld
from sale.suites.coding import coding_suite


def test_ladder_prices_and_per_bin_success_match_the_paper():
    assert [(n, p) for n, p, _ in LADDER] == [("sim-qwen3-4b", 0.05), ("sim-qwen3-8b", 0.09),
                                            ("sim-qwen3-14b", 0.16), ("sim-qwen3-32b", 0.36)]
    for domain, overall in (("deep-search", 0.638), ("coding", 0.584)):
        largest = [pass_probability("sim-qwen3-32b", domain, b) for b in range(1, 6)]
        assert sum(largest) / 5 == pytest.approx(overall, abs=0.002)
        ratios = [pass_probability("sim-qwen3-4b", domain, b) / largest[b - 1] for b in range(1, 6)]
        assert 0.87 <= ratios[0] <= 0.92 and 0.17 <= ratios[-1] <= 0.25
        for b in range(1, 6):
            ladder = [pass_probability(n, domain, b) for n, _, _ in LADDER]
            assert ladder == sorted(ladder)


@pytest.mark.parametrize("domain", ["deep-search", "coding"])
def test_calibrated_constants_are_reproduced_by_their_procedure(domain):
    """rho puts the oracle on the paper's figure; the signal gives the paper's smallest-pick precision (or the
    best this model reaches, which the constant records)."""
    assert oracle_rate(domain, CALIBRATED_RHO[domain], n=2000) == pytest.approx(PAPER_ORACLE[domain], abs=0.015)
    params = SimParams()
    precision, share = smallest_pick_precision(domain, params, n=2000)
    assert precision == pytest.approx(CALIBRATED_PRECISION[domain], abs=0.005)
    assert params.signal_for(domain) == CALIBRATED_SIGNAL[domain]
    no_signal, _ = smallest_pick_precision(domain, SimParams(signal=0.0), n=2000)
    assert no_signal < precision, "the signal must carry information about success"
    assert 0 < share < 1


@pytest.mark.parametrize("suite,figures", [("deep-search", "jury-expected-deepsearch-seed0-20"),
                                           ("coding", "jury-expected-coding-seed0-10")])
def test_the_measured_setting_reproduces_the_real_ladders_auc(suite, figures):
    """`--signal measured`: the AUC is the one `sale analyze signal` wrote for the real ladder, and the signal is
    the smallest at which simulated bids reach it."""
    import json
    from pathlib import Path

    report = json.loads((Path(__file__).parent.parent / "docs" / "figures" / figures / "signal.json").read_text())
    assert not report["simulated"] and report["suite"] == suite
    assert report["signals"]["value"]["auc_within_agent"]["value"] == MEASURED_VALUE_AUC[suite]
    assert signal_for_auc(MEASURED_VALUE_AUC[suite]) == MEASURED_SIGNAL[suite]


def test_simulated_bids_grow_more_informative_with_the_signal():
    aucs = [value_auc(s, n=200) for s in (0.0, 0.1, 0.2, 0.4)]
    assert abs(aucs[0] - 0.5) < 0.03 and aucs == sorted(aucs) and aucs[-1] > 0.9


def test_replies_are_deterministic_and_independent_of_call_order(tmp_path):
    suite = coding_suite(2, per_bin=2)
    results = []
    for order in (suite.tasks, list(reversed(suite.tasks))):
        world = SimWorld(suite.tasks, seed=9)
        replies = {}
        for task in order:
            for name, _, _ in LADDER:
                model = world.factory(sim_pool().get(name))
                from langchain_core.messages import HumanMessage, SystemMessage

                from sale.core.prompts import BID_SYSTEM, BID_USER

                msg = model.invoke([SystemMessage(BID_SYSTEM.format(agent=name, tools="t", max_words=80)),
                                    HumanMessage(BID_USER.format(task=task.task))], logprobs=True, top_logprobs=5)
                replies[(task.id, name)] = (msg.content, msg.response_metadata["logprobs"]["content"][0])
        results.append(replies)
    assert results[0] == results[1]
    assert SimWorld(suite.tasks, seed=10).plans == {}


def test_the_real_graph_runs_on_the_simulated_pool_and_labels_it(tmp_path):
    suite = coding_suite(4, per_bin=1)
    world = SimWorld(suite.tasks, seed=4)
    memory = AuctionMemory(tmp_path / "m")
    try:
        ctx = AuctionContext(live=Live(pool=sim_pool(), memory=memory, model_factory=world.factory), max_steps=24,
                             exec_token_budget=2_000_000, exec_max_tokens=8192)
        result = asyncio.run(graph.ainvoke({"task": suite.tasks[2].task}, context=ctx))["result"]
    finally:
        memory.close()
    assert result["status"] == "ok" and result["simulated"] is True
    assert all(a["simulated"] for a in result["pool"]["agents"])
    assert len(result["bids"]) >= 4 and all(b["entropy"] > 0 and len(b["jury"]) == 4 for b in result["bids"])
    steps = result["execution"]["steps"]
    assert any(s["kind"] == "tool" and s["tool"] == "python" for s in steps)
    assert "```python" in result["answer"]


def test_memory_rebids_improve_small_agents_on_similar_tasks_but_never_beyond_the_ladder():
    from nodes.refine import rebid_prompt

    suite = coding_suite(8, per_bin=8)
    world = SimWorld(suite.tasks, seed=8, params=SimParams(memory_gain=1.0))
    small = "sim-qwen3-4b"
    spec = sim_pool().get(small)

    def rebid(task, past):
        exemplars = [{"auction_id": p.id, "similarity": 0.9, "task": p.task, "losing_agent": small,
                      "losing": "x", "winning_agent": "sim-qwen3-32b", "winning": "y"} for p in past]
        reply = world.factory(spec).invoke(rebid_prompt(small, task.task, "old plan", exemplars, 80),
                                           logprobs=True, top_logprobs=5)
        return world.plans[" ".join(reply.content.split())].good

    lifted = unsolvable = 0
    for task in suite.tasks:
        if world.succeeds_alone(small, task):
            continue
        similar = [p for p in suite.tasks if p.bin == task.bin and p.id != task.id][:4]
        other = [p for p in suite.tasks if p.bin != task.bin][:4]
        assert not rebid(task, other), "dissimilar past auctions must not help"
        if world.solvable(task):
            assert rebid(task, similar), "with memory_gain 1 and only similar past tasks the rebid works"
            lifted += 1
        else:
            assert not rebid(task, similar)
            unsolvable += 1
    assert lifted and unsolvable
