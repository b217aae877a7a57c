"""Memory retention policies: bounded size, retrieval window, age decay, strategy digests."""

from __future__ import annotations

import json

import pytest

from memory_store import AuctionMemory, RetentionPolicy
from memory_store.policy import DIGEST_WORDS, PolicyError
from tests.test_memory import rec

LONG = " ".join(f"word{i}" for i in range(120))


def fill(memory: AuctionMemory, n: int, task=lambda i: f"Multiply {i} by 7 and report the product") -> None:
    for i in range(n):
        r = rec(f"a{i:03d}", task(i))
        r["bids"][0]["text"] = LONG
        memory.add(r)


def test_max_entries_drops_the_oldest_from_log_and_index(tmp_path, embedder):
    with AuctionMemory(tmp_path / "m", embedder=embedder, policy=RetentionPolicy(max_entries=5)) as memory:
        fill(memory, 12)
        assert memory.size() == 5 and memory.index.count() == 5
        assert memory.get("a006") is None and memory.get("a007") is not None
        assert {a for a, _ in memory.similar("Multiply 3 by 7", 10, memory.max_seq())} == \
            {f"a{i:03d}" for i in range(7, 12)}


def test_window_limits_retrieval_to_recent_auctions_but_keeps_them_stored(tmp_path, embedder):
    with AuctionMemory(tmp_path / "m", embedder=embedder, policy=RetentionPolicy(window=4)) as memory:
        fill(memory, 10)
        found = memory.similar("Multiply 1 by 7", 8, memory.max_seq())
        assert {a for a, _ in found} == {"a006", "a007", "a008", "a009"}
        assert memory.size() == 10
        assert {a for a, _ in memory.similar("Multiply 1 by 7", 8, 5)} == {"a002", "a003", "a004"} | {"a001"}


def test_half_life_prefers_recent_among_equally_similar(tmp_path, embedder):
    same = lambda i: "Sort a list of numbers in Python"  # noqa: E731
    with AuctionMemory(tmp_path / "a", embedder=embedder) as plain, \
            AuctionMemory(tmp_path / "b", embedder=embedder, policy=RetentionPolicy(half_life=2)) as decayed:
        fill(plain, 8, same)
        fill(decayed, 8, same)
        recent = decayed.similar("Sort a list of numbers in Python", 3, decayed.max_seq())
        assert [a for a, _ in recent] == ["a007", "a006", "a005"]
        assert recent[0][1] == pytest.approx(1.0, abs=1e-4) and recent[1][1] == pytest.approx(0.5 ** 0.5, abs=1e-3)
        assert len(plain.similar("Sort a list of numbers in Python", 3, plain.max_seq())) == 3


def test_digests_keep_pairs_compact_and_retrievable(tmp_path, embedder):
    with AuctionMemory(tmp_path / "m", embedder=embedder, policy=RetentionPolicy(digest_after=3)) as memory:
        fill(memory, 8)
        old, new = memory.get("a001"), memory.get("a007")
        assert old["digest"] is True and "digest" not in new
        assert len(old["bids"]) == 2 and len(old["bids"][0]["text"].split()) <= DIGEST_WORDS + 1
        assert len(json.dumps(old)) < len(json.dumps(new))
        pairs = memory.exemplars("small", "Multiply 1 by 7", 8, memory.max_seq())
        assert any(p["auction_id"] == "a001" and p["winning"].endswith("...") for p in pairs)
    with AuctionMemory(tmp_path / "m", embedder=embedder, policy=RetentionPolicy(digest_after=1)) as reopened:
        assert reopened.get("a005")["digest"] is True and "digest" not in reopened.get("a007")


def test_policy_strings_parse_and_bad_ones_are_refused():
    p = RetentionPolicy.parse("max_entries=100, half_life=2.5,window=50,digest_after=10")
    assert (p.max_entries, p.half_life, p.window, p.digest_after) == (100, 2.5, 50, 10)
    assert RetentionPolicy.parse("").name == "unbounded"
    for bad, msg in (("size=3", "unknown retention setting"), ("window=x", "not a number"),
                     ("max_entries=-1", ">= 0")):
        with pytest.raises(PolicyError, match=msg):
            RetentionPolicy.parse(bad)
