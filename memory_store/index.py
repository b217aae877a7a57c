"""The similarity index: a Chroma collection of past tasks (cosine), rebuildable from the log at any time.

Local (a PersistentClient under the memory directory) or on a Chroma server (``http://host:port[/collection]``,
an HttpClient) shared by several orchestrator processes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
from chromadb.config import Settings

COLLECTION = "auctions"
SPACE = "cosine"


class IndexError_(RuntimeError):
    """The Chroma index is unusable (wrong metric, wrong dimension); the message says how to rebuild it."""


def release_clients() -> None:
    """Drop Chroma's in-process client cache (one system per path), e.g. before reopening a replaced index."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def bidder_key(agent: str) -> str:
    return f"bidder_{agent}"


def parse_index_url(url: str) -> tuple[str, int, bool, str]:
    """``http(s)://host[:port][/collection]`` -> (host, port, ssl, collection)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"memory index URL {url!r} is not http(s)://host[:port][/collection]")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 8000)
    except ValueError:
        raise ValueError(f"memory index URL {url!r} has a bad port") from None
    collection = parts.path.strip("/") or COLLECTION
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,510}[A-Za-z0-9]", collection):
        raise ValueError(f"memory index URL {url!r}: the collection name {collection!r} must be 3-512 characters "
                         "of letters, digits, '.', '_' or '-', starting and ending with a letter or digit")
    return parts.hostname, port, parts.scheme == "https", collection


class TaskIndex:
    """``TaskIndex(path)`` opens the local index; ``TaskIndex(url="http://host:port")`` one on a Chroma server."""

    def __init__(self, path: Path | None = None, *, url: str = "") -> None:
        settings = Settings(anonymized_telemetry=False, allow_reset=True)
        self.name = COLLECTION
        if url:
            host, port, ssl, self.name = parse_index_url(url)
            try:
                self._client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=settings)
            except Exception as exc:  # chromadb raises plain ValueError/ConnectionError variants
                raise ConnectionError(f"cannot reach the Chroma server at {url}: {exc}") from None
        else:
            self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        self.where = url or str(path)
        self._collection = self._client.get_or_create_collection(
            self.name, metadata={"hnsw:space": SPACE}, embedding_function=None
        )
        space = (self._collection.metadata or {}).get("hnsw:space", "l2")
        if space != SPACE:
            raise IndexError_(
                f"Chroma collection {self.name!r} at {self.where} uses the {space!r} metric, not cosine; "
                "run `sale memory rebuild` to recreate it from the log"
            )

    def count(self) -> int:
        return self._collection.count()

    def verify(self) -> None:
        """Raise if the index cannot be read back: a stored entry must be found at distance 0 from itself (a sample
        of one touches the SQLite metadata and the HNSW segment; an identical task logged twice may come first)."""
        if self.count() == 0:
            return
        sample = self._collection.get(limit=1, include=["embeddings"])
        found = self._collection.query(query_embeddings=[list(sample["embeddings"][0])], n_results=1,
                                       include=["distances"])
        if not found["ids"][0] or found["distances"][0][0] > 1e-3:
            raise IndexError_("the index does not return a stored entry as its own nearest neighbour")

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def upsert(self, auction_id: str, task: str, embedding: list[float], seq: int, bidders: list[str],
               winner: str) -> None:
        metadata: dict[str, Any] = {"seq": seq, "winner": winner}
        metadata.update({bidder_key(a): True for a in bidders})
        self._collection.upsert(ids=[auction_id], documents=[task], embeddings=[embedding], metadatas=[metadata])

    def query(self, embedding: list[float], k: int, max_seq: int, bidder: str | None = None, min_seq: int = 0
              ) -> list[tuple[str, float]]:
        """Up to k (auction id, cosine similarity) pairs among auctions with min_seq <= seq <= max_seq."""
        if k <= 0 or self.count() == 0:
            return []
        clauses: list[dict[str, Any]] = [{"seq": {"$lte": max_seq}}]
        if min_seq > 0:
            clauses.append({"seq": {"$gte": min_seq}})
        if bidder is not None:
            clauses.append({bidder_key(bidder): True})
        where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        found = self._collection.query(query_embeddings=[embedding], n_results=k, where=where,
                                       include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(found["ids"][0], found["distances"][0], strict=True)]

    def upsert_many(self, rows: list[tuple[str, str, list[float], int, list[str], str]]) -> None:
        """Batch form of :meth:`upsert` (bulk loads, benchmarks)."""
        if rows:
            self._collection.upsert(
                ids=[r[0] for r in rows], documents=[r[1] for r in rows], embeddings=[r[2] for r in rows],
                metadatas=[{"seq": r[3], "winner": r[5], **{bidder_key(a): True for a in r[4]}} for r in rows])

    def seqs(self, ids: list[str]) -> dict[str, int]:
        if not ids:
            return {}
        got = self._collection.get(ids=ids, include=["metadatas"])
        return {i: int(m["seq"]) for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def delete(self, ids: list[str]) -> None:
        if ids:
            self._collection.delete(ids=ids)

    def reset(self) -> None:
        self._client.delete_collection(self.name)
        self._collection = self._client.get_or_create_collection(
            self.name, metadata={"hnsw:space": SPACE}, embedding_function=None
        )


def check_shared_urls(log_url: str, index_url: str) -> None:
    """Raise ValueError unless the two shared-memory URLs are both empty or both well formed."""
    if bool(log_url) != bool(index_url):
        raise ValueError("a shared memory needs both a log URL (postgresql://...) and an index URL (the Chroma "
                         "server, http://host:port); give both or neither")
    if log_url:
        if not log_url.startswith(("postgresql://", "postgres://")):
            raise ValueError(f"memory log URL {log_url.split('@')[-1]!r} is not a postgresql:// URL")
        parse_index_url(index_url)
