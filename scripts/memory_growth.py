"""Benchmark: retrieval latency and SALE's pass@1 / cost as the memory grows, under each retention policy.

    .venv/bin/python scripts/memory_growth.py [MAX_SIZE] [TEST_TASKS]      (defaults 100000, 30)

Memory contents: auctions recorded by SALE on the simulated ladder over the train split of a generated
deep-search suite, replicated with fresh ids up to each size (a long-running deployment on one workload).
Index entries reuse the recorded tasks' MiniLM embeddings with a small random perturbation, so loading 100k
entries does not mean embedding 100k texts; log rows are the real records (digests where the policy says so).
At each size, for each policy: median latency of one refining agent's retrieval (k = 8), the log's size on
disk, and SALE's pass@1 and cost on TEST_TASKS held-out tasks streamed on top of that memory. Printed, not
asserted. Policies: unbounded, max_entries=10000, window=10000, half_life=2000, digest_after=1000.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from memory_store import AuctionMemory, RetentionPolicy
from memory_store.embeddings import Embedder
from memory_store.provenance import sign
from sale.bench.config import BenchConfig
from sale.bench.harness import Bench
from sale.bench.tasks import select_tasks, split
from sale.sim.params import SIM_POOL, sim_pool
from sale.sim.world import SimWorld
from sale.suites.suite import load_suite

POLICIES = ["unbounded", "max_entries=10000", "window=10000", "half_life=2000", "digest_after=1000"]


def grow(memory: AuctionMemory, records: list[dict], vectors: dict[str, list[float]], start: int, stop: int,
         rng: np.random.Generator) -> None:
    for lo in range(start, stop, 2000):
        chunk = [sign({**records[n % len(records)], "auction_id": f"{records[n % len(records)]['auction_id']}-{n}"},
                      memory._key) for n in range(lo, min(stop, lo + 2000))]
        seqs = memory.log.add_many(chunk)
        rows = []
        for rec, seq in zip(chunk, seqs, strict=True):
            v = np.array(vectors[rec["task"]]) + rng.normal(0, 0.02, len(vectors[rec["task"]]))
            v /= np.linalg.norm(v)
            bidders = sorted({b["agent"] for b in rec["bids"] if b.get("label") in ("win", "loss")})
            rows.append((rec["auction_id"], rec["task"], v.tolist(), seq, bidders, rec["winner_agent"]))
        memory.index.upsert_many(rows)
        memory._retain(seqs[-1], full=True)


async def sale_on(memory: AuctionMemory, bench: Bench, test) -> tuple[float, float]:
    from graphs.auction import graph

    ctx = bench.context(memory=memory)
    passed, cost = [], 0.0
    for task in test:
        result = (await graph.ainvoke({"task": task.task}, context=ctx))["result"]
        verdict = await bench.check(task, result.get("answer") or "")
        passed.append(verdict["passed"])
        u = result["usage"]
        cost += u["auction_usd"] + u["execution_usd"] - u["tool_usd"]
    return float(np.mean(passed)), cost


def main() -> None:
    max_size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    n_test = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    sizes = [s for s in (1_000, 10_000, 100_000) if s <= max_size] or [max_size]
    work = Path(tempfile.mkdtemp(prefix="sale-growth-"))
    cfg = BenchConfig(suite="deep-search", pool=SIM_POOL, seed=0, size=200, out=work, progress=False)
    suite = load_suite("deep-search", 0, work / "suite", size=200)
    train, test = split(select_tasks(suite, 0, None), 0, 0.5)
    test = test[:n_test]
    world = SimWorld(suite.tasks, 0)
    embedder = Embedder()
    bench = Bench(cfg, suite, sim_pool(), world.factory)
    bench.embedder = embedder
    with AuctionMemory(work / "seed-memory", embedder=embedder) as seed_memory:
        from graphs.auction import graph

        ctx = bench.context(memory=seed_memory)
        for task in train:
            asyncio.run(graph.ainvoke({"task": task.task}, context=ctx))
        records = seed_memory.log.all()
    vectors = dict(zip([r["task"] for r in records], embedder.embed([r["task"] for r in records]), strict=True))
    print(f"memory growth on the SIMULATED ladder: {len(records)} recorded auctions replicated up to "
          f"{sizes[-1]:,}; SALE evaluated on {len(test)} held-out tasks at each size")
    print(f"{'policy':22s} {'size':>8s} {'stored':>8s} {'log MB':>7s} {'retrieve ms':>12s} {'pass@1':>7s} "
          f"{'cost USD':>9s}")
    for name in POLICIES:
        policy = RetentionPolicy.parse(name)
        rng = np.random.default_rng(0)
        memory = AuctionMemory(work / f"m-{name.replace('=', '-')}", embedder=embedder, policy=policy)
        grown = 0
        for size in sizes:
            grow(memory, records, vectors, grown, size, rng)
            grown = size
            queries = [t.task for t in test[:20]]
            samples = []
            for q in queries:
                memory._embed(q)
                started = time.perf_counter()
                memory.exemplars("sim-qwen3-4b", q, 8, memory.max_seq())
                samples.append(1000 * (time.perf_counter() - started))
            log_mb = (work / f"m-{name.replace('=', '-')}" / "auctions.sqlite").stat().st_size / 1e6
            stored = memory.size()
            pass_at_1, cost = asyncio.run(sale_on(memory, bench, test))
            print(f"{policy.name:22s} {size:>8,d} {stored:>8,d} {log_mb:>7.1f} {statistics.median(samples):>12.2f} "
                  f"{100 * pass_at_1:>6.1f}% {cost:>9.4f}", flush=True)
        memory.close()


if __name__ == "__main__":
    main()
