"""The cascade (``auction_policy="cascade"``): P(pass) from memory, cheapest credible agent first, a check juror
on each draft, escalation on a verified failure and never after a pass, a verified draft delivered as is."""

from dataclasses import replace

import pytest
from rich.console import Console

from graphs.auction import graph
from graphs.context import AuctionContext, Live
from sale.apps.cli.run import print_result
from sale.apps.responses import auction_record
from sale.core.cascade import accepts, base_rates, check_record, estimate, evidence_of, order, right_given_pass
from tests.scripted import Script, factory_for, scripted_pool

TASK = "Write a Python function add_up(a, b) that returns a + b.\nExample: add_up(2, 3) == 5"
NEAR = [f"Write a Python function add_up{i}(a, b) that returns a + b.\nExample: add_up{i}(2, 3) == 5"
        for i in range(1, 6)]
RIGHT = "```python\ndef add_up(a, b):\n    return a + b\n```"
WRONG = "```python\ndef add_up(a, b):\n    return a - b\n```"
AGENTS = [("cheap", 0.05), ("big", 0.36)]


def record(agent_checks, passed=None, winner="big"):
    """A past auction as memory returns it: each agent's draft and its check (passed, examples)."""
    bids = [{"agent": a, "round": 0, "tokens": 100, "call_tokens": 300,
             "check": {"passed": ok, "examples": n, "failed": 0 if ok else n, "detail": ""}}
            for a, (ok, n) in agent_checks.items()]
    return {"auction_id": "x", "bids": bids, "winner_agent": winner, "passed": passed}


def test_evidence_counts_checks_with_examples_and_signed_verdicts_only():
    rec = record({"cheap": (False, 1), "big": (True, 0)}, passed=None)
    assert evidence_of(rec) == {"cheap": (False, 300)}  # an import-only check says nothing
    assert evidence_of(record({"cheap": (False, 1)}, passed=True, winner="big"))["big"] == (True, 0)
    assert evidence_of(record({"big": (True, 2)}, passed=False, winner="big"))["big"] == (False, 300)


def test_knn_p_pass_starts_at_the_prior_and_follows_similar_verified_work():
    cold = estimate(AGENTS, [], prior=0.5, prior_weight=2.0)
    assert cold["cheap"]["p_pass"] == 0.5 and cold["cheap"]["evidence"] == 0
    assert cold["cheap"]["expected_usd"] < cold["big"]["expected_usd"]
    failing = [(record({"cheap": (False, 1), "big": (True, 1)}), 0.9)] * 4
    est = estimate(AGENTS, failing, prior=0.5, prior_weight=2.0)
    assert est["cheap"]["p_pass"] == pytest.approx(1.0 / (2.0 + 3.6))
    assert est["big"]["p_pass"] == pytest.approx((1.0 + 3.6) / (2.0 + 3.6))
    assert est["cheap"]["evidence"] == 4 and est["cheap"]["passes"] == 0
    assert est["cheap"]["expected_tokens"] == 300
    near_pass, far_fail = (record({"cheap": (True, 1)}), 0.95), (record({"cheap": (False, 1)}), 0.1)
    assert estimate(AGENTS, [near_pass, far_fail], 0.5, 2.0)["cheap"]["p_pass"] > 0.5  # similarity weighs


def test_order_is_cheapest_first_and_drops_an_agent_whose_saving_cannot_cover_its_cost():
    cold = estimate(AGENTS, [], 0.5, 2.0)
    steps = order(AGENTS, cold, {"cheap", "big"}, TASK, exploration=0.0, seed=0)
    assert [(s["agent"], s["drafts"]) for s in steps] == [("cheap", True), ("big", True)]
    hopeless = estimate(AGENTS, [(record({"cheap": (False, 1), "big": (True, 1)}), 0.9)] * 30, 0.5, 2.0)
    steps = order(AGENTS, hopeless, {"cheap", "big"}, TASK, exploration=0.0, seed=0)
    assert [(s["agent"], s["drafts"]) for s in steps] == [("cheap", False), ("big", True)]
    assert "P(pass) 0.03" in steps[0]["reason"] and "< its cost" in steps[0]["reason"]
    explored = [order(AGENTS, hopeless, {"cheap", "big"}, f"task {i}", exploration=0.3, seed=0)[0]["drafts"]
                for i in range(400)]
    assert 0.2 < sum(explored) / 400 < 0.4
    assert [s["agent"] for s in order(AGENTS, cold, {"cheap"}, TASK, 0.0, 0)] == ["cheap"]  # big's circuit open
    unverifiable = order(AGENTS, cold, {"cheap", "big"}, TASK, 0.0, 0, verifiable=False, trust_unchecked=0.8)
    assert not unverifiable[0]["drafts"] and "no check can verify" in unverifiable[0]["reason"]


