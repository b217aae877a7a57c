"""Grouped index writes: the auctions of concurrent requests reach the Chroma index in one upsert.

One upsert costs a local Chroma about 27 ms of wall time whatever it holds (its own SQLite commit), 2 ms a record
in a batch of 16, and the store's lock is held meanwhile; the log write (the truth) costs under 1 ms. So the log is
written at once and the index entry waits here: a background thread applies what is waiting shortly after the first
write of a burst, and every read of the index applies it first, so no query ever misses a logged auction. A crash
loses only waiting entries, which the log still holds: opening the memory indexes them again (``sync_index``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

FLUSH_DELAY_S = 0.02


class Flusher:
    """Calls ``flush`` on a background thread ``delay_s`` after :meth:`poke`, once per burst of pokes."""

    def __init__(self, flush: Callable[[], None], delay_s: float = FLUSH_DELAY_S) -> None:
        self._flush, self._delay = flush, delay_s
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
                if self._stopped:
                    return
                self._wake.wait(self._delay)  # let the rest of the burst arrive
                self._poked = False
                if self._stopped:
                    return
            self._flush()
