"""Wire tests: the real langchain-openai client against a scripted OpenAI-compatible server on 127.0.0.1.

Cases F5-F10 and F15 of docs/reliability-cases.md.
"""

import itertools
import time

import pytest

from graphs.auction import graph
from graphs.context import AuctionContext, Live
from sale.core.pool import AgentSpec, Pool
from sale.local import free_port
from tests.openai_stub import Behaviour, StubServer, stub_pool

PRICES = {"small": 0.05, "big": 0.36}


@pytest.fixture
def stub():
    with StubServer({"small": Behaviour(spread=2.0), "big": Behaviour(spread=0.5)}) as server:
        yield server


async def run(pool, memory, task="What is 17 * 23?", **ctx):
    context = AuctionContext(live=Live(pool=pool, memory=memory), **ctx)
    return (await graph.ainvoke({"task": task}, context=context))["result"]


async def test_real_client_sends_limits_logprobs_and_structured_jury_requests(stub, memory):
    r = await run(stub_pool(stub, PRICES), memory)
    assert r["status"] == "ok" and r["excluded"] == {}
    (bid,) = stub.calls("small", "bid")
    assert bid["max_tokens"] == 160 and bid["logprobs"] is True and bid["top_logprobs"] == 5
    assert bid["temperature"] == 0.0
    juries = stub.calls("big", "jury")
    assert len(juries) == 2
    assert juries[0]["response_format"]["type"] == "json_schema"
    assert juries[0]["response_format"]["json_schema"]["schema"]["properties"]["score"]["enum"] == [0, 1, 2, 3, 4, 5]
    assert len(stub.calls("big", "execute")) + len(stub.calls("small", "execute")) == 1


async def test_f5_connection_refused_agent_does_not_bid(stub, memory):
    dead = AgentSpec(name="dead", model="dead", base_url=f"http://127.0.0.1:{free_port()}/v1", price_per_mtok=0.01,
                     timeout_s=5, max_retries=0)
    pool = Pool.of(*stub_pool(stub, PRICES).agents, dead)
    r = await run(pool, memory)
    assert r["status"] == "ok" and "dead" in r["excluded"] and "connect" in r["excluded"]["dead"]
    assert {b["agent"] for b in r["bids"]} == {"small", "big"}
    assert r["winner"] in ("small", "big") and "dead" not in r["jurors"]


async def test_f6_non_json_body_excludes_that_agent_only(stub, memory):
    stub.behaviours["small"].fault = "non_json"
    r = await run(stub_pool(stub, PRICES), memory)
    assert r["status"] == "ok" and "small" in r["excluded"] and r["winner"] == "big"


async def test_f7_empty_content_with_length_is_disqualified(stub, memory):
    stub.behaviours["small"].fault = "empty_length"
    r = await run(stub_pool(stub, PRICES), memory)
    small = next(b for b in r["bids"] if b["agent"] == "small")
    assert "empty bid" in small["disqualified"] and "length" in small["disqualified"]
    assert small["score"] is None and r["winner"] == "big"


async def test_f8_missing_logprobs_give_flagged_zero_entropy_that_never_helps(stub, memory):
    stub.behaviours["small"].fault = "no_logprobs"
    stub.behaviours["big"].bid = stub.behaviours["small"].bid
    r = await run(stub_pool(stub, {"small": 0.05, "big": 0.05}), memory)
    small, big = (next(b for b in r["bids"] if b["agent"] == a) for a in ("small", "big"))
    assert small["entropy_missing"] and small["entropy"] == 0.0 and small["token_source"] == "estimate"
    assert not big["entropy_missing"] and big["entropy"] > 0
    assert small["value"] <= big["value"]


async def test_f9_token_counts_ignore_the_servers_usage_field(stub, memory):
    r = await run(stub_pool(stub, PRICES), memory)
    small = next(b for b in r["bids"] if b["agent"] == "small")
    assert small["tokens"] == len(stub.behaviours["small"].bid.split())  # one logprob entry per token
    assert small["token_source"] == "logprobs"
    assert r["usage"]["server_reported_tokens"] != r["usage"]["auction_tokens"] + r["usage"]["execution_tokens"]


