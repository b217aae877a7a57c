"""Benchmark: the auction graph's own overhead, printed (never asserted).

    .venv/bin/python scripts/bench_overhead.py [N] [LATENCY_S]

1. Zero-latency models (the simulated ladder, in process): median time of one auction through the compiled graph
   (route-only, no refinement, memory write included) against a bare asyncio loop that makes the same model calls
   (4 bids in parallel, then 16 jury calls in parallel) and scores them with the same functions. The ratio is
   LangGraph's and our bookkeeping's cost per auction. Beside it, to say what that cost is made of: LangGraph
   alone (a graph of the same shape, 4 sends, 16 sends, a deferred node and 4 nodes in a row, whose nodes do
   nothing), the graph's memory write alone, and the CPU of embedding the task for the memory index (a local
   memory does it on a background thread, off the auction's path, but on the same cores), the time the auction
   waits for the memory's lock; and the bare loop followed by the same memory write, the graph's work without the
   graph.
2. Injected per-call latency L (default 0.2 s): the wall time of full auctions (bid, jury, memory refinement,
   re-jury; route-only, so no execution) against their critical path, L per sequential round (2 rounds, or 4
   when a refinement round ran).
"""

from __future__ import annotations

import asyncio
import itertools
import operator
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated, TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.types import Send

from graphs.auction import graph
from graphs.context import AuctionContext, Live
from memory_store import AuctionMemory
from memory_store.embeddings import Embedder
from sale.core.calls import call_model, response_format_for
from sale.core.cost import Weights, bid_cost, bid_value
from sale.core.entropy import plan_entropy
from sale.core.prompts import (
    BID_SYSTEM,
    BID_USER,
    JURY_REPLY_SCORE,
    JURY_SYSTEM,
    JURY_USER,
    TOOLS_DESCRIPTION,
    data_block,
)
from sale.sim.params import SimParams, sim_pool
from sale.sim.world import SimWorld
from sale.suites.coding import coding_suite


async def bare_auction(task: str, ctx: AuctionContext) -> str:
    pool = ctx.live.pool
    bids = await asyncio.gather(*[call_model(
        spec, [SystemMessage(BID_SYSTEM.format(agent=spec.name, tools=TOOLS_DESCRIPTION["coding"], max_words=80)),
               HumanMessage(BID_USER.format(task=task))], purpose="bid", deadline_s=60, max_tokens=160,
        factory=ctx.live.model_factory, logprobs=True, top_logprobs=5) for spec in pool.agents])
    jury = await asyncio.gather(*[call_model(
        juror, [SystemMessage(JURY_SYSTEM.format(reply_format=JURY_REPLY_SCORE)),
                HumanMessage(JURY_USER.format(task=task, bid_block=data_block(b["text"]),
                                              reply_format=JURY_REPLY_SCORE))],
        purpose="jury", deadline_s=60, max_tokens=16, factory=ctx.live.model_factory,
        response_format=response_format_for(juror, {"type": "object"}, "jury_score"))
        for b in bids for juror in pool.agents])
    weights, names = Weights(), pool.names
    best, best_score = "", float("inf")
    for i, (spec, b) in enumerate(zip(pool.agents, bids, strict=True)):
        import json

        scores = {j: json.loads(jury[i * len(names) + k]["text"])["score"] for k, j in enumerate(names)}
        s = bid_cost(weights, spec.output_price, b["completion_tokens"]) - bid_value(
            weights, plan_entropy(b["logprobs"]).value, scores, names)
        if s < best_score:
            best, best_score = spec.name, s
    return best


def memory_writes(records: list[dict], embedder: Embedder, directory: Path) -> list[float]:
    """The time of ``AuctionMemory.add`` for each of the graph's records, into a new memory: what the graph's record
    node waits for and the bare loop does not do (on a local memory the log is written and the index entry waits to
    be embedded in a batch by the flusher, off the caller's path, as in the graph)."""
    samples = []
    with AuctionMemory(directory, embedder=embedder) as again:
        for row in records:
            record = unsigned(row)
            started = time.perf_counter()
            again.add(record)
            samples.append(time.perf_counter() - started)
    return samples


class TimedLock:
    """The store's lock, timing how long the auction's own threads wait for it (not the index flusher's)."""

    def __init__(self, inner) -> None:
        self.inner, self.waited = inner, 0.0

    def __enter__(self) -> TimedLock:
        started = time.perf_counter()
        self.inner.acquire()
        if threading.current_thread().name != "sale-index-flush":
            self.waited += time.perf_counter() - started
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.release()


def unsigned(row: dict) -> dict:
    from memory_store.provenance import SIGNATURE

    return {k: v for k, v in row.items() if k not in (SIGNATURE, "seq", "outcome")}


def timed(coro_fn, n: int) -> tuple[list[float], list[float]]:
    """Wall and process CPU time of each run."""
    walls, cpus = [], []
    for i in range(n):
        started, cpu = time.perf_counter(), time.process_time()
        asyncio.run(coro_fn(i))
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


class _Floor(TypedDict, total=False):
    task: str
    bids: Annotated[list, operator.add]
    scores: Annotated[list, operator.add]


async def _nothing_async(state: dict) -> dict:
    return {}


def _nothing(state: dict) -> dict:
    return {}


