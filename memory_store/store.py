"""Auction memory: the log (truth) plus the Chroma index (similarity).

Local (the default), owned by one writer process. Layout of a memory directory::

    auctions.sqlite   one row per auction (source of truth)
    chroma/           the similarity index, rebuilt from the log whenever it disagrees with it
    writer.lock       held (flock) by the one process that may write here (see writer_lock.py)
    signing.key       the HMAC key records are signed with (see provenance.py)

Shared (``log_url`` = PostgreSQL, ``index_url`` = a Chroma server): any number of processes, on any hosts, open
the same memory; the database's unique auction id and its serialised write transactions replace the file lock.
Every process needs the same signing key (``SALE_MEMORY_KEY_FILE``, or the directory's ``signing.key``).
"""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import Any

from memory_store.embedding_cache import EmbeddingCache
from memory_store.embeddings import Embedder
from memory_store.exemplars import Exemplar, Neighbour, nearest, nearest_records, pick_exemplars
from memory_store.index import TaskIndex, check_shared_urls
from memory_store.index_batch import WaitingEntries
from memory_store.index_repair import open_repaired
from memory_store.log import AuctionLog, PostgresAuctionLog
from memory_store.policy import RetentionPolicy
from memory_store.provenance import load_key, outcome_passed, retrievable, screen, sign, sign_outcome
from memory_store.serialised import embeds_task_first, serialised
from memory_store.writer_lock import acquire_writer_lock


class MemoryUnavailableError(RuntimeError):
    """The similarity index cannot be queried right now (e.g. the Chroma server is down); the log still is."""


