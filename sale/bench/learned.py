"""``sale-learned``: SALE with scoring weights fitted in the same run, on the train split only.

The fit (``sale.analysis.learn``'s MILP, signed entropy allowed) uses what it would read from a recorded run:
each train task's first-round bids with their entropy and every juror's score, labelled by the cheapest agent
that passed the task alone. Those bids and scores do not depend on the weights, the memory or anything after
the first jury, so the train auctions are run route-only without a refinement round: the same bid and jury
requests ``sale`` sends for those tasks (a ``--reuse`` of a run that streamed them serves them), and no
rebid or execution is paid for that the fit would never read.

The test split then streams exactly like ``sale``, with a fresh memory in each order and the fitted weights in
place of the defaults (``budget_bias`` 1: the fitted cost weight is the calibration). A fresh memory, rather
than one holding the train auctions, keeps ``sale-learned`` beside ``sale`` different in the weights only; the
route-only train auctions have no outcome to serve as exemplars anyway.
"""

from __future__ import annotations

import json
from typing import Any

from sale.analysis.learn import LearnError, default_weights, entropy_sign, evaluate, examples_from, fit
from sale.bench.harness import Bench
from sale.bench.replay import counting_new_calls
from sale.bench.runs import Run
from sale.bench.tasks import executor_domain, stream_order
from sale.suites.suite import BenchTask

ROUTER = "sale-learned"
TRAIN_LABEL = "sale-learned-train"


async def train_auctions(bench: Bench, train: list[BenchTask]) -> list[dict[str, Any]]:
    """Route-only first-round auctions over the train split (memory starts empty), logged to
    ``auctions.jsonl`` as run ``sale-learned-train`` (``passed`` is null there: nothing executed)."""
    from dataclasses import replace

    from graphs.auction import graph

    bench.fresh_cache()
    memory = bench.fresh_memory(TRAIN_LABEL, policy=False)
    rows = []
    try:
        ctx = bench.context(memory=memory, refine=False, route_only=True)
        with counting_new_calls():  # bench.tick() reads and resets it after each auction
            for position, task in enumerate(stream_order(train, bench.cfg.seed, 0)):
                domain = executor_domain(task, bench.cfg.domain)
                result = (await graph.ainvoke({"task": task.task}, context=replace(ctx, domain=domain)))["result"]
                bench.log_auction(TRAIN_LABEL, 0, position, task, result, {"passed": None, "detail": "route only"})
                rows.append({"run": TRAIN_LABEL, "task_id": task.id, "bids": result.get("bids") or []})
                bench.tick()
    finally:
        memory.close()
    return rows


def fit_weights(bench: Bench, rows: list[dict[str, Any]], singles: dict[tuple[str, str], Run]
                ) -> dict[str, Any]:
    """The MILP on the train auctions; raises :class:`LearnError` when no train task can be learned from."""
    prices = {a.name: a.price_per_mtok for a in bench.pool.agents}
    output = {a.name: a.output_price for a in bench.pool.agents}
    examples, jurors = examples_from(rows, _by_task(singles), prices, TRAIN_LABEL, output)
    if not examples:
        raise LearnError("sale-learned: no train auction had first-round bids scored by every juror and the "
                         "label agent among the bidders; nothing to fit")
    weights = fit(examples, jurors, signed_entropy=True)
    return {"weights": weights, "entropy_sign": entropy_sign(weights), "signed_entropy": True,
            "objective": "minmax", "juror_cap": 0.5, "default_weights": default_weights(jurors),
            "n_train_examples": len(examples), "jurors": jurors,
            "fit": {"learned": {"train": evaluate(examples, weights, jurors)},
                    "default": {"train": evaluate(examples, default_weights(jurors), jurors)}}}


def held_out(bench: Bench, learned: dict[str, Any], singles: dict[tuple[str, str], Run]) -> None:
    """Both weight sets applied to the test split's first-round bids (from ``sale-learned``'s own test auctions,
    which are the same bids ``sale`` gets), as ``sale learn-weights`` reports its held-out split."""
    rows = [json.loads(line) for line in (bench.cfg.out / "auctions.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    prices = {a.name: a.price_per_mtok for a in bench.pool.agents}
    output = {a.name: a.output_price for a in bench.pool.agents}
    examples, jurors = examples_from([r for r in rows if r["order"] == 0], _by_task(singles), prices, ROUTER, output)
    learned["n_test_examples"] = len(examples)
    learned["fit"]["learned"]["test"] = evaluate(examples, learned["weights"], jurors)
    learned["fit"]["default"]["test"] = evaluate(examples, learned["default_weights"], jurors)


def _by_task(singles: dict[tuple[str, str], Run]) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for (agent, task_id), run in singles.items():
        out.setdefault(task_id, {})[agent] = {"passed": run.passed, "usd": run.usd}
    return out


def report_lines(results: dict[str, Any]) -> list[str]:
    """report.md's section on ``sale-learned``'s weights, beside the defaults."""
    learned = results.get("learned_weights")
    if not learned:
        return []
    keys = list(learned["weights"])
    lines = ["## sale-learned: weights fitted on the train split", "",
             "| weights | " + " | ".join(keys) + " | routing accuracy train / test | pass@1 if picked train / test |",
             "|---|" + "---|" * (len(keys) + 2)]
    for name, w in (("learned", learned["weights"]), ("default", learned["default_weights"])):
        fit_ = learned["fit"][name]
        test = fit_.get("test") or {}
        lines.append(f"| {name} | " + " | ".join(f"{w[k]:.3g}" for k in keys)
                     + f" | {100 * fit_['train']['routing_accuracy']:.0f} % / "
                       f"{100 * test.get('routing_accuracy', 0):.0f} % | {100 * fit_['train']['pass_at_1']:.0f} % / "
                       f"{100 * test.get('pass_at_1', 0):.0f} % |")
    return [*lines, "", f"The data gives the entropy weight a {learned['entropy_sign']} sign (signed entropy allowed; "
            f"{learned['n_train_examples']} train auctions, {learned.get('n_test_examples', 0)} test). The "
            "sale-learned row above streamed the test split with the learned weights.", ""]
