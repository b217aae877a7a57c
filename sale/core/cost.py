"""Cost, value and the auction score of a bid (the paper's Eq. for C_i and V_i).

    C_i = w_c * price(a_i) * |s_i|                 price in USD per million tokens, |s_i| counted locally
    V_i = w_h * H(s_i) + sum_j w_j * g_j(s_i)      g_j in {0..5} from juror j
    score_i = C_i - V_i                            lower wins; ties go to the cheaper agent

Default weights (``Weights()``): w_c = 0.1 (a 100-token bid at $0.36/Mtok costs 3.6 points), w_h = 1.0 (H is
in nats, at most ln k), and a total jury weight of 1.0 split evenly over the jurors, so the jury term is the mean
score on the 0-5 scale. Learned weights (``sale learn-weights``) replace them per juror.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Weights:
    """Scoring weights. ``jurors`` overrides the even split of ``jury`` for named jurors."""

    cost: float = 0.1
    entropy: float = 1.0
    jury: float = 1.0
    jurors: Mapping[str, float] = field(default_factory=dict)

    def juror_weights(self, jurors: list[str]) -> dict[str, float]:
        if not jurors:
            return {}
        even = self.jury / len(jurors)
        return {j: float(self.jurors.get(j, even)) for j in jurors}

    def to_dict(self) -> dict:
        return asdict(self) | {"jurors": dict(self.jurors)}

    @classmethod
    def from_file(cls, path: str | Path) -> Weights:
        """Read ``{"weights": {"cost": .., "entropy": .., "jury": .., "juror:NAME": ..}}`` (learned weights)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"weights file {path}: {exc}") from None
        raw = data.get("weights") if isinstance(data, dict) else None
        if not isinstance(raw, dict):
            raise ValueError(f"weights file {path}: expected a JSON object with a `weights` object")
        values: dict = {}
        jurors: dict[str, float] = {}
        for key, value in raw.items():
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"weights file {path}: weight {key!r} is not a finite number")
            if key.startswith("juror:"):
                jurors[key.removeprefix("juror:")] = float(value)
            elif key in ("cost", "entropy", "jury"):
                values[key] = float(value)
            else:
                raise ValueError(f"weights file {path}: unknown weight {key!r} (cost, entropy, jury, juror:NAME)")
        return cls(**values, jurors=jurors)


def bid_cost(weights: Weights, price_per_mtok: float, tokens: int) -> float:
    return weights.cost * price_per_mtok * tokens


JURY_MODES = ("paper", "peer", "median", "trimmed", "consensus")
JURY_SIGNALS = ("integer", "expected", "verdict")
"""What a juror's reply becomes (context ``jury_signal``; see nodes/jury.py)."""


def check_jury_signal(signal: str, batch: bool) -> None:
    """One clear error, before any call, for a jury setting the jury cannot honour (graph, CLI and bench)."""
    if signal not in JURY_SIGNALS:
        raise ValueError(f"unknown jury_signal {signal!r} ({', '.join(JURY_SIGNALS)})")
    if batch and signal != "integer":
        raise ValueError(f"jury_signal {signal!r} reads one score token per call; it needs jury_batch off "
                         "(drop --jury-batch)")
CONSENSUS_MAX_DEVIATION = 1.5


def consensus_outliers(jury_by_bid: Mapping[str, Mapping[str, int]], jurors: list[str],
                       max_deviation: float = CONSENSUS_MAX_DEVIATION) -> dict[str, float]:
    """Jurors to drop in ``consensus`` mode: one at a time, the juror whose scores sit furthest from the median of
    the other jurors (mean absolute deviation over the auction's bids), while that deviation exceeds
    ``max_deviation`` and at least three jurors would remain. Returns {juror: deviation}."""
    import statistics

    kept, dropped = list(jurors), {}
    while len(kept) > 3:
        deviation = {}
        for j in kept:
            others = [k for k in kept if k != j]
            diffs = [abs(scores[j] - statistics.median(scores[k] for k in others))
                     for scores in jury_by_bid.values() if all(k in scores for k in kept)]
            deviation[j] = sum(diffs) / len(diffs) if diffs else 0.0
        worst = max(kept, key=lambda j: deviation[j])
        if deviation[worst] <= max_deviation:
            break
        dropped[worst] = round(deviation[worst], 3)
        kept.remove(worst)
    return dropped


RELIABILITY_MIN_BIDS = 20
RELIABILITY_MAX_CORRELATION = 0.0


