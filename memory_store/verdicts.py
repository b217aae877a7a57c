"""The newest verified verdicts before a point in the log: what juror reliability learns from (sale/core/jurors.py).

Beside the store rather than in it: one read path, kept apart from the store's writing and retrieval.
"""

from __future__ import annotations

from typing import Any

from memory_store.store import AuctionMemory


def recent_verdicts(memory: AuctionMemory, auctions: int, max_seq: int) -> list[dict[str, Any]]:
    """The newest ``auctions`` signed records with seq <= ``max_seq`` and a verified verdict (as ``passed``), oldest
    first. Reads back from the newest record only as far as it must, not the whole log."""
    if auctions <= 0:
        return []
    fetch = auctions
    with memory._lock:
        while True:
            rows = memory.log.recent(fetch)
            trusted = (memory._trust(row) for row in rows if row["seq"] <= max_seq)
            found = [r for r in trusted if r is not None and r["passed"] is not None]
            if len(found) >= auctions or len(rows) < fetch:
                return found[:auctions][::-1]
            fetch *= 2
