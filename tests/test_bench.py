"""``sale bench``: every router side by side, results.json schema, report and plots, record and replay, the
simulated ladder through the real graph, and a real-HTTP run against the loopback stub server."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sale.apps.cli import main
from sale.bench.config import BenchConfig, BenchError
from sale.bench.runner import run_bench
from sale.sim.params import SIM_POOL
from tests.openai_stub import Behaviour, StubServer, kind_of_request, pool_toml

FIGURES = ("pass_at_1", "cost_usd", "usd_per_mtok", "largest_share", "auction_token_share", "wall_s")
SHARES = ("pass_at_1", "largest_share", "auction_token_share", "auction_completion_share", "auction_usd_share")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sim_run(tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("bench")
    cfg = BenchConfig(suite="deep-search", pool=SIM_POOL, seed=3, size=25, orders=2, out=out,
                      signals=(0.1, 1.0), budget_biases=(0.0, 1.0), progress=False)
    return asyncio_run(run_bench(cfg)), out


def asyncio_run(coro):
    import asyncio

    return asyncio.run(coro)


def test_results_json_has_every_router_and_figure(sim_run):
    results, out = sim_run
    assert json.loads((out / "results.json").read_text()) == results
    assert results["simulated"] is True and "SIMULATED" in results["label"]
    assert results["suite"] == "deep-search" and results["seed"] == 3
    assert results["n_train"] == 10 and results["n_test"] == 15 and results["orders"] == 2
    expected = {"sale", "sale-nomem", "single:largest", "wtp", "carrot", "to-router", "frugalgpt", "oracle",
                "single:sim-qwen3-4b", "single:sim-qwen3-32b"}
    assert expected <= set(results["routers"])
    for name, f in results["routers"].items():
        for key in FIGURES:
            assert isinstance(f[key], float | int), (name, key)
        for key in SHARES:
            assert 0.0 <= f[key] <= 1.0, (name, key, f[key])
        assert f["cost_usd"] > 0 and f["wall_s"] > 0
        assert set(f["bins"]) == {"1", "2", "3", "4", "5"}
        for b in f["bins"].values():
            assert 0 <= b["pass_at_1"] <= 1 and b["cost_usd"] > 0
    assert results["routers"]["single:largest"]["largest_share"] == 1.0
    assert results["routers"]["sale"]["auction_token_share"] > 0
    assert results["routers"]["single:largest"]["auction_token_share"] == 0
    sale = results["routers"]["sale"]
    per_task = sale["auction_tokens_per_task"] + sale["execution_tokens_per_task"]
    assert abs(per_task * sale["tasks"] - sale["tokens"]) < 1e-6 * sale["tokens"]
    assert abs(sale["auction_tokens_per_task"] / per_task - sale["auction_token_share"]) < 1e-9
    assert "auction_tokens_per_task" not in results["routers"]["single:largest"]


def test_the_oracle_bounds_every_router(sim_run):
    results, _ = sim_run
    oracle = results["routers"]["oracle"]["pass_at_1"]
    for name, f in results["routers"].items():
        assert f["pass_at_1"] <= oracle + 1e-9, name
    largest = results["routers"]["single:largest"]
    assert results["routers"]["oracle"]["cost_usd"] <= largest["cost_usd"]


def test_sale_runs_are_averaged_over_orders_and_sweeps_are_reported(sim_run):
    results, out = sim_run
    tasks = [json.loads(line) for line in (out / "tasks.jsonl").read_text().splitlines()]
    sale = [t for t in tasks if t["router"] == "sale"]
    assert {t["order"] for t in sale} == {0, 1} and len(sale) == 30
    assert len(results["routers"]["sale"]["win_stream_smallest"]) == 15
    assert [p["signal"] for p in results["signal_sweep"]] == [0.1, 1.0]
    assert [p["budget_bias"] for p in results["budget_sweep"]] == [0.0, 1.0]
    knob = results["budget_knob"]
    assert knob["calibrated_on"] == "train" and knob["chosen"]["budget_bias"] in (0.0, 1.0)
    assert results["routers"]["sale"]["budget_bias"] == knob["chosen"]["budget_bias"]
    sweep = {p["budget_bias"]: p for p in results["budget_sweep"]}
    assert sweep[0.0]["largest_share"] >= sweep[1.0]["largest_share"], "a lower budget_bias buys more quality"
    diag = results["routers"]["sale"]["diagnostics"]
    assert set(diag) == {"smallest_pick_precision", "smallest_share", "over_escalation_rate", "missed_rate",
                         "winner_alone_pass_at_1"}
    alone = {(t["agent"], t["task_id"]): t["passed"] for t in tasks if t["router"].startswith("single:")
             and t["router"] != "single:largest"}
    assert diag["winner_alone_pass_at_1"] == pytest.approx(sum(alone[(t["agent"], t["task_id"])] for t in sale) / 30)
    sale_f, largest = results["routers"]["sale"], results["routers"]["single:largest"]
    report = (out / "report.md").read_text()
    row = next(line for line in report.splitlines()[report.splitlines().index("## Against the largest agent alone"):]
               if line.startswith("| sale |"))
    routing = 100 * (largest["pass_at_1"] - diag["winner_alone_pass_at_1"])
    assert f"| {100 * (sale_f['pass_at_1'] - largest['pass_at_1']):+.1f} pts |" in row and f"{routing:+.1f} pts" in row


def test_report_and_plots_are_written_and_labelled(sim_run):
    _, out = sim_run
    report = (out / "report.md").read_text()
    assert "**SIMULATED**" in report and "| sale |" in report and "budget_bias" in report
    work = report[report.index("## Work per task and bin"):].splitlines()
    assert any(line.startswith("| sale | ") and " / " in line for line in work[:12])
    assert "sale: the auction takes " in report and "under 5 % of tokens where executions average" in report
    for name in ("pareto.png", "workload.png", "win_share.png", "knob.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 5000, name
        assert f"![{name}]({name})" in report


def test_replay_reproduces_the_run_without_calling_a_model(tmp_path):
    first = tmp_path / "first"
    cfg = BenchConfig(suite="deep-search", pool=SIM_POOL, seed=5, size=20, out=first, progress=False,
                      routers=("sale", "single:largest", "oracle"))
    recorded = asyncio_run(run_bench(cfg))
    calls = (first / "calls.jsonl").read_text().splitlines()
    assert len(calls) > 50
    again = asyncio_run(run_bench(BenchConfig(**{**cfg.__dict__, "out": tmp_path / "again", "replay": first})))
    assert again["replayed"] is True
    for name, figures in recorded["routers"].items():
        for key in ("pass_at_1", "cost_usd", "largest_share", "auction_token_share", "tokens"):
            assert again["routers"][name][key] == figures[key], (name, key)
    def decisions(directory):
        rows = [json.loads(line) for line in (directory / "auctions.jsonl").read_text().splitlines()]
        return [(r["task_id"], r["provisional_winner"], r["winner"], r["winner_bid"],
                 [(b["id"], b["refined"], b["score"], b["entropy"], b["jury"]) for b in r["bids"]]) for r in rows]

    recorded_decisions = decisions(first)
    assert recorded_decisions and any(bid[1] for row in recorded_decisions for bid in row[4]), "no refinement ran"
    assert decisions(tmp_path / "again") == recorded_decisions, "A13: every winner, score and refinement replays"
    with pytest.raises(BenchError, match="replay diverged"):
        asyncio_run(run_bench(BenchConfig(**{**cfg.__dict__, "seed": 6, "out": tmp_path / "other",
                                             "replay": first})))


def test_user_jsonl_suite_with_every_verifier_on_the_simulated_pool(tmp_path):
    suite = tmp_path / "mine.jsonl"
    rows = [{"id": f"q{i}", "task": f"What is the code word number {i}?", "verifier": "exact",
             "answer": f"word{i}", "bin": 1 + i % 5} for i in range(6)]
    rows += [{"id": "r", "task": "Name the colour of the sky.", "verifier": "regex", "pattern": "(?i)blue",
              "answer": "blue", "solution": "blue"},
             {"id": "j", "task": "Which city hosts the tower?", "verifier": "llm_judge", "answer": "Paris"},
             {"id": "u", "task": "Write add(a, b).", "verifier": "unit_tests", "entry_point": "add",
              "tests": [[[1, 2], 3], [[0, 0], 0]], "solution": "def add(a, b):\n    return a + b\n",
              "wrong": "def add(a, b):\n    return a - b\n"},
             {"id": "p", "task": "Write mul(a, b).", "verifier": "python_tests", "entry_point": "mul",
              "test": "def check(candidate):\n    assert candidate(2, 3) == 6\n", "bin": 2,
              "solution": "def mul(a, b):\n    return a * b\n", "wrong": "def mul(a, b):\n    return a + b\n"}]
    suite.write_text("\n".join(json.dumps(r) for r in rows))
    results = asyncio_run(run_bench(BenchConfig(suite=str(suite), pool=SIM_POOL, out=tmp_path / "o",
                                                judge="sim-qwen3-32b", train_share=0.3, progress=False,
                                                routers=("sale", "single:largest", "oracle", "wtp"))))
    assert results["suite"] == "mine" and results["n_test"] == 7
    tasks = [json.loads(line) for line in (tmp_path / "o" / "tasks.jsonl").read_text().splitlines()]
    tested = {t["detail"] for t in tasks if t["task_id"] == "p" and t["router"] in ("sale", "single:largest")}
    assert tested and tested <= {"the task's tests passed", "AssertionError"}, tested
    judged = [t for t in tasks if t["task_id"] == "j"]
    assert judged and all(t["detail"].startswith("judge:") for t in judged if t["router"].startswith("single"))
    assert results["routers"]["oracle"]["pass_at_1"] > 0


def arith_suite(tmp_path, n):
    """A JSONL suite of n variants of 17*23 (exact answer 391), bins 1-5 in turn."""
    suite = tmp_path / "arith.jsonl"
    suite.write_text("\n".join(json.dumps({"id": f"t{i}", "task": f"What is 17*23? (variant {i})",
                                           "verifier": "exact", "answer": "391", "bin": 1 + i % 5})
                               for i in range(n)))
    return suite


def pool_file(tmp_path, stub, prices=None):
    """A pool file for the stub's agents (small $0.1, large $1.0 per Mtok unless ``prices`` says otherwise)."""
    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, prices or {"small": 0.1, "large": 1.0}))
    return pool


