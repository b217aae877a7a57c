"""Plan entropy H(s): the paper's model-internal value signal, computed from generation logprobs.

For each generated token t the endpoint returns the top-k alternatives with log-probabilities l_1..l_k. We
renormalise them over the k returned candidates,

    q_i = exp(l_i) / sum_j exp(l_j),            H_t = -sum_i q_i * ln(q_i)   (nats, 0 <= H_t <= ln k)

and the bid's entropy is the mean over its tokens, H(s) = (1/|s|) * sum_t H_t. Renormalising makes H comparable
across endpoints that return different probability mass in their top-k, and bounded by ln k.

Missing logprobs (the endpoint ignored the request, or returned an empty list) give H = 0 with a flag. Since a
larger H raises a bid's value (V = w_h * H + jury), 0 is the least a bid can get: withholding logprobs can never
help a bid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MISSING_ENTROPY = 0.0


@dataclass(frozen=True)
class EntropyResult:
    value: float
    tokens: int
    missing: bool
    top_k: int


def token_entropy(top_logprobs: Sequence[float]) -> float:
    """Entropy (nats) of one position's renormalised top-k distribution."""
    finite = [lp for lp in top_logprobs if lp is not None and math.isfinite(lp)]
    if not finite:
        return 0.0
    peak = max(finite)
    weights = [math.exp(lp - peak) for lp in finite]
    total = sum(weights)
    h = 0.0
    for w in weights:
        q = w / total
        if q > 0:
            h -= q * math.log(q)
    return h


def plan_entropy(logprob_content: Sequence[dict[str, Any]] | None) -> EntropyResult:
    """Mean per-token entropy of a completion from an OpenAI-style ``logprobs.content`` list."""
    if not logprob_content:
        return EntropyResult(MISSING_ENTROPY, 0, True, 0)
    per_token = []
    top_k = 0
    for entry in logprob_content:
        alternatives = entry.get("top_logprobs") or []
        values = [a.get("logprob") for a in alternatives if isinstance(a, dict)]
        if not values and entry.get("logprob") is not None:
            values = [entry["logprob"]]
        top_k = max(top_k, len(values))
        per_token.append(token_entropy([v for v in values if isinstance(v, int | float)]))
    if not per_token or top_k <= 1:
        # One candidate per position carries no distribution: treat as missing, never as certainty-based value.
        return EntropyResult(MISSING_ENTROPY, len(per_token), True, top_k)
    return EntropyResult(sum(per_token) / len(per_token), len(per_token), False, top_k)
