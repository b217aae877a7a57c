"""Runtime settings of one auction (LangGraph's context schema): Studio edits these, code passes them in.

Plain fields are what Studio shows. ``pool``, ``memory`` and ``model_factory`` let Python callers inject live
objects (a :class:`sale.pool.Pool`, an open :class:`memory_store.AuctionMemory`, a chat-model factory); when
they are unset the plain fields decide, and with no pool at all the embedded local pool is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sale.cost import Weights


@dataclass(kw_only=True)
class AuctionContext:
    pool_file: str = ""
    """TOML pool file; empty = the embedded local pool (two bundled models served by llama.cpp)."""
    memory_dir: str = ""
    """Auction memory directory; empty = the per-user data directory."""
    weight_cost: float = 0.1
    weight_entropy: float = 1.0
    weight_jury: float = 1.0
    juror_weights: dict[str, float] = field(default_factory=dict)
    weights_file: str = ""
    """Learned weights (JSON with a `weights` object); overrides the three weights above when set."""
    k: int = 8
    """Past auctions retrieved per refining agent."""
    refine: bool = True
    top_logprobs: int = 5
    bid_max_tokens: int = 160
    bid_max_words: int = 80
    jury_max_tokens: int = 16
    exec_max_tokens: int = 512
    bid_deadline_s: float = 120.0
    jury_deadline_s: float = 120.0
    execute_deadline_s: float = 600.0
    pool: Any = None
    memory: Any = None
    model_factory: Any = None

    def weights(self) -> Weights:
        if self.weights_file:
            return Weights.from_file(self.weights_file)
        return Weights(cost=self.weight_cost, entropy=self.weight_entropy, jury=self.weight_jury,
                       jurors=dict(self.juror_weights))