def test_real_http_pool_is_labelled_real_and_replays_offline(tmp_path):
    suite = arith_suite(tmp_path, 5)
    stub = StubServer({"small": Behaviour(execute="Computed.\nFinal answer: 390"),
                       "large": Behaviour(execute="Computed.\nFinal answer: 391")})
    with stub:
        pool = pool_file(tmp_path, stub)
        cfg = BenchConfig(suite=str(suite), pool=str(pool), out=tmp_path / "o", train_share=0.4, progress=False,
                          routers=("sale", "single:largest", "single:small", "oracle"))
        results = asyncio_run(run_bench(cfg))
        served = len(stub.requests)
    assert served > 0 and results["simulated"] is False and results["label"] == "real agents"
    r = results["routers"]
    assert r["single:largest"]["pass_at_1"] == 1.0 and r["single:small"]["pass_at_1"] == 0.0
    assert r["oracle"]["pass_at_1"] == 1.0 and r["oracle"]["workload"] == {"small": 0.0, "large": 1.0}
    recording = tmp_path / "o" / "calls.jsonl"  # kept gzipped, as docs/figures keeps them
    (tmp_path / "o" / "calls.jsonl.gz").write_bytes(gzip.compress(recording.read_bytes()))
    recording.unlink()
    replayed = asyncio_run(run_bench(BenchConfig(**{**cfg.__dict__, "out": tmp_path / "r",
                                                    "replay": tmp_path / "o"})))
    assert replayed["routers"]["sale"]["pass_at_1"] == r["sale"]["pass_at_1"]
    assert replayed["routers"]["sale"]["cost_usd"] == r["sale"]["cost_usd"]


