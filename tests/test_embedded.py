"""Integration: two full auctions on the embedded pool (real llama.cpp servers, real models, real memory)."""

import math

import pytest

from graphs.auction import graph
from graphs.context import AuctionContext
from memory_store import AuctionMemory
from sale.local_pool import QWEN_CODER, SMOLLM2, embedded_pool

pytestmark = pytest.mark.embedded

TASKS = (
    "Write a Python function is_palindrome(s) that ignores case and spaces, and say how you would test it.",
    "Write a Python function is_anagram(a, b) that ignores case and spaces, and say how you would test it.",
)


@pytest.fixture(scope="module")
def pool():
    with embedded_pool() as p:
        yield p


def check_complete(r, agents):
    assert r["status"] == "ok", r.get("error")
    assert {b["agent"] for b in r["bids"] if not b["refined"]} == set(agents), r["excluded"]
    for b in r["bids"]:
        assert b["disqualified"] is None, b
        assert not b["entropy_missing"] and math.isfinite(b["entropy"]) and b["entropy"] > 0
        assert set(b["jury"]) == set(agents), (b["id"], b["jury"])
    assert r["winner"] in agents and r["answer"].strip()
    u = r["usage"]
    assert u["auction_tokens"] > 0 and u["execution_tokens"] > 0 and u["auction_usd"] > 0


async def test_two_auctions_share_memory(pool, tmp_path, embedder):
    agents = [SMOLLM2.name, QWEN_CODER.name]
    assert pool.names == agents and SMOLLM2.price_per_mtok < QWEN_CODER.price_per_mtok
    with AuctionMemory(tmp_path / "memory", embedder=embedder) as memory:
        ctx = AuctionContext(pool=pool, memory=memory)
        first = (await graph.ainvoke({"task": TASKS[0], "auction_id": "first"}, context=ctx))["result"]
        check_complete(first, agents)
        assert first["memory_size_before"] == 0 and first["retrieved"] == []
        second = (await graph.ainvoke({"task": TASKS[1], "auction_id": "second"}, context=ctx))["result"]
        check_complete(second, agents)
        assert second["memory_size_before"] == 1
        # Retrieval sees the first auction; the small agent rebids from it whenever it is not already the
        # provisional winner (only agents strictly cheaper than the provisional winner refine).
        assert [a for a, _ in memory.similar(TASKS[1], 8, 1)] == ["first"]
        assert [e["auction_id"] for e in memory.exemplars(SMOLLM2.name, TASKS[1], 8, 1)] == ["first"]
        if second["provisional_winner"] == QWEN_CODER.name:
            assert second["retrieved"] == ["first"]
            assert any(b["refined"] and b["agent"] == SMOLLM2.name for b in second["bids"])
        else:
            assert second["retrieved"] == []
        print({"first": (first["provisional_winner"], first["winner"], first["usage"]),
               "second": (second["provisional_winner"], second["winner"], second["usage"])})
