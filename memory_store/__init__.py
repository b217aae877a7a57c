"""Auction memory: a SQLite log (source of truth) and a Chroma similarity index rebuilt from it."""

from memory_store.policy import RetentionPolicy
from memory_store.store import AuctionMemory, Exemplar, MemoryLockedError, MemoryUnavailableError

__all__ = ["AuctionMemory", "Exemplar", "MemoryLockedError", "MemoryUnavailableError", "RetentionPolicy"]