def langgraph_floor():
    """The auction's shape with nodes that do nothing: what LangGraph itself costs per run of that shape."""
    from langgraph.graph import END, START, StateGraph

    builder = StateGraph(_Floor)
    builder.add_node("bid", _nothing_async)
    builder.add_node("jury", _nothing_async)
    for name in ("score", "select_provisional", "select_final", "record", "finish"):
        builder.add_node(name, _nothing, defer=name == "score")
    builder.add_conditional_edges(START, lambda s: [Send("bid", {"agent": i}) for i in range(4)], ["bid"])
    builder.add_conditional_edges("bid", lambda s: [Send("jury", {"juror": j}) for j in range(4)], ["jury"])
    builder.add_edge("jury", "score")
    for a, b in itertools.pairwise(("score", "select_provisional", "select_final", "record", "finish")):
        builder.add_edge(a, b)
    builder.add_edge("finish", END)
    return builder.compile()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    latency = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
    suite = coding_suite(0, per_bin=(n + 10) // 5 + 1)
    tasks = [t.task for t in suite.tasks]
    embedder = Embedder()
    world = SimWorld(suite.tasks, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        memory = AuctionMemory(Path(tmp) / "m", embedder=embedder)
        memory._lock = memory._waiting._lock = lock = TimedLock(memory._lock)  # a diagnostic's own access
        ctx = AuctionContext(live=Live(pool=sim_pool(), memory=memory, model_factory=world.factory), route_only=True,
                             refine=False)
        graph_s, graph_cpu = timed(lambda i: graph.ainvoke({"task": tasks[i]}, context=ctx), n)
        lock_wait = lock.waited / n
        bare_s, bare_cpu = timed(lambda i: bare_auction(tasks[i], ctx), n)
        floor = langgraph_floor()
        floor_s, floor_cpu = timed(lambda i: floor.ainvoke({"task": tasks[i]}), n)
        records = [unsigned(r) for r in memory.log.all()[-n:]]
        memory_s = memory_writes(records, embedder, Path(tmp) / "again")
        with AuctionMemory(Path(tmp) / "bare", embedder=embedder) as bare_memory:

            async def bare_and_write(i: int) -> None:
                await bare_auction(tasks[i], ctx)
                bare_memory.add(records[i])

            both_s, both_cpu = timed(bare_and_write, n)
        embed_cpu = []
        for task in tasks[:n]:
            cpu = time.process_time()
            embedder.embed([task])
            embed_cpu.append(time.process_time() - cpu)
        g, b, m = statistics.median(graph_s), statistics.median(bare_s), statistics.median(memory_s)
        med = lambda xs: 1000 * statistics.median(xs)  # noqa: E731
        print(f"zero-latency models, {n} auctions each (4 agents, 4 bids + 16 jury calls), median per auction:")
        print(f"  graph (route-only, no refine, memory write incl.): {1000 * g:7.1f} ms wall,"
              f" {med(graph_cpu):6.1f} ms CPU")
        print(f"  bare asyncio loop, same calls and scoring:         {1000 * b:7.1f} ms wall,"
              f" {med(bare_cpu):6.1f} ms CPU")
        print(f"  ratio graph / bare: {g / b:.2f}x wall, {med(graph_cpu) / med(bare_cpu):.2f}x CPU"
              f"  (graph's own cost: {1000 * (g - b):.1f} ms per auction)")
        print("  what the graph does beyond the bare loop:")
        print(f"    waiting for the memory's lock (held by the flush of an earlier record's index entry):"
              f" {1000 * lock_wait:.1f} ms per auction (mean)")
        print(f"    LangGraph alone, the same shape with nodes that do nothing: {med(floor_s):.1f} ms wall,"
              f" {med(floor_cpu):.1f} ms CPU")
        print(f"    the memory write alone (the same records into a new memory): {1000 * m:.1f} ms;"
              f" embedding the task for the index (a background thread, off the path): {med(embed_cpu):.1f} ms CPU")
        print(f"  bare loop, then the same memory write (index entry embedded off its path, as in the graph):"
              f" {med(both_s):.1f} ms wall, {med(both_cpu):.1f} ms CPU")
        print(f"  ratio graph / (bare loop + memory write): {g / statistics.median(both_s):.2f}x wall,"
              f" {med(graph_cpu) / med(both_cpu):.2f}x CPU")

        slow = SimWorld(suite.tasks, seed=0, params=replace(SimParams(), latency_s=latency))
        lctx = replace(ctx, live=replace(ctx.live, model_factory=slow.factory), refine=True)
        walls, paths = [], []
        for i in range(min(n, 10)):
            started = time.perf_counter()
            result = asyncio.run(graph.ainvoke({"task": tasks[n + i]}, context=lctx))["result"]
            walls.append(time.perf_counter() - started)
            rounds = 4 if any(b["refined"] for b in result["bids"]) else 2
            paths.append(rounds * latency)
        memory.close()
    ratio = [w / p for w, p in zip(walls, paths, strict=True)]
    print(f"\ninjected latency L = {latency:g} s per call, {len(walls)} auctions with memory refinement enabled:")
    print(f"  wall time per auction: median {statistics.median(walls):.3f} s; critical path (L per round): "
          f"median {statistics.median(paths):.3f} s")
    print(f"  wall / critical path: median {statistics.median(ratio):.3f}x (max {max(ratio):.3f}x); "
          f"refinement ran in {sum(p > 2 * latency for p in paths)} of {len(paths)}")


if __name__ == "__main__":
    main()
