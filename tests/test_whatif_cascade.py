"""``sale whatif`` on a cascade, whose path depends on prices (an agent drafts when P(pass) x cost(dearest) >=
cost(own)): it re-runs the cascade at the new prices from the recording, so its figures are a rerun's at those
prices, and where that path needs a call the recording does not hold it gives no figure and says which."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from sale.apps.cli import main
from sale.bench.config import BenchConfig, BenchError
from sale.bench.runner import run_bench
from sale.bench.whatif import load_recording, parse_prices, whatif
from tests.openai_stub import Behaviour, StubServer, pool_toml

PRICES = {"small": 0.8, "large": 1.0}
"""Small costs 0.8 of large: with P(pass) 0.5 before any record, it never drafts (0.5 x 1.0 < 0.8)."""


def answer(wrong: dict[int, str]):
    """A coding reply for whichever addN the request asks for: right, unless ``wrong`` gives its body."""

    def reply(request: dict) -> str:
        n = int(re.search(r"function add(\d+)\(", json.dumps(request["messages"])).group(1))
        return f"```python\ndef add{n}(a, b):\n    return {wrong.get(n, 'a + b')}\n```"

    return reply


def record(tmp, small_wrong: dict[int, str]):
    suite = tmp / "code.jsonl"
    suite.write_text("\n".join(json.dumps({
        "id": f"c{i}", "task": f"Write a Python function add{i}(a, b) that returns a + b.\nExample: add{i}(2, 3) == 5",
        "verifier": "unit_tests", "entry_point": f"add{i}", "tests": [[[1, 1], 2], [[0, 7], 7]], "domain": "coding",
        "bin": 1}) for i in range(4)))
    small, large = answer(small_wrong), answer({})
    stub = StubServer({"small": Behaviour(direct=small, draft=small), "large": Behaviour(direct=large, draft=large)})
    with stub:
        (tmp / "pool.toml").write_text(pool_toml(stub.base_url, PRICES))
        cfg = BenchConfig(suite=str(suite), pool=str(tmp / "pool.toml"), out=tmp / "run", train_share=0.0,
                          progress=False, routers=("sale-cascade", "single:small", "single:large"))
        results = asyncio.run(run_bench(cfg))
    assert results["routers"]["sale-cascade"]["cascade"]["paths"] == {"large": 4}  # small never drafted
    return cfg, results


@pytest.fixture(scope="module")
def visible_passes(tmp_path_factory):
    """Every small answer passes the example the task shows; one is wrong on the hidden tests."""
    tmp = tmp_path_factory.mktemp("whatif-cascade")
    return (*record(tmp, {1: "a + b if a == 2 else a - b"}), tmp)


def rerun_at(cfg, tmp, prices, name):
    (tmp / f"{name}.toml").write_text(pool_toml("http://127.0.0.1:9/v1", prices))
    return asyncio.run(run_bench(BenchConfig(**{**cfg.__dict__, "pool": str(tmp / f"{name}.toml"),
                                                "out": tmp / name, "replay": cfg.out})))


def test_at_the_recorded_prices_the_rerun_gives_the_recorded_figures(visible_passes):
    cfg, results, _ = visible_passes
    rec = load_recording(cfg.out)
    out = whatif(rec, parse_prices(rec, []))
    assert out["routers"]["sale-cascade"]["routes"] == "re-run" and "sale-cascade" not in out["rerouted_auctions"]
    assert out["modelled_auction_kinds"] == 0
    for name, figures in results["routers"].items():
        for key in ("pass_at_1", "cost_usd"):
            assert out["routers"][name][key] == figures[key], (name, key)


def test_at_prices_that_change_the_path_whatif_equals_a_rerun_at_those_prices(visible_passes, capsys):
    """Small at a tenth of large: it now drafts first, its passes end auctions (one of them wrongly), and every call
    that path makes is in the recording (a draft is the agent's direct answer). Re-pricing the recorded path would
    keep pass@1 at 100 % and large's spend; the rerun does not."""
    cfg, results, tmp = visible_passes
    cheap = {"small": 0.1, "large": 1.0}
    rerun = rerun_at(cfg, tmp, cheap, "cheap")
    assert "small" in "".join(rerun["routers"]["sale-cascade"]["cascade"]["paths"])  # the path did change
    assert rerun["routers"]["sale-cascade"]["pass_at_1"] < results["routers"]["sale-cascade"]["pass_at_1"]
    assert main(["whatif", str(cfg.out), "--json", "--price", "small=0.1"]) == 0
    out = json.loads(capsys.readouterr().out)
    for name, figures in rerun["routers"].items():
        assert out["routers"][name]["pass_at_1"] == figures["pass_at_1"], name
        assert out["routers"][name]["cost_usd"] == pytest.approx(figures["cost_usd"], rel=1e-9), name
    assert main(["whatif", str(cfg.out), "--price", "small=0.1"]) == 0
    text = capsys.readouterr().out
    assert "re-run from the recording at these prices" in text and "NO FIGURE" not in text


def test_a_path_that_needs_unrecorded_calls_gets_no_figure_and_names_them(tmp_path, capsys):
    """Small's answer to add2 fails its example: drafting first, it would be owed a redraft it never made."""
    cfg, results = record(tmp_path, {1: "a + b if a == 2 else a - b", 2: "a - b"})
    with pytest.raises(BenchError, match="replay diverged"):  # a rerun at these prices needs a model
        rerun_at(cfg, tmp_path, {"small": 0.1, "large": 1.0}, "cheap")
    rec = load_recording(cfg.out)
    out = whatif(rec, parse_prices(rec, ["small=0.1"]))
    cascade = out["routers"]["sale-cascade"]
    assert cascade["routes"] == "needs calls" and cascade["pass_at_1"] is None and cascade["cost_usd"] is None
    assert cascade["unrecorded"]["tasks"] >= 1 and cascade["unrecorded"]["agents"] == ["small"]
    assert "c2" in cascade["unrecorded"]["task_ids"] and cascade["unrecorded"]["of"] == 4
    assert "random-matched:sale-cascade" not in out["routers"]  # nothing to match
    assert out["routers"]["single:small"]["cost_usd"] == pytest.approx(results["routers"]["single:small"]["cost_usd"]
                                                                       / 8)
    assert main(["whatif", str(cfg.out), "--price", "small=0.1"]) == 0
    text = capsys.readouterr().out
    assert "| sale-cascade | - |" in text and "sale-cascade: NO FIGURE" in text and "calls of small" in text


def test_a_cascade_without_its_recorded_calls_is_one_clear_error(visible_passes, tmp_path, capsys):
    import shutil

    cfg, _, _ = visible_passes
    for name in ("results.json", "tasks.jsonl", "auctions.jsonl"):
        shutil.copy(cfg.out / name, tmp_path / name)
    assert main(["whatif", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: re-running sale-cascade") and "no recording at" in err
