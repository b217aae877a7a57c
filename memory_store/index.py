"""The similarity index: a Chroma collection of past tasks (cosine), rebuildable from the log at any time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings

COLLECTION = "auctions"
SPACE = "cosine"


class IndexError_(RuntimeError):
    """The Chroma index is unusable (wrong metric, wrong dimension); the message says how to rebuild it."""


def bidder_key(agent: str) -> str:
    return f"bidder_{agent}"


class TaskIndex:
    def __init__(self, path: Path) -> None:
        self._client = chromadb.PersistentClient(
            path=str(path), settings=Settings(anonymized_telemetry=False, allow_reset=True)
        )
        self._collection = self._client.get_or_create_collection(
            COLLECTION, metadata={"hnsw:space": SPACE}, embedding_function=None
        )
        space = (self._collection.metadata or {}).get("hnsw:space", "l2")
        if space != SPACE:
            raise IndexError_(
                f"Chroma collection {COLLECTION!r} under {path} uses the {space!r} metric, not cosine; "
                "run `sale memory rebuild` to recreate it from the log"
            )

    def count(self) -> int:
        return self._collection.count()

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def upsert(self, auction_id: str, task: str, embedding: list[float], seq: int, bidders: list[str],
               winner: str) -> None:
        metadata: dict[str, Any] = {"seq": seq, "winner": winner}
        metadata.update({bidder_key(a): True for a in bidders})
        self._collection.upsert(ids=[auction_id], documents=[task], embeddings=[embedding], metadatas=[metadata])

    def query(self, embedding: list[float], k: int, max_seq: int, bidder: str | None = None
              ) -> list[tuple[str, float]]:
        """Up to k (auction id, cosine similarity) pairs among auctions with seq <= max_seq."""
        if k <= 0 or self.count() == 0:
            return []
        clauses: list[dict[str, Any]] = [{"seq": {"$lte": max_seq}}]
        if bidder is not None:
            clauses.append({bidder_key(bidder): True})
        where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        found = self._collection.query(query_embeddings=[embedding], n_results=k, where=where,
                                       include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(found["ids"][0], found["distances"][0], strict=True)]

    def reset(self) -> None:
        self._client.delete_collection(COLLECTION)
        self._collection = self._client.create_collection(
            COLLECTION, metadata={"hnsw:space": SPACE}, embedding_function=None
        )
