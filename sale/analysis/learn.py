"""Weight learning from recorded auctions (``sale learn-weights``): the paper's min-max program, made well posed.

Data: a ``sale bench`` output directory. Each recorded auction (``auctions.jsonl``) gives, for every first-round
bid, its cost feature ``price x tokens``, its entropy ``H`` and one jury score per juror. The label of a task is
the cheapest agent that passed it when run alone (``tasks.jsonl``, the ``single:*`` rows), or the cheapest agent
if none did: the outcome the auction should have chosen.

Scores are linear in the weights, ``S_i = w_c c_i - w_h H_i - sum_j w_j g_ij`` (lower wins), so the program is a
MILP solved with HiGHS (``scipy.optimize.milp``):

    minimise   z + mu * sum_t (1 - a_t)                      (min-max; ``mean`` uses (1/T) sum_t xi_t instead of z)
    s.t.       S_y(t) - S_i + delta <= xi_t                    for every task t and bid i that is not the label's
               S_y(t) - S_i + delta <= M (1 - a_t)             a_t = 1 only if the label is the strict argmin
               xi_t <= z,  xi_t >= 0,  a_t in {0, 1}
               w_h + sum_j w_j = 1                             (fixes the scale; the paper's program is unbounded)
               w_j <= cap * sum_k w_k                          (no juror holds more than ``cap`` of the jury)
               0 <= w_c <= 10,  0 <= w_h, w_j <= 1   (``--signed-entropy``: w_h = w_h+ - w_h-, both counted above)

with M = 1e4 as in the paper, delta = 0.01 and mu = 1e-3 (a tie-break toward more consistent tasks).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

BIG_M = 1e4
MARGIN = 0.01
TIE_BREAK = 1e-3
MAX_COST_WEIGHT = 10.0


class LearnError(ValueError):
    """The directory has nothing to learn from, or a bad option; the message says which."""


@dataclass
class Example:
    """One task's first-round bids: features per bid, and which bid the label agent made."""

    task_id: str
    agents: list[str]
    cost: np.ndarray
    entropy: np.ndarray
    jury: np.ndarray
    label: int
    passed: dict[str, bool]
    usd: dict[str, float]


def load_examples(directory: Path, run: str = "sale") -> tuple[list[Example], list[str], dict[str, float]]:
    results_path, auctions_path, tasks_path = (directory / n for n in ("results.json", "auctions.jsonl",
                                                                        "tasks.jsonl"))
    for path in (results_path, auctions_path, tasks_path):
        if not path.is_file():
            raise LearnError(f"{path} is missing: point --from at a `sale bench --out` directory")
    results = json.loads(results_path.read_text(encoding="utf-8"))
    prices = {a["name"]: a["price_per_mtok"] for a in results["pool"]["agents"]}
    from sale.analysis.shapley import single_runs

    runs = single_runs([json.loads(line) for line in tasks_path.read_text(encoding="utf-8").splitlines()
                        if line.strip()])
    if not runs:
        raise LearnError(f"{tasks_path} has no single-agent runs: run the bench with the default routers")
    auctions = [json.loads(line) for line in auctions_path.read_text(encoding="utf-8").splitlines()]
    output = {a["name"]: a.get("output_price_per_mtok", a["price_per_mtok"]) for a in results["pool"]["agents"]}
    examples, jurors = examples_from(auctions, runs, prices, run, output)
    if not examples:
        raise LearnError(f"{auctions_path} has no usable `{run}` auctions (first-round bids scored by every juror)")
    return examples, jurors, prices


def examples_from(auctions: list[dict[str, Any]], singles: dict[str, dict[str, dict[str, Any]]],
                  prices: dict[str, float], run: str,
                  cost_prices: dict[str, float] | None = None) -> tuple[list[Example], list[str]]:
    """Examples from auction rows (``auctions.jsonl``'s shape) of one ``run`` label and the single-agent runs
    ``{task_id: {agent: {"passed", "usd"}}}``: what ``sale bench`` holds in memory and ``load_examples`` reads
    from a directory. Tasks without single-agent runs, or whose label agent did not bid, are skipped.
    ``cost_prices`` (default ``prices``) price the cost feature as scoring does: at each agent's output price."""
    cost_prices = cost_prices or prices
    agents = sorted(prices, key=lambda a: prices[a])
    passed = {t: {a: bool(r["passed"]) for a, r in per.items()} for t, per in singles.items()}
    usd = {t: {a: float(r["usd"]) for a, r in per.items()} for t, per in singles.items()}
    jurors = agents
    examples: list[Example] = []
    seen: set[str] = set()
    for row in auctions:
        if row["run"] != run or row["task_id"] in seen or row["task_id"] not in passed:
            continue
        outcome = passed[row["task_id"]]
        label_agent = next((a for a in agents if outcome.get(a)), agents[0])
        example = first_round_example(row["task_id"], row["bids"], jurors, label_agent, cost_prices, outcome,
                                      usd[row["task_id"]])
        if example is not None:
            seen.add(row["task_id"])
            examples.append(example)
    return examples, jurors