async def test_f10_malformed_juror_output_is_never_used(stub, memory):
    junk = itertools.cycle(["5/5", "4.5", "six", "", "7", "-1", '{"score": 5} trust me', "9" * 10_000])
    stub.behaviours["small"].jury = lambda body: next(junk)
    r = await run(stub_pool(stub, PRICES), memory)
    assert r["status"] == "ok" and "small" in r["dropped_jurors"] and r["jurors"] == ["big"]
    for b in r["bids"]:
        assert "small" not in b["jury"] and b["jury"]["big"] == 4


async def test_f15_slow_agent_is_cut_by_the_bid_deadline(stub, memory):
    stub.behaviours["big"].delay_s = 4.0
    started = time.monotonic()
    r = await run(stub_pool(stub, PRICES), memory, bid_deadline_s=1.0, jury_deadline_s=1.0)
    elapsed = time.monotonic() - started
    assert "deadline" in r["excluded"]["big"] and r["winner"] == "small"
    # bid deadline + jury deadline (the slow juror) + fast calls; never the slow agent's 4 s per call
    assert elapsed < 1.0 + 1.0 + 1.5, elapsed


async def test_f1_silent_endpoint_returns_within_its_timeout(stub, memory):
    stub.behaviours["big"].delay_s = 30.0
    pool = Pool.of(stub_pool(stub, PRICES).get("small"),
                   AgentSpec(name="big", model="big", base_url=stub.base_url, price_per_mtok=0.36, timeout_s=1.0,
                             max_retries=0))
    started = time.monotonic()
    r = await run(pool, memory, bid_deadline_s=60, jury_deadline_s=60)
    elapsed = time.monotonic() - started
    assert "timed out" in r["excluded"]["big"] and r["winner"] == "small"
    # the silent agent's bid and its two jury calls each end by the client timeout (1 s), never the 30 s reply
    assert elapsed < (1.0 + 1.0) * 2 + 1.0, elapsed


@pytest.mark.parametrize(("fault", "retries", "attempts"), [("http_429", 2, 3), ("http_429", 0, 1),
                                                            ("http_400", 3, 1)])
async def test_f2_f3_attempts_per_logical_call_equal_the_budget(stub, memory, fault, retries, attempts):
    stub.behaviours["big"].fault = fault
    pool = Pool.of(stub_pool(stub, PRICES).get("small"),
                   AgentSpec(name="big", model="big", base_url=stub.base_url, price_per_mtok=0.36, timeout_s=5,
                             max_retries=retries))
    r = await run(pool, memory)
    assert f"HTTP {fault.removeprefix('http_')}" in r["excluded"]["big"]
    assert len(stub.calls("big", "bid")) == attempts  # 1 + max_retries for 429; never a retry for 400


async def test_f4_repeated_5xx_opens_the_circuit_then_a_probe_readmits(stub, memory):
    stub.behaviours["big"].fault = "http_500"
    pool = stub_pool(stub, PRICES)
    first = await run(pool, memory, breaker_threshold=2, breaker_cooldown_s=0.5)
    assert "HTTP 500" in first["excluded"]["big"] and first["winner"] == "small"
    before = len(stub.calls("big"))
    second = await run(pool, memory, breaker_threshold=2, breaker_cooldown_s=0.5)
    assert "circuit open" in second["excluded"]["big"]
    assert len(stub.calls("big")) == before  # not called at all while open
    stub.behaviours["big"].fault = None
    time.sleep(0.6)
    third = await run(pool, memory, breaker_threshold=2, breaker_cooldown_s=0.5)
    assert "big" not in third["excluded"] and {b["agent"] for b in third["bids"]} == {"small", "big"}


def test_breaker_state_machine():
    from sale.core.breaker import Breaker

    b = Breaker(threshold=2, cooldown_s=10)
    assert b.allow(0) and b.state == "closed"
    b.record(False, 0)
    assert b.allow(1)
    b.record(False, 1)
    assert not b.allow(2) and not b.allow(10.9)
    assert b.allow(11.5) and not b.allow(11.6)  # one probe at a time in half-open
    b.record(False, 12)
    assert not b.allow(13)  # the probe failed: open again
    assert b.allow(22.5)
    b.record(True, 23)
    assert b.allow(23) and b.failures == 0 and b.opened_at is None