def unreliable_jurors(history: Sequence[Mapping[str, int]], jurors: list[str],
                      min_bids: int = RELIABILITY_MIN_BIDS,
                      max_correlation: float = RELIABILITY_MAX_CORRELATION) -> dict[str, float]:
    """Jurors whose past scores run against their peers': over earlier bids (each a {juror: score} map), the
    correlation of a juror's score with the median of the other jurors' scores is at most ``max_correlation``
    (0: no agreement at all; a flipper is negative). Judged over at least ``min_bids`` bids; a juror with constant
    scores is not judged. If half the jurors or more would go, none does: the history cannot tell who is right.
    Returns {juror: correlation}."""
    import statistics

    import numpy as np

    out: dict[str, float] = {}
    for j in jurors:
        pairs = [(scores[j], statistics.median(scores[k] for k in jurors if k != j and k in scores))
                 for scores in history if j in scores and sum(1 for k in jurors if k != j and k in scores) >= 2]
        if len(pairs) < min_bids:
            continue
        own, peers = np.array(pairs, dtype=float).T
        if own.std() == 0 or peers.std() == 0:
            continue
        correlation = float(np.corrcoef(own, peers)[0, 1])
        if correlation <= max_correlation:
            out[j] = round(correlation, 3)
    return out if len(out) < len(jurors) / 2 else {}


def bid_value(weights: Weights, entropy: float, jury: Mapping[str, int], jurors: list[str], *,
              mode: str = "paper", bidder: str | None = None, weight_cap: float = 1.0,
              entropy_range: tuple[float, float] | None = None) -> float:
    """Value over an explicit juror set, so every compared bid is judged by the same jurors.

    ``mode`` is how the jury term aggregates: ``paper`` (weighted sum over all jurors, self-scores included),
    ``peer`` (the bidder's own score left out, weights renormalised), ``median`` or ``trimmed`` (mean without
    the highest and lowest score) times the total jury weight, or ``consensus`` (as ``peer``, over the jurors
    left after :func:`consensus_outliers`, which the score node drops first). ``weight_cap`` bounds any one
    juror's share of the jury weight (excess goes to the others). ``entropy_range`` clips H before weighting.
    The robust settings keep one self-serving, colluding or erratic juror, or an endpoint faking flat logprobs,
    from deciding.
    """
    if mode not in JURY_MODES:
        raise ValueError(f"unknown jury mode {mode!r} ({', '.join(JURY_MODES)})")
    h = min(max(entropy, entropy_range[0]), entropy_range[1]) if entropy_range else entropy
    voters = [j for j in jurors if not (mode in ("peer", "consensus") and j == bidder)] or list(jurors)
    per_juror = weights.juror_weights(jurors)
    total = sum(per_juror[j] for j in jurors)
    if not voters or total == 0:
        return weights.entropy * h
    if mode in ("median", "trimmed"):
        scores = sorted(jury[j] for j in voters)
        if mode == "median":
            mid = len(scores) // 2
            agg = scores[mid] if len(scores) % 2 else (scores[mid - 1] + scores[mid]) / 2
        else:
            kept = scores[1:-1] if len(scores) >= 3 else scores
            agg = sum(kept) / len(kept)
        return weights.entropy * h + total * agg
    shares = capped_shares({j: per_juror[j] for j in voters}, weight_cap)
    return weights.entropy * h + total * sum(shares[j] * jury[j] for j in voters)


def capped_shares(raw: Mapping[str, float], cap: float) -> dict[str, float]:
    """Normalise weights to shares summing to 1 with no share above ``cap`` (excess redistributed)."""
    total = sum(raw.values())
    shares = {j: (w / total if total else 1 / len(raw)) for j, w in raw.items()}
    cap = max(cap, 1 / len(shares))
    for _ in range(len(shares)):
        over = {j: s for j, s in shares.items() if s > cap + 1e-12}
        if not over:
            break
        excess = sum(s - cap for s in over.values())
        under = {j: s for j, s in shares.items() if j not in over}
        base = sum(under.values())
        shares = {j: cap if j in over else s + excess * (s / base if base else 1 / len(under))
                  for j, s in shares.items()}
    return shares


def usd(price_per_mtok: float, tokens: int) -> float:
    """The paper's flat convention: every token at one price."""
    return price_per_mtok * tokens / 1_000_000


def provider_usd(input_price: float, cached_input_price: float, output_price: float, prompt_tokens: int,
                 cached_tokens: int, completion_tokens: int) -> float:
    """As providers bill: uncached prompt tokens at the input price, prompt tokens the endpoint served from its
    prefix cache at the cached-input price, generated tokens at the output price (all USD per million)."""
    cached = min(max(cached_tokens, 0), prompt_tokens)
    return (input_price * (prompt_tokens - cached) + cached_input_price * cached
            + output_price * completion_tokens) / 1_000_000
