"""Pricing as providers price (input, cached input, output), both conventions end to end, and the opt-in prompt
layouts that let prefix caches hit (issue 16)."""

import asyncio
import re
from dataclasses import replace

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from graphs.auction import graph
from graphs.context import AuctionContext, Live
from graphs.state import JuryTask
from nodes.bid import make_bid
from nodes.jury import jury
from nodes.refine import rebid_prompt
from sale.apps.responses import usage_of
from sale.core.calls import call_model
from sale.core.cost import provider_usd, usd
from sale.core.pool import AgentSpec, PoolError, pool_from_mapping
from sale.core.prompts import JURY_REPLY_SCORE, JURY_SYSTEM, JURY_USER, data_block
from sale.sim.cache import BLOCK, PrefixCache, prompt_pieces
from sale.sim.params import SIM_POOL, sim_pool
from tests.openai_stub import Behaviour, StubServer, stub_pool

AGENT = {"name": "a", "model": "m", "base_url": "http://127.0.0.1:9/v1", "price_per_mtok": 0.36}


def test_provider_prices_parse_and_fall_back_to_the_flat_price():
    flat = pool_from_mapping({"agents": [AGENT]}).get("a")
    assert (flat.input_price, flat.output_price, flat.cached_input_price) == (0.36, 0.36, 0.36)
    priced = pool_from_mapping({"agents": [{**AGENT, "input_price_per_mtok": 1, "output_price_per_mtok": 4.0,
                                            "cached_input_price_per_mtok": 0.1}]}).get("a")
    assert (priced.input_price, priced.output_price, priced.cached_input_price) == (1.0, 4.0, 0.1)
    assert priced.price_per_mtok == 0.36
    only_input = pool_from_mapping({"agents": [{**AGENT, "input_price_per_mtok": 0.2}]}).get("a")
    assert only_input.cached_input_price == 0.2 and only_input.output_price == 0.36


@pytest.mark.parametrize(("extra", "message"), [
    ({"input_price_per_mtok": -1}, "`input_price_per_mtok` must be a finite number >= 0"),
    ({"output_price_per_mtok": float("inf")}, "`output_price_per_mtok` must be a finite number >= 0"),
    ({"cached_input_price_per_mtok": "0.1"}, "`cached_input_price_per_mtok` has the wrong type (str)"),
    ({"output_price_per_mtok": True}, "`output_price_per_mtok` has the wrong type (bool)"),
    ({"input_price_per_mtok": 0.1, "cached_input_price_per_mtok": 0.2}, "is above the input price"),
    ({"cached_input_price_per_mtok": 0.5}, "is above the input price"),
    ({"cache_price": 0.1}, "unknown key(s) cache_price"),
])
def test_bad_prices_are_one_clear_error(extra, message):
    with pytest.raises(PoolError) as err:
        pool_from_mapping({"agents": [{**AGENT, **extra}]})
    assert message in str(err.value) and str(err.value).count("\n  - ") == 1


def test_provider_usd_bills_uncached_cached_and_generated_tokens_apart():
    assert provider_usd(1.0, 0.1, 4.0, 1000, 600, 100) == pytest.approx((400 * 1.0 + 600 * 0.1 + 100 * 4.0) / 1e6)
    assert provider_usd(1.0, 0.1, 4.0, 100, 500, 0) == pytest.approx(100 * 0.1 / 1e6)  # hits never exceed the prompt
    assert provider_usd(0.36, 0.36, 0.36, 70, 30, 30) == pytest.approx(usd(0.36, 100))  # flat prices agree


async def test_cached_tokens_are_read_from_the_endpoints_usage():
    with StubServer({"m": Behaviour(cached_share=0.4), "plain": Behaviour()}) as stub:
        spec = AgentSpec(name="m", model="m", base_url=stub.base_url, price_per_mtok=0.36, timeout_s=10.0,
                         max_retries=0, input_price_per_mtok=0.1, output_price_per_mtok=0.4,
                         cached_input_price_per_mtok=0.01)
        messages = [SystemMessage("You are a helper bidding in an auction."), HumanMessage("Task:\nadd 2 and 2")]
        call = await call_model(spec, messages, purpose="bid", deadline_s=10.0, max_tokens=16)
        plain = await call_model(replace(spec, name="plain", model="plain"), messages, purpose="bid",
                                 deadline_s=10.0, max_tokens=16)
    assert call["error"] is None and call["reported_usage"]["cached_tokens"] == 40
    assert call["cached_tokens"] == round(0.4 * call["prompt_tokens"]) > 0  # the server's share, local count
    assert call["usd"] == pytest.approx(usd(0.36, call["prompt_tokens"] + call["completion_tokens"]))
    assert call["usd_provider"] == pytest.approx(provider_usd(0.1, 0.01, 0.4, call["prompt_tokens"],
                                                              call["cached_tokens"], call["completion_tokens"]))
    assert plain["cached_tokens"] == 0 and "cached_tokens" not in plain["reported_usage"]