def test_reuse_serves_identical_calls_and_makes_only_the_new_ones(tmp_path):
    """`--reuse DIR`: single runs (and every agent's direct answer, which each real-pool run holds) come from the
    earlier recording; only the added router's calls reach a model, and the new run's own recording replays all
    of it offline."""
    suite = arith_suite(tmp_path, 4)
    stub = StubServer({"small": Behaviour(execute="Final answer: 390", direct="391"),
                       "large": Behaviour(execute="Final answer: 391", direct="391")})
    with stub:
        pool = pool_file(tmp_path, stub)
        first = BenchConfig(suite=str(suite), pool=str(pool), out=tmp_path / "a", train_share=0.5, progress=False,
                            routers=("single:small", "single:largest"))
        assert set(asyncio_run(run_bench(first))["routers"]) >= {"direct:small", "direct:large"}
        before = len(stub.requests)
        second = BenchConfig(**{**first.__dict__, "out": tmp_path / "b", "reuse": tmp_path / "a",
                                "routers": ("single:small", "single:largest", "direct:small", "sale-nomem")})
        results = asyncio_run(run_bench(second))
        new = stub.requests[before:]
    kinds = [kind_of_request(q) for q in new]
    assert set(kinds) == {"bid", "jury", "execute"} and kinds.count("execute") == results["n_test"]
    assert results["reused"]["new_calls"] == len(new) and results["reused"]["reused_calls"] == before
    assert results["routers"]["direct:small"]["pass_at_1"] == 1.0
    replayed = asyncio_run(run_bench(BenchConfig(**{**second.__dict__, "out": tmp_path / "c", "reuse": None,
                                                    "replay": tmp_path / "b"})))
    for router in ("single:small", "single:largest", "direct:small"):
        for figure in ("pass_at_1", "cost_usd", "tokens"):
            assert replayed["routers"][router][figure] == results["routers"][router][figure], (router, figure)
    with pytest.raises(BenchError, match="pick one"):
        asyncio_run(run_bench(BenchConfig(**{**second.__dict__, "replay": tmp_path / "b"})))
    with pytest.raises(BenchError, match="must differ from --out"):
        asyncio_run(run_bench(BenchConfig(**{**second.__dict__, "out": tmp_path / "a"})))
    other = tmp_path / "other.toml"
    other.write_text(pool_toml(stub.base_url, {"small": 0.1, "huge": 1.0}))
    with pytest.raises(BenchError, match="not this pool's"):
        asyncio_run(run_bench(BenchConfig(**{**second.__dict__, "pool": str(other), "routers": ("single:small",),
                                             "out": tmp_path / "d"})))
    (tmp_path / "a" / "results.json").unlink()  # a run stopped half way: its header still says what made it
    assert json.loads((tmp_path / "a" / "run.json").read_text())["pool"]["agents"][0]["name"] == "small"
    with pytest.raises(BenchError, match="not this pool's"):
        asyncio_run(run_bench(BenchConfig(**{**second.__dict__, "pool": str(other), "routers": ("single:small",),
                                             "out": tmp_path / "e"})))
    (tmp_path / "a" / "run.json").unlink()
    with pytest.raises(BenchError, match=r"neither results\.json"):
        asyncio_run(run_bench(BenchConfig(**{**second.__dict__, "out": tmp_path / "f"})))


