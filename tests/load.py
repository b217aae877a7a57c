"""Clients that load `sale serve`, and the check that the memory holds exactly what they were acknowledged.

Shared by the kill -9 test of one server (tests/test_server_load.py) and of a worker (tests/test_serve_workers.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

from memory_store import AuctionMemory
from memory_store.provenance import retrievable

Acked = list[tuple[str, str]]


async def drive(url: str, clients: int, count: int,
                on_count: Callable[[int], Any] = lambda n: None) -> tuple[Acked, int]:
    """Clients send auction requests back to back, each on a connection of its own, until ``count`` are
    acknowledged; a request that fails (a killed server's) is counted and the client goes on. ``on_count(n)`` runs
    after the n-th acknowledgement (the place to kill a server). Returns the acknowledged (auction id, answer)
    and the number of failed requests."""
    acked: Acked = []
    failed = 0

    async def client(c: int) -> None:
        nonlocal failed
        i = 0
        async with httpx.AsyncClient(timeout=120) as http:
            while len(acked) < count:
                i += 1
                body = {"model": "sale", "messages": [{"role": "user", "content": f"What is {c} * {i}? ({c}-{i})"}]}
                try:
                    resp = await http.post(f"{url}/chat/completions", json=body)
                except httpx.HTTPError:
                    failed += 1
                    continue
                assert resp.status_code == 200, resp.text
                data = resp.json()
                acked.append((data["sale"]["auction_id"], data["choices"][0]["message"]["content"]))
                on_count(len(acked))

    await asyncio.gather(*[client(c) for c in range(clients)])
    return acked, failed


def assert_memory_exact(memory: AuctionMemory, acked: Acked) -> list[dict[str, Any]]:
    """Every acknowledged auction is in the log exactly once with the answer its client got, and the index holds
    exactly the log's retrievable auctions. Returns the log's rows."""
    rows = memory.log.all()
    ids = [r["auction_id"] for r in rows]
    assert len(ids) == len(set(ids)), "an auction was logged twice"
    by_id = {r["auction_id"]: r for r in rows}
    for auction_id, answer in acked:
        assert auction_id in by_id, f"acknowledged auction {auction_id} is not in the log"
        assert by_id[auction_id]["outcome"]["answer"] == answer
    assert memory.index.ids() == {a for a, r in by_id.items() if retrievable(r, memory._key)}
    return rows
