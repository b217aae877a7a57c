"""Benchmark: `sale serve` per-request overhead against calling the winning agent directly, in the same run.

    .venv/bin/python scripts/server_overhead.py [N]

Serves a two-agent pool of scripted zero-latency OpenAI-compatible endpoints (tests/openai_stub.py, loopback)
and times N requests each (default 20): model `sale` (full auction + execution), model `sale-route` (auction
only), pass-through to the winner, and a direct call to the winner's endpoint. With zero-latency agents the
difference is the orchestration's own cost: HTTP, the graph, the N^2 jury fan-out, memory writes.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openai
import uvicorn

from graphs.context import AuctionContext, Live
from memory_store import AuctionMemory
from sale.apps.server import create_app
from sale.core.timing import median_ms
from sale.local import free_port
from tests.openai_stub import Behaviour, StubServer, stub_pool

MESSAGES = [{"role": "user", "content": "What is 17 * 23?"}]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with StubServer({"small": Behaviour(), "big": Behaviour()}) as stub, \
            AuctionMemory(tempfile.mkdtemp(prefix="sale-bench-")) as memory:
        pool = stub_pool(stub, {"small": 0.05, "big": 0.36})
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(AuctionContext(live=Live(pool=pool, memory=memory))),
                                               host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        sale = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0)
        direct = openai.OpenAI(base_url=stub.base_url, api_key="x", max_retries=0)
        winner = sale.chat.completions.create(model="sale", messages=MESSAGES).model_extra["sale"]["winner"]
        rows = {
            "direct call to the winner": median_ms(
                lambda: direct.chat.completions.create(model=winner, messages=MESSAGES), n),
            f"pass-through (model={winner})": median_ms(
                lambda: sale.chat.completions.create(model=winner, messages=MESSAGES), n),
            "sale-route (auction only)": median_ms(
                lambda: sale.chat.completions.create(model="sale-route", messages=MESSAGES), n),
            "sale (auction + execution)": median_ms(
                lambda: sale.chat.completions.create(model="sale", messages=MESSAGES), n),
        }
        server.should_exit = True
    base = rows["direct call to the winner"]
    print(f"median of {n} requests each, zero-latency scripted agents (2 agents: 2 bids + 4 jury calls)")
    for name, ms in rows.items():
        print(f"  {name:<32} {ms:8.1f} ms  ({ms / base:5.1f}x direct, {ms - base:+8.1f} ms)")


if __name__ == "__main__":
    main()
