"""Every random draw of the simulated ladder: whether an agent solves a task alone, what its bids and the jury's
scores look like, the logprobs behind a bid's entropy.

Each draw comes from a generator keyed by seed and content (:func:`seeded_rng`), never by call order, so a run
is the same whatever the concurrency.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist
from typing import Any

import numpy as np

from sale.sim.params import BID_LENGTH, SimParams, pass_probability, position
from sale.suites.suite import BenchTask


@dataclass
class PlanInfo:
    """A plan the ladder wrote: whose, for which task, and whether executing it works."""

    agent: str
    task_id: str
    good: bool


def seeded_rng(*key: Any) -> np.random.Generator:
    digest = hashlib.sha256(json.dumps(key, default=str).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def norm_text(text: str) -> str:
    """Whitespace-insensitive key: prompts re-wrap the task and plan texts the world looks up."""
    return " ".join(text.split())


_STD = NormalDist()


def latent_success(seed: int, agent: str, task: BenchTask, rho: float) -> bool:
    """Whether ``agent`` solves ``task`` when it runs on its own: a shared task difficulty plus agent noise."""
    shared = seeded_rng(seed, "difficulty", task.id).standard_normal()
    own = seeded_rng(seed, "agent-noise", agent, task.id).standard_normal()
    x = rho * shared + math.sqrt(1 - rho * rho) * own
    return _STD.cdf(x) < task_pass_probability(agent, task)


def task_pass_probability(agent: str, task: BenchTask) -> float:
    """The paper's per-bin rates, on a programs task too (its bin k read as the paper's bin k): the real ladder
    (1.5B at most) passed none of them, and a simulated 32B that took the 1.5B's rate would fail every one. The
    long bins take only the executions' length from the real run (:func:`sale.sim.world.execution_shape`)."""
    return pass_probability(agent, task.domain, task.bin)


def bid_features(params: SimParams, agent: str, domain: str, good: bool, rng: np.random.Generator
                 ) -> tuple[int, float]:
    """(length in tokens, mean per-token entropy) of a plan."""
    evidence = params.signal_for(domain) * (1 if good else -1)
    length = int(max(12, round(BID_LENGTH.get(agent, 64) * (1 + 0.1 * rng.standard_normal()))))
    entropy = float(np.clip(0.85 + 0.2 * evidence + 0.12 * rng.standard_normal(), 0.05, 1.55))
    return length, entropy


def jury_score(params: SimParams, juror: str, info: PlanInfo | None, domain: str, rng: np.random.Generator) -> int:
    if info is None:
        return int(np.clip(round(2.0 + rng.standard_normal()), 0, 5))
    evidence = params.signal_for(domain) * (1 if info.good else -1)
    noise = params.jury_noise * (0.9 - 0.3 * position(juror)) * rng.standard_normal()
    raw = (2.6 + 1.3 * evidence + params.size_bias * (position(info.agent) - 0.5)
           + params.self_bias * (juror == info.agent) + noise)
    return int(np.clip(round(raw), 0, 5))


@cache
def _entropy_table(k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    betas = np.linspace(0.0, 12.0, 600)
    ranks = np.arange(k)
    hs = []
    for b in betas:
        q = np.exp(-b * ranks)
        q /= q.sum()
        hs.append(float(-(q * np.log(q)).sum()))
    return betas, np.array(hs)


def synthetic_logprobs(words: list[str], entropy: float, rng: np.random.Generator, k: int = 5) -> list[dict]:
    """Top-k logprobs per token whose renormalised entropies average ``entropy`` nats."""
    betas, hs = _entropy_table(k)
    out = []
    for word in words:
        h = float(np.clip(entropy + 0.15 * rng.standard_normal(), 0.0, hs[0] - 1e-6))
        beta = float(np.interp(h, hs[::-1], betas[::-1]))
        lps = [-beta * i - 0.05 for i in range(k)]
        out.append({"token": word, "logprob": lps[0],
                    "top_logprobs": [{"token": word if i == 0 else f"{word}~{i}", "logprob": lp}
                                     for i, lp in enumerate(lps)]})
    return out
