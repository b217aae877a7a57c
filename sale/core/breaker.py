"""Per-agent circuit breakers: stop calling an endpoint that keeps failing, probe it again later.

closed --(``threshold`` consecutive failed calls)--> open --(``cooldown_s`` elapsed)--> half-open
half-open: one probe call is let through; success closes the breaker, failure opens it again.

Breakers live as long as the process that runs auctions (the CLI, ``sale serve``, ``langgraph dev``): they are
passed in the context (``breakers``) or created once per process by :func:`graphs.live.breakers_of`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class Breaker:
    threshold: int = 3
    cooldown_s: float = 30.0
    failures: int = 0
    opened_at: float | None = None
    probing: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allow(self, now: float | None = None) -> bool:
        """May a call go out now? In half-open state only one probe at a time is allowed."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self.opened_at is None:
                return True
            if now - self.opened_at < self.cooldown_s or self.probing:
                return False
            self.probing = True
            return True

    def record(self, ok: bool, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self.probing = False
            if ok:
                self.failures, self.opened_at = 0, None
                return
            self.failures += 1
            if self.opened_at is not None or self.failures >= self.threshold:
                self.opened_at = now

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if time.monotonic() - self.opened_at >= self.cooldown_s else "open"


class Breakers:
    """One breaker per agent name."""

    def __init__(self, threshold: int = 3, cooldown_s: float = 30.0) -> None:
        self.threshold, self.cooldown_s = threshold, cooldown_s
        self._by_agent: dict[str, Breaker] = {}
        self._lock = threading.Lock()

    def get(self, agent: str) -> Breaker:
        with self._lock:
            if agent not in self._by_agent:
                self._by_agent[agent] = Breaker(self.threshold, self.cooldown_s)
            return self._by_agent[agent]