def test_direct_routers_ask_each_model_once_with_the_task_alone(tmp_path):
    """`direct:NAME`: one call, the task as the only message, no tools; reported beside the executor's pass@1."""
    suite = arith_suite(tmp_path, 4)
    stub = StubServer({"small": Behaviour(execute="Final answer: 390", direct="391"),
                       "large": Behaviour(execute="Final answer: 391", direct="390")})
    with stub:
        pool = pool_file(tmp_path, stub)
        cfg = BenchConfig(suite=str(suite), pool=str(pool), out=tmp_path / "o", train_share=0.5, progress=False,
                          routers=("direct:small", "direct:largest", "single:small", "single:largest"))
        results = asyncio_run(run_bench(cfg))
        direct = [r for r in stub.requests if kind_of_request(r) == "direct"]
    r = results["routers"]
    assert r["direct:small"]["pass_at_1"] == 1.0 and r["single:small"]["pass_at_1"] == 0.0
    assert r["direct:largest"]["pass_at_1"] == 0.0 and r["single:largest"]["pass_at_1"] == 1.0
    assert len(direct) == 2 * results["n_test"]
    assert all(len(q["messages"]) == 1 and "tools" not in q for q in direct)
    assert {q["messages"][0]["content"] for q in direct} <= {f"What is 17*23? (variant {i})" for i in range(4)}
    report = (tmp_path / "o" / "report.md").read_text()
    assert "## Each agent answering directly vs through the executor" in report
    assert "| small | 100.0% | 0.0% |" in report


