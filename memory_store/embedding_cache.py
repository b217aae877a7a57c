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
from collections.abc import Iterable

from memory_store.embeddings import Embedder

EMBED_CHARS = 2000
EMBED_CACHE = 64


class EmbeddingCache:
    """The ``size`` most recently computed task vectors. Safe from any thread, with or without the store's lock."""

    def __init__(self, embedder: Embedder | None = None, size: int = EMBED_CACHE) -> None:
        self._embedder = embedder
        self._size = size
        self._vectors: dict[str, list[float]] = {}
        self._computing: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:  # concurrent first retrievals load the model once
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
                self._compute(mine, found)
            for event in theirs:
                event.wait()
        return [found[k] for k in keys]

    def prefetch(self, task: str) -> None:
        """Compute the task's vector on a background thread, unless it is kept or being computed. Errors are left
        to the caller that needs the vector: it computes it again and sees them."""
        key = task[:EMBED_CHARS]
        with self._lock:
            if key in self._vectors or key in self._computing:
                return
        threading.Thread(target=self._prefetch, args=(key,), name="sale-embed-prefetch", daemon=True).start()

    def _prefetch(self, key: str) -> None:
        with contextlib.suppress(Exception):  # the caller that needs the vector computes it again and sees it
            self.vectors([key])

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

    def _compute(self, keys: list[str], found: dict[str, list[float]]) -> None:
        computed: dict[str, list[float]] = {}
        try:
            computed = dict(zip(keys, self.embedder.embed(keys), strict=True))
        finally:  # a failure too releases the claim: whoever waits computes the vector again
            with self._lock:
                for key in keys:
                    if key in computed:
                        if len(self._vectors) >= self._size:
                            self._vectors.pop(next(iter(self._vectors)))
                        self._vectors[key] = computed[key]
                    self._computing.pop(key).set()
        found.update(computed)