def test_a_draft_ends_the_auction_on_a_verified_pass_or_earned_trust_only():
    passed = {"passed": True, "examples": 2, "failed": 0, "detail": "2 of 2 examples held"}
    failed = {"passed": False, "examples": 2, "failed": 1, "detail": "1 of 2 examples held"}
    imports = {"passed": True, "examples": 0, "failed": 0, "detail": "imports without error"}
    assert accepts(passed, 0.1, 0.8, last=False)[0]
    assert not accepts(failed, 0.99, 0.8, last=False)[0] and accepts(failed, 0.1, 0.8, last=True)[0]
    assert not accepts(imports, 0.5, 0.8, last=False)[0] and accepts(imports, 0.85, 0.8, last=False)[0]


def cascade_ctx(memory, cheap, big, **settings):
    scripts = {"cheap": Script(answer=cheap), "big": Script(answer=big, execute=f"Final Answer:\n{RIGHT}")}
    pool = scripted_pool(dict(AGENTS))
    ctx = AuctionContext(live=Live(pool=pool, memory=memory, model_factory=factory_for(scripts)),
                         auction_policy="cascade", domain="coding", cascade_exploration=0.0, **settings)
    return scripts, ctx


def kinds(script):
    return [k for k, _, _ in script.log]


async def test_a_verified_cheap_draft_is_the_answer_and_nothing_dearer_runs(memory):
    scripts, ctx = cascade_ctx(memory, RIGHT, RIGHT)
    r = (await graph.ainvoke({"task": TASK, "auction_id": "a1"}, context=ctx))["result"]
    assert r["status"] == "ok" and r["winner"] == "cheap" and "return a + b" in r["answer"]
    assert kinds(scripts["cheap"]) == ["answer"] and kinds(scripts["big"]) == []  # no escalation after a pass
    assert r["bids"][0]["check"]["passed"] and r["bids"][0]["check"]["examples"] == 1
    assert r["execution"]["model_steps"] == 1 and r["execution"]["steps"][0]["from_auction"]
    u = r["usage"]
    assert u["calls"] == 1 and u["auction_usd"] == 0 and u["execution_usd"] > 0  # the kept draft is the execution
    assert r["cascade"]["decisions"][0]["verified"] and memory.get("a1")["bids"][0]["check"]["passed"]
    assert auction_record(r)["cascade"]["order"][0]["agent"] == "cheap"
    out = Console(record=True, width=160)
    print_result(r, out)
    shown = out.export_text()
    assert "Cascade a1 (ok)" in shown and "verified: 1 of 1 examples held" in shown and "return a + b" in shown


async def test_a_failed_check_gets_one_redraft_then_escalates(memory):
    scripts, ctx = cascade_ctx(memory, WRONG, RIGHT)
    r = (await graph.ainvoke({"task": TASK, "auction_id": "a2"}, context=ctx))["result"]
    assert r["winner"] == "big" and "return a + b" in r["answer"]
    assert kinds(scripts["cheap"]) == ["answer", "answer"] and kinds(scripts["big"]) == ["answer"]
    redraft = scripts["cheap"].log[1][1]
    assert [m.type for m in redraft] == ["human", "ai", "human"]
    assert "add_up(2, 3) gave -1, expected 5" in redraft[2].content
    assert [d["accepted"] for d in r["cascade"]["decisions"]] == [False, False, True]
    u = r["usage"]
    assert u["by_purpose"]["draft"]["calls"] == 1 and u["by_purpose"]["redraft"]["calls"] == 1
    assert u["by_purpose"]["execute"]["calls"] == 1 and u["auction_usd"] > 0  # cheap's failures: the overhead
    no_retry = replace(ctx, cascade_retries=0, cascade_exploration=1.0)  # memory now doubts cheap: draw it anyway
    scripts["cheap"].log.clear()
    await graph.ainvoke({"task": NEAR[0].replace("add_up1", "add_up"), "auction_id": "a3"}, context=no_retry)
    assert kinds(scripts["cheap"]) == ["answer"]


