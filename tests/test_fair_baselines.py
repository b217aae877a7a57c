"""Issue 18's fair comparison: ``sale-learned`` (weights fitted on the train split in the same run), the routed
baselines' knobs calibrated toward SALE's target, their execution fallback, and the ``measured`` signal."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from sale.apps.cli import main
from sale.bench import routers as R
from sale.bench.config import BenchConfig
from sale.bench.runner import run_bench
from sale.bench.runs import Run, routed_runs
from sale.sim.params import MEASURED_SIGNAL, SIM_POOL
from sale.suites.suite import BenchTask


@pytest.fixture(scope="module")
def fair_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("fair")
    cfg = BenchConfig(suite="deep-search", pool=SIM_POOL, seed=1, size=20, out=out, train_share=0.5,
                      budget_biases=(0.5, 1.0), progress=False,
                      routers=("sale", "sale-learned", "wtp", "carrot", "frugalgpt", "to-router"))
    return asyncio.run(run_bench(cfg)), out


def test_sale_learned_fits_on_the_train_split_and_streams_the_test_split_with_the_fit(fair_run):
    results, out = fair_run
    learned = results["learned_weights"]
    w = learned["weights"]
    assert set(w) == set(learned["default_weights"]) == {"cost", "entropy"} | {
        f"juror:{a['name']}" for a in results["pool"]["agents"]}
    assert learned["entropy_sign"] == ("negative" if w["entropy"] < 0 else "positive" if w["entropy"] > 0
                                       else "zero")
    assert abs(w["entropy"]) + sum(v for k, v in w.items() if k.startswith("juror:")) == pytest.approx(1, abs=1e-5)
    assert 0 < learned["n_train_examples"] <= results["n_train"]
    assert 0 < learned["n_test_examples"] <= results["n_test"]
    for name in ("learned", "default"):
        for split in ("train", "test"):
            assert 0 <= learned["fit"][name][split]["routing_accuracy"] <= 1
    rows = [json.loads(line) for line in (out / "auctions.jsonl").read_text().splitlines()]
    train = [r for r in rows if r["run"] == "sale-learned-train"]
    suite = {json.loads(line)["id"]: json.loads(line) for line in (out / "suite.jsonl").read_text().splitlines()}
    assert len(train) == results["n_train"] and len({r["task_id"] for r in train}) == results["n_train"]
    assert all(r["passed"] is None and all(b["round"] == 0 for b in r["bids"]) for r in train), \
        "route-only first-round auctions: nothing executed, no rebid"
    assert all(r["usage"]["execution_tokens"] == 0 for r in train)
    test = [r for r in rows if r["run"] == "sale-learned"]
    assert len(test) == results["n_test"] and not {r["task_id"] for r in test} & {r["task_id"] for r in train}
    assert len(suite) == results["n_tasks"]
    for r in test:
        assert r["weights"]["cost"] == pytest.approx(w["cost"]) and r["weights"]["entropy"] == pytest.approx(
            w["entropy"])
        assert r["weights"]["jurors"] == {k.removeprefix("juror:"): v for k, v in w.items() if k != "cost"
                                          and k != "entropy"}
    assert results["routers"]["sale-learned"]["budget_bias"] == 1.0
    assert results["routers"]["sale"]["budget_bias"] == results["budget_knob"]["chosen"]["budget_bias"]
    report = (out / "report.md").read_text()
    assert "## sale-learned: weights fitted on the train split" in report and learned["entropy_sign"] in report


def test_router_knobs_are_calibrated_on_the_train_split_toward_sales_target(fair_run):
    results, out = fair_run
    knobs = results["router_knobs"]
    assert set(knobs) == {"wtp", "carrot", "frugalgpt"}, "to-router has no knob"
    target = results["budget_knob"]["target_pass_at_1"]
    for router, k in knobs.items():
        assert k["target_pass_at_1"] == target and k["calibrated_on"].startswith("train")
        value = k["chosen"][k["knob"]]
        assert results["routers"][router]["knob"][k["knob"]] == value
        reached = [p for p in k["curve"] if p["pass_at_1"] >= target - 1e-9]
        if k["reached"]:
            assert k["chosen"] == min(reached, key=lambda p: p["cost_usd"])
        else:
            assert not reached and k["chosen"]["pass_at_1"] == max(p["pass_at_1"] for p in k["curve"])
    assert "## Routers' knobs, calibrated on the train split" in (out / "report.md").read_text()


def test_cross_fitting_never_routes_a_task_with_a_router_that_saw_it():
    """Scored on the tasks it was fitted on, a kNN router finds each task itself; every train task must be routed
    by a router fitted on the other folds only, and every task exactly once."""
    from sale.bench.calibrate import cross_fitted

    n = 23
    ids = np.arange(n, dtype=float)[:, None]
    train = R.Outcomes(agents=["a", "b"], passed=np.ones((n, 2), dtype=bool), cost=np.ones((n, 2)),
                       answers=[["", ""]] * n)
    seen: list[tuple[set[float], set[float]]] = []

    def spy(tr: R.Outcomes, tx: np.ndarray, te: R.Outcomes, ex: np.ndarray) -> list[R.Route]:
        assert len(tr.passed) == len(tx) and len(te.passed) == len(ex)
        seen.append((set(tx[:, 0]), set(ex[:, 0])))
        return [R.Route(tried=[int(e[0]) % 2], chosen=int(e[0]) % 2) for e in ex]

    routes = cross_fitted(spy, train, ids, seed=0)
    assert sorted(routes) == list(range(n)) and all(routes[t].chosen == t % 2 for t in routes)
    assert len(seen) == 5 and all(not fitted & routed and len(fitted | routed) == n for fitted, routed in seen)


def _run(agent: str, passed: bool, usd: float, error: str = "") -> Run:
    return Run(router=f"single:{agent}", task_id="t", bin=1, order=0, agent=agent, passed=passed, usd=usd,
               tokens=10, completion_tokens=5, exec_error=error, exec_steps=3, test_runs=2)


def test_a_routed_baseline_falls_back_to_its_next_choice_on_an_endpoint_error():
    task = BenchTask(id="t", task="?", domain="deep-search", bin=1, verifier="exact")
    agents = ["small", "mid", "large"]
    route = R.Route(tried=[0], chosen=0, ranking=[2, 1])
    healthy = {("small", "t"): _run("small", False, 1.0), ("mid", "t"): _run("mid", True, 2.0),
               ("large", "t"): _run("large", True, 4.0)}
    run = routed_runs("x", [route], [task], healthy, agents)[0]
    assert (run.agent, run.passed, run.usd) == ("small", False, 1.0), "a wrong answer is not an endpoint error"
    broken = healthy | {("small", "t"): _run("small", False, 0.5, "small failed during execution: timeout"),
                        ("large", "t"): _run("large", False, 0.25, "large failed during execution: 503")}
    run = routed_runs("x", [route], [task], broken, agents)[0]
    assert (run.agent, run.passed, run.usd) == ("mid", True, 2.75), "next choice in the router's order, all paid"
    assert run.detail == "tried small, large, mid"
    assert (run.exec_steps, run.test_runs) == (9, 6), "the work of every run it paid for"
    assert R.with_fallback(route, [True, True, True]).chosen == 1, "no choice left: the last one's failure stands"


def test_every_router_ranks_the_agents_it_did_not_choose():
    rng = np.random.default_rng(0)
    n, agents = 30, ["a", "b", "c"]
    train = R.Outcomes(agents=agents, passed=rng.random((n, 3)) < [0.3, 0.5, 0.8], cost=np.tile([1.0, 2, 4], (n, 1)),
                       answers=[["x"] * 3] * n)
    x, test_x = rng.standard_normal((n, 8)), rng.standard_normal((5, 8))
    for routes in (R.wtp(train, x, test_x), R.carrot(train, x, test_x),
                   R.to_router(train, [f"task {i} {i % 3}" for i in range(n)], [f"task {i}" for i in range(5)])):
        for r in routes:
            assert sorted([r.chosen, *r.ranking]) == [0, 1, 2] and r.tried == [r.chosen]


def test_a_cascade_moves_past_a_stage_that_failed_at_the_endpoint():
    n, agents = 12, ["a", "b"]
    passed = np.array([[True, True]] * n)
    train = R.Outcomes(agents=agents, passed=passed, cost=np.ones((n, 2)), answers=[["ok", "ok"]] * n)
    test = R.Outcomes(agents=agents, passed=np.array([[True, True]]), cost=np.ones((1, 2)), answers=[["", "ok"]],
                      failed=np.array([[True, False]]))
    x = np.random.default_rng(1).standard_normal((n, 4))
    assert R.frugalgpt(train, x, test, x[:1])[0].tried == [0, 1]
    healthy = R.Outcomes(agents=agents, passed=test.passed, cost=test.cost, answers=[["ok", "ok"]])
    assert R.frugalgpt(train, x, healthy, x[:1])[0].tried == [0]


def test_signal_measured_resolves_per_suite_and_refuses_an_unmeasured_one(tmp_path, capsys):
    from sale.apps.cli.bench import bench_config
    from sale.apps.cli.parser import build_parser

    args = build_parser().parse_args(["bench", "--pool", SIM_POOL, "--suite", "deep-search", "--signal", "measured"])
    assert bench_config(args).sim.signal == MEASURED_SIGNAL["deep-search"]
    code = main(["bench", "--pool", SIM_POOL, "--suite", "arith", "--signal", "measured", "--no-progress",
                 "--out", str(tmp_path / "o")])
    assert code == 2 and "no signal measured on the real ladder for suite 'arith'" in capsys.readouterr().err
    code = main(["bench", "--pool", SIM_POOL, "--routers", "sale-learned", "--train-share", "0", "--no-progress",
                 "--out", str(tmp_path / "o")])
    assert code == 2 and "sale-learned fits its weights on the train split" in capsys.readouterr().err


def test_sale_learned_sends_the_train_auctions_sale_sends(tmp_path):
    """`--reuse` of a run whose SALE streamed the train split (the budget sweep) serves every one of
    sale-learned's train calls: four bids and sixteen jury calls per task, byte-identical requests."""
    base = dict(suite="deep-search", pool=SIM_POOL, seed=4, size=10, train_share=0.4, progress=False)
    first = asyncio.run(run_bench(BenchConfig(**base, out=tmp_path / "a", routers=("single:largest",),
                                              budget_biases=(1.0,))))
    singles = asyncio.run(run_bench(BenchConfig(**base, out=tmp_path / "b", routers=("single:largest",),
                                                reuse=tmp_path / "a")))
    learned = asyncio.run(run_bench(BenchConfig(**base, out=tmp_path / "c", routers=("single:largest", "sale-learned"),
                                                reuse=tmp_path / "a")))
    assert singles["reused"]["new_calls"] == 0
    assert learned["reused"]["reused_calls"] - singles["reused"]["reused_calls"] == 20 * first["n_train"]
    assert learned["reused"]["new_calls"] > 0, "the test split was never streamed by the first run"