class AuctionMemory:
    """Open (and lock) a memory directory, or, with ``log_url`` and ``index_url``, a memory shared with other
    processes. Use as a context manager or call :meth:`close`. Thread-safe."""

    def __init__(self, directory: str | os.PathLike[str], embedder: Embedder | None = None,
                 policy: RetentionPolicy | None = None, *, log_url: str = "", index_url: str = "") -> None:
        check_shared_urls(log_url, index_url)
        self.directory = Path(directory).expanduser().resolve()
        self.policy = policy or RetentionPolicy()
        self.log_url, self.index_url = log_url, index_url
        if self.directory.exists() and not self.directory.is_dir():
            raise NotADirectoryError(f"memory path {self.directory} exists and is not a directory")
        self._lock = threading.RLock()
        self._closed = False
        self._lock_fd = -1
        log = PostgresAuctionLog(log_url) if self.shared else None  # an unreachable database: nothing written
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if log is None:
                self._lock_fd = acquire_writer_lock(self.directory)
                log = AuctionLog(self.directory / "auctions.sqlite")
            self.log: AuctionLog = log
            self._key = load_key(self.directory)
            self._vectors = EmbeddingCache(embedder)
            self.index_stale = False
            self._waiting = WaitingEntries(self._lock, self._vectors.vectors, self._index_now, grouped=not self.shared)
            self._index, self.index_damage = open_repaired(self.directory / "chroma", self.index_url)
            self.sync_index()
            if self.policy.digest_after or self.policy.max_entries:
                self._retain(self.log.max_seq(), full=True)
        except BaseException:
            if log is not None:
                log.close()
            if self._lock_fd >= 0:
                os.close(self._lock_fd)
            raise

    @property
    def shared(self) -> bool:
        return bool(self.log_url)

    def __enter__(self) -> AuctionMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def index(self) -> TaskIndex:
        """The similarity index, with every logged auction in it (entries still waiting are applied first)."""
        with self._lock:
            self._waiting.flush()
            return self._index

    @property
    def embedder(self) -> Embedder:
        return self._vectors.embedder

    @serialised
    def size(self) -> int:
        return self.log.count()

    @serialised
    def max_seq(self) -> int:
        return self.log.max_seq()

    def add(self, record: dict[str, Any]) -> int:
        """Sign and log the auction (idempotent by ``auction_id``; durable when this returns), then index it unless
        one of its strategies is quarantined. Returns its sequence number."""
        reason = screen(record)
        if reason:
            record = {**record, "quarantine": reason}
        if self.shared and not reason:
            self._embed(record["task"])  # before the lock (see embeds_task_first); written at once below
        with self._lock:
            seq, inserted = self.log.add(sign(record, self._key))
            stored = record if inserted else self.log.get(record["auction_id"])
            if (inserted and not reason) or (not inserted and retrievable(stored, self._key)):
                self._waiting.put(stored, seq)  # a repeat (a resumed node) re-indexes what the log holds
            self._retain(seq)
            return seq

    def _index_now(self, records: list[dict[str, Any]]) -> None:
        """Index logged records (with their seq) in one upsert. The log is the truth: if the index cannot take them
        now (a Chroma server down), warn and catch up from the log at the next write or retrieval, instead of
        failing the auction."""
        try:
            vectors = self._vectors.vectors(r["task"] for r in records)
            self._catch_up()
            self._index.upsert_many([self._index_row(r, r["seq"], v) for r, v in zip(records, vectors, strict=True)])
        except Exception as exc:  # chromadb raises many transport error types
            self.index_stale = True
            which = f"auction {records[0]['auction_id']} is" if len(records) == 1 else f"{len(records)} auctions are"
            warnings.warn(f"{which} logged but not indexed yet (index at {self._index.where} unavailable: "
                          f"{_short(exc)}); the log holds them and the index catches up from it", RuntimeWarning,
                          stacklevel=2)

    def _catch_up(self) -> None:
        """Re-sync an index that missed writes while it was unreachable."""
        if self.index_stale:
            self.sync_index()
            self.index_stale = False

    def _retain(self, newest: int, full: bool = False) -> None:
        """Apply the retention policy after a write (``full``: on open, over the whole log)."""
        dropped = self.policy.retain(self.log, self._key, newest, full)
        if dropped:
            try:
                self.index.delete(dropped)
            except Exception:  # the next sync removes them (strays); retrieval re-checks the log meanwhile
                self.index_stale = True

    @serialised
    def add_failure(self, auction_id: str, record: dict[str, Any]) -> None:
        from datetime import UTC, datetime

        self.log.add_failure(auction_id, datetime.now(UTC).isoformat(timespec="seconds"), record)

    @serialised
    def failures(self) -> list[dict[str, Any]]:
        return self.log.failures()

    @serialised
    def set_outcome(self, auction_id: str, outcome: dict[str, Any]) -> None:
        self.log.set_outcome(auction_id, outcome)

    @serialised
    def record_outcome(self, auction_id: str, passed: bool) -> None:
        """Store whether the auction's answer passed (a bench's verifier, an application's feedback), signed,
        with the auction: retrieval shows it, and the adaptive policy never skips towards a failure."""
        if not isinstance(passed, bool):
            raise TypeError(f"passed must be True or False, not {passed!r}")
        verdict = {"passed": passed, "passed_signature": sign_outcome(auction_id, passed, self._key)}
        if not self.log.set_outcome(auction_id, verdict):
            raise KeyError(f"no auction {auction_id!r} in this memory (failed and skipped auctions have no record)")

    @serialised
    def verdicts(self) -> list[dict[str, Any]]:
        """Every signed auction whose verified verdict is known, oldest first, the verdict as ``passed``: what
        online weight fitting (``sale.analysis.online``) learns from. A forged or unsigned verdict is left out."""
        trusted = (self._trust(record) for record in self.log.all())
        return [record for record in trusted if record is not None and record["passed"] is not None]

    @serialised
    def get(self, auction_id: str) -> dict[str, Any] | None:
        return self.log.get(auction_id)

    @serialised
    def sync_index(self) -> int:
        """Bring the index in line with the log; returns how many entries were (re)indexed. The index is read
        before the log: writers log before they index, so an entry another process is adding is never taken for
        a stray."""
        indexed = self.index.ids()
        logged = {r["auction_id"]: r for r in self.log.all() if retrievable(r, self._key)}
        strays = indexed - logged.keys()
        if strays:
            self.index.delete(sorted(strays))
        missing = [r for a, r in logged.items() if a not in indexed]
        for record in missing:
            self._index_record(record, record["seq"])
        return len(missing)

    @serialised
    def rebuild_index(self) -> int:
        self.index.reset()
        return self.sync_index()

    @embeds_task_first
    def similar(self, task: str, k: int, max_seq: int) -> list[tuple[str, float]]:
        found = self._retrieve(task, k * 2, max_seq)
        return [(a, s) for a, s in found if retrievable(self.log.get(a), self._key)][:k]

    def _retrieve(self, task: str, k: int, max_seq: int, bidder: str | None = None) -> list[tuple[str, float]]:
        """Top-k by cosine similarity among auctions <= max_seq, within the policy's window, age-decayed. Raises
        :class:`MemoryUnavailableError` if the index cannot be reached."""
        embedding = self._embed(task)
        try:
            self._catch_up()
            self._waiting.flush(upto=max_seq)  # entries newer than max_seq are filtered out anyway
            return self.policy.query(self._index, embedding, k, max_seq, bidder)
        except Exception as exc:
            raise MemoryUnavailableError(f"the auction index at {self._index.where} is unavailable: "
                                         f"{_short(exc)}") from None

    @embeds_task_first
    def exemplars(self, agent: str, task: str, k: int, max_seq: int) -> list[Exemplar]:
        """Up to k (losing, winning) strategy pairs for ``agent``'s rebid from the earlier auctions most similar to
        ``task`` in which it bid (how they are chosen: exemplars.py)."""
        hits = self._retrieve(task, k * 3, max_seq, bidder=agent)
        return pick_exemplars(agent, k, hits, self._trusted)

    @embeds_task_first
    def neighbours(self, task: str, k: int, max_seq: int) -> list[Neighbour]:
        """The k earlier auctions (seq <= max_seq) most similar to ``task``: winner, similarity, verified verdict."""
        return nearest(k, self._retrieve(task, k * 2, max_seq), self._trusted)

    @embeds_task_first
    def near_records(self, task: str, k: int, max_seq: int) -> list[tuple[dict[str, Any], float]]:
        """The k earlier trusted auctions most similar to ``task``, whole, with their similarity."""
        return nearest_records(k, self._retrieve(task, k * 2, max_seq), self._trusted)

    def _trusted(self, auction_id: str) -> dict[str, Any] | None:
        return self._trust(self.log.get(auction_id))

    def _trust(self, record: dict[str, Any] | None) -> dict[str, Any] | None:
        """The record with its verified verdict as ``passed``, or None if it must never be retrieved."""
        return {**record, "passed": outcome_passed(record, self._key)} if retrievable(record, self._key) else None

    @serialised
    def recent_jury(self, auctions: int) -> list[dict[str, int]]:
        """Jury scores ({juror: score}) of every ranked bid in the newest ``auctions`` signed records: the history
        that juror reliability is judged on (an unsigned or tampered row cannot frame an honest juror)."""
        out: list[dict[str, int]] = []
        for record in reversed(self.log.recent(auctions)):
            if retrievable(record, self._key):
                out.extend(dict(b["jury"]) for b in record["bids"]
                           if b.get("label") in ("win", "loss") and b.get("jury"))
        return out

    @serialised
    def quarantine(self, auction_id: str, reason: str) -> bool:
        """Keep a record out of retrieval from now on (it stays in the log, marked and re-signed)."""
        record = self.log.get(auction_id)
        if record is None:
            return False
        self.log.replace_record(auction_id, sign({**record, "quarantine": reason}, self._key))
        self.index.delete([auction_id])
        return True

    @serialised
    def resign(self) -> int:
        """Sign every unsigned record with this memory's key: the operator vouches for rows written before
        signing existed. Tampered (wrongly signed) and quarantined rows stay out."""
        from memory_store.provenance import SIGNATURE

        count = 0
        for record in self.log.all():
            if SIGNATURE not in record and not record.get("quarantine"):
                self.log.replace_record(record["auction_id"], sign(record, self._key))
                count += 1
        self.sync_index()
        return count

    def close(self) -> None:
        """Apply the waiting index entries, then release the log and the lock."""
        self._vectors.close()
        self._waiting.stop()  # outside the lock: a flush under way takes it
        with self._lock:
            if self._closed:
                return
            self._waiting.flush()
            self._closed = True
            self.log.close()
            if self._lock_fd >= 0:
                os.close(self._lock_fd)
                self._lock_fd = -1

    def prefetch(self, task: str) -> None:
        """Start embedding ``task`` on a background thread, without blocking (an auction does it as its bids go
        out): its refine round's retrieval and its record find the vector computed or being computed, and never
        compute it twice. Nothing once the memory is closed."""
        self._vectors.prefetch(task)

    def _embed(self, task: str) -> list[float]:
        return self._vectors.vector(task)

    def _index_row(self, record: dict[str, Any], seq: int, vector: list[float] | None = None
                   ) -> tuple[str, str, list[float], int, list[str], str]:
        bidders = sorted({b["agent"] for b in record["bids"] if b.get("label") in ("win", "loss")})
        vector = self._embed(record["task"]) if vector is None else vector
        return record["auction_id"], record["task"], vector, seq, bidders, record["winner_agent"]

    def _index_record(self, record: dict[str, Any], seq: int) -> None:
        self._index.upsert(*self._index_row(record, seq))


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:200]}"