async def test_the_last_agent_failing_its_check_goes_on_to_the_loop_when_asked(memory):
    scripts, ctx = cascade_ctx(memory, WRONG, WRONG, cascade_retries=0, cascade_last_resort="loop")
    r = (await graph.ainvoke({"task": TASK, "auction_id": "a4"}, context=ctx))["result"]
    assert r["winner"] == "big" and kinds(scripts["big"]) == ["answer", "execute"]
    assert "return a + b" in r["answer"] and r["execution"]["model_steps"] == 2
    seeded = scripts["big"].log[1][1]
    assert "add_up(2, 3) gave -1, expected 5" in seeded[-1].content and seeded[-2].content == WRONG


def test_a_draft_the_loop_takes_over_has_spent_its_tokens_of_the_loops_budget(memory):
    """As on the executor's own draft: the cascade's loop gets no larger token budget than a single agent's."""
    from nodes.draft import given_draft
    from tools.domains import SHIPPED_DOMAINS

    _, ctx = cascade_ctx(memory, WRONG, WRONG)
    check = {"passed": False, "examples": 1, "failed": 1, "detail": "add_up(2, 3) gave -1, expected 5"}
    state = {"agent": "big", "task": TASK, "plan": "p",
             "draft": {"text": WRONG, "check": check, "final": False, "why": "failed", "tokens": 731}}
    update = given_draft(state, ctx, SHIPPED_DOMAINS["coding"])
    assert update["tokens_used"] == 731 and update["model_steps"] == 1
    assert "add_up(2, 3)" in update["messages"][-1].content


async def test_the_cascade_hands_its_drafts_tokens_to_the_loops_budget(memory):
    """A budget one token over a reply's cap leaves room for one more step only if the draft spent nothing: with
    the draft's tokens counted, the loop's first step is its last."""
    scripts, ctx = cascade_ctx(memory, WRONG, WRONG, cascade_retries=0, cascade_last_resort="loop")
    tight = replace(ctx, exec_token_budget=ctx.exec_max_tokens + 1)
    r = (await graph.ainvoke({"task": TASK, "auction_id": "a4b"}, context=tight))["result"]
    seeded = scripts["big"].log[1][1]
    assert r["winner"] == "big" and kinds(scripts["big"]) == ["answer", "execute"]
    assert any("This is your last step" in str(m.content) for m in seeded), "the draft's tokens were not counted"


async def test_by_default_the_last_agent_redrafts_once_then_its_failed_draft_is_delivered_and_says_so(memory):
    scripts, ctx = cascade_ctx(memory, WRONG, WRONG)
    r = (await graph.ainvoke({"task": TASK, "auction_id": "a5"}, context=ctx))["result"]
    assert kinds(scripts["cheap"]) == ["answer", "answer"] and kinds(scripts["big"]) == ["answer", "answer"]
    assert "add_up(2, 3) gave -1, expected 5" in scripts["big"].log[1][1][2].content  # the redraft saw why
    assert r["status"] == "ok" and r["winner"] == "big" and "return a - b" in r["answer"]
    assert [d["accepted"] for d in r["cascade"]["decisions"]] == [False, False, False, True]
    step = r["execution"]["steps"][0]
    assert step["failed_check"] and step["kept"] and r["execution"]["model_steps"] == 1  # no loop
    out = Console(record=True, width=160)
    print_result(r, out)
    assert "kept, although it FAILED the task's examples" in out.export_text()
    scripts["big"].answer = lambda messages, kwargs: WRONG if len(messages) == 1 else "I cannot fix it."
    r = (await graph.ainvoke({"task": TASK, "auction_id": "a7"}, context=ctx))["result"]
    assert "return a - b" in r["answer"] and kinds(scripts["big"])[-2:] == ["answer", "answer"]  # no loop
    assert r["execution"]["steps"][0]["failed_check"] and "earlier draft" in r["cascade"]["decisions"][-1]["why"]
    scripts["big"].answer = "I cannot write code."  # no answer at all: the loop, whatever the setting
    r = (await graph.ainvoke({"task": TASK, "auction_id": "a6"}, context=ctx))
    assert kinds(scripts["big"])[-1] == "execute" and "return a + b" in r["result"]["answer"]


