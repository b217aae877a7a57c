"""Grouped index writes: the auctions of concurrent requests reach the Chroma index in one upsert.

One upsert costs a local Chroma about 27 ms of wall time whatever it holds (its own SQLite commit), 2 ms a record
in a batch of 16, and the store's lock is held meanwhile; the log write (the truth) costs under 1 ms. So the log is
written at once and the index entry waits here: a background thread applies what is waiting shortly after the first
write of a burst, and every read of the index applies it first, so no query ever misses a logged auction. A crash
loses only waiting entries, which the log still holds: opening the memory indexes them again (``sync_index``).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

FLUSH_DELAY_S = 0.02

Record = dict[str, Any]


class Flusher:
    """Calls ``flush`` on a background thread ``delay_s`` after :meth:`poke`, once per burst of pokes."""

    def __init__(self, flush: Callable[[], None], delay_s: float | None = None) -> None:
        self._flush = flush
        self._delay = FLUSH_DELAY_S if delay_s is None else delay_s
        self._wake = threading.Condition()
        self._poked = self._stopped = False
        self._thread: threading.Thread | None = None

    def poke(self) -> None:
        with self._wake:
            if self._stopped:
                return
            self._poked = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sale-index-flush", daemon=True)
                self._thread.start()
            self._wake.notify()

    def close(self) -> None:
        """Stop the thread (waiting for a flush under way); the caller applies whatever is still waiting."""
        with self._wake:
            self._stopped = True
            self._wake.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not (self._poked or self._stopped):
                    self._wake.wait()
                deadline = time.monotonic() + self._delay  # let the rest of the burst arrive: its pokes wait too
                while not self._stopped and (left := deadline - time.monotonic()) > 0:
                    self._wake.wait(left)
                self._poked = False
                if self._stopped:
                    return
            try:
                self._flush()
            except Exception as exc:  # a failed pass must not end the flusher: what waits is written next round
                warnings.warn(f"the background index flush failed ({exc!r}); its entries wait for the next write "
                              "or retrieval", RuntimeWarning, stacklevel=1)


class WaitingEntries:
    """Logged records (with their ``seq``) whose index entries wait to be written together.

    ``apply`` writes a group to the index; ``prepare`` does its slow part (embedding the tasks) on the background
    thread before the lock is taken. Everything but :meth:`stop` runs with ``lock`` (the store's) held. Not
    ``grouped`` (a shared index, which other processes read at once), every entry is written when it is put.
    """

    def __init__(self, lock: Any, prepare: Callable[[list[str]], object], apply: Callable[[list[Record]], None],
                 grouped: bool = True) -> None:
        self._lock = lock
        self._prepare, self._apply = prepare, apply
        self._records: dict[str, Record] = {}
        self._flusher = Flusher(self._in_background) if grouped else None

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, auction_id: object) -> bool:
        return auction_id in self._records

    def put(self, record: Record, seq: int) -> None:
        self._records[record["auction_id"]] = {**record, "seq": seq}
        if self._flusher is None:
            self.flush()
        else:
            self._flusher.poke()

    def flush(self, upto: int | None = None) -> None:
        """Write the waiting entries with ``seq <= upto`` (``upto`` None: all of them) in one group; the newer ones
        a retrieval bounded by ``upto`` cannot see stay for the background flush."""
        ids = [i for i, r in self._records.items() if upto is None or r["seq"] <= upto]
        if ids:
            self._apply([self._records.pop(i) for i in ids])

    def stop(self) -> None:
        """Stop the background thread, waiting for a flush under way (call it without the lock: that flush takes
        it); what still waits is written by the next :meth:`flush`."""
        if self._flusher is not None:
            self._flusher.close()

    def _in_background(self) -> None:
        """Embed what waits, then write exactly that under the lock: an entry that arrived meanwhile waits for the
        next round (its put poked the flusher again), so no forward pass ever runs with the store's lock held."""
        with self._lock:
            ids = list(self._records)
            tasks = [self._records[i]["task"] for i in ids]
        self._prepare(tasks)
        with self._lock:
            ready = [self._records.pop(i) for i in ids if i in self._records]
            if ready:
                self._apply(ready)
