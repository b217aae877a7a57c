"""What ``sale bench`` is asked to do (``BenchConfig``), and the checks that turn bad options into one
``BenchError`` naming every problem."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from sale.bench import routers as R
from sale.core.cost import check_jury_signal
from sale.core.deliverable import EXECUTIONS
from sale.core.domains import Domain
from sale.core.prompts import check_prompt_settings
from sale.core.tasks import DOMAINS
from sale.sim.params import SIM_POOL, SimParams

ONLINE_ROUTER = "sale-online"
AUCTION_ROUTERS = ("sale", "sale-nomem", "sale-learned", "sale-adaptive", ONLINE_ROUTER, "sale-cascade",
                   "sale-cascade-tests", "sale-cascade-loop", "sale-reliable")
DEFAULT_ROUTERS = ("sale", "sale-nomem", "single:largest", "wtp", "carrot", "to-router", "frugalgpt", "oracle")
KNOWN = (*AUCTION_ROUTERS, *R.PREDICTIVE, "oracle")


class BenchError(ValueError):
    """Bad benchmark options; the message names the problem."""


@dataclass
class BenchConfig:
    suite: str = "deep-search"
    pool: str = ""
    """A TOML pool file, ``sim:qwen3-ladder``, or empty for the embedded local pool."""
    routers: tuple[str, ...] = DEFAULT_ROUTERS
    seed: int = 0
    size: int = 100
    limit: int | None = None
    orders: int = 1
    out: Path = Path("bench-out")
    train_share: float = 0.4
    signals: tuple[float, ...] = ()
    budget_biases: tuple[float, ...] = ()
    target_quality: float = 0.95
    weights_file: str = ""
    jury_mode: str = "paper"
    corpus: str = ""
    replay: Path | None = None
    reuse: Path | None = None
    """An earlier run's directory: identical model calls are served from its recording, the rest are made."""
    keep_failures: bool = False
    """With ``reuse``: the recording's failed calls fail again instead of being asked anew."""
    judge: str = ""
    concurrency: int = 0
    jury_batch: bool = False
    jury_signal: str = "integer"
    jury_reason: bool = False
    jury_layout: str = "paper"
    rebid_exemplars: str = "full"
    memory_policy: str = ""
    """SALE's memory retention (memory_store/policy.py); empty = unbounded."""
    refine_min_similarity: float = 0.0
    """SALE's rebid needs a past auction at least this similar (context ``refine_min_similarity``); 0 = the paper."""
    refit_every: int = 5
    """``sale-online`` refits its weights from the verdicts in its memory after every this many of them."""
    max_steps: int = 0
    """Executor model calls per task (0 = 24 for the simulated pool, 6 for real ones; on a real pool a ``programs``
    task gets 2 + 2 x bin, which a value here caps)."""
    execution: str = "auto"
    """The executor's mode (context ``execution``): ``auto`` drafts coding answers in one call, ``react`` always
    runs the loop."""
    domain: str = ""
    """Every task's domain (coding, deep_search, or one of ``domains``); empty = each task's own (its suite
    row's, else the rule)."""
    domains: tuple[Domain, ...] = ()
    """Registered domains (from Python, docs/domains.md): suite rows and ``domain`` may name them."""
    sim: SimParams = field(default_factory=SimParams)
    progress: bool = True


def check_config(cfg: BenchConfig) -> None:
    problems = []
    for r in cfg.routers:
        if r not in KNOWN and not r.startswith(("single:", "direct:")):
            problems.append(f"unknown router {r!r} (known: {', '.join(KNOWN)}, single:NAME, single:largest, "
                            "direct:NAME, direct:largest)")
    if cfg.orders < 1:
        problems.append("--orders must be >= 1")
    if cfg.limit is not None and cfg.limit < 2:
        problems.append("--limit must be >= 2 (one task to train on, one to test)")
    if not 0 <= cfg.train_share < 1:
        problems.append("--train-share must be in [0, 1)")
    if cfg.signals and cfg.pool != SIM_POOL:
        problems.append("--signal sweeps need --pool sim:qwen3-ladder (it sets the simulated agents' signal)")
    if not 0 < cfg.target_quality <= 1.5:
        problems.append("--target-quality must be in (0, 1.5]")
    if "sale-learned" in cfg.routers and cfg.train_share <= 0:
        problems.append("router sale-learned fits its weights on the train split: --train-share must be > 0")
    if cfg.budget_biases and cfg.train_share <= 0:
        problems.append("--sweep budget_bias calibrates on the train split: --train-share must be > 0")
    if cfg.refit_every < 1:
        problems.append("--refit-every must be >= 1")
    if not 0 <= cfg.refine_min_similarity <= 1:
        problems.append("--refine-min-similarity must be in [0, 1]")
    if cfg.execution not in EXECUTIONS:
        problems.append(f"unknown execution {cfg.execution!r} ({', '.join(EXECUTIONS)})")
    if cfg.replay is not None and cfg.reuse is not None:
        problems.append("--reuse calls models where the recording has no reply; --replay never does: pick one")
    if cfg.keep_failures and cfg.reuse is None:
        problems.append("--keep-failures only applies with --reuse DIR")
    known = (*DOMAINS, *(d.name for d in cfg.domains if d.name not in DOMAINS))
    if cfg.domain and cfg.domain not in known:
        problems.append(f"unknown domain {cfg.domain!r} ({', '.join(known)})")
    for check, settings in ((check_jury_signal, (cfg.jury_signal, cfg.jury_batch)),
                            (check_prompt_settings, (cfg.jury_layout, cfg.rebid_exemplars))):
        try:
            check(*settings)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise BenchError("\n".join(problems))


def parse_floats(text: str, name: str) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise BenchError(f"{name}: expected comma-separated numbers, got {text!r}") from None
    if not values or not all(math.isfinite(v) and v >= 0 for v in values):
        raise BenchError(f"{name}: expected finite numbers >= 0, got {text!r}")
    return values