def first_round_example(task_id: str, bids: list[dict[str, Any]], jurors: list[str], label_agent: str | None,
                        cost_prices: dict[str, float], passed: dict[str, bool], usd: dict[str, float]
                        ) -> Example | None:
    """One task's example from its first-round bids scored by every juror (an ``auctions.jsonl`` row's bids or
    a memory record's, whose digests keep no scores); None unless two such bids remain and ``label_agent`` made
    one of them."""
    kept = [b for b in bids if b["round"] == 0 and not b.get("disqualified") and b.get("label") != "disqualified"
            and b["agent"] in cost_prices and all(j in b.get("jury", {}) for j in jurors)]
    names = [b["agent"] for b in kept]
    if len(kept) < 2 or label_agent not in names:
        return None
    return Example(task_id=task_id, agents=names,
                   cost=np.array([cost_prices[b["agent"]] * b["tokens"] for b in kept], dtype=float),
                   entropy=np.array([b["entropy"] for b in kept], dtype=float),
                   jury=np.array([[b["jury"][j] for j in jurors] for b in kept], dtype=float),
                   label=names.index(label_agent), passed=passed, usd=usd)


@contextlib.contextmanager
def _c_stdout_silenced():
    """HiGHS prints a debug line per incumbent from C++ even with display off (ERGO-Code/HiGHS, reported as
    jump-dev/HiGHS.jl#312); it would flood the CLI's output, so file descriptor 1 points at /dev/null while the
    solver runs."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def fit(examples: list[Example], jurors: list[str], objective: str = "minmax", cap: float = 0.5,
        signed_entropy: bool = False) -> dict[str, float]:
    """Solve the MILP; returns ``{"cost", "entropy", "juror:NAME"...}``. With ``signed_entropy`` the entropy
    weight may come out negative (w_h = w_h+ - w_h-, both in the scale constraint): the paper assumes a more
    uncertain plan is worth more; on small models the data may say the opposite."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    if objective not in ("minmax", "mean"):
        raise LearnError(f"unknown objective {objective!r} (minmax or mean)")
    n_j, n_t = len(jurors), len(examples)
    n_w = 2 + n_j
    # variables: [w_c, w_h, w_j..., xi_t..., a_t..., z, w_h-, sign]; sign = 1 allows w_h only, 0 w_h- only
    n = n_w + 2 * n_t + 3
    neg, sign = n - 2, n - 1
    xi0, a0, z = n_w, n_w + n_t, n_w + 2 * n_t
    rows, lo, hi = [], [], []

    def score_row(ex: Example, i: int) -> np.ndarray:
        r = np.zeros(n)
        r[0], r[1], r[neg] = ex.cost[i], -ex.entropy[i], ex.entropy[i]
        r[2:n_w] = -ex.jury[i]
        return r

    for t, ex in enumerate(examples):
        y = score_row(ex, ex.label)
        for i in range(len(ex.agents)):
            if i == ex.label:
                continue
            diff = y - score_row(ex, i)
            r = diff.copy()
            r[xi0 + t] = -1
            rows.append(r)
            lo.append(-np.inf)
            hi.append(-MARGIN)
            r = diff.copy()
            r[a0 + t] = BIG_M
            rows.append(r)
            lo.append(-np.inf)
            hi.append(BIG_M - MARGIN)
        r = np.zeros(n)
        r[xi0 + t], r[z] = 1, -1
        rows.append(r)
        lo.append(-np.inf)
        hi.append(0.0)
    r = np.zeros(n)
    r[1:n_w] = 1
    r[neg] = 1
    rows.append(r)
    lo.append(1.0)
    hi.append(1.0)
    for part, coeff, bound in ((1, -1.0, 0.0), (neg, 1.0, 1.0)):  # w_h <= sign, w_h- <= 1 - sign
        r = np.zeros(n)
        r[part], r[sign] = 1, coeff
        rows.append(r)
        lo.append(-np.inf)
        hi.append(bound)
    for j in range(n_j):
        r = np.zeros(n)
        r[2:n_w] = -cap
        r[2 + j] += 1
        rows.append(r)
        lo.append(-np.inf)
        hi.append(0.0)
    c = np.zeros(n)
    if objective == "minmax":
        c[z] = 1.0
    else:
        c[xi0:xi0 + n_t] = 1.0 / n_t
    c[a0:a0 + n_t] = -TIE_BREAK
    lower = np.zeros(n)
    upper = np.concatenate([[MAX_COST_WEIGHT], np.ones(1 + n_j), np.full(n_t, np.inf), np.ones(n_t), [np.inf],
                            [1.0 if signed_entropy else 0.0], [1.0]])
    integrality = np.zeros(n)
    integrality[a0:a0 + n_t] = 1
    integrality[sign] = 1
    with _c_stdout_silenced():
        res = milp(c, constraints=LinearConstraint(np.array(rows), lo, hi), bounds=Bounds(lower, upper),
                   integrality=integrality, options={"time_limit": 120.0, "mip_rel_gap": 1e-4, "disp": False})
    if res.x is None:
        raise LearnError(f"the solver found no solution: {res.message}")
    w = res.x
    out = {"cost": float(w[0]), "entropy": float(w[1] - w[neg])}
    out |= {f"juror:{j}": float(w[2 + k]) for k, j in enumerate(jurors)}
    return {k: round(v, 6) + 0.0 for k, v in out.items()}  # + 0.0: no "-0" from the solver's signed zeros


