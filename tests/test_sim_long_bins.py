"""The simulated ladder's long bins (issue 29): the programs suite's execution lengths per agent and bin come from a
real run's executor runs, placed on the simulated ladder by rank, and the simulator follows them; the run's pass
rates are recorded beside them, and the simulator keeps the paper's."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from sale.sim import long_bins
from sale.sim.draws import latent_success, task_pass_probability
from sale.sim.params import LADDER, pass_probability
from sale.sim.world import execution_shape
from sale.suites.programs import programs_suite

ROOT = Path(__file__).resolve().parent.parent
REAL = ("smollm2-135m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b")


def _row(agent: str, task: str, bin_: int, passed: bool, steps: int, completion: int) -> dict:
    return {"router": f"single:{agent}", "task_id": task, "bin": bin_, "passed": passed, "exec_steps": steps,
            "completion_tokens": completion}


def _run(tmp_path: Path, simulated: bool = False) -> Path:
    out = tmp_path / "run"
    out.mkdir()
    (out / "results.json").write_text(json.dumps({
        "simulated": simulated, "suite": "programs", "seed": 0, "n_test": 2,
        "pool": {"agents": [{"name": n} for n in REAL]}}))
    rows = [_row("smollm2-135m", "programs-1-a", 1, False, 4, 4000),
            _row("smollm2-135m", "programs-1-b", 1, False, 2, 0),
            {**_row("smollm2-135m", "programs-1-c", 1, False, 1, 0), "exec_error": "timeout"},
            _row("qwen2.5-coder-0.5b", "programs-1-a", 1, True, 2, 600),
            _row("qwen2.5-coder-0.5b", "programs-1-b", 1, False, 4, 600),
            _row("qwen2.5-coder-1.5b", "programs-1-a", 1, True, 1, 300),
            _row("qwen2.5-coder-1.5b", "programs-1-b", 1, True, 3, 500),
            {**_row("qwen2.5-coder-1.5b", "programs-1-a", 1, True, 1, 300), "router": "sale"},
            _row("qwen2.5-coder-1.5b", "cd-1-1-000", 1, False, 9, 9)]
    (out / "tasks.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out


def test_a_run_gives_each_agents_executor_figures_per_bin(tmp_path):
    figures = long_bins.from_run(_run(tmp_path))
    assert figures["agents"]["qwen2.5-coder-1.5b"] == {"params_billion": 1.54}
    assert figures["bins"]["1"]["smollm2-135m"] == {"pass": 0.0, "steps": 3.0, "completion_per_step": 4000 / 6,
                                                    "tasks": 3, "endpoint_failures": 1}
    assert figures["bins"]["1"]["qwen2.5-coder-1.5b"] == {"pass": 1.0, "steps": 2.0, "completion_per_step": 200.0,
                                                          "tasks": 2, "endpoint_failures": 0}
    assert figures["bins"]["1"]["qwen2.5-coder-0.5b"]["pass"] == 0.5


def test_a_simulated_run_is_refused(tmp_path):
    with pytest.raises(ValueError, match="simulated"):
        long_bins.from_run(_run(tmp_path, simulated=True))


def test_simulated_agents_sit_on_the_real_ladder_by_rank(tmp_path):
    data = long_bins.from_run(_run(tmp_path))
    assert long_bins.measured(0.0, 1, "pass", data) == 0.0
    assert long_bins.measured(1.0, 1, "pass", data) == 1.0
    mid = (math.log(0.494) - math.log(0.135)) / (math.log(1.54) - math.log(0.135))
    assert long_bins.measured(mid, 1, "pass", data) == pytest.approx(0.5)
    assert long_bins.measured((1 + mid) / 2, 1, "pass", data) == pytest.approx(0.75)


def test_the_simulator_takes_execution_lengths_from_the_profile_and_pass_rates_from_the_paper(tmp_path,
                                                                                            monkeypatch):
    """A real ladder that passes nothing must not make the simulated 32B fail every program: the profile's pass
    rates are recorded, not used; its execution lengths are used on programs tasks only."""
    profile = tmp_path / "long_bins.json"
    figures = long_bins.from_run(_run(tmp_path))
    figures["bins"]["2"] = {n: {"pass": 0.0, "steps": 7.0, "completion_per_step": 1500.0, "tasks": 1} for n in REAL}
    profile.write_text(json.dumps(figures))
    monkeypatch.setattr(long_bins, "PROFILE", profile)
    tasks = programs_suite(0).tasks
    small = next(t for t in tasks if t.bin == 1)
    medium = next(t for t in tasks if t.bin == 2)
    largest, smallest = LADDER[-1][0], LADDER[0][0]
    for agent in (largest, smallest):
        for task in (small, medium):
            assert task_pass_probability(agent, task) == pass_probability(agent, "coding", task.bin)
    assert task_pass_probability(largest, medium) > 0.5, "the paper's 32B, not the profile's 0.0"
    assert any(latent_success(s, largest, medium, 0.8) for s in range(20))
    assert execution_shape(largest, medium) == (6, 1500.0)
    assert execution_shape(largest, small) == (1, 200.0)
    coding = medium.__class__(**{**medium.__dict__, "id": "cd-2-2-000"})
    assert execution_shape(largest, coding) != (6, 1500.0)


def test_a_missing_profile_names_the_script(tmp_path, monkeypatch):
    monkeypatch.setattr(long_bins, "PROFILE", tmp_path / "absent.json")
    with pytest.raises(FileNotFoundError, match=r"sim_long_bins\.py"):
        long_bins.profile()


def test_the_script_writes_and_checks_the_profile(tmp_path):
    out = tmp_path / "profile.json"
    run = _run(tmp_path)
    script = [sys.executable, str(ROOT / "scripts" / "sim_long_bins.py"), "--from", str(run), "--out", str(out)]
    done = subprocess.run(script, capture_output=True, text=True, check=True)
    assert "bin 1:" in done.stdout and json.loads(out.read_text())["bins"]["1"]
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 0
    out.write_text(out.read_text().replace('"pass": 1.0', '"pass": 0.9'))
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 1


def test_a_simulated_programs_run_names_the_real_run_its_long_bins_come_from(tmp_path, monkeypatch):
    import asyncio

    from sale.bench.config import BenchConfig
    from sale.bench.runner import run_bench

    figures = long_bins.from_run(_run(tmp_path))
    figures["bins"]["2"] = figures["bins"]["3"] = figures["bins"]["1"]
    figures["source"] = "docs/figures/some-real-run"
    profile = tmp_path / "long_bins.json"
    profile.write_text(json.dumps(figures))
    monkeypatch.setattr(long_bins, "PROFILE", profile)
    out = tmp_path / "bench"
    cfg = BenchConfig(pool="sim:qwen3-ladder", suite="programs", routers=("sale",), limit=3, out=out, progress=False)
    results = asyncio.run(run_bench(cfg))
    assert results["simulated"] and results["long_bins_source"] == "docs/figures/some-real-run"
    assert "from the real run `docs/figures/some-real-run`" in (out / "report.md").read_text()
