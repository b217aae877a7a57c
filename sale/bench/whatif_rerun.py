"""``sale whatif`` for the routers whose path depends on prices: re-run from the recording, no model call.

The cascade decides who drafts from prices (an agent drafts when P(pass) x cost(dearest) >= cost(own)), so a new
price list can change who drafts, who delivers and what passes: no re-pricing of the recorded spend says what it
would do. Instead its streams run again, in their recorded order, with the recorded agents at the new prices and
every model call served from the run's own recording (``calls.jsonl``), as ``sale bench --replay`` does. A path
that needs a call the recording does not hold (a draft or redraft that never ran) gets no figure: the tasks and
agents that needed one are named, with how to record them (``--reuse``).
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from sale.bench.replay import Replayer, ReplayMiss
from sale.bench.runs import Run
from sale.core.pool import AgentSpec, Pool

PRICE_PATH_POLICIES = ("cascade",)
"""Auction policies whose path depends on prices and that ``whatif`` therefore re-runs."""
_SETTINGS = ("jury_signal", "jury_reason", "jury_batch", "jury_layout", "rebid_exemplars", "refine_min_similarity",
             "memory_policy", "domain")
"""The run's settings that ``results.json`` states (the SALE routers' own and the pinned ones are in ``run.json``)."""


class RerunError(ValueError):
    """The recording cannot be re-run here (its pool's agents are unknown)."""


def price_path_routers(results: dict[str, Any], routers: list[str]) -> list[str]:
    """The recorded routers whose path depends on prices: a cascade (its recorded settings, else its name)."""
    from sale.bench.harness import POLICY_OF

    settings = results.get("router_settings") or {}
    return [r for r in routers
            if (settings.get(r) or POLICY_OF.get(r) or {}).get("auction_policy") in PRICE_PATH_POLICIES]


def repriced_pool(results: dict[str, Any], directory: Path, prices: dict[str, tuple[float, float]],
                  pool_file: str = "") -> Pool:
    """The run's agents as they ran (the pool file given, else the recorded pool's source), at ``prices``."""
    from sale.core.pool import PoolError, load_pool

    source = (results.get("pool") or {}).get("source", "")
    try:
        if pool_file or (source and source != "embedded" and Path(source).is_file()):
            base = load_pool(pool_file or source)
        elif source == "embedded":
            from sale.local.pool import unstarted_embedded_agents

            base = unstarted_embedded_agents()
        else:
            raise RerunError(f"{directory}: its pool ({source or 'unstated'}) is not readable here, and re-running "
                             "its cascade needs the agents as they ran: pass --pool FILE")
    except PoolError as exc:
        raise RerunError(str(exc)) from None
    specs = {a.name: a for a in base.agents}
    missing = sorted(set(prices) - set(specs))
    if missing:
        raise RerunError(f"{pool_file or source}: no agent {', '.join(missing)} of the run {directory}")

    def priced(spec: AgentSpec, flat: float, output: float) -> AgentSpec:
        ratio = flat / spec.price_per_mtok if spec.price_per_mtok else 1.0
        return replace(spec, price_per_mtok=flat, output_price_per_mtok=output,
                       **{k: getattr(spec, k) * ratio for k in ("input_price_per_mtok", "cached_input_price_per_mtok")
                          if getattr(spec, k) is not None})

    return Pool.of(*[priced(specs[n], *prices[n]) for n in prices], source=base.source)


class _Unrecorded(BaseChatModel):
    """Stands in for a model the recording has no reply from: notes the agent and fails the call, as an endpoint
    that is down fails it (the auction carries on without it; its figures are not reported)."""

    agent: str
    seen: Any
    """The list the agent's name is appended to (typed Any: the model must not copy it)."""

    @property
    def _llm_type(self) -> str:
        return "sale-unrecorded"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append(self.agent)
        raise ReplayMiss(f"a call of {self.agent} was not recorded")


def rerun(recording: Any, prices: dict[str, tuple[float, float]], routers: list[str],
          pool_file: str = "") -> dict[str, dict[str, Any]]:
    """Each of ``routers`` re-run at ``prices`` from ``recording``: ``{"runs": [...], "unrecorded": None}``, or
    ``unrecorded`` naming the tasks (and agents) whose path needs a call the recording lacks (``runs`` empty)."""
    from sale.suites.suite import SuiteError

    pool = repriced_pool(recording.results, recording.directory, prices, pool_file)
    try:
        return asyncio.run(_rerun(recording, pool, routers))
    except (FileNotFoundError, SuiteError) as exc:
        raise RerunError(f"re-running {', '.join(routers)} at these prices needs the run's recording: {exc}") from None


async def _rerun(recording: Any, pool: Pool, routers: list[str]) -> dict[str, dict[str, Any]]:
    from memory_store.embeddings import Embedder
    from sale.bench.config import BenchConfig
    from sale.bench.harness import Bench
    from sale.bench.runner import recorded_settings
    from sale.suites.suite import recorded_suite

    res, directory = recording.results, recording.directory
    seen: list[str] = []
    replayer = Replayer(directory / "calls.jsonl", fallback=lambda spec: _Unrecorded(agent=spec.name, seen=seen))
    knob = (res.get("budget_knob") or {}).get("chosen") or {}
    bias = {"budget_bias": knob["budget_bias"]} if "budget_bias" in knob else {}
    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="sale-whatif-") as tmp:
        cfg = BenchConfig(suite=res.get("suite") or "", pool="whatif", out=Path(tmp), routers=tuple(routers),
                          seed=res.get("seed", 0), size=res.get("n_tasks") or 100, progress=False,
                          **{k: res[k] for k in _SETTINGS if k in res})
        suite = recorded_suite(directory, cfg.suite, cfg.seed, Path(tmp) / "suite", cfg.size)
        by_id = {t.id: t for t in suite.tasks}
        bench = Bench(cfg, suite, pool, replayer.factory)
        bench.recorded_context, bench.recorded_settings = recorded_settings(directory)
        bench.embedder = Embedder()
        missed: list[tuple[str, int, int, str, list[str]]] = []
        log = bench.log_auction

        def attributed(label: str, order: int, position: int, task: Any, result: Any, verdict: Any) -> None:
            if seen:
                missed.append((label, order, position, task.id, sorted(set(seen))))
                seen.clear()
            log(label, order, position, task, result, verdict)

        bench.log_auction = attributed  # type: ignore[method-assign]
        for router in routers:
            recorded: list[Run] = recording.runs[router]
            runs: list[Run] = []
            for order in sorted({r.order for r in recorded}):
                stream = [by_id[r.task_id] for r in sorted((r for r in recorded if r.order == order),
                                                           key=lambda r: r.position)]
                runs += await bench.auction_stream(router, stream, order, router, **bias)
            mine = [m for m in missed if m[0] == router]
            out[router] = {"runs": [] if mine else runs, "unrecorded": None if not mine else {
                "tasks": len({(m[1], m[3]) for m in mine}), "of": len(recorded),
                "agents": sorted({a for m in mine for a in m[4]}), "first_position": min(m[2] for m in mine),
                "task_ids": sorted({m[3] for m in mine})}}
    return out
