"""Task embeddings kept for reuse, and the embedding model loaded on first use.

An auction embeds its task for every refining agent's retrieval and again for its record, and ``sale serve`` runs
many auctions at once: the last few vectors are kept, keyed by the text actually embedded (the task's first
``EMBED_CHARS`` characters), so each task costs one forward pass.
"""

from __future__ import annotations

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
        """The tasks' vectors, in order; the ones not kept are computed in one forward pass."""
        keys = [t[:EMBED_CHARS] for t in tasks]
        with self._lock:
            found = {k: v for k in keys if (v := self._vectors.get(k)) is not None}
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            found.update(zip(missing, self.embedder.embed(missing), strict=True))
            with self._lock:
                for key in missing:
                    if len(self._vectors) >= self._size:
                        self._vectors.pop(next(iter(self._vectors)))
                    self._vectors[key] = found[key]
        return [found[k] for k in keys]
