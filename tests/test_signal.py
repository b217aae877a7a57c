"""The signal report (`sale analyze signal`): its statistics, and on the simulated ladder that bids carry no
information at signal 0 (so an outcome leaking into the signals cannot go unnoticed) and plenty at the paper's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sale.analysis.signal import auc, bootstrap, ranking_accuracy, within_agent_auc
from sale.apps.cli import main
from sale.bench.config import BenchConfig
from sale.bench.runner import run_bench
from sale.sim.params import SIM_POOL, SimParams

LADDER = ("sim-qwen3-4b", "sim-qwen3-8b", "sim-qwen3-14b", "sim-qwen3-32b")
PNG = b"\x89PNG\r\n\x1a\n"


def test_auc_counts_pairs_and_ties():
    assert auc([3, 4], [1, 2]) == 1.0
    assert auc([1], [2]) == 0.0
    assert auc([2, 2], [2, 1]) == 0.75
    assert auc([], [1]) is None


def row(task: str, agent: str, passed: bool, value: float) -> dict:
    return {"task": task, "agent": agent, "passed": passed, "signals": {"s": value}}


def test_within_agent_and_same_task_pairs_are_the_right_pairs():
    # agent b passes more and scores higher overall, but within each agent the signal runs backwards
    rows = [row("t1", "a", True, 0.0), row("t2", "a", False, 1.0),
            row("t1", "b", True, 2.0), row("t2", "b", False, 3.0), row("t3", "b", True, 2.5)]
    assert within_agent_auc(rows, "s") == pytest.approx((0 + 0 + 0) / 3)
    # same-task pairs: none on t1 (both passed) or t2 (both failed); so no pair at all
    assert ranking_accuracy(rows, "s") is None
    rows.append(row("t1", "c", False, 1.0))
    assert ranking_accuracy(rows, "s") == pytest.approx(0.5)  # t1: a (0.0) below c, b (2.0) above c
    low, high = bootstrap(rows, lambda sample: within_agent_auc(sample, "s"))
    assert low is not None and low <= high


def sim_bench(out: Path, size: int, signal: float | None) -> Path:
    import asyncio

    cfg = BenchConfig(suite="coding", pool=SIM_POOL, seed=5, size=size, train_share=0.0, orders=1, out=out,
                      routers=("sale", *(f"single:{a}" for a in LADDER)), sim=SimParams(signal=signal),
                      progress=False)
    asyncio.run(run_bench(cfg))
    return out


def report_of(directory: Path, capsys) -> dict:
    assert main(["analyze", "signal", "--from", str(directory), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert json.loads((directory / "signal.json").read_text()) == report
    assert (directory / "signal.png").read_bytes().startswith(PNG)
    return report


def test_at_signal_zero_no_signal_predicts_an_agents_own_outcome(tmp_path, capsys):
    report = report_of(sim_bench(tmp_path / "zero", size=60, signal=0.0), capsys)
    assert report["simulated"] and report["assumed_signal"] == 0.0 and report["bids"] >= 200
    names = set(report["signals"])
    assert {"entropy", "jury_mean", "value", "value_minus_cost", *(f"jury:{a}" for a in LADDER)} <= names
    within = {n: s["auc_within_agent"]["value"] for n, s in report["signals"].items()}
    assert all(abs(v - 0.5) <= 0.12 for v in within.values()), within


def test_at_the_papers_signal_entropy_and_the_jury_predict_it(tmp_path, capsys):
    report = report_of(sim_bench(tmp_path / "paper", size=20, signal=None), capsys)
    assert report["assumed_signal"] == 0.95  # the coding calibration, printed so no reader takes it for measured
    for name in ("entropy", "jury_mean", "value_minus_cost"):
        assert report["signals"][name]["auc_within_agent"]["value"] >= 0.8, name


def test_a_run_without_single_agent_outcomes_is_one_clear_error(tmp_path, capsys):
    (tmp_path / "results.json").write_text("{}")
    (tmp_path / "auctions.jsonl").write_text("")
    (tmp_path / "tasks.jsonl").write_text("")
    assert main(["analyze", "signal", "--from", str(tmp_path)]) == 2
    assert "no first-round bid has a single-agent outcome" in capsys.readouterr().err
    assert not (tmp_path / "signal.json").exists()


def test_the_check_verdict_is_a_signal_on_the_same_bids_from_the_cascade_else_the_direct_answer():
    from sale.analysis.signal import bid_rows, check_on_draft

    def bid(agent: str, round_: int = 0, check: dict | None = None) -> dict:
        return {"id": f"{agent}@{round_}", "agent": agent, "round": round_, "entropy": 0.5, "jury": {"a": 1.0},
                "check": check}

    auctions = [{"run": "sale", "order": 0, "position": 0, "task_id": "t1", "bids": [bid("a"), bid("b")],
                 "cascade": None},
                {"run": "sale-cascade", "order": 0, "position": 0, "task_id": "t1", "cascade": {"order": []},
                 "bids": [bid("a", 0, {"passed": True, "examples": 2}), bid("a", 1, {"passed": False, "examples": 2}),
                          bid("b", 0, {"passed": True, "examples": 0})]}]
    tasks = [{"router": f"single:{a}", "task_id": "t1", "agent": a, "passed": a == "b"} for a in "ab"]
    tasks += [{"router": "direct:a", "task_id": "t1", "agent": "a", "passed": True, "check": "fail"},
              {"router": "direct:b", "task_id": "t1", "agent": "b", "passed": False, "check": "fail"}]
    rows = {r["agent"]: r for r in bid_rows(auctions, tasks)}
    assert rows["a"]["signals"]["check"] == 1.0 and rows["a"]["check_source"] == "cascade"  # its first draft's
    assert rows["b"]["signals"]["check"] == 0.0 and rows["b"]["check_source"] == "direct"  # no example ran there
    assert rows["a"]["passed"] is False and rows["a"]["draft_passed"] is True
    assert {"entropy", "jury:a"} <= set(rows["a"]["signals"])
    out = check_on_draft(list(rows.values()), 0)
    assert out["check_sources"] == {"cascade": 1, "direct": 1} and out["check_on_draft"]["bids"] == 2
    assert check_on_draft([{**r, "signals": {}} for r in rows.values()], 0) == {}
