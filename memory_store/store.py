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

import functools
import inspect
import os
import threading
import warnings
from pathlib import Path
from typing import Any

from memory_store.embeddings import Embedder
from memory_store.exemplars import Exemplar, Neighbour, nearest, nearest_records, pick_exemplars
from memory_store.index import TaskIndex, check_shared_urls
from memory_store.index_batch import Flusher
from memory_store.index_repair import open_repaired
from memory_store.log import AuctionLog, PostgresAuctionLog
from memory_store.policy import DECAY_POOL, RetentionPolicy, digest
from memory_store.provenance import load_key, outcome_passed, retrievable, screen, sign, sign_outcome
from memory_store.writer_lock import acquire_writer_lock

EMBED_CHARS = 2000
EMBED_CACHE = 64


class MemoryUnavailableError(RuntimeError):
    """The similarity index cannot be queried right now (e.g. the Chroma server is down); the log still is."""


def _serialised(method):
    """One thread at a time inside the store: SQLite connections and Chroma clients are shared by threads
    (concurrent auctions in one process, e.g. ``sale serve``), and the process is the directory's one writer."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


def _embeds_task_first(method):
    """Like :func:`_serialised`, but the ``task`` argument is embedded before the lock is taken: a forward pass
    takes milliseconds, and concurrent auctions' embeddings then run as one batch (``Embedder.embed``) instead of
    one by one under the store's lock."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        self._embed(signature.bind(self, *args, **kwargs).arguments["task"])
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


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
            self._embedder = embedder
            self._embedded: dict[str, list[float]] = {}
            self._embed_lock = threading.Lock()
            self.index_stale = False
            self._pending: dict[str, dict[str, Any]] = {}  # auction id -> logged record (with seq) to index
            # a shared index is read by other processes too: there every entry is written at once
            self._flusher = None if self.shared else Flusher(self._flush_in_background)
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
            self._flush_pending()
            return self._index

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._embed_lock:  # concurrent first retrievals load the model once
                if self._embedder is None:
                    self._embedder = Embedder()
        return self._embedder

    @_serialised
    def size(self) -> int:
        return self.log.count()

    @_serialised
    def max_seq(self) -> int:
        return self.log.max_seq()

    def add(self, record: dict[str, Any]) -> int:
        """Sign and log the auction (idempotent by ``auction_id``; durable when this returns), then index it unless
        one of its strategies is quarantined. Returns its sequence number."""
        reason = screen(record)
        if reason:
            record = {**record, "quarantine": reason}
        if self._flusher is None and not reason:
            self._embed(record["task"])  # before the lock (see _embeds_task_first)
        with self._lock:
            seq, inserted = self.log.add(sign(record, self._key))
            stored = record if inserted else self.log.get(record["auction_id"])
            if (inserted and not reason) or (not inserted and retrievable(stored, self._key)):
                self._index_guarded(stored, seq)  # a repeat (a resumed node) re-indexes what the log holds
            self._retain(seq)
            return seq

    def _index_guarded(self, record: dict[str, Any], seq: int) -> None:
        """Index a logged record. The log is the truth: if the index cannot take it now (a Chroma server down),
        warn and catch up from the log at the next write or retrieval, instead of failing the auction."""
        if self._flusher is not None:
            self._pending[record["auction_id"]] = {**record, "seq": seq}
            self._flusher.poke()
            return
        try:
            self._catch_up()
            self._index_record(record, seq)
        except Exception as exc:  # chromadb raises many transport error types
            self.index_stale = True
            warnings.warn(f"auction {record['auction_id']} is logged but not indexed yet (index at "
                          f"{self._index.where} unavailable: {_short(exc)}); it will be indexed from the log",
                          RuntimeWarning, stacklevel=3)

    def _flush_pending(self, upto: int | None = None) -> None:
        """Apply the waiting index entries in one upsert (all of them, if any has ``seq <= upto``; ``upto`` None:
        in any case). Called with the lock held. A failure leaves them to the next catch-up from the log."""
        if not self._pending or (upto is not None and min(r["seq"] for r in self._pending.values()) > upto):
            return
        records = list(self._pending.values())
        self._pending.clear()
        try:
            self._embed_many([r["task"] for r in records])
            self._catch_up()
            self._index.upsert_many([self._index_row(r, r["seq"]) for r in records])
        except Exception as exc:  # chromadb raises many transport error types
            self.index_stale = True
            warnings.warn(f"{len(records)} auction(s) logged but not indexed yet (index at {self._index.where} "
                          f"unavailable: {_short(exc)}); they will be indexed from the log", RuntimeWarning,
                          stacklevel=2)

    def _flush_in_background(self) -> None:
        """Embed the waiting tasks first, outside the lock (one batch), then apply them under it."""
        with self._lock:
            tasks = [r["task"] for r in self._pending.values()]
        self._embed_many(tasks)
        with self._lock:
            if not self._closed:
                self._flush_pending()

    def _catch_up(self) -> None:
        """Re-sync an index that missed writes while it was unreachable."""
        if self.index_stale:
            self.sync_index()
            self.index_stale = False

    def _retain(self, newest: int, full: bool = False) -> None:
        """Apply the retention policy after a write (``full``: on open, over the whole log): drop beyond
        ``max_entries``, digest beyond ``digest_after``."""
        policy = self.policy
        if policy.max_entries and self.log.count() > policy.max_entries:
            dropped = self.log.drop_beyond(policy.max_entries)
            try:
                self.index.delete(dropped)
            except Exception:  # the next sync removes them (strays); retrieval re-checks the log meanwhile
                self.index_stale = True
        if policy.digest_after:
            cutoff = newest - policy.digest_after
            for record in self.log.undigested_before(cutoff, since=0 if full else cutoff - 8):
                if retrievable(record, self._key):
                    self.log.replace_record(record["auction_id"], sign(digest(record), self._key))

    @_serialised
    def add_failure(self, auction_id: str, record: dict[str, Any]) -> None:
        from datetime import UTC, datetime

        self.log.add_failure(auction_id, datetime.now(UTC).isoformat(timespec="seconds"), record)

    @_serialised
    def failures(self) -> list[dict[str, Any]]:
        return self.log.failures()

    @_serialised
    def set_outcome(self, auction_id: str, outcome: dict[str, Any]) -> None:
        self.log.set_outcome(auction_id, outcome)

    @_serialised
    def record_outcome(self, auction_id: str, passed: bool) -> None:
        """Store whether the auction's answer passed (a bench's verifier, an application's feedback), signed,
        with the auction: retrieval shows it, and the adaptive policy never skips towards a failure."""
        if not isinstance(passed, bool):
            raise TypeError(f"passed must be True or False, not {passed!r}")
        verdict = {"passed": passed, "passed_signature": sign_outcome(auction_id, passed, self._key)}
        if not self.log.set_outcome(auction_id, verdict):
            raise KeyError(f"no auction {auction_id!r} in this memory (failed and skipped auctions have no record)")

    @_serialised
    def verdicts(self) -> list[dict[str, Any]]:
        """Every signed auction whose verified verdict is known, oldest first, the verdict as ``passed``: what
        online weight fitting (``sale.analysis.online``) learns from. A forged or unsigned verdict is left out."""
        trusted = (self._trust(record) for record in self.log.all())
        return [record for record in trusted if record is not None and record["passed"] is not None]

    @_serialised
    def get(self, auction_id: str) -> dict[str, Any] | None:
        return self.log.get(auction_id)

    @_serialised
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

    @_serialised
    def rebuild_index(self) -> int:
        self.index.reset()
        return self.sync_index()

    @_embeds_task_first
    def similar(self, task: str, k: int, max_seq: int) -> list[tuple[str, float]]:
        found = self._retrieve(task, k * 2, max_seq)
        return [(a, s) for a, s in found if retrievable(self.log.get(a), self._key)][:k]

    def _retrieve(self, task: str, k: int, max_seq: int, bidder: str | None = None) -> list[tuple[str, float]]:
        """Top-k by cosine similarity among auctions <= max_seq, within the policy's window, age-decayed. Raises
        :class:`MemoryUnavailableError` if the index cannot be reached."""
        embedding = self._embed(task)
        try:
            self._catch_up()
            return self._query(embedding, k, max_seq, bidder)
        except Exception as exc:
            raise MemoryUnavailableError(f"the auction index at {self._index.where} is unavailable: "
                                         f"{_short(exc)}") from None

    def _query(self, embedding: list[float], k: int, max_seq: int, bidder: str | None) -> list[tuple[str, float]]:
        policy = self.policy
        min_seq = max_seq - policy.window + 1 if policy.window else 0
        fetch = k * DECAY_POOL if policy.half_life else k
        self._flush_pending(upto=max_seq)  # entries newer than max_seq are filtered out anyway
        found = self._index.query(embedding, fetch, max_seq, bidder=bidder, min_seq=min_seq)
        if not policy.half_life:
            return found
        seqs = self._index.seqs([a for a, _ in found])
        rescored = [(a, s * policy.decay(max_seq - seqs.get(a, max_seq))) for a, s in found]
        return sorted(rescored, key=lambda x: -x[1])[:k]

    @_embeds_task_first
    def exemplars(self, agent: str, task: str, k: int, max_seq: int) -> list[Exemplar]:
        """Up to k (losing, winning) strategy pairs for ``agent``'s rebid from the earlier auctions most similar to
        ``task`` in which it bid (how they are chosen: exemplars.py)."""
        hits = self._retrieve(task, k * 3, max_seq, bidder=agent)
        return pick_exemplars(agent, k, hits, self._trusted)

    @_embeds_task_first
    def neighbours(self, task: str, k: int, max_seq: int) -> list[Neighbour]:
        """The k earlier auctions (seq <= max_seq) most similar to ``task``: winner, similarity, verified verdict."""
        return nearest(k, self._retrieve(task, k * 2, max_seq), self._trusted)

    @_embeds_task_first
    def near_records(self, task: str, k: int, max_seq: int) -> list[tuple[dict[str, Any], float]]:
        """The k earlier trusted auctions most similar to ``task``, whole, with their similarity."""
        return nearest_records(k, self._retrieve(task, k * 2, max_seq), self._trusted)

    def _trusted(self, auction_id: str) -> dict[str, Any] | None:
        return self._trust(self.log.get(auction_id))

    def _trust(self, record: dict[str, Any] | None) -> dict[str, Any] | None:
        """The record with its verified verdict as ``passed``, or None if it must never be retrieved."""
        return {**record, "passed": outcome_passed(record, self._key)} if retrievable(record, self._key) else None

    @_serialised
    def recent_jury(self, auctions: int) -> list[dict[str, int]]:
        """Jury scores ({juror: score}) of every ranked bid in the newest ``auctions`` signed records: the history
        that juror reliability is judged on (an unsigned or tampered row cannot frame an honest juror)."""
        out: list[dict[str, int]] = []
        for record in reversed(self.log.recent(auctions)):
            if retrievable(record, self._key):
                out.extend(dict(b["jury"]) for b in record["bids"]
                           if b.get("label") in ("win", "loss") and b.get("jury"))
        return out

    @_serialised
    def quarantine(self, auction_id: str, reason: str) -> bool:
        """Keep a record out of retrieval from now on (it stays in the log, marked and re-signed)."""
        record = self.log.get(auction_id)
        if record is None:
            return False
        self.log.replace_record(auction_id, sign({**record, "quarantine": reason}, self._key))
        self.index.delete([auction_id])
        return True

    @_serialised
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
        if self._flusher is not None:
            self._flusher.close()  # outside the lock: a flush under way takes it
        with self._lock:
            if self._closed:
                return
            self._flush_pending()
            self._closed = True
            self.log.close()
            if self._lock_fd >= 0:
                os.close(self._lock_fd)
                self._lock_fd = -1

    def _embed(self, task: str) -> list[float]:
        """One embedding per task text: an auction embeds its task for every refining agent and for the record,
        so the last few are kept. Safe from any thread, with or without the store's lock."""
        key = task[:EMBED_CHARS]
        with self._embed_lock:
            known = self._embedded.get(key)
        if known is not None:
            return known
        vector = self.embedder.embed([key])[0]
        self._remember([key], [vector])
        return vector

    def _embed_many(self, tasks: list[str]) -> None:
        """Put the tasks' embeddings in the cache, the missing ones in one forward pass."""
        keys = list(dict.fromkeys(t[:EMBED_CHARS] for t in tasks))
        with self._embed_lock:
            missing = [k for k in keys if k not in self._embedded]
        if missing:
            self._remember(missing, self.embedder.embed(missing))

    def _remember(self, keys: list[str], vectors: list[list[float]]) -> None:
        with self._embed_lock:
            for key, vector in zip(keys, vectors, strict=True):
                if len(self._embedded) >= EMBED_CACHE:
                    self._embedded.pop(next(iter(self._embedded)))
                self._embedded[key] = vector

    def _index_row(self, record: dict[str, Any], seq: int) -> tuple[str, str, list[float], int, list[str], str]:
        bidders = sorted({b["agent"] for b in record["bids"] if b.get("label") in ("win", "loss")})
        return (record["auction_id"], record["task"], self._embed(record["task"]), seq, bidders,
                record["winner_agent"])

    def _index_record(self, record: dict[str, Any], seq: int) -> None:
        self._index.upsert(*self._index_row(record, seq))


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:200]}"