async def test_auction_usage_and_server_usage_carry_both_conventions(memory):
    with StubServer({"small": Behaviour(cached_share=0.5), "big": Behaviour(cached_share=0.5)}) as stub:
        pool = stub_pool(stub, {"small": 0.05, "big": 0.36}, input_price_per_mtok=0.02,
                         output_price_per_mtok=0.3, cached_input_price_per_mtok=0.002)
        ctx = AuctionContext(live=Live(pool=pool, memory=memory))
        result = (await graph.ainvoke({"task": "What is 17 * 23?"}, context=ctx))["result"]
    u = result["usage"]
    assert result["status"] == "ok" and u["cached_tokens"] > 0
    kinds = u["by_purpose"]
    assert set(kinds) >= {"bid", "jury", "execute"} and kinds["jury"]["calls"] == 4
    assert sum(k["usd"] for p, k in kinds.items() if p != "execute") == pytest.approx(u["auction_usd"])
    assert sum(k["usd_provider"] for p, k in kinds.items() if p != "execute") == pytest.approx(
        u["auction_usd_provider"])
    assert u["auction_usd_provider"] != pytest.approx(u["auction_usd"])
    served = usage_of(result)
    assert served["prompt_tokens_details"]["cached_tokens"] == u["cached_tokens"]
    assert served["cost_usd"]["flat"] == pytest.approx(u["auction_usd"] + u["execution_usd"])
    assert served["cost_usd"]["provider"] == pytest.approx(u["auction_usd_provider"] + u["execution_usd_provider"])


def _jury_prompts(context, scripts, bids):
    async def judge():
        for b in bids:
            await jury(JuryTask(task="What is 17 * 23?", bid=b, juror="big"), Runtime(context=context))
    asyncio.run(judge())
    return ["\n".join(str(m.content) for m in messages) for kind, messages, _ in scripts["big"].log if kind == "jury"]


def _bids():
    return [make_bid(agent, 0, {"text": text, "logprobs": None, "finish_reason": "stop", "completion_tokens": 9,
                                "prompt_tokens": 120, "token_source": "estimate"}, [])
            for agent, text in (("small", "guess the product quickly"), ("big", "multiply with Python and check"))]


def test_paper_layout_is_byte_identical_and_shared_prefix_puts_only_the_bid_last(context, scripts):
    bids = _bids()
    paper = _jury_prompts(context, scripts, bids)
    assert paper[0] == JURY_SYSTEM.format(reply_format=JURY_REPLY_SCORE) + "\n" + JURY_USER.format(
        task="What is 17 * 23?", bid_block=data_block(bids[0]["text"]), reply_format=JURY_REPLY_SCORE)
    scripts["big"].log.clear()
    shared = _jury_prompts(replace(context, jury_layout="shared_prefix"), scripts, bids)
    first, second = shared
    common = _common_prefix(first, second)
    assert "Reply with" in paper[0][len(_common_prefix(*paper)):] and "Reply with" not in first[len(common):]
    assert first.endswith(data_block(bids[0]["text"])) and second.endswith(data_block(bids[1]["text"]))
    assert len(first) - len(common) <= len(data_block(bids[0]["text"]))  # all but the bid is shared
    assert len(common) > len(_common_prefix(*paper))


def _common_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def test_unknown_prompt_settings_fail_before_any_call(context):
    for bad in ({"jury_layout": "compact"}, {"rebid_exemplars": "short"}):
        with pytest.raises(ValueError, match=r"unknown (jury_layout|rebid_exemplars)"):
            graph.invoke({"task": "What is 17 * 23?"}, context=replace(context, **bad))


def test_digest_exemplars_shorten_strategies_and_keep_tasks_whole():
    long_plan = " ".join(f"step{i}" for i in range(100))
    pairs = [{"auction_id": "x", "similarity": 0.9, "task": "Multiply 17 by 24 and explain every step",
              "losing_agent": "small", "losing": long_plan, "winning_agent": "big", "winning": long_plan}]
    full = "".join(str(m.content) for m in rebid_prompt("small", "Multiply 3 by 4", "x", pairs, 80))
    short = "".join(str(m.content) for m in rebid_prompt("small", "Multiply 3 by 4", "x", pairs, 80, digests=True))
    assert "step99" in full and "step99" not in short and "step29 [...]" in short
    assert "Multiply 17 by 24 and explain every step" in short
    assert len(re.findall(r"step\d+", full)) == 200 and len(re.findall(r"step\d+", short)) == 60


