"""``sale whatif``: a recorded bench run re-priced with no model call. At the run's own prices it gives the
recorded figures; at prices scaled alike it gives what a replay of the bench at those prices gives; routes that
depend on price are named, and bad input is one clear error."""

from __future__ import annotations

import asyncio
import json

import pytest

from sale.apps.cli import main
from sale.bench.config import BenchConfig
from sale.bench.runner import run_bench
from sale.bench.whatif import WhatifError, load_recording, parse_prices, whatif
from tests.openai_stub import Behaviour, StubServer, pool_toml

PRICES = {"small": 0.1, "large": 1.0}


def jury(request: dict) -> str:
    """The small agent's plan wins every auction by a wide margin, so its cost term never decides."""
    return '{"score": 5}' if "Plan S" in json.dumps(request["messages"]) else '{"score": 0}'


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("whatif")
    suite = tmp / "arith.jsonl"
    answers = ("390", "391", "391", "392")  # small passes, large passes (twice), neither does
    suite.write_text("\n".join(json.dumps({"id": f"t{i}", "task": f"What is 17*23? (variant {i})",
                                           "verifier": "exact", "answer": answers[i % 4], "bin": 1 + i % 5})
                               for i in range(8)))
    stub = StubServer({"small": Behaviour(bid="Plan S: compute it.", jury=jury, execute="Final answer: 390",
                                          direct="391"),
                       "large": Behaviour(bid="Plan L: compute it carefully.", jury=jury,
                                          execute="Computed.\nFinal answer: 391", direct="I am not sure.")})
    with stub:
        (tmp / "pool.toml").write_text(pool_toml(stub.base_url, PRICES))
        cfg = BenchConfig(suite=str(suite), pool=str(tmp / "pool.toml"), out=tmp / "run", train_share=0.25,
                          progress=False, routers=("sale", "single:small", "single:large", "oracle"))
        results = asyncio.run(run_bench(cfg))
    return cfg, results, tmp


def test_whatif_at_the_recorded_prices_gives_the_recorded_figures(recorded, capsys):
    cfg, results, _ = recorded
    out = whatif(load_recording(cfg.out), parse_prices(load_recording(cfg.out), []))
    assert set(out["routers"]) == set(results["routers"])
    for name, figures in results["routers"].items():
        for key in ("pass_at_1", "cost_usd", "auction_usd_share", "tokens"):
            assert out["routers"][name][key] == figures[key], (name, key)
    control = results["routers"]["random-matched:sale"]
    assert out["routers"]["random-matched:sale"]["mixture"] == control["mixture"]
    assert main(["whatif", str(cfg.out)]) == 0
    text = capsys.readouterr().out
    assert "| sale | " in text and "held fixed" in text and "0 of 6 recorded auctions" in text


