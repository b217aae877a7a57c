"""``sale serve``: the auction behind an OpenAI-compatible chat API (uvicorn)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any

from sale.apps.cli.common import (
    EXIT_FAILED,
    BadInput,
    check_pool_args,
    context_from_args,
    open_memory,
    report_error,
)
from sale.core.pool import PoolError


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        pool = check_pool_args(args)
        if not 0 < args.port < 65536:
            raise ValueError("--port must be in 1..65535")
    except (PoolError, ValueError) as exc:
        return report_error(exc)
    from sale.local import EmbeddedPoolError

    try:
        asyncio.run(_serve(args, pool))
    except BadInput as exc:
        return report_error(exc)
    except EmbeddedPoolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


async def _serve(args: argparse.Namespace, pool: Any) -> None:
    import uvicorn

    from sale.apps.server import create_app

    memory = open_memory(args)
    with contextlib.ExitStack() as stack:
        stack.callback(memory.close)
        if pool is None:
            from sale.local import embedded_pool

            print("starting the embedded local models (llama.cpp)...", file=sys.stderr, flush=True)
            pool = await asyncio.to_thread(stack.enter_context, embedded_pool())
        app = create_app(context_from_args(args, pool, memory))
        config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
        print(f"serving models sale, sale-route, {', '.join(pool.names)} on http://{args.host}:{args.port}/v1",
              file=sys.stderr, flush=True)
        await uvicorn.Server(config).serve()
