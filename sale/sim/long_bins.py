"""The simulated ladder's long bins: on the programs suite (issue 29) the executions' length per agent and bin
comes from a real run, not from the paper. Pass rates stay the paper's (:func:`sale.sim.draws.task_pass_probability`
says why); the file records the real ones too.

``long_bins.json`` holds, per bin of the programs suite and per agent of the real run (its size in billions of
parameters with it), each agent's own executor run on the run's test tasks: pass rate, model steps per task and
completion tokens per step. ``scripts/sim_long_bins.py --from RUN`` writes it from a ``sale bench --suite
programs`` directory and says which run it read. The simulated agents are placed on the real ladder by rank:
position by log parameter count on each ladder (the smallest on the smallest, the largest on the largest), the
figures interpolated linearly between the real agents around it. That mapping is an assumption of ours; the
figures it maps are measured.
"""

from __future__ import annotations

import itertools
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

PROFILE = Path(__file__).with_name("long_bins.json")


def profile() -> dict[str, Any]:
    return _load(PROFILE)


@cache
def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"the simulated long bins (programs tasks) need {path}: write it from a real "
                                "`sale bench --suite programs` run with scripts/sim_long_bins.py --from RUN")
    return json.loads(path.read_text(encoding="utf-8"))


def _positions(agents: dict[str, Any]) -> list[tuple[float, str]]:
    sizes = {name: math.log(a["params_billion"]) for name, a in agents.items()}
    lo, hi = min(sizes.values()), max(sizes.values())
    return sorted(((s - lo) / (hi - lo) if hi > lo else 0.0, name) for name, s in sizes.items())


def measured(position: float, bin_: int, key: str, data: dict[str, Any] | None = None) -> float:
    """``key`` ("pass", "steps" or "completion_per_step") of the real agents in ``bin_`` at a simulated agent's
    ``position`` (0 smallest, 1 largest), interpolated between the two real agents around it."""
    data = data or profile()
    figures = data["bins"][str(bin_)]
    points = [(x, figures[name][key]) for x, name in _positions(data["agents"]) if name in figures]
    if not points:
        raise KeyError(f"long_bins: no agent measured in bin {bin_}")
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x0 <= position <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (position - x0) / (x1 - x0)
    return points[0][1] if position < points[0][0] else points[-1][1]


def from_run(out: Path) -> dict[str, Any]:
    """The profile of one ``sale bench --suite programs`` run: its agents' executor runs (``single:NAME`` rows of
    ``tasks.jsonl``) per bin. A run that ended on an endpoint failure (a client timeout, or a context the loop
    outgrew) counts as failed in the pass rate, as its user saw it, but not in the steps and tokens of a run,
    which it cut short (unless every run of the agent in the bin ended so); ``endpoint_failures`` says how many."""
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    if results.get("simulated"):
        raise ValueError(f"{out}: a simulated run; the long bins learn from real models only")
    from sale.local.models import LADDER

    agents = {a["name"]: a for a in results["pool"]["agents"]}
    sizes = {m.name: m.params_billion for m in LADDER}
    missing = [n for n in agents if n not in sizes]
    if missing:
        raise ValueError(f"{out}: no parameter count known for {', '.join(missing)} (sale.local.models)")
    rows = [json.loads(line) for line in (out / "tasks.jsonl").read_text(encoding="utf-8").splitlines()]
    bins: dict[str, dict[str, Any]] = {}
    for name in agents:
        mine = [r for r in rows if r["router"] == f"single:{name}" and r["task_id"].startswith("programs-")]
        for b in sorted({r["bin"] for r in mine}):
            runs = [r for r in mine if r["bin"] == b]
            finished = [r for r in runs if not r.get("exec_error")]
            shape = finished or runs  # every run cut short: its figures are all there is
            steps = sum(r.get("exec_steps", 0) for r in shape)
            bins.setdefault(str(b), {})[name] = {
                "pass": sum(r["passed"] for r in runs) / len(runs), "steps": steps / len(shape),
                "completion_per_step": sum(r["completion_tokens"] for r in shape) / max(steps, 1),
                "tasks": len(runs), "endpoint_failures": len(runs) - len(finished)}
    if not bins:
        raise ValueError(f"{out}: no single-agent run on a programs task (run it with --suite programs)")
    return {"source": str(out), "suite": results.get("suite"), "seed": results.get("seed"),
            "n_test": results.get("n_test"),
            "agents": {n: {"params_billion": sizes[n]} for n in agents}, "bins": dict(sorted(bins.items()))}
