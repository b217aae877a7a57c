"""One thread at a time inside the store.

SQLite connections and Chroma clients are shared by the threads of one process (concurrent auctions, e.g. ``sale
serve``), and a local memory has one writing process: every store method runs under the store's lock. Embedding a
task needs no lock, so methods that take one embed it first (:func:`embeds_task_first`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Lockable(Protocol):
    _lock: Any

    def _embed(self, task: str) -> list[float]: ...


def serialised(method: Callable[..., T]) -> Callable[..., T]:
    """Run the method with the store's lock held."""

    @functools.wraps(method)
    def wrapper(self: Lockable, *args: Any, **kwargs: Any) -> T:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


def embeds_task_first(method: Callable[..., T]) -> Callable[..., T]:
    """Like :func:`serialised`, but the ``task`` argument is embedded before the lock is taken: a forward pass takes
    milliseconds, and concurrent auctions' embeddings then run as one batch (``Embedder.embed``) instead of one by
    one under the store's lock."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self: Lockable, *args: Any, **kwargs: Any) -> T:
        self._embed(signature.bind(self, *args, **kwargs).arguments["task"])
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper
