"""``sale serve --workers N``: N server processes on one port, and the supervisor that keeps them running.

Each worker is a whole server (its own event loop, model clients and memory connection) on a listening socket of its
own with SO_REUSEPORT, so the kernel spreads new connections evenly over the workers; with one shared socket the
first worker to wake takes a whole burst of connections, and a keep-alive client stays on it. The workers share
nothing but the memory, so it must be one several processes can write: the log in PostgreSQL and the index on a
Chroma server (a local memory directory has one writer process, ``memory_store/writer_lock.py``). Every worker
logs an auction before it answers, as one server does, so an acknowledged auction survives a kill -9 of its worker.

The supervisor holds the port (bound, not listening, so it never takes a connection), checks the memory once,
starts the embedded models if there is no ``--pool`` (the workers share them), replaces a worker that dies, and on
SIGINT or SIGTERM stops them all (each finishes its requests in flight). A worker that cannot start stops the
supervisor rather than being started again and again; a worker whose supervisor is killed stops too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from typing import Any

from sale.apps.cli.common import EXIT_FAILED, BadInput, memory_dir_of, open_memory
from sale.apps.cli.serve import announce, bind, loop_factory, serve

FAILED = 3  # a worker that fails by itself (uvicorn's code for a server that cannot start) stops the supervisor
PR_SET_PDEATHSIG = 1
POLL_S = 0.2


def check_workers(args: argparse.Namespace) -> None:
    """Raise ValueError unless ``--workers`` fits the memory; called before anything is opened or started."""
    from graphs.live import shared_memory_urls

    if args.workers < 1:
        raise ValueError("--workers must be at least 1")
    if args.workers > 1 and not shared_memory_urls(args.memory_log, args.memory_index)[0]:
        raise ValueError(
            f"--workers {args.workers} needs a memory that several processes can write, and the local memory "
            f"directory {memory_dir_of(args)} has one writer process: give --memory-log postgresql://... and "
            "--memory-index http://HOST:PORT (a Chroma server), or $SALE_MEMORY_LOG_URL and "
            "$SALE_MEMORY_INDEX_URL, or serve with --workers 1")


def serve_workers(args: argparse.Namespace, pool: Any, keys: frozenset[str] | None) -> int:
    """The supervisor's life; its exit code."""
    held = bind(args.host, args.port, reuse_port=True, listen=False)
    with contextlib.ExitStack() as stack:
        stack.callback(held.close)
        open_memory(args).close()  # an unreachable store is bad input here, not N workers failing to start
        if pool is None:
            from sale.local import embedded_pool

            print("starting the embedded local models (llama.cpp)...", file=sys.stderr, flush=True)
            pool = stack.enter_context(embedded_pool())
        announce(args, pool, keys)
        if not Supervisor(args.workers, (args, pool, keys, os.getpid())).run():
            print("error: a worker failed (its error is above); stopped", file=sys.stderr)
            return EXIT_FAILED
    return 0


class Supervisor:
    """Keeps ``count`` workers running until SIGINT or SIGTERM. Workers are spawned, not forked: the supervisor
    may run threads (the embedded models' watchers) that a fork would copy half-way."""

    def __init__(self, count: int, worker_args: tuple[Any, ...]) -> None:
        import multiprocessing

        self._count, self._worker_args = count, worker_args
        self._spawn = multiprocessing.get_context("spawn")
        self._stopping = False

    def run(self) -> bool:
        """False if a worker failed by itself; one killed (a negative exit code) or ended is replaced."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        workers = [self._start() for _ in range(self._count)]
        failed = False
        try:
            while not self._stopping:
                time.sleep(POLL_S)
                for i, worker in enumerate(workers):
                    if worker.exitcode is None or self._stopping:
                        continue
                    if worker.exitcode == FAILED:
                        failed = self._stopping = True
                        break
                    print(f"worker {worker.pid} ended (exit code {worker.exitcode}); starting another",
                          file=sys.stderr, flush=True)
                    workers[i] = self._start()
        finally:
            for worker in workers:
                if worker.exitcode is None:
                    worker.terminate()
            for worker in workers:
                worker.join()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return not failed

    def _start(self) -> Any:
        worker = self._spawn.Process(target=run_worker, args=self._worker_args, name="sale-serve-worker")
        worker.start()
        return worker

    def _stop(self, signum: int, frame: object) -> None:
        self._stopping = True


def run_worker(args: argparse.Namespace, pool: Any, keys: frozenset[str] | None, supervisor: int) -> None:
    """A worker process: one server on its own socket, until SIGTERM (from the supervisor, or from the kernel when
    the supervisor dies)."""
    stop_with(supervisor)
    try:
        with asyncio.Runner(loop_factory=loop_factory()) as runner:
            runner.run(serve(args, pool, keys, worker=True))
    except Exception as exc:
        what = str(exc) if isinstance(exc, BadInput) else f"{type(exc).__name__}: {exc}"
        print(f"error: worker {os.getpid()}: {what}", file=sys.stderr, flush=True)
        sys.exit(FAILED)


def stop_with(supervisor: int) -> None:
    """Have the kernel send this worker SIGTERM when its supervisor dies (Linux); if it is gone already, stop."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != supervisor:
        sys.exit(0)