def test_a_pass_is_trusted_by_the_record_of_the_agents_passes():
    cold = check_record(["cheap", "big"], [], prior_weight=2.0)["cheap"]
    assert cold["fpr"] == pytest.approx(0.1) and cold["tpr"] == pytest.approx(0.95)
    assert right_given_pass(0.5, cold) == pytest.approx(0.475 / (0.475 + 0.05))
    false_pass = record({"cheap": (True, 1), "big": (False, 1)}, passed=False, winner="cheap")
    true_pass = record({"cheap": (True, 1)}, passed=True, winner="cheap")
    failed = record({"cheap": (False, 1), "big": (True, 1)}, passed=True, winner="big")
    rec = check_record(["cheap", "big"], [false_pass, false_pass, true_pass, failed], prior_weight=2.0)
    c = rec["cheap"]
    assert (c["true_passes"], c["false_passes"], c["right"], c["wrong"]) == (1, 2, 1, 3)
    assert c["fpr"] == pytest.approx((2 + 0.2) / (3 + 2)) and rec["big"]["wrong"] == 2 and rec["big"]["right"] == 1
    assert right_given_pass(0.5, c) < 0.8 < right_given_pass(0.5, cold)
    assert right_given_pass(0.1, cold) < 0.8  # an agent that rarely passes: its pass is likely luck
    passed = {"passed": True, "examples": 2, "failed": 0, "detail": "2 of 2 examples held"}
    ok, why = accepts(passed, 0.5, 0.8, last=False, right_if_pass=right_given_pass(0.5, c), trust_checked=0.8)
    assert not ok and "not trusted" in why and accepts(passed, 0.5, 0.8, last=True, right_if_pass=0.0)[0]
    cold_est = estimate(AGENTS, [], 0.5, 2.0)
    steps = order(AGENTS, cold_est, {"cheap", "big"}, TASK, 0.0, 0, checks=rec, trust_checked=0.8)
    assert not steps[0]["drafts"] and "would not be trusted" in steps[0]["reason"]
    assert order(AGENTS, cold_est, {"cheap", "big"}, TASK, 0.0, 0, checks={**rec, "cheap": cold})[0]["drafts"]


async def test_an_agent_whose_visible_passes_were_wrong_stops_ending_auctions(memory):
    scripts, ctx = cascade_ctx(memory, RIGHT, RIGHT)
    winners = []
    for i in range(3):
        scripts["cheap"].answer = RIGHT.replace("add_up", f"add_up{i + 1}")
        scripts["big"].answer = RIGHT.replace("add_up", f"add_up{i + 1}")
        r = (await graph.ainvoke({"task": NEAR[i], "auction_id": f"f{i}"}, context=ctx))["result"]
        winners.append(r["winner"])
        memory.record_outcome(f"f{i}", r["winner"] == "big")  # cheap's visible passes did not hold
    scripts["cheap"].answer, scripts["big"].answer = RIGHT, RIGHT
    asked = kinds(scripts["cheap"]).count("answer")
    r = (await graph.ainvoke({"task": TASK, "auction_id": "f9"}, context=ctx))["result"]
    assert winners[0] == "cheap" and "big" in winners and r["winner"] == "big"
    assert kinds(scripts["cheap"]).count("answer") == asked  # not asked again
    assert r["cascade"]["checks"]["cheap"]["false_passes"] == winners.count("cheap")
    assert "would not be trusted" in r["cascade"]["order"][0]["reason"]


async def test_an_agent_that_keeps_failing_stops_drafting(memory):
    scripts, ctx = cascade_ctx(memory, WRONG, RIGHT, cascade_retries=0, cascade_prior_weight=1.0)
    drafted = []
    for i, task in enumerate([*NEAR, TASK]):
        scripts["cheap"].answer = WRONG.replace("add_up", f"add_up{i + 1}" if i < len(NEAR) else "add_up")
        scripts["big"].answer = RIGHT.replace("add_up", f"add_up{i + 1}" if i < len(NEAR) else "add_up")
        before = len(scripts["cheap"].log)
        r = (await graph.ainvoke({"task": task, "auction_id": f"s{i}"}, context=ctx))["result"]
        drafted.append(len(scripts["cheap"].log) > before)
        assert r["winner"] == "big" and r["status"] == "ok"
    assert drafted[0] and not drafted[-1]  # its record, not its price, decides
    last = r["cascade"]["order"][0]
    assert last["agent"] == "cheap" and not last["drafts"] and r["cascade"]["estimates"]["cheap"]["passes"] == 0


