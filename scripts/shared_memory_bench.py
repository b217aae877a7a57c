"""Latency of the shared memory (log in PostgreSQL, index on a Chroma server) against the local one (SQLite and
an in-process Chroma), measured in the same run on throwaway servers started on loopback.

    .venv/bin/python scripts/shared_memory_bench.py [AUCTIONS] [WRITERS]

Prints per-operation latency (add = log + index one auction; exemplars = one refining agent's retrieval) for
both backends and their ratio, then the write throughput of WRITERS processes adding to one shared memory at
once. Embeddings are computed once beforehand and served from a cache, so only the storage layers are timed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from memory_store import AuctionMemory  # noqa: E402
from memory_store.embeddings import Embedder  # noqa: E402
from tests.servers import chroma_server, postgres_server  # noqa: E402


class CachedEmbedder:
    def __init__(self, texts: list[str]) -> None:
        self._vectors = dict(zip(texts, Embedder().embed(texts), strict=True))

    def embed(self, texts):
        return [self._vectors[t] for t in texts]


def record(i: int) -> dict:
    winner, loser = ("big", "small") if i % 3 else ("small", "big")
    return {"auction_id": f"a{i}", "created_at": "2026-11-24T00:00:00", "task": task(i), "winner_agent": winner,
            "bids": [{"agent": winner, "text": f"plan {i}: search, then verify each hop", "label": "win"},
                     {"agent": loser, "text": f"plan {i}: answer from memory", "label": "loss", "score": 1.0}]}


def task(i: int) -> str:
    return f"Which company employs the person born in town number {i % 97} of province {i % 13}?"


def timed(memory: AuctionMemory, n: int) -> tuple[float, float]:
    adds, queries = [], []
    for i in range(n):
        started = time.perf_counter()
        memory.add(record(i))
        adds.append(time.perf_counter() - started)
        started = time.perf_counter()
        memory.exemplars("small", task(i + 1), 8, max_seq=10**9)
        queries.append(time.perf_counter() - started)
    return statistics.median(adds) * 1000, statistics.median(queries) * 1000


WRITER = """
import sys, time
sys.path.insert(0, {root!r})
from memory_store import AuctionMemory
from scripts.shared_memory_bench import CachedEmbedder, record, task
start, count = {start}, {count}
embedder = CachedEmbedder(sorted({{task(i) for i in range({total})}}))
with AuctionMemory({directory!r}, embedder, log_url={log!r}, index_url={index!r}) as memory:
    print(time.time(), flush=True)
    for i in range(start, start + count):
        memory.add(record(i))
    print(time.time())
"""


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    writers = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    embedder = CachedEmbedder([task(i) for i in range(n + 1)])
    work = Path(tempfile.mkdtemp(prefix="sale-shared-bench-"))
    with AuctionMemory(work / "local", embedder) as memory:
        local = timed(memory, n)
    with postgres_server() as pg, chroma_server() as chroma:
        index = f"{chroma}/bench-{uuid.uuid4().hex[:8]}"
        with AuctionMemory(work / "shared", embedder, log_url=pg, index_url=index) as memory:
            shared = timed(memory, n)
        print(f"{n} auctions, median per operation (ms)    local    shared   ratio")
        for name, a, b in (("add (log + index)", local[0], shared[0]), ("exemplars (k=8)", local[1], shared[1])):
            print(f"  {name:36s} {a:7.2f}  {b:8.2f}  {b / a:5.2f}x")
        index = f"{chroma}/bench-{uuid.uuid4().hex[:8]}"
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute("CREATE DATABASE writers")
        pg = pg.rsplit("/", 1)[0] + "/writers"
        each = n // writers
        procs = [subprocess.Popen([sys.executable, "-c", WRITER.format(
            root=str(ROOT), start=w * each, count=each, total=writers * each, directory=str(work / "shared"),
            log=pg, index=index)],
            stdout=subprocess.PIPE, text=True) for w in range(writers)]
        stamps = [[float(x) for x in p.communicate()[0].split()] for p in procs]
        span = max(s[1] for s in stamps) - min(s[0] for s in stamps)
        print(f"{writers} processes writing {writers * each} auctions to one shared memory: {span:.1f} s, "
              f"{writers * each / span:.0f} auctions/s")


if __name__ == "__main__":
    main()
