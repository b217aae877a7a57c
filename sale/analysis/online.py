"""Online weight learning (beyond the paper): refit the scoring weights from the verdicts stored in memory every
N of them, and score the next auction with the new weights.

An application learns only whether the answer it got passed: the winner's outcome, never what the other bidders
would have done. This label rule turns that into the examples of ``sale.analysis.learn``'s program:

- the winner passed: the label is the winner (choose it again for such a task);
- the winner failed: the label is the cheapest bidder priced above it (escalate one step); when the winner was
  the priciest bidder, nothing known would have done better and the auction teaches nothing.

Features are the first-round bids, as for ``sale learn-weights`` (a winning rebid stands for its agent). The
rule can teach the auction to escalate, never to try a cheaper agent than one that passed: with one verdict per
task, nothing says a cheaper agent would have passed too.

Use from an application (the bench's ``sale-online`` router does the same)::

    memory.record_outcome(result["auction_id"], passed)
    recorded += 1
    if due(recorded, every=10) and (fitted := refit(memory, pool)):
        context = replace(context, **as_context(fitted["weights"]))

A refit reads every verdict the memory still holds in full: a retention policy's evicted or digested auctions
are not learned from.
"""

from __future__ import annotations

from typing import Any

from sale.analysis.learn import Example, LearnError, entropy_sign, first_round_example, fit
from sale.core.pool import Pool

MIN_EXAMPLES = 2
"""Fewer labelled auctions than this and the weights stay as they are (one example fits anything)."""


def label_agent(record: dict[str, Any], bidders: list[str], prices: dict[str, float]) -> str | None:
    """The agent the auction should have chosen, from its own verdict (the rule above); None if unknown."""
    winner = record["winner_agent"]
    if record["passed"]:
        return winner if winner in bidders else None
    pricier = [a for a in bidders if prices[a] > prices.get(winner, float("inf"))]
    return min(pricier, key=lambda a: prices[a]) if pricier else None


def examples_from_verdicts(records: list[dict[str, Any]], prices: dict[str, float],
                           output_prices: dict[str, float]) -> tuple[list[Example], list[str]]:
    """Examples from memory records with a known verdict (``AuctionMemory.verdicts()``), built as
    ``sale learn-weights`` builds them; auctions it cannot learn from (too few scored first-round bids, a label
    that did not bid, a digest) are left out."""
    jurors = sorted(prices, key=lambda a: prices[a])
    examples = []
    for record in records:
        bidders = [b["agent"] for b in record["bids"] if b["round"] == 0 and b["agent"] in prices
                   and b["label"] != "disqualified"]
        example = first_round_example(record["auction_id"], record["bids"], jurors,
                                      label_agent(record, bidders, prices), output_prices,
                                      {record["winner_agent"]: bool(record["passed"])}, {})
        if example is not None:
            examples.append(example)
    return examples, jurors


def due(recorded: int, every: int) -> bool:
    """Refit after every ``every``-th verdict, counted as the caller records them (not the memory's size, which a
    retention policy caps and other writers of a shared memory grow)."""
    return every > 0 and recorded > 0 and recorded % every == 0


def refit(memory: Any, pool: Pool) -> dict[str, Any] | None:
    """Weights fitted on every verdict in ``memory`` (signed entropy allowed), or None when fewer than
    :data:`MIN_EXAMPLES` auctions can be labelled or the solver finds nothing: keep the current weights."""
    records = memory.verdicts()
    prices = {a.name: a.price_per_mtok for a in pool.agents}
    output = {a.name: a.output_price for a in pool.agents}
    examples, jurors = examples_from_verdicts(records, prices, output)
    if len(examples) < MIN_EXAMPLES:
        return None
    try:
        weights = fit(examples, jurors, signed_entropy=True)
    except LearnError:
        return None
    return {"weights": weights, "entropy_sign": entropy_sign(weights), "n_verdicts": len(records),
            "n_examples": len(examples), "failures": sum(1 for r in records if not r["passed"])}


def as_context(weights: dict[str, float]) -> dict[str, Any]:
    """Fitted weights as auction context settings (every juror named, so ``weight_jury`` is unused; the fitted
    cost weight is the calibration, so ``budget_bias`` is 1)."""
    jurors = {k.removeprefix("juror:"): v for k, v in weights.items() if k.startswith("juror:")}
    return {"weights_file": "", "weight_cost": weights["cost"], "weight_entropy": weights["entropy"],
            "budget_bias": 1.0, "juror_weights": jurors}