def test_an_agents_own_record_is_its_prior_so_failures_far_from_the_task_still_count():
    history = [record({"cheap": (False, 1), "big": (True, 1)}, passed=True)] * 10
    rates = base_rates(["cheap", "big"], history, prior=0.5, prior_weight=2.0)
    assert rates["cheap"] == pytest.approx(1.0 / 12) and rates["big"] == pytest.approx(11.0 / 12)
    assert base_rates(["cheap"], [], 0.5, 2.0) == {"cheap": 0.5}  # a cold start is the prior
    far = [(record({"cheap": (False, 1), "big": (True, 1)}), 0.05)] * 3  # the few failures near it are far
    flat, own = estimate(AGENTS, far, 0.5, 2.0), estimate(AGENTS, far, rates, 2.0)
    assert flat["cheap"]["p_pass"] > 0.4 and own["cheap"]["p_pass"] < 0.1
    drafts = [order(AGENTS, e, {"cheap", "big"}, TASK, 0.0, 0)[0]["drafts"] for e in (flat, own)]
    assert drafts == [True, False]  # on cost alone it would draft; on its record it does not


async def test_the_cascade_reads_each_agents_prior_from_its_verdicts_in_memory(memory):
    scripts, ctx = cascade_ctx(memory, WRONG, RIGHT, cascade_retries=0)
    for i, task in enumerate(NEAR):
        scripts["cheap"].answer = WRONG.replace("add_up", f"add_up{i + 1}")
        scripts["big"].answer = RIGHT.replace("add_up", f"add_up{i + 1}")
        r = (await graph.ainvoke({"task": task, "auction_id": f"v{i}"}, context=ctx))["result"]
        memory.record_outcome(r["auction_id"], True)
    failed = len(scripts["cheap"].log)  # its drafts, each failed; it stops drafting once memory doubts it
    assert 0 < failed < len(NEAR)
    scripts["cheap"].answer, scripts["big"].answer = WRONG, RIGHT
    r = (await graph.ainvoke({"task": TASK, "auction_id": "v9"}, context=ctx))["result"]
    assert r["cascade"]["priors"] == pytest.approx({"cheap": 1.0 / (2 + failed), "big": 6.0 / 7})
    flat = (await graph.ainvoke({"task": TASK, "auction_id": "v10"},
                                context=replace(ctx, cascade_prior_from_record=False)))["result"]
    assert "priors" not in flat["cascade"]
    assert flat["cascade"]["estimates"]["cheap"]["p_pass"] > r["cascade"]["estimates"]["cheap"]["p_pass"]


def test_bad_cascade_settings_are_one_clear_error():
    from sale.core.preflight import ConfigError, check_context

    with pytest.raises(ConfigError, match=r"(?s)cascade_prior must be in \[0, 1\].*cascade_retries must be >= 0"):
        check_context(AuctionContext(auction_policy="cascade", cascade_prior=2.0, cascade_retries=-1), paths=False)
    with pytest.raises(ConfigError, match="auction_policy"):
        check_context(AuctionContext(auction_policy="cascad"), paths=False)
    with pytest.raises(ConfigError, match=r"(?s)cascade_trust_checked.*cascade_last_resort"):
        check_context(AuctionContext(cascade_trust_checked=1.5, cascade_last_resort="retry"), paths=False)


def direct_runs(agent, rows, usd):
    """(task id, hidden pass, check) rows of one agent's direct answers."""
    from sale.bench.runs import Run

    return [Run(router=f"direct:{agent}", task_id=t, bin=1, order=0, agent=agent, passed=p, usd=usd, tokens=100,
                completion_tokens=50, check=c) for t, p, c in rows]


def test_check_signal_and_the_cascade_bounds_from_direct_answers():
    from sale.bench.check_signal import cascade_bounds, check_signal, report_lines

    runs = {"direct:cheap": direct_runs("cheap", [("t1", True, "pass"), ("t2", False, "fail"), ("t3", False, "pass"),
                                                  ("t4", True, "fail"), ("t5", False, "unverified")], 1.0),
            "direct:big": direct_runs("big", [("t1", True, "pass"), ("t2", True, "pass"), ("t3", True, "pass"),
                                              ("t4", False, "fail"), ("t5", True, "pass")], 10.0)}
    signal = check_signal(runs, ["cheap", "big"])
    cheap = signal["cheap"]
    assert (cheap["checked"], cheap["unverified"], cheap["hidden_pass"], cheap["check_pass"]) == (4, 1, 2, 2)
    assert cheap["true_positive_rate"] == 0.5 and cheap["true_negative_rate"] == 0.5
    assert cheap["balanced_accuracy"] == 0.5 and cheap["precision"] == 0.5
    assert signal["big"]["true_negative_rate"] == 1.0 and signal["big"]["precision"] == 1.0
    bounds = cascade_bounds(runs, ["cheap", "big"])
    assert bounds["best_direct"] == {"agent": "big", "pass_at_1": 0.8, "cost_usd": 50.0}
    (chain,) = bounds["chains"]
    # checked: t1 and t3 stop at cheap (t3 wrongly), t2, t4, t5 escalate -> passes t1, t2, t5 = 3 of 5
    assert chain["checked"] == {"pass_at_1": 0.6, "cost_usd": 35.0, "cost_vs_best_direct": 0.7,
                                "escalated_share": 0.6}
    # perfect: t1 and t4 stop at cheap -> passes t1, t2, t3, t4, t5 = 5 of 5
    assert chain["perfect"]["pass_at_1"] == 1.0 and chain["perfect"]["cost_usd"] == 35.0
    text = "\n".join(report_lines({"check_signal": signal, "cascade_bounds": bounds}))
    assert "| cheap | 4 | 1 | 2 | 2 | 50.0% | 50.0% | 50.0% | 50.0% |" in text and "| cheap > big | 60.0% |" in text


