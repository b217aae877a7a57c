"""The routed baselines' knobs calibrated like SALE's ``budget_bias``: on the train split, toward the same target.

SALE's knob is swept on the train split and the cheapest setting whose pass@1 reaches ``--target-quality`` x the
largest agent's train pass@1 is kept (:func:`sale.bench.results.choose_knob`). The routers get the same rule
over their own knob: WTP's ``tolerance``, CARROT's ``mu`` and FrugalGPT's stage threshold. They learn from the
train split itself, so scoring a setting on the tasks it was fitted on would flatter it (a kNN router finds the
task itself as its nearest neighbour): each train task is routed by the router fitted on the other folds
(``FOLDS``-fold cross-fitting, seeded), and its outcome is the chosen agents' own runs, as on the test split.
This costs no model call: the single agents ran every train task already.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sale.bench import routers as R
from sale.bench.results import choose_knob

FOLDS = 5
GRIDS: dict[str, tuple[str, tuple[float, ...]]] = {
    "wtp": ("tolerance", (0.0, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0)),
    "carrot": ("mu", (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 0.95)),
    "frugalgpt": ("threshold", R.FRUGALGPT_THRESHOLDS),
}
DEFAULTS = {"wtp": 0.05, "carrot": 0.2, "frugalgpt": None}
"""Uncalibrated settings (FrugalGPT's None: its threshold picked in-sample for the best train pass@1)."""


def route(router: str, knob: float | None, train: R.Outcomes, train_x: np.ndarray, test: R.Outcomes,
          test_x: np.ndarray) -> list[R.Route]:
    if router == "wtp":
        return R.wtp(train, train_x, test_x, tolerance=DEFAULTS["wtp"] if knob is None else knob)
    if router == "carrot":
        return R.carrot(train, train_x, test_x, mu=DEFAULTS["carrot"] if knob is None else knob)
    if router == "frugalgpt":
        return R.frugalgpt(train, train_x, test, test_x, tau=knob)
    raise ValueError(f"router {router!r} has no knob to calibrate")


def fold_ids(n: int, seed: int) -> list[np.ndarray]:
    order = np.random.default_rng([seed, 18]).permutation(n)
    return [f for f in np.array_split(order, min(FOLDS, n)) if len(f)]


def cross_fitted(fit_route: Callable[[R.Outcomes, np.ndarray, R.Outcomes, np.ndarray], list[R.Route]],
                 train: R.Outcomes, train_x: np.ndarray, seed: int) -> dict[int, R.Route]:
    """Every train task's route from a router that never saw its fold."""
    routes: dict[int, R.Route] = {}
    for fold in fold_ids(len(train.passed), seed):
        rest = np.setdiff1d(np.arange(len(train.passed)), fold)
        for t, r in zip(fold, fit_route(train.subset(rest), train_x[rest], train.subset(fold), train_x[fold]),
                        strict=True):
            routes[int(t)] = r
    return routes


def calibrate(router: str, train: R.Outcomes, train_x: np.ndarray, target_pass: float, seed: int
              ) -> dict[str, Any]:
    """The knob curve on the train split and the setting ``choose_knob`` keeps (same shape as SALE's
    ``budget_knob``)."""
    name, grid = GRIDS[router]
    curve = []
    for value in grid:
        routes = cross_fitted(lambda tr, tx, te, ex, v=value: route(router, v, tr, tx, te, ex), train, train_x, seed)
        picked = [(t, r if train.failed is None else R.with_fallback(r, train.failed[t]))
                  for t, r in sorted(routes.items())]
        curve.append({name: value,
                      "pass_at_1": float(np.mean([train.passed[t, r.chosen] for t, r in picked])),
                      "cost_usd": float(sum(train.cost[t, a] for t, r in picked for a in r.tried))})
    return {"knob": name, "curve": curve, **choose_knob(curve, target_pass),
            "calibrated_on": f"train ({len(fold_ids(len(train.passed), seed))}-fold cross-fitted)"}


def chosen(knob: dict[str, Any] | None) -> float | None:
    return None if knob is None else knob["chosen"][knob["knob"]]


def report_lines(results: dict[str, Any]) -> list[str]:
    """report.md's section on the routers' knobs (empty when none was calibrated)."""
    knobs = results.get("router_knobs") or {}
    if not knobs:
        return []
    lines = ["## Routers' knobs, calibrated on the train split like budget_bias", "",
             "| router | knob | chosen | target pass@1 reached | curve (knob: cross-fitted train pass@1, cost) |",
             "|---|---|---|---|---|"]
    for router, k in knobs.items():
        curve = "; ".join(f"{p[k['knob']]:g}: {100 * p['pass_at_1']:.0f} %, ${p['cost_usd']:.4f}" for p in k["curve"])
        lines.append(f"| {router} | {k['knob']} | {chosen(k):g} | {'yes' if k['reached'] else 'no (best used)'} | "
                     f"{curve} |")
    return [*lines, "", f"Target pass@1 {100 * next(iter(knobs.values()))['target_pass_at_1']:.1f} % (SALE's). "
            "Each train task is routed by the router fitted on the other folds.", ""]
