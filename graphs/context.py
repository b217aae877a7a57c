"""What one auction runs with (LangGraph's context schema): settings, and the live objects a caller injects.

``AuctionContext``'s fields are settings: plain, serialisable values with a description each, which Studio
renders and edits and a deployment passes as JSON. Objects that cannot be settings (an open memory, a pool built
in code, a chat-model factory, a search backend, circuit breakers) travel in one typed :class:`Live` object,
``AuctionContext(live=Live(pool=..., memory=...))``; Studio never sees it. Whatever ``live`` leaves unset is
opened from the settings once per process (:mod:`graphs.live`); with no pool at all, the embedded local pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from pydantic import ConfigDict
from pydantic.json_schema import SkipJsonSchema

from memory_store import AuctionMemory
from sale.core.breaker import Breakers
from sale.core.calls import ModelFactory
from sale.core.cost import Weights
from sale.core.domains import Domain
from sale.core.pool import Pool
from tools.search import SearchBackend


@dataclass(kw_only=True)
class Live:
    """Live objects injected by a Python caller; each unset one is opened from the settings instead."""

    __pydantic_config__ = ConfigDict(arbitrary_types_allowed=True)

    pool: Pool | None = None
    """Agents to auction among; wins over `pool_file`."""
    memory: AuctionMemory | None = None
    """An open auction memory; wins over the `memory_*` settings."""
    model_factory: ModelFactory | None = None
    """Builds the chat model for an agent (tests and the simulator script models this way)."""
    search: SearchBackend | None = None
    """A search backend (see tools/search.py); wins over `search_backend`."""
    breakers: Breakers | None = None
    """Per-agent circuit breakers; one set per process when unset."""
    domains: Sequence[Domain] = ()
    """User domains (sale.core.domains.Domain), next to the shipped `coding` and `deep_search`; a task names one
    by its name (context `domain`, the input's `domain`) or `auto` picks one (docs/domains.md)."""


@dataclass(kw_only=True)
class AuctionContext:
    __pydantic_config__ = ConfigDict(use_attribute_docstrings=True)

    # -- where the agents and the memory are
    pool_file: str = ""
    """TOML pool file; empty = the embedded local pool (three bundled models served by llama.cpp)."""
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

    # -- scoring: C - V
    weight_cost: float = 0.1
    """Weight of the cost term C (price x plan length)."""
    weight_entropy: float = 1.0
    """Weight of the plan's entropy H in the value term V."""
    weight_jury: float = 1.0
    """Weight of the jury's aggregated score in V."""
    juror_weights: dict[str, float] = field(default_factory=dict)
    """Per-juror weights inside the jury term, by agent name (unset jurors weigh 1)."""
    weights_file: str = ""
    """Learned weights (JSON with a `weights` object); overrides the three weights above when set."""
    entropy_range: list[float] = field(default_factory=list)
    """[low, high]: clip H to this calibration range before weighting (empty = no clipping)."""
    budget_bias: float = 1.0
    """The cost-quality knob: multiplies the cost term against the value terms (0 = quality only, >1 = cheaper)."""

    # -- the jury
    jury_mode: str = "paper"
    """Jury aggregation: `paper` (weighted sum, self-scores included), `peer` (no self-scores), `median`,
    `trimmed` (mean without the extremes), `consensus` (drop the juror furthest from its peers' median, then
    peer). All but `paper` are robust modes."""
    juror_history: int = 0
    """Robust modes: past auctions (from memory, signed records only) whose jury scores decide which jurors to
    trust; a juror whose scores correlate <= 0 with the other jurors' median over at least 20 past bids is
    dropped. 0 = off."""
    juror_reliability: int = 0
    """Past auctions with a verified verdict (from memory, signed records only, earlier than this one) to learn
    each juror's reliability from: the AUC of its score of the executed bid for the verdict. A constant juror, or
    one below AUC 0.6 over at least 20 outcomes (5 passed, 5 failed), is dropped and not called; the others weigh
    2 x AUC - 1 (1 below that sample: cold start). Any jury mode; the result's `juror_reliability` says who
    counted and why (docs/scoring.md). 0 = off."""
    juror_weight_cap: float = 1.0
    """Largest share of the jury weight any one juror may hold (1.0 = no cap)."""
    jury_signal: str = "integer"
    """What a juror's reply becomes: `integer` (the paper: the digit it wrote), `expected` (its expected score
    over 0..5 from the probabilities it gave each digit), `verdict` (it predicts pass or fail; 5 x P(pass)).
    The last two read logprobs and fall back to the written reply without them; not with `jury_batch`."""
    jury_reason: bool = False
    """Jurors write one short sentence of reasoning before the score (`{"reason", "score"}`, parsed as strictly):
    better judgments from small models, at the cost of more auction tokens."""
    jury_batch: bool = False
    """One call per juror scoring all of a round's bids (`{"scores": [...]}`), instead of one call per bid and
    juror: N calls per round instead of N^2, with the task sent once per juror. Off by default (the paper's jury)."""
    jury_layout: str = "paper"
    """Jury prompt layout: `paper` (the paper's prompts, byte for byte) or `shared_prefix` (the reply instruction
    ahead of the bid, so one juror's calls on a task share all but the bid and prefix caches serve the rest)."""
    jury_max_tokens: int = 16
    """Completion tokens of a jury reply (score only)."""
    jury_reason_max_tokens: int = 160
    """Completion tokens of a jury reply with `jury_reason`."""
    jury_deadline_s: float = 120.0
    """Deadline of each jury call."""

    # -- bids and the refinement round
    bid_max_tokens: int = 160
    """Completion tokens of a bid (also capped by the agent's own `max_tokens`)."""
    bid_max_words: int = 80
    """The plan length a bid is asked to stay within."""
    top_logprobs: int = 5
    """Alternatives per token read from the endpoint to estimate the plan's entropy."""
    bid_deadline_s: float = 120.0
    """Deadline of each bid or rebid call."""
    rebid_exemplars: str = "full"
    """How a rebid quotes past auctions: `full` (the paper: whole strategies) or `digest` (each strategy's first
    30 words; past tasks whole): fewer rebid tokens."""
    refine: bool = True
    """Hold the refinement round (agents cheaper than the provisional winner rebid with past auctions)."""
    k: int = 8
    """Past auctions retrieved per refining agent."""
    refine_min_similarity: float = 0.0
    """A cheaper agent rebids only if one of its retrieved past auctions is at least this similar to the task
    (cosine, 0..1): no rebid, and no rejury, when memory holds nothing close enough to learn from. 0 = always
    rebid when memory holds any auction it bid in (the paper)."""

    # -- adaptive auction (beyond the paper): skip the auction when memory already knows the answer
    auction_policy: str = "always"
    """`always` holds the full auction for every task (the paper). `adaptive` first looks up the task's nearest
    past auctions (one embedding lookup, no model call): if the nearest `skip_neighbours` are all at least
    `skip_similarity` similar, were all won by the same agent, and none is known to have failed, that agent
    executes the task directly (the result's `auction_skipped` says why and which auctions); otherwise, or when
    the exploration draw says so, the full auction runs and is recorded. `cascade` (beyond the paper, for tasks
    one call can answer): each agent's P(pass) on the task comes from its verified work on the nearest past
    auctions; the cheapest credible agent drafts the answer first and a check juror runs the draft against the
    examples the task shows (in the sandbox); a verified pass ends the auction and is the answer, a failure
    escalates to the next agent (docs/cascade.md)."""
    skip_similarity: float = 0.9
    """Adaptive policy: the cosine similarity every one of the nearest past auctions must reach (near-duplicates
    of the task, not merely the same topic)."""
    skip_neighbours: int = 3
    """Adaptive policy: how many nearest past auctions must agree (one lucky win is not evidence)."""
    skip_needs_outcome: bool = False
    """Adaptive policy: also require every one of them to have a recorded verdict that passed
    (`AuctionMemory.record_outcome`); by default an unknown verdict does not block a skip, a failed one does."""
    skip_exploration: float = 0.1
    """Adaptive policy: share of would-be skips that hold the auction anyway, so memory keeps learning whether the
    agreed agent is still the right one. Drawn from a hash of `skip_seed` and the task, never from a global RNG:
    the same task and seed always decide the same way."""
    skip_seed: int = 0
    """Adaptive policy: the seed of the exploration draw."""
    cascade_neighbours: int = 8
    """Cascade: past auctions (the most similar to the task) each agent's P(pass) and expected cost are read from."""
    cascade_prior: float = 0.5
    """Cascade: P(pass) of an agent with no verified work near the task (the Beta prior's mean)."""
    cascade_prior_weight: float = 2.0
    """Cascade: how many verified past auctions the prior weighs as (small = memory takes over quickly)."""
    cascade_prior_from_record: bool = True
    """Cascade: each agent's prior is its own record (its pass rate over the newest auctions with a verdict, itself
    on `cascade_prior`), not `cascade_prior` alone: an agent that never passes stops drafting on cost alone, however
    few of its failures are among a task's nearest neighbours."""
    cascade_trust_unchecked: float = 0.8
    """Cascade: a draft the check cannot verify (the task shows no runnable example) ends the auction only if its
    agent's P(pass) reaches this; otherwise the next agent drafts. Unverifiable tasks go to the dearest agent
    unless a cheaper one has earned this trust."""
    cascade_trust_checked: float = 0.8
    """Cascade: a cheaper agent's draft that passed the task's examples ends the auction only if P(right | pass)
    reaches this: its P(pass) on the task and how often its visible passes held up against verdicts in memory
    (Bayes; an agent whose passes were wrong, or that rarely passes, is not trusted and does not draft)."""
    cascade_retries: int = 1
    """Cascade: second chances per agent after a failed check (a redraft shown the failure and verified drafts of
    similar past tasks from memory) before escalating, the last agent's included when `cascade_last_resort` is
    `deliver`. 0 = escalate at once."""
    cascade_redraft_layout: str = "task_last"
    """Cascade: the redraft's last message. `task_last`: the past tasks' verified answers, what the check found,
    then the task again. `examples_last`: the past answers last, as recordings made before 2026-12-07 ran (small
    models then answered the past task instead; kept so those recordings replay)."""
    cascade_last_resort: str = "deliver"
    """Cascade: what becomes of the last agent's draft when it fails its check. `deliver`: after its second
    chances, it is the answer, marked as failing the task's examples (one-shot tasks: the tool loop rarely fixes
    what a redraft did not). `loop`: the executor's ReAct loop starts from it and what the check found (long
    tasks, where running and fixing is the work). A draft that delivers no answer goes to the loop either way."""
    cascade_tests: bool = False
    """Cascade: where the task shows no runnable example, the dearest agent first writes a few asserts for it (one
    call, charged to the auction) and every draft is checked against them instead (CodeT-style). Off: such tasks
    go to the dearest agent unless a cheaper one has earned `cascade_trust_unchecked`."""
    cascade_exploration: float = 0.1
    """Cascade: share of tasks on which an agent whose expected saving does not cover its cost drafts anyway, so
    its estimate keeps learning (a deterministic draw from `skip_seed`, the task and the agent)."""
    route_only: bool = False
    """Stop after `select_final`: record the auction, return winner, plan and scores, execute nothing."""

    # -- the executor
    domain: str = "auto"
    """The task's domain (its prompts, the executor's tools, cost terms, verifier): `coding` (Python),
    `deep_search` (search and Python), a domain registered in `live.domains`, or `auto` (a registered domain that
    claims the task, else a task that asks for code is coding, else deep_search). An input `domain` wins."""
    execution: str = "auto"
    """How the winner executes: `auto` answers in one call (a draft, no tools) where the task's domain can deliver
    that way (`coding`) and keeps the draft if it delivers and passes the domain's check (the task's own examples,
    run in the sandbox), else runs the ReAct loop; `react` always runs the loop (the paper). Simulated pools
    always run the loop: the simulator models the paper's executor."""
    check_final_answers: bool = True
    """Before the executor's loop accepts a Final Answer, it runs it through the domain's check (for code: the
    examples or example tests the task shows, in the sandbox); a failure is fed back as an observation and the
    loop goes on, as a developer runs the tests before handing in. The last step a budget allows is never held
    back. Off: the first Final Answer stands (the executor of recordings made before this setting). Simulated
    pools never check: the simulator models the paper's executor."""
    max_steps: int = 6
    """Executor model calls before it must stop (the last one asks for the final deliverable, no tools)."""
    exec_token_budget: int = 6000
    """Executor tokens (prompt + completion, counted locally) before it must stop."""
    exec_max_tokens: int = 512
    """Completion tokens of each executor model call."""
    execute_deadline_s: float = 600.0
    """Deadline of each executor model call."""
    fallback: str = "next_best"
    """If the winner's endpoint fails while executing: `next_best` (next-ranked bid takes over) or `none`."""

    # -- the executor's tools
    search_backend: str = "ddgs"
    """Web search for the executor: `ddgs` (live) or `bm25` (offline, over `search_corpus`)."""
    search_corpus: str = ""
    """Folder of `.txt`/`.md`/`.jsonl` documents the `bm25` backend ranks."""
    python_timeout_s: float = 10.0
    """Wall-clock limit of one sandboxed Python call."""
    sandbox_allow_weak: bool = False
    """Allow the Python tool to run without namespaces where bubblewrap cannot (loud warning)."""
    tool_prices: dict[str, float] = field(default_factory=lambda: {"python": 0.00002, "search": 0.005})
    """USD per tool call, counted in the task's execution cost."""

    # -- reliability
    breaker_threshold: int = 3
    """Consecutive failed calls that open an agent's circuit (it is then skipped until the cooldown)."""
    breaker_cooldown_s: float = 30.0
    """Seconds an open circuit stays open before the agent is tried again."""

    live: SkipJsonSchema[Live] = field(default_factory=Live)
    """Injected live objects (not a setting; Studio does not show it)."""

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
