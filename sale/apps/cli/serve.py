"""``sale serve``: the auction behind an OpenAI-compatible chat API (uvicorn)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
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

LOOPBACK_NAMES = ("localhost",)


def load_api_keys(path: str | None) -> frozenset[str] | None:
    """Keys from ``--api-keys-file`` (one per line; blank lines and ``#`` comments ignored), else from
    ``$SALE_API_KEYS`` (comma-separated), else None (no authentication)."""
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"--api-keys-file {path}: cannot read it ({type(exc).__name__})") from None
        keys = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
        where = f"--api-keys-file {path}"
    elif os.environ.get("SALE_API_KEYS", "").strip():
        keys = [k.strip() for k in os.environ["SALE_API_KEYS"].split(",") if k.strip()]
        where = "$SALE_API_KEYS"
    else:
        return None
    if not keys:
        raise ValueError(f"{where} holds no key")
    if any(len(k) < 16 or any(c.isspace() for c in k) for k in keys):
        raise ValueError(f"{where}: every key must be at least 16 characters with no whitespace")
    return frozenset(keys)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in LOOPBACK_NAMES


def cmd_serve(args: argparse.Namespace) -> int:
    from sale.apps.cli.serve_workers import check_workers, serve_workers

    try:
        check_workers(args)
        pool = check_pool_args(args)
        if not 0 < args.port < 65536:
            raise ValueError("--port must be in 1..65535")
        keys = load_api_keys(args.api_keys_file)
        if keys is None and not is_loopback(args.host) and not args.insecure:
            raise ValueError(f"--host {args.host} is reachable from other machines and every request spends the "
                             "pool's model keys: give --api-keys-file FILE (or $SALE_API_KEYS), or --insecure "
                             "to serve without keys anyway")
    except (PoolError, ValueError) as exc:
        return report_error(exc)
    from sale.local import EmbeddedPoolError

    try:
        if args.workers > 1:
            return serve_workers(args, pool, keys)
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            runner.run(serve(args, pool, keys))
    except BadInput as exc:
        return report_error(exc)
    except EmbeddedPoolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def announce(args: argparse.Namespace, pool: Any, keys: frozenset[str] | None) -> None:
    auth = f"{len(keys)} API key(s) required" if keys else "no API key required"
    workers = f" with {args.workers} worker processes" if args.workers > 1 else ""
    print(f"serving models sale, sale-route, {', '.join(pool.names)} on http://{args.host}:{args.port}/v1 "
          f"({auth}){workers}", file=sys.stderr, flush=True)


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop when it is installed (the locked environment has it), else asyncio's: an auction makes
    a dozen model calls, and uvloop's socket and callback handling costs less CPU per call (docs/serve.md, "Under
    load")."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def bind(host: str, port: int, reuse_port: bool = False, listen: bool = True) -> socket.socket:
    """The listening socket, bound before anything is announced or started: a taken port is bad input. With
    ``reuse_port`` each of several processes binds one of its own and the kernel spreads connections over them
    (``sale serve --workers``)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise BadInput(f"--host {host}: cannot resolve or use it ({exc.strerror or exc})") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        if listen:
            sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror or exc} (is another server using that "
                       "port? pick another with --port)") from None
    return sock


async def serve(args: argparse.Namespace, pool: Any, keys: frozenset[str] | None, worker: bool = False) -> None:
    """One server process: the whole server, or (``worker``) one of ``--workers`` on a socket of its own."""
    import uvicorn

    from sale.apps.server import create_app

    sock = bind(args.host, args.port, reuse_port=worker)
    with contextlib.ExitStack() as stack:
        stack.callback(sock.close)
        memory = open_memory(args)
        stack.callback(memory.close)
        if pool is None:
            from sale.local import embedded_pool

            print("starting the embedded local models (llama.cpp)...", file=sys.stderr, flush=True)
            pool = await asyncio.to_thread(stack.enter_context, embedded_pool())
        app = create_app(context_from_args(args, pool, memory), api_keys=keys)
        config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
        if not worker:
            announce(args, pool, keys)
        await uvicorn.Server(config).serve(sockets=[sock])