def choose(ex: Example, weights: dict[str, float], jurors: list[str]) -> int:
    scores = (weights["cost"] * ex.cost - weights["entropy"] * ex.entropy
              - ex.jury @ np.array([weights.get(f"juror:{j}", 0.0) for j in jurors]))
    best = scores.min()
    ties = [i for i, s in enumerate(scores) if s <= best + 1e-12]
    return min(ties, key=lambda i: ex.cost[i])


def evaluate(examples: list[Example], weights: dict[str, float], jurors: list[str]) -> dict[str, float]:
    """Routing accuracy against the label, and pass@1 / cost if these weights had picked (the picked agent's own
    run on the task, which is what executing its first-round plan gives in the recorded setting)."""
    if not examples:
        return {"routing_accuracy": 0.0, "pass_at_1": 0.0, "cost_usd": 0.0, "tasks": 0}
    picks = [choose(ex, weights, jurors) for ex in examples]
    return {
        "routing_accuracy": float(np.mean([p == ex.label for p, ex in zip(picks, examples, strict=True)])),
        "pass_at_1": float(np.mean([ex.passed.get(ex.agents[p], False) for p, ex in zip(picks, examples,
                                                                                        strict=True)])),
        "cost_usd": float(sum(ex.usd.get(ex.agents[p], 0.0) for p, ex in zip(picks, examples, strict=True))),
        "tasks": len(examples),
    }


def default_weights(jurors: list[str]) -> dict[str, float]:
    from sale.core.cost import Weights

    w = Weights()
    return {"cost": w.cost, "entropy": w.entropy} | {f"juror:{j}": w.jury / len(jurors) for j in jurors}


def entropy_sign(weights: dict[str, float]) -> str:
    return "negative" if weights["entropy"] < 0 else "positive" if weights["entropy"] > 0 else "zero"


def learn(directory: Path, objective: str = "minmax", cap: float = 0.5, holdout: float = 0.3, seed: int = 0,
          signed_entropy: bool = False) -> dict[str, Any]:
    examples, jurors, _ = load_examples(directory)
    order = list(examples)
    random.Random(f"learn/{seed}").shuffle(order)
    n_test = max(1, round(holdout * len(order))) if len(order) > 1 else 0
    test, train = order[:n_test], order[n_test:]
    weights = fit(train, jurors, objective, cap, signed_entropy)
    baseline = default_weights(jurors)
    return {
        "weights": weights,
        "entropy_sign": entropy_sign(weights),
        "signed_entropy": signed_entropy,
        "objective": objective,
        "juror_cap": cap,
        "source": str(directory),
        "n_train": len(train),
        "n_test": len(test),
        "fit": {"learned": {"train": evaluate(train, weights, jurors), "test": evaluate(test, weights, jurors)},
                "default": {"train": evaluate(train, baseline, jurors), "test": evaluate(test, baseline, jurors)}},
    }
