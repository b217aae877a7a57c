"""Issue 28 item 4: jurors weighted by their measured reliability (context ``juror_reliability``): how well each
juror's score of the executed bid predicted the verdicts stored in memory; a constant or non-predicting juror is
dropped and no longer called."""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from rich.console import Console

from graphs.auction import graph
from graphs.context import AuctionContext, Live
from memory_store.verdicts import recent_verdicts
from sale.core.cost import Weights
from sale.core.jurors import auc, executed_outcomes, learn, measure, reweighted
from sale.core.preflight import ConfigError, check_context
from tests.scripted import Script, factory_for, scripted_pool

PRICES = {"a": 0.05, "b": 0.1, "c": 0.2, "d": 0.36}
TASK = "Write a function that returns the sum of the squares of a list of integers."


def past_jury(i: int, passed: bool) -> dict[str, int]:
    """The executed bid's jury in past auction ``i``: ``a`` predicts the verdict perfectly (AUC 1), ``d`` half way
    (AUC 0.75), ``c`` not at all (AUC 0.5) and ``b`` always says 3."""
    turn = (i // 2) % 2
    return {"a": 5 if passed else 1, "b": 3, "c": 2 + turn, "d": 4 if passed or turn else 2}


def add_history(memory, n: int, start: int = 0, jury=past_jury, outcome: bool = True) -> None:
    """``n`` signed past auctions, passed and failed in turn, each with a verified verdict (unless ``outcome`` is
    False) and every agent bidding."""
    for i in range(start, start + n):
        passed = i % 2 == 0
        winner = list(PRICES)[i % len(PRICES)]
        memory.add({
            "auction_id": f"past-{i}", "created_at": "2026-12-01T00:00:00+00:00",
            "task": f"Past task {i}: write a function that counts the vowels in word number {i}.",
            "winner_agent": winner, "winner": f"{winner}@0", "provisional_winner": f"{winner}@0",
            "jurors": list(PRICES),
            "bids": [{"id": f"{a}@0", "agent": a, "round": 0, "refined": False, "text": f"plan {i} of {a}",
                      "tokens": 20, "entropy": 0.5, "entropy_missing": False,
                      "jury": jury(i, passed) if a == winner else {j: 3 for j in PRICES},
                      "cost": 0.0, "value": 0.0, "score": 0.0, "label": "win" if a == winner else "loss"}
                     for a in PRICES]})
        if outcome:
            memory.record_outcome(f"past-{i}", passed)


def juror_scripts() -> dict[str, Script]:
    return {a: Script(bid=f"Plan by {a}: loop over the list, square, add up, check the examples.",
                      jury=json.dumps({"score": {"a": 4, "b": 3, "c": 1, "d": 2}[a]}), spread=1.75 - i / 4)
            for i, a in enumerate(PRICES)}


def from_memory(memory, jurors: list[str], auctions: int, max_seq: int) -> dict:
    """What the score node learns: the newest verdicts before ``max_seq``, measured."""
    return learn(recent_verdicts(memory, auctions, max_seq), jurors)


def context_for(memory, scripts, **settings) -> AuctionContext:
    """Routing only; no refinement round unless asked, so each auction makes 4 bids and 4 x 4 jury calls."""
    settings = {"refine": False, "route_only": True} | settings
    return AuctionContext(live=Live(pool=scripted_pool(PRICES), memory=memory, model_factory=factory_for(scripts)),
                          **settings)


def jury_calls(scripts: dict[str, Script]) -> Counter:
    return Counter({a: sum(1 for kind, _, _ in s.log if kind == "jury") for a, s in scripts.items()})


def test_auc_counts_ties_half_and_needs_both_classes():
    assert auc([5, 1, 5, 1], [True, False, True, False]) == 1.0
    assert auc([3, 3, 3, 3], [True, False, True, False]) == 0.5
    assert auc([4, 4, 2], [True, False, False]) == 0.75
    assert auc([1, 5], [True, False]) == 0.0
    assert auc([1, 2], [True, True]) is None


def test_measure_drops_constant_and_non_predicting_jurors_and_weighs_the_rest_by_auc():
    outcomes = [(past_jury(i, i % 2 == 0), i % 2 == 0) for i in range(24)]
    report = measure(outcomes, list(PRICES))
    assert report["a"] == {"weight": 1.0, "auc": 1.0, "n": 24, "reason": "predicts: AUC 1.00 over 24 outcomes"}
    assert report["d"]["weight"] == 0.5 and report["d"]["auc"] == 0.75
    assert report["b"]["weight"] == 0.0 and report["b"]["reason"] == "constant: scored all 24 executed bids 3"
    assert report["c"]["weight"] == 0.0 and report["c"]["reason"].startswith("does not predict: AUC 0.50 < 0.6")


def test_below_the_sample_size_or_with_one_class_every_juror_counts_fully():
    few = [(past_jury(i, i % 2 == 0), i % 2 == 0) for i in range(19)]
    assert {j: r["weight"] for j, r in measure(few, list(PRICES)).items()} == dict.fromkeys(PRICES, 1.0)
    lopsided = [(past_jury(i, i % 6 == 0), i % 6 == 0) for i in range(24)]  # 4 passes: fewer than 5
    report = measure(lopsided, list(PRICES))
    assert report["a"]["weight"] == 1.0 and report["a"]["reason"].startswith("cold start: 24 scored outcomes, 4 passed")
    assert report["b"]["weight"] == 0.0  # constant needs no failures to show it


def test_reweighted_multiplies_each_jurors_base_weight():
    report = measure([(past_jury(i, i % 2 == 0), i % 2 == 0) for i in range(24)], list(PRICES))
    assert reweighted(Weights(), ["a", "d"], report).jurors == {"a": 0.5, "d": 0.25}
    assert reweighted(Weights(jurors={"a": 0.8}), ["a", "d"], report).jurors == {"a": 0.8, "d": 0.25}


def test_a_constant_juror_is_dropped_and_its_calls_are_not_made(memory):
    add_history(memory, 24)
    scripts = juror_scripts()
    result = graph.invoke({"task": TASK}, context=context_for(memory, scripts, juror_reliability=50))["result"]
    assert result["status"] == "ok"
    report = result["juror_reliability"]
    assert report["b"]["reason"] == "constant: scored all 24 executed bids 3" and report["b"]["weight"] == 0
    assert report["c"]["weight"] == 0 and report["c"]["auc"] == 0.5
    assert report["a"]["weight"] > report["d"]["weight"] > 0  # the juror that predicts keeps more weight
    assert jury_calls(scripts) == {"a": 4, "d": 4, "b": 0, "c": 0}  # 8 jury calls instead of 16
    assert result["usage"]["by_purpose"]["jury"]["calls"] == 8
    assert result["jurors"] == ["a", "d"]
    assert result["dropped_jurors"]["b"].startswith("unreliable (constant")
    for bid in result["bids"]:  # V = H + 0.5 x 1.0 x 4 (a) + 0.5 x 0.5 x 2 (d)
        assert bid["jury"] == {"a": 4, "d": 2}
        assert bid["value"] == pytest.approx(bid["entropy"] + 2.5)
    stored = memory.get(result["auction_id"])
    assert stored["juror_reliability"] == report


def test_a_dropped_juror_makes_no_batched_call_either(memory):
    add_history(memory, 24)
    scripts = juror_scripts()
    result = graph.invoke({"task": TASK}, context=context_for(memory, scripts, juror_reliability=50,
                                                              jury_batch=True))["result"]
    assert jury_calls(scripts) == {"a": 1, "d": 1, "b": 0, "c": 0}
    assert result["jurors"] == ["a", "d"] and all(b["jury"] == {"a": 4, "d": 2} for b in result["bids"])


def test_cold_start_keeps_every_juror_at_weight_one_and_the_papers_scores(memory):
    add_history(memory, 12)
    off_scripts, on_scripts = juror_scripts(), juror_scripts()
    off = graph.invoke({"task": TASK}, context=context_for(memory, off_scripts))["result"]
    on = graph.invoke({"task": TASK}, context=context_for(memory, on_scripts, juror_reliability=50))["result"]
    assert "juror_reliability" not in off and "juror_reliability" not in memory.get(off["auction_id"])
    assert {j: r["weight"] for j, r in on["juror_reliability"].items()} == dict.fromkeys(PRICES, 1.0)
    assert all(r["reason"].startswith("cold start: 12 scored outcomes") for r in on["juror_reliability"].values())
    assert jury_calls(on_scripts) == jury_calls(off_scripts) == dict.fromkeys(PRICES, 4)
    assert [b["value"] for b in on["bids"]] == [b["value"] for b in off["bids"]]


def test_only_earlier_signed_auctions_with_verdicts_are_learned_from(memory):
    add_history(memory, 24)
    assert from_memory(memory, list(PRICES), 50, memory.max_seq())["b"]["weight"] == 0
    assert from_memory(memory, list(PRICES), 50, 10)["b"]["reason"].startswith("cold start: 10 scored")
    assert from_memory(memory, list(PRICES), 10, memory.max_seq())["b"]["n"] == 10  # the newest 10 only
    assert executed_outcomes([{"passed": None, "bids": [{"label": "win", "jury": {"a": 1}}]}]) == []
    forged = {"passed": True, "passed_signature": "0" * 64}
    memory.log.set_outcome("past-0", forged)  # a verdict written around the orchestrator
    memory.log._run("UPDATE auctions SET record = replace(record, '\"signature\"', '\"unsigned\"') "
                    "WHERE auction_id = 'past-1'")  # a record edited around it
    assert from_memory(memory, list(PRICES), 50, memory.max_seq())["a"]["n"] == 22
    add_history(memory, 40, start=100, outcome=False)  # newer auctions with no verdict: read past them
    assert from_memory(memory, list(PRICES), 50, memory.max_seq())["a"]["n"] == 22
    assert len(recent_verdicts(memory, 5, memory.max_seq())) == 5
    assert [r["seq"] for r in recent_verdicts(memory, 3, 12)] == [10, 11, 12]


def test_auctions_logged_while_this_one_runs_do_not_change_whom_it_calls(memory):
    """The report is learned once, before the first jury call, and kept for the rejury: auctions another process
    logs meanwhile (here: during the rebid) count from the next auction on."""
    add_history(memory, 6)
    scripts = juror_scripts()
    landed = []

    def rebid(messages, kwargs):
        if not landed:
            add_history(memory, 24, start=100)
            landed.append(memory.max_seq())
        return "Refined: square each item with a comprehension, sum, check the examples."

    for script in scripts.values():
        script.rebid = rebid
    ctx = context_for(memory, scripts, juror_reliability=50, refine=True)
    result = graph.invoke({"task": TASK}, context=ctx)["result"]
    assert landed, "no agent rebid: the test needs a refinement round"
    assert result["juror_reliability"]["b"]["reason"].startswith("cold start: 6 scored outcomes")
    refined = sum(1 for b in result["bids"] if b["round"] == 1)
    assert jury_calls(scripts)["b"] == 4 + refined
    after = juror_scripts()
    later = graph.invoke({"task": TASK + " Again.", "auction_id": "next"},
                         context=context_for(memory, after, juror_reliability=50))["result"]
    assert later["juror_reliability"]["b"]["weight"] == 0 and jury_calls(after)["b"] == 0


def test_a_negative_setting_is_one_clear_error_before_any_call(memory):
    scripts = juror_scripts()
    with pytest.raises(ConfigError) as err:
        check_context(context_for(memory, scripts, juror_reliability=-1), paths=False)
    assert str(err.value) == "juror_reliability must be >= 0, got -1"
    with pytest.raises(ConfigError, match="juror_reliability must be >= 0"):
        graph.invoke({"task": TASK}, context=context_for(memory, scripts, juror_reliability=-3))
    assert not any(s.log for s in scripts.values())


def test_sale_run_refuses_a_negative_value_with_one_error_and_no_request(tmp_path, capsys):
    from sale.apps.cli import main
    from tests.openai_stub import Behaviour, StubServer, pool_toml

    with StubServer({"a": Behaviour(), "b": Behaviour()}) as server:
        pool = tmp_path / "pool.toml"
        pool.write_text(pool_toml(server.base_url, {"a": 0.1, "b": 0.2}))
        code = main(["run", "--pool", str(pool), "--memory", str(tmp_path / "m"), "--juror-reliability", "-1", "x"])
        assert server.requests == []
    err = capsys.readouterr().err
    assert code == 2 and err.count("error:") == 1 and "--juror-reliability must be >= 0, got -1" in err, err
    assert not (tmp_path / "m").exists()


def test_sale_run_prints_who_counted_and_why(memory):
    from sale.apps.cli.run import print_result

    add_history(memory, 24)
    ctx = context_for(memory, juror_scripts(), juror_reliability=50)
    result = json.loads(json.dumps(graph.invoke({"task": TASK}, context=ctx)["result"]))
    out = io.StringIO()
    print_result(result, Console(file=out, width=400))
    line = next(x for x in out.getvalue().splitlines() if x.startswith("juror reliability:"))
    assert "b weight 0 (constant: scored all 24 executed bids 3)" in line
    assert "a weight 1 (predicts: AUC 1.00 over 24 outcomes)" in line
