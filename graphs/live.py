"""Long-lived resources a node needs but a checkpoint cannot hold: the pool, the memory, the local servers.

Callers (the CLI, tests, apps) pass live objects through the context. When they do not, as under
``langgraph dev``, these helpers open one per process and keep it until exit: a memory directory has one
writer, and the embedded llama.cpp servers are started once.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import threading
from pathlib import Path

import platformdirs

from graphs.context import AuctionContext
from memory_store import AuctionMemory
from sale.core.breaker import Breaker, Breakers
from sale.core.domains import Domain, DomainError, pick_domain
from sale.core.pool import Pool, load_pool
from tools.domains import SHIPPED_DOMAINS


def default_memory_dir() -> Path:
    return Path(os.environ.get("SALE_MEMORY_DIR") or Path(platformdirs.user_data_dir("sale")) / "memory")


def shared_memory_urls(log_url: str = "", index_url: str = "") -> tuple[str, str]:
    """The shared-memory URLs given, else ``$SALE_MEMORY_LOG_URL`` / ``$SALE_MEMORY_INDEX_URL`` (how a LangGraph
    Server deployment configures every replica); both empty means a local memory directory."""
    return (log_url or os.environ.get("SALE_MEMORY_LOG_URL", ""),
            index_url or os.environ.get("SALE_MEMORY_INDEX_URL", ""))


def pool_of(context: AuctionContext) -> Pool:
    if context.live.pool is not None:
        return context.live.pool
    if context.pool_file:
        path = Path(context.pool_file).expanduser().resolve()
        try:
            stat = path.stat()
        except OSError:
            return load_pool(path)  # raises the clear "cannot read" error
        return _pool_file(str(path), stat.st_mtime_ns, stat.st_size)
    return process_embedded_pool()


@functools.lru_cache(maxsize=32)
def _pool_file(path: str, mtime_ns: int, size: int) -> Pool:
    """Parsed once per file version: routers resolve the pool on every branch."""
    return load_pool(path)


def memory_of(context: AuctionContext) -> AuctionMemory:
    if context.live.memory is not None:
        return context.live.memory
    return process_memory(str(Path(context.memory_dir or default_memory_dir()).expanduser().resolve()),
                          context.memory_policy, *shared_memory_urls(context.memory_log_url, context.memory_index_url))


def domains_of(context: AuctionContext) -> dict[str, Domain]:
    """The shipped domains and the context's own, by name (a user domain may replace a shipped one)."""
    registry = dict(SHIPPED_DOMAINS)
    for domain in context.live.domains:
        if not isinstance(domain, Domain):
            raise DomainError(f"live.domains holds a {type(domain).__name__}, not a sale.core.domains.Domain")
        registry[domain.name] = domain
    return registry


def domain_of(context: AuctionContext, task: str, declared: str | None = None) -> Domain:
    """The task's domain: ``declared`` (the input's ``domain``) if given, else the context's ``domain`` setting."""
    return pick_domain(task, declared or context.domain, domains_of(context))


def breaker_for(context: AuctionContext, agent: str) -> Breaker:
    """The agent's breaker; without injected ``breakers``, one per endpoint (base URL + model) per process."""
    if context.live.breakers is not None:
        return context.live.breakers.get(agent)
    spec = pool_of(context).get(agent)
    breakers = process_breakers(context.breaker_threshold, context.breaker_cooldown_s)
    return breakers.get(f"{spec.base_url.rstrip('/')}#{spec.model}")


@functools.cache
def process_breakers(threshold: int, cooldown_s: float) -> Breakers:
    return Breakers(threshold, cooldown_s)


_MEMORY_OPEN = threading.Lock()


def process_memory(directory: str, policy: str = "", log_url: str = "", index_url: str = "") -> AuctionMemory:
    """The process's memory for a directory. ``functools.cache`` alone lets two threads that ask at once both
    open it, and a memory directory has one writer: the lock makes the second wait for the first's."""
    with _MEMORY_OPEN:
        return _opened_memory(directory, policy, log_url, index_url)


@functools.cache
def _opened_memory(directory: str, policy: str, log_url: str, index_url: str) -> AuctionMemory:
    from memory_store import RetentionPolicy

    memory = AuctionMemory(directory, policy=RetentionPolicy.parse(policy), log_url=log_url, index_url=index_url)
    atexit.register(memory.close)
    return memory


_EMBEDDED_START = threading.Lock()


def process_embedded_pool(ctx_per_slot: int = 0) -> Pool:
    """The process's embedded pool, started on first use (with at least ``ctx_per_slot`` tokens of context per
    slot, when given: long tasks need more than the default). Two runs that ask at once (Studio, ``sale serve``)
    wait for the same start instead of starting two sets of servers; a failed start is retried by the next
    caller. Graph routers and nodes run in worker threads under ``langgraph dev``, so the event loop stays free
    while the models load."""
    with _EMBEDDED_START:
        return _started_embedded_pool(ctx_per_slot)


@functools.cache
def _started_embedded_pool(ctx_per_slot: int) -> Pool:
    from dataclasses import replace

    from sale.local import embedded_pool
    from sale.local.pool import RuntimeSettings

    settings = RuntimeSettings.from_env()
    if ctx_per_slot > settings.ctx_per_slot:
        settings = replace(settings, ctx_per_slot=ctx_per_slot)
    stack = contextlib.ExitStack()
    pool = stack.enter_context(embedded_pool(settings=settings))
    atexit.register(stack.close)
    return pool