def test_simulated_prefix_cache_counts_shared_whole_blocks_per_agent():
    cache = PrefixCache()
    system = SystemMessage(" ".join(f"rule{i}" for i in range(60)))
    first = [system, HumanMessage("Task: alpha beta gamma. Strategy: one two three")]
    second = [system, HumanMessage("Task: alpha beta gamma. Strategy: four five six")]
    assert cache.lookup("a", first) == 0
    shared = cache.lookup("a", second)
    same = len(_common_prefix(prompt_pieces(first), prompt_pieces(second)))
    assert shared % BLOCK == 0 and same - BLOCK < shared <= same and shared >= len(prompt_pieces([system])) - BLOCK
    assert cache.lookup("b", second) == 0  # caches are per agent
    assert cache.lookup("a", first) == len(prompt_pieces(first)) // BLOCK * BLOCK


def test_simulated_prefix_cache_totals_do_not_depend_on_call_order():
    prompts = [[HumanMessage(" ".join(["w"] * n + [str(k)] * 40))] for n in (10, 40, 70) for k in range(2)]
    totals = set()
    for order in (prompts, prompts[::-1], prompts[1::2] + prompts[::2]):
        cache = PrefixCache()
        totals.add(sum(cache.lookup("a", p) for p in order))
    assert len(totals) == 1 and totals.pop() > 0


def test_simulated_ladder_prices_output_at_the_papers_price_and_input_below_it():
    for agent in sim_pool().agents:
        assert agent.output_price == agent.price_per_mtok
        assert agent.input_price == pytest.approx(agent.price_per_mtok / 4)
        assert agent.cached_input_price == pytest.approx(agent.input_price / 10)


def test_bench_results_report_both_conventions_and_where_the_auction_goes(tmp_path):
    from sale.bench.config import BenchConfig
    from sale.bench.runner import run_bench

    cfg = BenchConfig(suite="coding", pool=SIM_POOL, seed=1, size=6, train_share=0.0, routers=("sale",),
                      out=tmp_path, progress=False, jury_layout="shared_prefix", rebid_exemplars="digest")
    results = asyncio.run(run_bench(cfg))
    sale = results["routers"]["sale"]
    assert results["jury_layout"] == "shared_prefix" and results["rebid_exemplars"] == "digest"
    assert results["pool"]["agents"][0]["input_price_per_mtok"] == pytest.approx(0.0125)
    assert 0 < sale["cost_usd_provider"] < sale["cost_usd"] and 0 < sale["cached_token_share"] < 1
    assert 0 < sale["auction_usd_share_provider"] < sale["auction_usd_share"]
    kinds = sale["auction_by_kind"]
    assert {"bid", "jury"} <= set(kinds)
    assert sum(k["token_share"] for k in kinds.values()) == pytest.approx(sale["auction_token_share"])
    assert sum(k["usd_share"] for k in kinds.values()) == pytest.approx(sale["auction_usd_share"])
    assert sum(k["usd_share_provider"] for k in kinds.values()) == pytest.approx(sale["auction_usd_share_provider"])
    report = (tmp_path / "report.md").read_text()
    assert "Where sale's auction goes" in report and "provider" in report


def test_each_bench_stream_starts_with_an_empty_simulated_cache(tmp_path):
    """Two routers that hold the same auctions pay the same provider-style price: neither finds its prompts cached
    by the other's run (nor by the single agents' runs of the same tasks)."""
    from sale.bench.config import BenchConfig
    from sale.bench.runner import run_bench

    cfg = BenchConfig(suite="coding", pool=SIM_POOL, seed=1, size=6, train_share=0.0,
                      routers=("sale", "sale-adaptive"), out=tmp_path, progress=False)
    results = asyncio.run(run_bench(cfg))
    sale, adaptive = results["routers"]["sale"], results["routers"]["sale-adaptive"]
    assert adaptive["auction_skipped"]["count"] == 0  # so both streams make the same calls
    assert adaptive["cost_usd"] == pytest.approx(sale["cost_usd"])
    assert adaptive["cost_usd_provider"] == pytest.approx(sale["cost_usd_provider"])
    assert adaptive["cached_token_share"] == pytest.approx(sale["cached_token_share"])
