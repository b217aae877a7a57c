"""The cost-matched random control (``random-matched:ROUTER``): its mixture spends what the router spent, its
draws are seeded, it answers with the drawn agents' own runs, and every bench with an auction router has it."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from sale.bench import routers as R
from sale.bench.config import BenchConfig
from sale.bench.results import random_matched
from sale.bench.runner import run_bench
from sale.bench.runs import Run
from sale.sim.params import SIM_POOL


@pytest.mark.parametrize("target", [1.0, 2.5, 4.0, 7.9, 10.0])
def test_the_mixture_spends_the_target_on_the_two_agents_that_bracket_it(target):
    spend = np.array([1.0, 4.0, 10.0])
    probs, matched = R.matched_mixture(spend, target)
    assert matched and probs.sum() == pytest.approx(1.0) and probs @ spend == pytest.approx(target)
    assert np.count_nonzero(probs) <= 2
    used = np.flatnonzero(probs)
    assert spend[used].min() <= target <= spend[used].max()


def test_a_target_no_mixture_reaches_is_capped_and_flagged():
    spend = np.array([4.0, 1.0, 10.0])  # not in price order: the agents' spend decides
    probs, matched = R.matched_mixture(spend, 12.0)
    assert not matched and probs.tolist() == [0.0, 0.0, 1.0]
    probs, matched = R.matched_mixture(spend, 0.5)
    assert not matched and probs.tolist() == [0.0, 1.0, 0.0]


def runs_for(agents, passed, usd, tasks):
    return {(a, t): Run(router=f"single:{a}", task_id=t, bin=1 + i % 5, order=0, agent=a,
                        passed=bool(passed[j][i]), usd=usd[j], tokens=100, completion_tokens=10, wall_s=1.0)
            for j, a in enumerate(agents) for i, t in enumerate(tasks)}


def test_draws_average_to_the_mixture_and_repeat_exactly():
    agents, tasks = ["cheap", "mid", "dear"], [f"t{i}" for i in range(20)]
    passed = [[i % 4 == 0 for i in range(20)], [i % 2 == 0 for i in range(20)], [i % 5 != 0 for i in range(20)]]
    singles = runs_for(agents, passed, [0.01, 0.03, 0.10], tasks)
    target = 0.05 * 20  # between mid's 0.6 and dear's 2.0
    f = random_matched("sale", target, singles, agents, tasks, seed=7)
    share = (2.0 - target) / (2.0 - 0.6)
    assert f["mixture"] == pytest.approx({"mid": share, "dear": 1 - share})
    assert f["spend_matched"] and f["draws"] == R.RANDOM_DRAWS and f["tasks"] == 20
    assert f["cost_usd"] == pytest.approx(target, rel=0.02)
    assert f["expected_pass_at_1"] == pytest.approx(share * 0.5 + (1 - share) * 0.8)
    assert f["pass_at_1"] == pytest.approx(f["expected_pass_at_1"], abs=3 * f["pass_at_1_sd"] / R.RANDOM_DRAWS ** 0.5)
    assert f["pass_at_1_sd"] > 0 and f["pass_at_1_p05"] < f["pass_at_1"] < f["pass_at_1_p95"]
    assert random_matched("sale", target, singles, agents, list(reversed(tasks)), seed=7) == f
    assert random_matched("sale", target, singles, agents, tasks, seed=8)["pass_at_1"] != f["pass_at_1"]


def test_every_simulated_bench_with_an_auction_router_has_its_control(tmp_path):
    cfg = BenchConfig(suite="coding", pool=SIM_POOL, seed=1, size=10, out=tmp_path, progress=False,
                      routers=("sale-nomem", "single:largest"))
    results = asyncio.run(run_bench(cfg))
    routers = results["routers"]
    control = routers["random-matched:sale-nomem"]
    assert "random-matched:single:largest" not in routers and control["matched_to"] == "sale-nomem"
    spend = {a: routers[f"single:{a}"]["cost_usd"] for a in control["mixture"]}
    assert sum(p * spend[a] for a, p in control["mixture"].items()) == pytest.approx(routers["sale-nomem"]["cost_usd"])
    assert control["cost_vs_largest"] == control["cost_usd"] / routers["single:largest"]["cost_usd"]
    assert "## Cost-matched random control" in (tmp_path / "report.md").read_text()
    assert json.loads((tmp_path / "results.json").read_text())["routers"]["random-matched:sale-nomem"] == control
    rows = [json.loads(line)["router"] for line in (tmp_path / "tasks.jsonl").read_text().splitlines()]
    assert "random-matched:sale-nomem" not in rows, "200 draws per task stay out of tasks.jsonl"


def test_the_control_draws_direct_answers_on_one_shot_tasks_and_executor_runs_on_programs():
    from sale.bench.results import control_runs
    from sale.suites.suite import BenchTask

    agents = ["a", "b"]
    one_shot = [BenchTask(id=f"cd-0-1-{i:03d}", task="?", domain="coding", bin=1, verifier="unit_tests")
                for i in range(2)]
    programs = [BenchTask(id=f"programs-2-p{i}", task="?", domain="coding", bin=2, verifier="python_tests")
                for i in range(2)]
    for tasks in (one_shot, programs):
        ids = [t.id for t in tasks]
        singles = runs_for(agents, [[1, 1], [1, 1]], [1.0, 2.0], ids)
        direct = runs_for(agents, [[0, 0], [0, 0]], [0.1, 0.2], ids)
        chosen = control_runs(tasks, direct, singles, agents)
        assert chosen is (direct if tasks is one_shot else singles)
        partial = dict(list(direct.items())[:-1])
        assert control_runs(tasks, partial, singles, agents) is singles