def test_whatif_at_scaled_prices_equals_a_replay_at_those_prices(recorded, capsys):
    """Every price times 3: SALE's winners do not change here (its jury decides), so a replay of the bench with a
    pool at those prices makes exactly the recorded calls, and its figures are what `whatif` computes offline."""
    cfg, _, tmp = recorded
    scaled = {a: 3 * p for a, p in PRICES.items()}
    (tmp / "scaled.toml").write_text(pool_toml("http://127.0.0.1:9/v1", scaled))
    rerun = asyncio.run(run_bench(BenchConfig(**{**cfg.__dict__, "pool": str(tmp / "scaled.toml"),
                                                 "out": tmp / "rerun", "replay": cfg.out})))
    assert main(["whatif", str(cfg.out), "--json", *[f"--price={a}={p}" for a, p in scaled.items()]]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rerouted_auctions"]["sale"]["changed"] == 0
    for name, figures in rerun["routers"].items():
        assert out["routers"][name]["pass_at_1"] == figures["pass_at_1"], name
        assert out["routers"][name]["cost_usd"] == pytest.approx(figures["cost_usd"], rel=1e-9), name
        assert out["routers"][name]["cost_usd"] == pytest.approx(3 * out["routers"][name]["recorded_cost_usd"],
                                                                 rel=1e-9), name
    assert main(["whatif", str(cfg.out), "--json", "--pool", str(tmp / "scaled.toml")]) == 0
    assert json.loads(capsys.readouterr().out)["routers"] == out["routers"]


def test_a_price_that_reorders_the_agents_reroutes_the_oracle_and_names_held_routes(recorded):
    cfg, results, _ = recorded
    rec = load_recording(cfg.out)
    out = whatif(rec, parse_prices(rec, ["small=2.0"]))
    r = out["routers"]
    assert r["sale"]["routes"] == "held" and r["oracle"]["routes"] == "re-routed"
    assert r["single:small"]["cost_usd"] == pytest.approx(20 * results["routers"]["single:small"]["cost_usd"])
    assert r["single:large"]["cost_usd"] == results["routers"]["single:large"]["cost_usd"]
    rows = [json.loads(line) for line in (cfg.out / "tasks.jsonl").read_text().splitlines()]
    own = {(t["agent"], t["task_id"]): t for t in rows if t["router"] in ("single:small", "single:large")}
    tasks = {t for _, t in own}
    # large is now the cheaper agent: the oracle takes it unless only small passes (then small, at 20x)
    expected = sum(20 * own[("small", t)]["usd"] if own[("small", t)]["passed"] else own[("large", t)]["usd"]
                   for t in tasks)
    assert 0 < sum(own[("small", t)]["passed"] for t in tasks) < len(tasks)
    assert any(not own[("small", t)]["passed"] and not own[("large", t)]["passed"] for t in tasks)
    assert r["oracle"]["cost_usd"] == pytest.approx(expected)
    assert r["oracle"]["pass_at_1"] == results["routers"]["oracle"]["pass_at_1"]
    assert out["best_single"] == "large" and r["single:large"]["cost_vs_best_single"] == 1.0
    assert r["sale"]["cost_usd"] > results["routers"]["sale"]["cost_usd"]


@pytest.mark.parametrize(("args", "message"), [
    (["--price", "huge=1"], "no agent 'huge' in the run"),
    (["--price", "small"], "expected NAME=USD_PER_MTOK"),
    (["--price", "small=cheap"], "expected NAME=USD_PER_MTOK"),
    (["--price", "small=-1"], "expected NAME=USD_PER_MTOK"),
    (["--price", "small=inf"], "expected NAME=USD_PER_MTOK"),
])
def test_bad_prices_are_one_clear_error(recorded, capsys, args, message):
    cfg, _, _ = recorded
    assert main(["whatif", str(cfg.out), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_missing_run_or_pool_agent_is_one_clear_error(recorded, tmp_path, capsys):
    cfg, _, _ = recorded
    assert main(["whatif", str(tmp_path / "nothing")]) == 2
    assert "no run directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["whatif", str(tmp_path / "empty")]) == 2
    assert "no readable results.json" in capsys.readouterr().err
    (tmp_path / "other.toml").write_text(pool_toml("http://127.0.0.1:9/v1", {"small": 1.0}))
    with pytest.raises(WhatifError, match="no price for the run's agent"):
        parse_prices(load_recording(cfg.out), [], str(tmp_path / "other.toml"))


@pytest.mark.parametrize("run", ["real-coding-seed0-30", "deliver-coding-seed0-10"])
def test_whatif_gives_the_committed_real_runs_figures_at_their_prices(run):
    """The committed real-model recordings (no random control in them yet): every recorded figure comes back."""
    from pathlib import Path

    rec = load_recording(Path(__file__).resolve().parents[1] / "docs" / "figures" / run)
    out = whatif(rec, parse_prices(rec, []))
    for name, figures in rec.results["routers"].items():
        for key in ("pass_at_1", "cost_usd", "auction_usd_share"):
            assert out["routers"][name][key] == figures[key], (name, key)
    assert out["routers"]["random-matched:sale"]["routes"] == "re-drawn"
    assert out["rerouted_auctions"]["sale"] == {"auctions": rec.results["n_test"], "changed": 0, "unverified": 0}