def test_direct_routers_refuse_the_simulated_ladder(tmp_path, capsys):
    code = main(["bench", "--pool", SIM_POOL, "--routers", "direct:largest", "--out", str(tmp_path / "o"),
                 "--no-progress"])
    assert code == 2 and "direct answers need real models" in capsys.readouterr().err


def test_seeds_run_each_seed_and_summarise_them(tmp_path, capsys):
    """`--seeds` runs the bench once per seed into DIR/seed-N and reports mean ± sd over seeds."""
    out = tmp_path / "o"
    assert main(["bench", "--pool", SIM_POOL, "--suite", "coding", "--size", "10", "--routers",
                 "sale,single:largest", "--seeds", "0,1", "--out", str(out), "--no-progress", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    per_seed = [json.loads((out / f"seed-{s}" / "results.json").read_text()) for s in (0, 1)]
    assert summary == json.loads((out / "seeds.json").read_text()) and summary["seeds"] == [0, 1]
    assert summary["simulated"] is True and [r["seed"] for r in per_seed] == [0, 1]
    values = [r["routers"]["sale"]["pass_at_1"] for r in per_seed]
    figure = summary["routers"]["sale"]["pass_at_1"]
    assert figure["mean"] == pytest.approx(sum(values) / 2) and figure["min"] == min(values)
    assert figure["sd"] == pytest.approx(abs(values[0] - values[1]) / 2 ** 0.5)
    wins = sum(r["routers"]["sale"]["pass_at_1"] >= r["routers"]["single:largest"]["pass_at_1"]
               and r["routers"]["sale"]["cost_vs_largest"] <= 0.75 for r in per_seed)
    assert summary["routers"]["sale"]["seeds_at_least_largest_at_075x"] == wins
    halves = [r["routers"]["sale"]["second_half"]["pass_at_1"] for r in per_seed]
    assert summary["routers"]["sale"]["second_half_pass_at_1"]["mean"] == pytest.approx(sum(halves) / 2)
    text = (out / "seeds.md").read_text()
    assert "SIMULATED" in text and "| sale |" in text and "±" in text and "The stream's second half" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--routers", "sale,magic"], "unknown router 'magic'"),
    (["--signal", "0.5"], "--signal needs --pool sim:qwen3-ladder"),
    (["--pool", SIM_POOL, "--sweep", "weight_cost=1,2"], "only budget_bias"),
    (["--pool", SIM_POOL, "--sweep", "budget_bias=a,b"], "expected comma-separated numbers"),
    (["--pool", SIM_POOL, "--limit", "1"], "--limit must be >= 2"),
    (["--pool", SIM_POOL, "--suite", "nothing-here"], "unknown suite"),
    (["--pool", SIM_POOL, "--routers", "single:gpt-9"], "no agent 'gpt-9'"),
    (["--pool", SIM_POOL, "--seeds", "3"], "at least two different seeds"),
    (["--pool", SIM_POOL, "--seeds", "1,x"], "give integers"),
    (["--pool", SIM_POOL, "--jury-signal", "expected", "--jury-batch"], "drop --jury-batch"),
    (["--pool", SIM_POOL, "--replay", "a", "--reuse", "b"], "pick one"),
    (["--pool", SIM_POOL, "--keep-failures"], "--keep-failures only applies with --reuse DIR"),
])
def test_bench_bad_input_is_one_clear_error(tmp_path, capsys, args, message):
    code = main(["bench", "--out", str(tmp_path / "o"), "--no-progress", *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err
    assert not (tmp_path / "o" / "results.json").exists()


def test_reuse_pays_once_for_a_request_the_run_repeats(tmp_path):
    """A reply the fallback model gave serves the run's later identical requests (calls are at temperature 0),
    so SALE's variants pay once for the auctions they share; other requests still reach the model."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage

    from sale.bench.replay import Replayer
    from sale.core.pool import AgentSpec

    (tmp_path / "calls.jsonl").write_text("", encoding="utf-8")
    made = []

    def fallback(spec):
        made.append(spec.name)
        return GenericFakeChatModel(messages=iter([AIMessage("one"), AIMessage("two"), AIMessage("three")]))

    reuser = Replayer(tmp_path / "calls.jsonl", fallback=fallback)
    model = reuser.factory(AgentSpec(name="a", model="a", base_url="http://127.0.0.1:9/v1", price_per_mtok=1.0))
    assert model.invoke([HumanMessage("q")]).content == "one"
    assert model.invoke([HumanMessage("q")]).content == "one"
    assert model.invoke([HumanMessage("other")]).content == "two"
    assert (reuser.reused, reuser.misses) == (1, 2)


def test_a_call_that_failed_when_recorded_fails_the_same_way_in_the_replay(tmp_path):
    """A call its deadline cancelled (or that raised) is recorded as such, so the replay takes the run's path (the
    agent excluded, the same error) instead of diverging; ``--reuse`` asks the model again."""
    import asyncio

    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage, HumanMessage

    from sale.bench.replay import Recorder, Replayer
    from sale.core.calls import call_model
    from sale.core.pool import AgentSpec

    class Slow(GenericFakeChatModel):
        async def _agenerate(self, *args, **kwargs):
            await asyncio.sleep(5)
            return await super()._agenerate(*args, **kwargs)

    class Broken(GenericFakeChatModel):
        async def _agenerate(self, *args, **kwargs):
            raise ConnectionError("endpoint went away")

    spec = AgentSpec(name="a", model="a", base_url="http://127.0.0.1:9/v1", price_per_mtok=1.0)
    behaviours = iter([Slow, Broken, GenericFakeChatModel])

    def endpoint(_spec):
        return next(behaviours)(messages=iter([AIMessage("ok")]))

    async def three_calls(factory):
        out = [await call_model(spec, [HumanMessage(q)], purpose="bid", deadline_s=0.2, max_tokens=8,
                                factory=factory) for q in ("slow", "broken", "fine")]
        return [c["error"] for c in out], out[-1]["text"]

    recorder = Recorder(endpoint, tmp_path / "calls.jsonl")
    errors, text = asyncio.run(three_calls(recorder.factory))
    assert errors == ["missed the 0.2s deadline", "cannot connect to the endpoint (ConnectionError)", None]
    rows = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert [r.get("error", {}).get("kind") for r in rows] == ["deadline", "exception", None]
    replayed, replayed_text = asyncio.run(three_calls(Replayer(tmp_path / "calls.jsonl").factory))
    assert replayed == errors
    assert replayed_text == text == "ok"
    asked = []

    def fallback(_spec):
        asked.append(1)
        return GenericFakeChatModel(messages=iter([AIMessage("fresh")]))

    reused, _ = asyncio.run(three_calls(Replayer(tmp_path / "calls.jsonl", fallback=fallback).factory))
    assert reused == [None, None, None] and len(asked) >= 2
    invoked = []

    class Counting(GenericFakeChatModel):
        async def _agenerate(self, *args, **kwargs):
            invoked.append(1)
            return await super()._agenerate(*args, **kwargs)

    kept, _ = asyncio.run(three_calls(Replayer(  # --keep-failures: the recorded failure fails again; a deadline
        tmp_path / "calls.jsonl", fallback=lambda _s: Counting(messages=iter([AIMessage("fresh")])),  # miss (also
        keep_failures=True).factory))  # how a call cancelled by a stopped run is recorded) is asked anew
    assert kept == [None, errors[1], None] and len(invoked) == 1


def test_cascade_router_checks_direct_answers_and_escalates_on_a_verified_failure(tmp_path):
    """`sale-cascade` through real HTTP: the small agent's answer fails the task's visible example, so every task
    escalates to the large one; the check juror's signal and the cascade bounds come from the direct answers."""
    suite = tmp_path / "code.jsonl"
    suite.write_text("\n".join(json.dumps({
        "id": f"c{i}", "task": f"Write a Python function add{i}(a, b) that returns a + b.\nExample: add{i}(2, 3) == 5",
        "verifier": "unit_tests", "entry_point": f"add{i}", "tests": [[[1, 1], 2], [[0, 7], 7]], "domain": "coding",
        "bin": 1}) for i in range(4)))
    def answer(op):
        def reply(request):
            name = request["messages"][0]["content"].split("function ")[1].split("(")[0]
            return f"```python\ndef {name}(a, b):\n    return a {op} b\n```"
        return reply

    stub = StubServer({"small": Behaviour(direct=answer("-")), "large": Behaviour(direct=answer("+"))})
    with stub:
        pool = pool_file(tmp_path, stub)
        cfg = BenchConfig(suite=str(suite), pool=str(pool), out=tmp_path / "o", train_share=0.0, progress=False,
                          routers=("sale-cascade", "single:largest"))
        results = asyncio_run(run_bench(cfg))
    r = results["routers"]
    assert r["sale-cascade"]["pass_at_1"] == 1.0 and r["direct:small"]["pass_at_1"] == 0.0
    assert r["sale-cascade"]["cascade"]["escalated_share"] > 0
    assert set(r["sale-cascade"]["cascade"]["paths"]) <= {"small>large", "large"}
    signal = results["check_signal"]
    assert signal["small"]["true_negative_rate"] == 1.0 and signal["large"]["true_positive_rate"] == 1.0
    assert results["cascade_bounds"]["chains"][0]["checked"]["pass_at_1"] == 1.0
    report = (tmp_path / "o" / "report.md").read_text()
    assert "## The check juror" in report and results["best_direct"] == "direct:large"
    assert r["direct:large"]["cost_vs_best_direct"] == 1.0 and r["sale-cascade"]["cost_vs_best_direct"] > 1.0
    assert "## Against the best single agent's direct answer (direct:large: 100.0%" in report
    replayed = asyncio_run(run_bench(BenchConfig(**{**cfg.__dict__, "out": tmp_path / "r", "replay": tmp_path / "o"})))
    assert replayed["routers"]["sale-cascade"]["cost_usd"] == r["sale-cascade"]["cost_usd"]


def test_a_recording_carries_each_sale_routers_settings_and_a_replay_uses_them(tmp_path):
    from sale.bench.harness import Bench
    from sale.bench.runner import recorded_settings, write_run_header
    from sale.sim.params import sim_pool
    from sale.suites.suite import Suite

    cfg = BenchConfig(suite="coding", pool=SIM_POOL, out=tmp_path, progress=False, routers=("sale-cascade",))
    bench = Bench(cfg, Suite(name="x", tasks=[]), sim_pool(), None)
    today = bench.router_settings("sale-cascade")
    assert today["auction_policy"] == "cascade" and today["cascade_last_resort"] == "deliver"
    assert bench.router_settings("sale")["auction_policy"] == "always"
    assert bench.router_settings("sale-cascade-loop")["cascade_last_resort"] == "loop"
    assert bench.pinned_context() == {"check_final_answers": True}
    write_run_header(cfg, sim_pool(), {"check_final_answers": False},
                     {"sale-cascade": {**today, "cascade_last_resort": "loop"}})
    assert recorded_settings(tmp_path / "elsewhere") == ({}, {})  # an older recording: today's settings
    bench.recorded_context, bench.recorded_settings = recorded_settings(tmp_path)
    assert bench.router_settings("sale-cascade")["cascade_last_resort"] == "loop"
    ctx = bench.context(**bench.router_settings("sale-cascade"))
    assert ctx.cascade_last_resort == "loop" and not ctx.check_final_answers


def test_sale_reliable_is_the_paper_auction_with_jurors_weighed_by_their_record():
    from sale.bench.config import AUCTION_ROUTERS
    from sale.bench.harness import Bench
    from sale.sim.params import sim_pool
    from sale.suites.suite import Suite

    bench = Bench(BenchConfig(suite="coding", pool=SIM_POOL, progress=False), Suite(name="x", tasks=[]), sim_pool(),
                  None)
    settings = bench.router_settings("sale-reliable")
    assert "sale-reliable" in AUCTION_ROUTERS and settings["auction_policy"] == "always"
    assert bench.context(**settings).juror_reliability == 200 and bench.context().juror_reliability == 0


def test_the_report_says_which_jurors_counted_in_each_run_and_why():
    from sale.bench.jurors import juror_summary, report_lines

    cold = {"weight": 1.0, "auc": None, "n": 0, "reason": "cold start: 0 of 20 verdicts"}
    flat = {"weight": 0.0, "auc": 0.5, "n": 30, "reason": "constant scores: dropped"}
    good = {"weight": 0.6, "auc": 0.8, "n": 30, "reason": "AUC 0.80 over 30 verdicts"}
    rows = [{"run": "sale-reliable", "juror_reliability": {"a": cold, "b": cold}},
            {"run": "sale-reliable", "juror_reliability": {"a": flat, "b": good}},
            {"run": "sale", "jurors": ["a", "b"]}]
    summary = juror_summary(rows)
    assert list(summary) == ["sale-reliable"]
    assert summary["sale-reliable"]["a"] == {"auctions": 2, "dropped": 1, "cold_start": 1, "mean_weight": 0.5,
                                             "last_reason": "constant scores: dropped"}
    assert summary["sale-reliable"]["b"]["dropped"] == 0 and summary["sale-reliable"]["b"]["mean_weight"] == 0.8
    text = "\n".join(report_lines({"jurors": summary}))
    assert "| sale-reliable | a | 2 | 1 | 1 | 0.50 | constant scores: dropped |" in text
    assert report_lines({"jurors": {}}) == []


def test_test_runs_count_checks_and_python_runs_once_each():
    from sale.bench.harness import count_test_runs

    steps = [{"kind": "draft", "check": {"passed": False}}, {"kind": "model"},
             {"kind": "tool", "tool": "python"}, {"kind": "tool", "tool": "python", "repeat_of": 2},
             {"kind": "tool", "tool": "search"}, {"kind": "model", "check": {"passed": True}}]
    assert count_test_runs(steps) == 3
    given = [{"kind": "draft", "check": {"passed": True}, "from_auction": True}]  # checked once, in the auction
    assert count_test_runs(given, [{"check": {"passed": False}}, {"check": {"passed": True}}, {"check": None}]) == 2


def test_a_recording_cut_short_by_a_kill_loses_only_its_last_call(tmp_path):
    """A run killed mid-write leaves half a line at the end: --reuse asks that call again; a damaged line elsewhere
    is still an error."""
    from sale.bench.replay import Replayer

    whole = [json.dumps({"key": k, "agent": "a", "reply": {"content": k}}) for k in ("k1", "k2")]
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(whole) + "\n" + whole[1][:25])
    replayer = Replayer(path, fallback=lambda spec: None)
    assert set(replayer.replies) == {"k1", "k2"} and len(replayer.replies["k2"]) == 1
    path.write_text(whole[0][:25] + "\n" + whole[1] + "\n")
    with pytest.raises(ValueError, match="line 1 is not a recorded call"):
        Replayer(path)


