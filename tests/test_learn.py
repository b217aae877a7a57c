"""Weight learning (min-max MILP), Shapley values and workload dynamics on a recorded simulated bench run."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from sale.analysis.learn import Example, evaluate, fit
from sale.analysis.shapley import dynamics, shapley
from sale.apps.cli import main
from sale.bench.config import BenchConfig
from sale.bench.runner import run_bench
from sale.core.cost import Weights
from sale.sim.params import SIM_POOL


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("recorded")
    results = asyncio.run(run_bench(BenchConfig(suite="deep-search", pool=SIM_POOL, seed=2, size=50, out=out,
                                                progress=False, train_share=0.2,
                                                routers=("sale", "sale-nomem", "oracle"))))
    return out, results


def test_learned_weights_are_bounded_capped_and_accepted_everywhere(run_dir, tmp_path, capsys):
    out, _ = run_dir
    target = tmp_path / "w.json"
    assert main(["learn-weights", "--from", str(out), "--out", str(target), "--cap", "0.4"]) == 0
    learned = json.loads(target.read_text())
    w = learned["weights"]
    assert all(np.isfinite(v) for v in w.values())
    assert 0 <= w["cost"] <= 10 and 0 <= w["entropy"] <= 1
    jurors = {k: v for k, v in w.items() if k.startswith("juror:")}
    assert len(jurors) == 4 and all(0 <= v <= 1 for v in jurors.values())
    assert w["entropy"] + sum(jurors.values()) == pytest.approx(1.0, abs=1e-5)
    assert all(v <= 0.4 * sum(jurors.values()) + 1e-6 for v in jurors.values())
    assert learned["n_train"] + learned["n_test"] >= 35
    for split in ("train", "test"):
        for name in ("learned", "default"):
            fig = learned["fit"][name][split]
            assert 0 <= fig["routing_accuracy"] <= 1 and 0 <= fig["pass_at_1"] <= 1
    assert "held-out" in capsys.readouterr().out
    weights = Weights.from_file(target)
    assert weights.cost == w["cost"] and set(weights.jurors) == {k[6:] for k in jurors}
    bench = asyncio.run(run_bench(BenchConfig(suite="deep-search", pool=SIM_POOL, seed=2, size=10, limit=4,
                                              out=tmp_path / "b", progress=False, routers=("sale",),
                                              weights_file=str(target), train_share=0.0)))
    recorded = [json.loads(line) for line in (tmp_path / "b" / "auctions.jsonl").read_text().splitlines()]
    assert recorded and recorded[0]["weights"]["cost"] == pytest.approx(w["cost"])
    assert bench["routers"]["sale"]["pass_at_1"] >= 0
    mean = tmp_path / "mean.json"
    assert main(["learn-weights", "--from", str(out), "--out", str(mean), "--objective", "mean"]) == 0
    assert json.loads(mean.read_text())["objective"] == "mean"


def test_the_milp_recovers_a_separable_labelling():
    rng = np.random.default_rng(0)
    examples = []
    for t in range(30):
        jury = rng.integers(0, 6, size=(3, 3)).astype(float)
        label = int(rng.integers(0, 3))
        jury[label] = 5.0
        jury[[i for i in range(3) if i != label]] = np.minimum(jury[[i for i in range(3) if i != label]], 3)
        examples.append(Example(task_id=str(t), agents=["a", "b", "c"], cost=np.array([1.0, 2.0, 3.0]),
                                entropy=rng.uniform(0.5, 1.0, 3), jury=jury, label=label,
                                passed={"a": label == 0, "b": label == 1, "c": label == 2},
                                usd={"a": 1.0, "b": 2.0, "c": 3.0}))
    for objective in ("minmax", "mean"):
        w = fit(examples, ["a", "b", "c"], objective, cap=1.0)
        assert evaluate(examples, w, ["a", "b", "c"])["routing_accuracy"] == 1.0, objective


def test_a_signed_entropy_weight_follows_the_data():
    """Bids whose plans are LESS certain lose (the label always has the lowest entropy; jurors carry nothing):
    only a negative entropy weight separates them, and only --signed-entropy may give one."""
    rng = np.random.default_rng(1)
    examples = []
    for t in range(30):
        label = int(rng.integers(0, 3))
        entropy = rng.uniform(0.8, 1.2, 3)
        entropy[label] = 0.3
        examples.append(Example(task_id=str(t), agents=["a", "b", "c"], cost=np.zeros(3), entropy=entropy,
                                jury=np.full((3, 3), 4.0), label=label,
                                passed={"a": label == 0, "b": label == 1, "c": label == 2},
                                usd={"a": 1.0, "b": 2.0, "c": 3.0}))
    signed = fit(examples, ["a", "b", "c"], "mean", cap=1.0, signed_entropy=True)
    assert signed["entropy"] < 0 and evaluate(examples, signed, ["a", "b", "c"])["routing_accuracy"] == 1.0
    unsigned = fit(examples, ["a", "b", "c"], "mean", cap=1.0)
    assert unsigned["entropy"] >= 0 and evaluate(examples, unsigned, ["a", "b", "c"])["routing_accuracy"] < 0.5


def test_shapley_values_are_efficient_and_replay_the_recorded_run(run_dir, capsys):
    out, results = run_dir
    s = shapley(out)
    for label, run in (("with_memory", "sale"), ("without_memory", "sale-nomem")):
        part = s[label]
        assert sum(part["shapley"].values()) == pytest.approx(part["v_full"] - part["v_empty"], abs=1e-5)
        assert part["v_full"] == pytest.approx(results["routers"][run]["pass_at_1"], abs=1e-9), label
    assert main(["analyze", "shapley", "--from", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed["shapley"]) == {"sim-qwen3-4b", "sim-qwen3-8b", "sim-qwen3-14b", "sim-qwen3-32b"}
    assert {"v_full", "v_empty"} <= set(printed)
    adjusted = shapley(out, "cost-adjusted")["with_memory"]
    assert sum(adjusted["shapley"].values()) == pytest.approx(adjusted["v_full"], abs=1e-5)


def test_dynamics_plot_and_shares(run_dir, tmp_path):
    out, _ = run_dir
    d = dynamics(out, tmp_path / "dyn.png")
    assert (tmp_path / "dyn.png").read_bytes().startswith(b"\x89PNG")
    for shares in d["final_share"].values():
        assert sum(shares.values()) == pytest.approx(1.0)
    for run, blocks in d["smallest_blocks"].items():
        assert len(blocks["share"]) == len(blocks["edges"]) - 1
        assert d["smallest_trend"][run]["verdict"] in ("rising", "flat", "falling", "too short")


def test_share_trend_tells_rising_from_flat():
    """The verdict follows the data: a share climbing from 10 % to 40 % over the stream is rising, a constant
    share with noise is flat, a falling one falling; block shares are the plain means."""
    from sale.analysis.shapley import _share_trend

    rng = np.random.default_rng(0)
    ramp = np.linspace(0.1, 0.4, 200)
    rising = (rng.random((8, 200)) < ramp).astype(float)
    flat = (rng.random((8, 200)) < 0.25).astype(float)
    blocks, trend = _share_trend(rising)
    assert trend["verdict"] == "rising" and 15 < trend["slope_points"] < 45
    assert blocks["share"][0] == pytest.approx(rising[:, :40].mean())
    assert _share_trend(flat)[1]["verdict"] == "flat"
    assert _share_trend(rising[:, ::-1].copy())[1]["verdict"] == "falling"
    assert _share_trend(rising[:1])[1]["se_points"] > 0


def test_paired_trend_cancels_what_both_runs_share():
    """Memory's own part of the trend: a tilt common to both runs (the same stream orders) cancels, a climb only
    the memory run has does not."""
    from sale.analysis.shapley import _paired_trend

    rng = np.random.default_rng(1)
    shared_tilt = rng.random((8, 200)) < np.linspace(0.1, 0.3, 200)
    climb = rng.random((8, 200)) < np.linspace(0.0, 0.3, 200)
    without = shared_tilt.astype(float)
    with_memory = (shared_tilt | climb).astype(float)
    assert _paired_trend(with_memory, without)["verdict"] == "rising"
    same = _paired_trend(without, without.copy())
    assert same["slope_points"] == 0 and same["verdict"] == "flat"
    assert _paired_trend(with_memory[:2], without[:2]) is None


def test_analysis_of_a_directory_without_a_run_is_one_clear_error(tmp_path, capsys):
    assert main(["analyze", "shapley", "--from", str(tmp_path)]) == 2
    assert "results.json is missing" in capsys.readouterr().err
    assert main(["learn-weights", "--from", str(tmp_path), "--out", str(tmp_path / "w.json")]) == 2
    assert not (tmp_path / "w.json").exists()