async def test_cascade_tests_check_drafts_of_a_task_that_shows_no_example(memory):
    bare = "Write a Python function add_up(a, b) that returns a + b."
    asserts = "```python\nassert add_up(2, 3) == 5\nassert add_up(-1, 1) == 0\n```"

    def big(messages, kwargs):
        return asserts if "Do not solve it" in messages[0].content else RIGHT

    scripts, ctx = cascade_ctx(memory, WRONG, big, cascade_retries=0)
    off = (await graph.ainvoke({"task": bare, "auction_id": "t0"}, context=ctx))["result"]
    assert not off["cascade"]["verifiable"] and kinds(scripts["cheap"]) == []  # unverifiable: no trust, no draft
    assert off["winner"] == "big" and off["cascade"]["tests"] == ""
    on = replace(ctx, cascade_tests=True, cascade_exploration=1.0)
    r = (await graph.ainvoke({"task": bare, "auction_id": "t1"}, context=on))["result"]
    assert r["cascade"]["verifiable"] and r["cascade"]["tests"].splitlines() == [
        "assert add_up(2, 3) == 5", "assert add_up(-1, 1) == 0"]
    assert kinds(scripts["cheap"]) == ["answer"] and r["bids"][0]["check"]["examples"] == 2
    assert not r["bids"][0]["check"]["passed"] and r["winner"] == "big" and "return a + b" in r["answer"]
    assert r["usage"]["by_purpose"]["tests"]["calls"] == 1  # charged to the auction
    scripts["cheap"].answer = RIGHT
    r = (await graph.ainvoke({"task": bare, "auction_id": "t2"}, context=on))["result"]
    assert r["winner"] == "cheap" and r["cascade"]["decisions"][0]["verified"]


async def test_a_redraft_is_shown_verified_drafts_of_similar_past_tasks(memory):
    scripts, ctx = cascade_ctx(memory, RIGHT.replace("add_up", "add_up1"), RIGHT)
    await graph.ainvoke({"task": NEAR[0], "auction_id": "past"}, context=ctx)
    scripts["cheap"].answer = WRONG
    r = (await graph.ainvoke({"task": TASK, "auction_id": "now"}, context=ctx))["result"]
    redraft = scripts["cheap"].log[-1][1]
    assert "For comparison, answers that passed their checks" in redraft[2].content
    assert "def add_up1(a, b)" in redraft[2].content and "<strategy>" in redraft[2].content
    # the past answers come first, then why this one failed, then this task: what a model answers is what it read last
    content = redraft[2].content
    assert content.index("def add_up1(a, b)") < content.index("failed the task's own check") < content.rindex(TASK)
    assert r["bids"][1]["retrieved"] == ["past"] and r["bids"][1]["round"] == 1
    # the layout of the recordings made before the fix, kept so they replay: the past answers last
    old = replace(ctx, cascade_redraft_layout="examples_last")
    await graph.ainvoke({"task": TASK, "auction_id": "again"}, context=old)
    content = scripts["cheap"].log[-1][1][2].content
    assert content.index("failed the task's own check") < content.index("def add_up1(a, b)")
    assert "The task again" not in content


def test_an_unknown_redraft_layout_is_one_error_before_any_call():
    from sale.core.preflight import ConfigError, check_context

    with pytest.raises(ConfigError, match="cascade_redraft_layout"):
        check_context(AuctionContext(cascade_redraft_layout="sideways"), paths=False)