@pytest.mark.parametrize("simulated", [False, True])
def test_auction_streams_run_side_by_side_on_a_real_pool_and_one_at_a_time_simulated(tmp_path, monkeypatch,
                                                                                       simulated):
    """A stream is sequential and alone leaves a real pool mostly idle while its winner executes; the simulated
    ladder keeps one stream at a time (its prompt-cache model is one per stream). Runs come back per router."""
    import asyncio

    from sale.bench.harness import Bench
    from sale.bench.runs import Run

    running, most = [0], [0]

    async def stream(self, router, tasks, order, label, **overrides):
        running[0] += 1
        most[0] = max(most[0], running[0])
        await asyncio.sleep(0.2)
        running[0] -= 1
        return [Run(router=router, task_id=t.id, bin=t.bin, order=order, agent=self.agents[0], passed=True,
                    usd=0.0, tokens=1, completion_tokens=1) for t in tasks]

    monkeypatch.setattr(Bench, "auction_stream", stream)
    suite = arith_suite(tmp_path, 4)
    with StubServer({"small": Behaviour(direct="391"), "large": Behaviour(direct="391")}) as stub:
        pool = SIM_POOL if simulated else str(pool_file(tmp_path, stub))
        cfg = BenchConfig(suite="coding" if simulated else str(suite), pool=pool, out=tmp_path / "o", size=4,
                          train_share=0.5, progress=False, routers=("sale", "sale-nomem"), orders=2)
        results = asyncio_run(run_bench(cfg))
    assert most[0] == (1 if simulated else 4)
    n = results["n_test"]
    assert n >= 2
    assert {r: results["routers"][r]["tasks"] for r in ("sale", "sale-nomem")} == {"sale": n, "sale-nomem": n}
