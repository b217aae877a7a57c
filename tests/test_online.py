"""Issue 18 item 4: weights refitted from the verdicts stored in memory (``sale.analysis.online``) and the bench's
``sale-online`` router, which uses them from the next auction on."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from memory_store import AuctionMemory
from sale.analysis.learn import evaluate
from sale.analysis.online import as_context, due, examples_from_verdicts, label_agent, refit
from sale.bench.config import BenchConfig
from sale.bench.runner import run_bench
from sale.core.pool import AgentSpec, Pool
from sale.sim.params import SIM_POOL

PRICES = {"small": 0.1, "mid": 0.5, "big": 2.0}


def record(auction_id, winner, bids):
    """A memory record: ``bids`` maps agent -> (tokens, entropy, {juror: score}) for first-round bids."""
    return {"auction_id": auction_id, "created_at": "2026-12-01T00:00:00+00:00", "task": f"task {auction_id}",
            "winner_agent": winner, "winner": f"{winner}-0",
            "provisional_winner": f"{winner}-0", "jurors": list(PRICES),
            "bids": [{"id": f"{a}-0", "agent": a, "round": 0, "refined": False, "text": "plan", "tokens": t,
                      "entropy": h, "entropy_missing": False, "jury": jury, "cost": 0.0, "value": 0.0, "score": 0.0,
                      "label": "win" if a == winner else "loss"} for a, (t, h, jury) in bids.items()]}


def scores(small, mid, big):
    return {"small": small, "mid": mid, "big": big}


def test_label_rule_keeps_a_passing_winner_and_escalates_one_step_on_a_failure():
    bidders = list(PRICES)
    assert label_agent({"winner_agent": "mid", "passed": True}, bidders, PRICES) == "mid"
    assert label_agent({"winner_agent": "small", "passed": False}, bidders, PRICES) == "mid"
    assert label_agent({"winner_agent": "mid", "passed": False}, bidders, PRICES) == "big"
    assert label_agent({"winner_agent": "big", "passed": False}, bidders, PRICES) is None
    assert label_agent({"winner_agent": "small", "passed": False}, ["small", "big"], PRICES) == "big"
    assert label_agent({"winner_agent": "mid", "passed": True}, ["small", "big"], PRICES) is None


def test_due_every_n_verdicts():
    assert [n for n in range(12) if due(n, 5)] == [5, 10]
    assert not any(due(n, 0) for n in range(12))


def failing_small_auctions(memory, n):
    """The default weights pick ``small`` (cheapest, best entropy); it fails every time, ``mid`` would be next."""
    for i in range(n):
        memory.add(record(f"a{i}", "small", {
            "small": (40, 1.2, scores(3, 2, 2)), "mid": (60, 0.4 + 0.05 * i, scores(4, 4, 3 + i % 2)),
            "big": (80, 0.3, scores(4, 5, 5))}))
        memory.record_outcome(f"a{i}", False)


def pool():
    return Pool.of(*(AgentSpec(name=n, model=n, base_url="http://127.0.0.1:9/v1", price_per_mtok=p)
                     for n, p in PRICES.items()), source="test")


def test_verdicts_are_the_signed_ones_and_refit_learns_to_escalate(tmp_path, embedder):
    directory = tmp_path / "m"
    with AuctionMemory(directory, embedder=embedder) as memory:
        assert refit(memory, pool()) is None, "no verdicts, nothing to fit: keep the weights"
        failing_small_auctions(memory, 1)
        assert refit(memory, pool()) is None, "one labelled auction fits anything: keep the weights"
        failing_small_auctions(memory, 6)
        memory.add(record("unknown", "small", {"small": (40, 1.2, scores(3, 2, 2)), "mid": (60, 0.4, scores(4, 4, 4))}))
        records = memory.verdicts()
        assert [r["auction_id"] for r in records] == [f"a{i}" for i in range(6)], "no verdict, no example"
        assert all(r["passed"] is False for r in records)
        examples, jurors = examples_from_verdicts(records, PRICES, PRICES)
        assert jurors == ["small", "mid", "big"] and all(ex.agents[ex.label] == "mid" for ex in examples)
        from sale.analysis.learn import default_weights

        assert evaluate(examples, default_weights(jurors), jurors)["routing_accuracy"] == 0, \
            "the defaults keep picking the failing agent"
        fitted = refit(memory, pool())
        assert fitted["n_verdicts"] == 6 and fitted["n_examples"] == 6 and fitted["failures"] == 6
        assert evaluate(examples, fitted["weights"], jurors)["routing_accuracy"] == 1, \
            "the refit picks the escalation target on every auction it learned from"
    db = sqlite3.connect(directory / "auctions.sqlite")  # a verdict written around the memory is not trusted
    db.execute("UPDATE auctions SET outcome = json_set(outcome, '$.passed', json('true')) WHERE auction_id = 'a0'")
    db.commit()
    db.close()
    with AuctionMemory(directory, embedder=embedder) as memory:
        assert "a0" not in {r["auction_id"] for r in memory.verdicts()}


def test_digested_auctions_teach_nothing_and_break_nothing():
    from memory_store.policy import digest

    full = record("full", "small", {"small": (40, 1.2, scores(3, 2, 2)), "mid": (60, 0.4, scores(4, 4, 4))})
    short = digest(record("old", "small", {"small": (40, 1.2, scores(3, 2, 2)), "mid": (60, 0.4, scores(4, 4, 4))}))
    examples, _ = examples_from_verdicts([{**full, "passed": False}, {**short, "passed": False}], PRICES, PRICES)
    assert [ex.task_id for ex in examples] == ["full"]


def test_as_context_names_every_juror_and_drops_the_bias():
    settings = as_context({"cost": 0.02, "entropy": -0.3, "juror:small": 0.1, "juror:big": 0.6})
    assert settings == {"weights_file": "", "weight_cost": 0.02, "weight_entropy": -0.3, "budget_bias": 1.0,
                        "juror_weights": {"small": 0.1, "big": 0.6}}


@pytest.fixture(scope="module")
def online_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("online")
    cfg = BenchConfig(suite="coding", pool=SIM_POOL, seed=0, size=16, out=out, train_share=0.25, orders=2,
                      refit_every=3, progress=False, routers=("sale", "sale-online", "single:largest"),
                      memory_policy="max_entries=5,digest_after=3")  # a capped memory, older auctions digested
    return asyncio.run(run_bench(cfg)), out


def test_sale_online_matches_sale_until_its_first_refit_then_scores_with_the_refitted_weights(online_run):
    results, out = online_run
    refits = results["online_refits"]
    assert results["routers"]["sale-online"]["refit_every"] == 3
    rows = [json.loads(line) for line in (out / "auctions.jsonl").read_text().splitlines()]
    changed = 0
    for order in (0, 1):
        sale = {r["position"]: r for r in rows if r["run"] == "sale" and r["order"] == order}
        online = {r["position"]: r for r in rows if r["run"] == "sale-online" and r["order"] == order}
        assert set(sale) == set(online) == set(range(results["n_test"]))
        mine = [r for r in refits if r["order"] == order]
        assert [r["after_position"] for r in mine] == [p for p in range(results["n_test"]) if (p + 1) % 3 == 0], \
            "every auction here is executed and verified, so a refit follows every third task, memory cap or not"
        for position in range(mine[0]["after_position"] + 1):
            assert online[position]["winner"] == sale[position]["winner"]
            assert online[position]["weights"] == sale[position]["weights"]
        current = sale[0]["weights"]
        for position in range(results["n_test"]):
            assert online[position]["weights"] == current, f"order {order} position {position}"
            fitted = next((r for r in mine if r["after_position"] == position), None)
            if fitted and fitted["weights"]:
                w = fitted["weights"]
                current = {"cost": w["cost"], "entropy": w["entropy"], "jury": current["jury"],
                           "jurors": {k.removeprefix("juror:"): v for k, v in w.items() if k.startswith("juror:")}}
                changed += 1
    assert changed, "no refit changed the weights: the test shows nothing"
    runs = [json.loads(line) for line in (out / "tasks.jsonl").read_text().splitlines()]
    for name in ("sale", "sale-online"):
        late = [r for r in runs if r["router"] == name and r["position"] >= results["n_test"] // 2]
        half = results["routers"][name]["second_half"]
        assert half["tasks"] == results["n_test"] - results["n_test"] // 2 and len(late) == 2 * half["tasks"]
        assert half["pass_at_1"] == pytest.approx(sum(r["passed"] for r in late) / len(late))
        assert half["cost_usd"] == pytest.approx(sum(r["usd"] for r in late) / 2)
    late_ids = {o: {r["task_id"] for r in runs if r["router"] == "sale" and r["order"] == o
                    and r["position"] >= results["n_test"] // 2} for o in (0, 1)}
    largest = {r["task_id"]: r for r in runs if r["router"] == "single:largest"}
    picked = [largest[t] for o in (0, 1) for t in late_ids[o]]
    assert results["routers"]["single:largest"]["second_half"]["pass_at_1"] == pytest.approx(
        sum(r["passed"] for r in picked) / len(picked)), "a single agent counts on each order's late tasks"
    report = (out / "report.md").read_text()
    assert "## The stream's second half" in report and "sale-online refitted its weights after every 3" in report


def test_refit_every_must_be_positive(tmp_path):
    from sale.bench.config import BenchError, check_config

    with pytest.raises(BenchError, match="--refit-every must be >= 1"):
        check_config(BenchConfig(out=tmp_path, refit_every=0))
