"""Task embeddings kept for reuse, computed once per text, and the embedding model loaded on first use.

An auction embeds its task for every refining agent's retrieval and again for its record, and ``sale serve`` runs
many auctions at once: the last few vectors are kept, keyed by the text actually embedded (the task's first
``EMBED_CHARS`` characters), and a text being embedded is not embedded again by a second caller, who waits for
the first's vector. :meth:`EmbeddingCache.prefetch` starts a task's embedding in the background, so an auction
can compute it while its bids are out instead of on its path to the refine round.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable

from memory_store.embeddings import Embedder

EMBED_CHARS = 2000
EMBED_CACHE = 64
CLOSE_WAIT_S = 10.0


class EmbeddingCache:
    """The ``size`` most recently computed task vectors. Safe from any thread, with or without the store's lock;
    ``_lock`` only ever guards the two dicts, never a forward pass or the model's loading."""

    def __init__(self, embedder: Embedder | None = None, size: int = EMBED_CACHE) -> None:
        self._embedder = embedder
        self._size = size
        self._vectors: dict[str, list[float]] = {}
        self._computing: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._loading = threading.Lock()
        self._prefetching: set[threading.Thread] = set()
        self._closed = False

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._loading:  # concurrent first retrievals load the model once
                if self._embedder is None:
                    self._embedder = Embedder()
        return self._embedder

    def vector(self, task: str) -> list[float]:
        return self.vectors([task])[0]

    def vectors(self, tasks: Iterable[str]) -> list[list[float]]:
        """The tasks' vectors, in order. The ones neither kept nor being computed are computed in one forward
        pass; the ones another caller is computing are waited for (and computed here if that caller failed)."""
        keys = [t[:EMBED_CHARS] for t in tasks]
        found: dict[str, list[float]] = {}
        while len(found) < len(set(keys)):
            mine, theirs = self._claim(keys, found)
            if mine:
                found.update(self._compute(mine))
            for event in theirs:
                event.wait()
        return [found[k] for k in keys]

    def prefetch(self, task: str) -> None:
        """Compute the task's vector on a background thread, unless it is kept or being computed; it does not wait
        for the pass (callable from an event loop). Errors are left to the caller that needs the vector: it computes
        it again and sees them."""
        key = task[:EMBED_CHARS]
        with self._lock:
            if self._closed or key in self._vectors or key in self._computing:
                return
            self._computing[key] = threading.Event()
        thread = threading.Thread(target=self._prefetch, args=(key,), name="sale-embed-prefetch", daemon=True)
        try:
            thread.start()
        except BaseException as exc:  # no thread to spare: the caller that needs the vector computes it
            self._release([key], {})
            if not isinstance(exc, RuntimeError):
                raise
            return
        with self._lock:
            if thread.is_alive():
                self._prefetching.add(thread)

    def close(self) -> None:
        """No more prefetches; wait (briefly) for the ones under way, so none is cut off at interpreter exit."""
        with self._lock:
            self._closed = True
            threads = list(self._prefetching)
        deadline = time.monotonic() + CLOSE_WAIT_S
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _prefetch(self, key: str) -> None:
        try:
            with contextlib.suppress(Exception):  # the caller that needs the vector computes it again, sees it
                self._compute([key])
        finally:
            with self._lock:
                self._prefetching.discard(threading.current_thread())

    def _claim(self, keys: list[str], found: dict[str, list[float]]) -> tuple[list[str], list[threading.Event]]:
        """Fill ``found`` from the kept vectors; of the rest, claim the ones nobody computes (returned first) and
        return the events of the ones another caller computes."""
        mine: list[str] = []
        theirs: list[threading.Event] = []
        with self._lock:
            for key in dict.fromkeys(keys):
                if key in found:
                    continue
                if (vector := self._vectors.get(key)) is not None:
                    found[key] = vector
                elif (event := self._computing.get(key)) is not None:
                    theirs.append(event)
                else:
                    self._computing[key] = threading.Event()
                    mine.append(key)
        return mine, theirs

    def _compute(self, keys: list[str]) -> dict[str, list[float]]:
        """Embed claimed keys; the claims are released whatever happens, so no waiter waits forever."""
        computed: dict[str, list[float]] = {}
        try:
            computed = dict(zip(keys, self.embedder.embed(keys), strict=True))
        finally:
            self._release(keys, computed)
        return computed

    def _release(self, keys: list[str], computed: dict[str, list[float]]) -> None:
        with self._lock:
            try:
                for key, vector in computed.items():
                    while self._vectors and len(self._vectors) >= self._size:
                        self._vectors.pop(next(iter(self._vectors)))
                    if self._size > 0:
                        self._vectors[key] = vector
            finally:
                for key in keys:
                    self._computing.pop(key).set()
