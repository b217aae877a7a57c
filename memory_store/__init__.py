"""Auction memory: a SQLite log (source of truth) and a Chroma similarity index rebuilt from it."""

from memory_store.exemplars import Exemplar, Neighbour
from memory_store.policy import RetentionPolicy
from memory_store.store import AuctionMemory, MemoryUnavailableError
from memory_store.writer_lock import MemoryLockedError

__all__ = ["AuctionMemory", "Exemplar", "MemoryLockedError", "MemoryUnavailableError", "Neighbour", "RetentionPolicy"]
