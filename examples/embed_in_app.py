"""Embedding the auction in a LangChain/LangGraph app: invoke, stream progress, and use it as a tool.

    python examples/embed_in_app.py [POOL.toml] [MEMORY_DIR]

With no pool file it starts the embedded local pool (two bundled models; slow, small, offline).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import tempfile

from graphs.auction import graph
from graphs.context import AuctionContext, Live
from memory_store import AuctionMemory
from sale.apps.as_tool import auction_tool
from sale.core.pool import load_pool
from sale.local import embedded_pool


async def main(pool_file: str | None, memory_dir: str) -> None:
    with contextlib.ExitStack() as stack:
        pool = load_pool(pool_file) if pool_file else stack.enter_context(embedded_pool())
        memory = stack.enter_context(AuctionMemory(memory_dir))
        context = AuctionContext(live=Live(pool=pool, memory=memory))

        # 1. One call, one result.
        out = await graph.ainvoke({"task": "What is 17 * 23?"}, context=context)
        print("winner:", out["result"]["winner"], "| answer:", out["result"]["answer"][:80])

        # 2. Stream the auction's progress node by node.
        async for update in graph.astream({"task": "Name three prime numbers above 100."}, context=context,
                                          stream_mode="updates"):
            for node, value in update.items():
                bids = [b["id"] for b in (value or {}).get("bids", [])]
                print(f"  {node}" + (f" {bids}" if bids else ""))

        # 3. The auction as a tool another agent can call.
        tool = auction_tool(context)
        print("tool:", json.loads(await tool.ainvoke({"task": "What is 2 ** 10?"}))["winner"])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None,
                     sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="sale-memory-")))
