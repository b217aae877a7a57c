"""What the commands share: exit codes, the one-line error, the auction options' checks, memory and context."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from sale.core.pool import load_pool

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
"""128 + SIGINT: what a shell reports for a command that Ctrl-C stopped."""
EXIT_TERMINATED = 143
"""128 + SIGTERM."""
T = TypeVar("T")


def report_error(exc: Exception) -> int:
    """One unwrapped line per problem (a pool file's list of problems is one block) on stderr, then exit code 2."""
    for problem in getattr(exc, "problems", None) or [str(exc)]:
        print(f"error: {problem}", file=sys.stderr)
    return EXIT_BAD_INPUT


class Terminated(Exception):
    """SIGTERM stopped the run."""


def run_interruptible(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` that SIGTERM stops as Ctrl-C does: the run is cancelled, its calls in flight with it
    (recorded as cancelled), and :class:`Terminated` is raised. Ctrl-C raises KeyboardInterrupt as asyncio.run
    does. A SIGINT the process inherited ignored (``nohup sale bench ... &`` from a script) stays ignored, as the
    shell asked; SIGTERM is how such a run is stopped cleanly (before, only by a kill that left its last call
    half-written)."""

    async def guarded() -> T:
        task, loop = asyncio.current_task(), asyncio.get_running_loop()
        stopped = []

        def stop() -> None:
            stopped.append(True)
            if task is not None:
                task.cancel()

        watching = threading.current_thread() is threading.main_thread()
        if watching:
            loop.add_signal_handler(signal.SIGTERM, stop)
        try:
            return await main
        except asyncio.CancelledError:
            if stopped:
                raise Terminated from None
            raise
        finally:
            if watching:
                loop.remove_signal_handler(signal.SIGTERM)

    return asyncio.run(guarded())


def report_interrupted(out: Path, code: int = EXIT_INTERRUPTED, replay: bool = False) -> int:
    """One line for a run a signal stopped (no traceback): what was kept and how to continue."""
    if replay:
        print("interrupted: the replay stopped before it finished; it made no model call", file=sys.stderr)
    else:
        print(f"interrupted: the run stopped before it finished; the model calls it made are in "
              f"{out / 'calls.jsonl'} (continue with --reuse {out} --out ANOTHER_DIR)", file=sys.stderr)
    return code


class BadInput(Exception):
    """Bad input found only once work began (memory lock, unreachable store): reported as exit code 2."""


def check_pool_args(args: argparse.Namespace) -> Any:
    """Validate every shared option before anything is created; returns the loaded pool (None = embedded)."""
    from graphs.live import shared_memory_urls
    from memory_store import RetentionPolicy
    from memory_store.index import check_shared_urls
    from sale.core.checkpoints import is_postgres_url
    from sale.core.cost import Weights, check_jury_signal

    pool = load_pool(args.pool) if args.pool else None
    RetentionPolicy.parse(args.memory_policy)
    check_shared_urls(*shared_memory_urls(args.memory_log, args.memory_index))
    checkpoints = getattr(args, "checkpoints", "") or os.environ.get("SALE_CHECKPOINT_URL", "")
    if "://" in checkpoints and not is_postgres_url(checkpoints):
        raise ValueError(f"--checkpoints {checkpoints.split('@')[-1]!r}: give a SQLite file or a postgresql:// URL")
    if args.weights:
        Weights.from_file(args.weights)
    check_jury_signal(args.jury_signal, args.jury_batch)
    if args.search == "bm25":
        from tools.search import make_backend

        make_backend("bm25", str(Path(args.corpus).resolve()) if args.corpus else "")
    preflight(args, pool, checkpoints)
    return pool


def flag_of(args: argparse.Namespace) -> Any:
    """How the user spelled a context setting: its option when the command has one, else the setting's name."""
    return lambda name: f"--{name.replace('_', '-')}" if hasattr(args, name) else name


def memory_dir_of(args: argparse.Namespace) -> Path:
    from graphs.live import default_memory_dir

    return Path(args.memory).expanduser() if args.memory else default_memory_dir()


def preflight(args: argparse.Namespace, pool: Any, checkpoints: str) -> None:
    """Keys, knobs, the memory directory and the checkpoint file, all checked before any call or write; raises
    one ConfigError listing every problem (sale/core/preflight.py)."""
    from graphs.live import shared_memory_urls
    from sale.core.preflight import (
        checkpoint_problems,
        key_problems,
        knob_problems,
        knobs_of,
        memory_problems,
        raise_problems,
    )

    problems = key_problems(pool) + knob_problems(knobs_of(context_from_args(args, None, None)), flag_of(args))
    if pool is None:
        from sale.local.pool import embedded_problems

        problems += embedded_problems()
    if not shared_memory_urls(args.memory_log, args.memory_index)[0]:
        memory = memory_problems(memory_dir_of(args))
        problems += memory
        if not memory and hasattr(args, "checkpoints"):
            problems += checkpoint_problems(checkpoints or str(memory_dir_of(args) / "checkpoints.sqlite"))
    elif hasattr(args, "checkpoints"):
        problems += checkpoint_problems(checkpoints)
    raise_problems(problems)


def open_memory(args: argparse.Namespace) -> Any:
    from graphs.live import shared_memory_urls
    from memory_store import AuctionMemory, MemoryLockedError

    try:
        from memory_store import RetentionPolicy

        policy = RetentionPolicy.parse(getattr(args, "memory_policy", "") or "")
        log_url, index_url = shared_memory_urls(args.memory_log, args.memory_index)
        return AuctionMemory(memory_dir_of(args), policy=policy, log_url=log_url, index_url=index_url)
    except (MemoryLockedError, OSError, ValueError, ConnectionError, sqlite3.DatabaseError) as exc:
        raise BadInput(str(exc)) from None


def context_from_args(args: argparse.Namespace, pool: Any, memory: Any) -> Any:
    from graphs.context import AuctionContext, Live

    return AuctionContext(live=Live(pool=pool, memory=memory), weights_file=args.weights or "", k=args.k,
                          refine=not args.no_refine, search_backend=args.search,
                          search_corpus=str(Path(args.corpus).resolve()) if args.corpus else "",
                          sandbox_allow_weak=args.allow_weak_sandbox, jury_reason=args.jury_reason,
                          budget_bias=args.budget_bias, route_only=getattr(args, "route_only", False),
                          jury_batch=args.jury_batch, jury_signal=args.jury_signal,
                          jury_layout=getattr(args, "jury_layout", "paper"),
                          rebid_exemplars=getattr(args, "rebid_exemplars", "full"),
                          domain=getattr(args, "domain", "auto"), auction_policy=args.auction_policy,
                          refine_min_similarity=args.refine_min_similarity,
                          execution=getattr(args, "execution", "auto"),
                          juror_reliability=getattr(args, "juror_reliability", 0),
                          cascade_last_resort=getattr(args, "cascade_last_resort", "deliver"))
