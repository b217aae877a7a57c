"""Runtime settings of one auction (LangGraph's context schema): Studio edits these, code passes them in.

Plain fields are what Studio shows. ``pool``, ``memory`` and ``model_factory`` let Python callers inject live
objects (a :class:`sale.pool.Pool`, an open :class:`memory_store.AuctionMemory`, a chat-model factory); when
they are unset the plain fields decide, and with no pool at all the embedded local pool is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sale.cost import Weights


@dataclass(kw_only=True)
class AuctionContext:
    pool_file: str = ""
    """TOML pool file; empty = the embedded local pool (two bundled models served by llama.cpp)."""
    memory_dir: str = ""
    """Auction memory directory; empty = the per-user data directory."""
    memory_log_url: str = ""
    """Shared memory: the log in PostgreSQL (`postgresql://...`); empty = `$SALE_MEMORY_LOG_URL`, else the
    directory's SQLite log. Needs `memory_index_url`."""
    memory_index_url: str = ""
    """Shared memory: the index on a Chroma server (`http://host:port[/collection]`); empty =
    `$SALE_MEMORY_INDEX_URL`, else the directory's own index."""
    memory_policy: str = ""
    """Retention, e.g. `max_entries=10000,half_life=500` (also `window`, `digest_after`); empty = unbounded.
    See memory_store/policy.py."""
    weight_cost: float = 0.1
    weight_entropy: float = 1.0
    weight_jury: float = 1.0
    juror_weights: dict[str, float] = field(default_factory=dict)
    weights_file: str = ""
    """Learned weights (JSON with a `weights` object); overrides the three weights above when set."""
    jury_mode: str = "paper"
    """Jury aggregation: `paper` (weighted sum, self-scores included), `peer` (no self-scores), `median`,
    `trimmed` (mean without the extremes), `consensus` (drop the juror furthest from its peers' median, then
    peer). All but `paper` are robust modes."""
    juror_history: int = 0
    """Robust modes: past auctions (from memory, signed records only) whose jury scores decide which jurors to
    trust; a juror whose scores correlate <= 0 with the other jurors' median over at least 20 past bids is
    dropped. 0 = off."""
    juror_weight_cap: float = 1.0
    """Largest share of the jury weight any one juror may hold (1.0 = no cap)."""
    entropy_range: list[float] = field(default_factory=list)
    """[low, high]: clip H to this calibration range before weighting (empty = no clipping)."""
    budget_bias: float = 1.0
    """The cost-quality knob: multiplies the cost term against the value terms (0 = quality only, >1 = cheaper)."""
    route_only: bool = False
    """Stop after `select_final`: record the auction, return winner, plan and scores, execute nothing."""
    k: int = 8
    """Past auctions retrieved per refining agent."""
    refine: bool = True
    top_logprobs: int = 5
    bid_max_tokens: int = 160
    bid_max_words: int = 80
    jury_max_tokens: int = 16
    jury_reason: bool = False
    """Jurors write one short sentence of reasoning before the score (`{"reason", "score"}`, parsed as strictly):
    better judgments from small models, at the cost of more auction tokens."""
    jury_reason_max_tokens: int = 160
    jury_batch: bool = False
    """One call per juror scoring all of a round's bids (`{"scores": [...]}`), instead of one call per bid and
    juror: N calls per round instead of N^2, with the task sent once per juror. Off by default (the paper's jury)."""
    exec_max_tokens: int = 512
    bid_deadline_s: float = 120.0
    jury_deadline_s: float = 120.0
    execute_deadline_s: float = 600.0
    """Deadline of each executor model call."""
    max_steps: int = 6
    """Executor model calls before it must stop (the last reply is then the answer, marked)."""
    exec_token_budget: int = 6000
    """Executor tokens (prompt + completion, counted locally) before it must stop."""
    domain: str = "auto"
    """The task's domain, which picks the executor's tools: `coding` (Python), `deep_search` (search and
    Python), or `auto` (the rule in `sale.tasks.task_domain`: a task that asks for code is coding)."""
    search_backend: str = "ddgs"
    """Web search for the executor: `ddgs` (live) or `bm25` (offline, over `search_corpus`)."""
    search_corpus: str = ""
    python_timeout_s: float = 10.0
    sandbox_allow_weak: bool = False
    """Allow the Python tool to run without namespaces where bubblewrap cannot (loud warning)."""
    tool_prices: dict[str, float] = field(default_factory=lambda: {"python": 0.00002, "search": 0.005})
    """USD per tool call, counted in the task's execution cost."""
    breakers: Any = None
    """Per-agent circuit breakers (sale.breaker.Breakers); one set per process when unset."""
    breaker_threshold: int = 3
    """Consecutive failed calls that open an agent's circuit (it is then skipped until the cooldown)."""
    breaker_cooldown_s: float = 30.0
    search: Any = None
    """A search backend object (see tools/search.py); wins over `search_backend` when set."""
    fallback: str = "next_best"
    """If the winner's endpoint fails while executing: `next_best` (next-ranked bid takes over) or `none`."""
    pool: Any = None
    memory: Any = None
    model_factory: Any = None

    def weights(self) -> Weights:
        """The scoring weights, with ``budget_bias`` applied to the cost weight."""
        if self.weights_file:
            base = Weights.from_file(self.weights_file)
        else:
            base = Weights(cost=self.weight_cost, entropy=self.weight_entropy, jury=self.weight_jury,
                           jurors=dict(self.juror_weights))
        if self.budget_bias == 1.0:
            return base
        return replace(base, cost=base.cost * self.budget_bias)
