"""``sale bench``: SALE side by side with single agents and routers on one suite, in one run.

Every router sees the same test tasks. Single agents run every task (train and test) once; the predictive
routers learn from the train split and are scored on the test split with the chosen agents' own runs. SALE and
SALE without memory stream the test tasks in ``--orders`` seeded orders (memory starts empty each time) and are
averaged over them. Costs are token costs at each agent's price (the paper's convention); tool calls are reported
beside them (``tool_usd``), not inside. Figures land in ``DIR/results.json`` (schema in docs/benchmark.md),
``DIR/tasks.jsonl`` (every router's outcome per task), ``DIR/report.md`` and PNG plots; every model call is
recorded in ``DIR/calls.jsonl`` so ``--replay DIR`` re-runs the benchmark exactly, offline.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from sale.analysis.online import as_context
from sale.bench import calibrate as C
from sale.bench import learned as L
from sale.bench import routers as R
from sale.bench.config import AUCTION_ROUTERS, ONLINE_ROUTER, BenchConfig, BenchError, check_config
from sale.bench.harness import Bench
from sale.bench.progress import bench_progress
from sale.bench.replay import Recorder, Replayer
from sale.bench.results import assemble, choose_knob
from sale.bench.runs import Run, outcomes, routed_runs
from sale.bench.summary import diagnostics, summarise
from sale.bench.tasks import select_tasks, split, stream_order
from sale.core.pool import Pool, load_pool
from sale.sim.params import SIM_POOL, sim_pool
from sale.sim.world import SimWorld
from sale.suites.jsonl import write_jsonl
from sale.suites.programs import CALL_TIMEOUT_S as PROGRAMS_TIMEOUT_S
from sale.suites.programs import CTX_PER_SLOT as PROGRAMS_CTX
from sale.suites.programs import is_program
from sale.suites.suite import BenchTask, load_suite, recorded_suite


def with_direct_answers(cfg: BenchConfig, pool: Pool, one_shot: bool = True) -> BenchConfig:
    """Every real agent also answers directly (``direct:NAME``, one call): the fair baseline on one-shot tasks, in
    every table. Not on the programs suite, where an executor's loop is the baseline and the cascade's first draft
    is the one-call answer (``--routers direct:NAME`` still asks for it); nor on the simulated ladder (it models
    bids, juries and executions only)."""
    if pool.simulated or not cfg.routers or not one_shot:
        return cfg
    have = {r.replace("direct:largest", f"direct:{max(pool.agents, key=lambda a: a.price_per_mtok).name}")
            for r in cfg.routers}
    extra = tuple(f"direct:{a.name}" for a in sorted(pool.agents, key=lambda a: a.price_per_mtok)
                  if f"direct:{a.name}" not in have)
    return replace(cfg, routers=(*cfg.routers, *extra))


async def run_bench(cfg: BenchConfig) -> dict[str, Any]:
    check_config(cfg)
    cfg.out.mkdir(parents=True, exist_ok=True)
    domains = tuple(d.name for d in cfg.domains)
    if cfg.replay is not None:  # the tasks that were run, whatever the generator draws today
        suite = recorded_suite(Path(cfg.replay), cfg.suite, cfg.seed, cfg.out / "suite", cfg.size, domains)
        tasks = suite.tasks
    else:
        suite = load_suite(cfg.suite, cfg.seed, cfg.out / "suite", size=cfg.size, domains=domains)
        tasks = select_tasks(suite, cfg.seed, cfg.limit)
    train, test = split(tasks, cfg.seed, cfg.train_share)
    predictive = [r for r in cfg.routers if r in R.PREDICTIVE]
    if predictive and not train:
        raise BenchError(f"routers {', '.join(predictive)} need a train split (--train-share > 0)")
    write_jsonl(tasks, cfg.out / "suite.jsonl")
    (cfg.out / "auctions.jsonl").write_text("", encoding="utf-8")

    world = None
    programs = any(is_program(t) for t in suite.tasks)
    if cfg.pool == SIM_POOL:
        pool = sim_pool()
        world = SimWorld(suite.tasks, cfg.seed, cfg.sim)
        inner = world.factory
    else:
        from sale.core.calls import openai_chat_model

        pool = load_pool(cfg.pool) if cfg.pool else _embedded_pool(PROGRAMS_CTX if programs else 0,
                                                                    PROGRAMS_TIMEOUT_S if programs else 0.0,
                                                                    started=cfg.replay is None)
        inner = openai_chat_model
    cfg = with_direct_answers(cfg, pool, one_shot=not programs)
    if cfg.judge and cfg.judge not in pool.names:
        raise BenchError(f"--judge {cfg.judge!r} is not an agent of the pool ({', '.join(pool.names)})")
    for r in cfg.routers:
        kind, _, name = r.partition(":")
        if kind in ("single", "direct") and name != "largest" and name not in pool.names:
            raise BenchError(f"router {r}: no agent {name!r} in the pool")
        if kind == "direct" and pool.simulated:
            raise BenchError(f"router {r}: the simulated ladder only bids, judges and executes; direct answers "
                             "need real models")
    recorder = replayer = reuser = None
    if cfg.replay is not None:
        replayer = Replayer(Path(cfg.replay) / "calls.jsonl")
        factory = replayer.factory
    else:
        if cfg.reuse is not None:
            check_reusable(Path(cfg.reuse), cfg, pool)
            reuser = Replayer(Path(cfg.reuse) / "calls.jsonl", fallback=inner, keep_failures=cfg.keep_failures)
            inner = reuser.factory
        recorder = Recorder(inner, cfg.out / "calls.jsonl")
        factory = recorder.factory
    bench = Bench(cfg, suite, pool, factory)
    if cfg.replay is not None:
        bench.recorded_context, bench.recorded_settings = recorded_settings(Path(cfg.replay))
    else:
        write_run_header(cfg, pool, bench.pinned_context(),
                         {r: bench.router_settings(r) for r in cfg.routers if r in AUCTION_ROUTERS})
    if world is not None:
        bench.fresh_cache = world.fresh_cache
    from memory_store.embeddings import Embedder

    bench.embedder = Embedder()

    need_singles = bool(cfg.routers)  # every router needs them: baselines, oracle, and SALE's diagnostics
    n_auction = (sum(r in AUCTION_ROUTERS for r in cfg.routers) * cfg.orders
                 + sum(r.startswith("direct:") for r in cfg.routers)) * len(test)
    n_sweeps = (len(cfg.signals) * len(test) + len(cfg.budget_biases) * len(train)
                + ("sale-learned" in cfg.routers) * len(train))
    total = (len(tasks) * len(bench.agents) if need_singles else 0) + n_auction + n_sweeps
    started = time.monotonic()
    with bench_progress(cfg.progress, total, "simulated" if pool.simulated else "real") as (progress, bar):
        bench.progress, bench.task_bar = progress, bar
        singles = await bench.singles(tasks) if need_singles else {}
        budget_sweep, knob = [], None
        if cfg.budget_biases:
            budget_sweep = await _budget_sweep(bench, cfg, train)
            largest_train = float(np.mean([singles[(bench.largest, t.id)].passed for t in train]))
            knob = choose_knob(budget_sweep, cfg.target_quality * largest_train)
            knob |= {"calibrated_on": "train", "largest_train_pass_at_1": largest_train,
                     "target_share_of_largest": cfg.target_quality}
        bias = {"budget_bias": knob["chosen"]["budget_bias"]} if knob and knob["chosen"] else {}
        runs: dict[str, list[Run]] = {}
        router_knobs: dict[str, dict[str, Any]] = {}
        learned = await _learn_weights(bench, train, singles) if "sale-learned" in cfg.routers else None
        streams = [(router, order) for router in cfg.routers if router in AUCTION_ROUTERS
                   for order in range(cfg.orders)]

        async def stream(router: str, order: int) -> list[Run]:
            settings = as_context(learned["weights"]) if router == L.ROUTER and learned else bias
            return await bench.auction_stream(router, stream_order(test, cfg.seed, order), order, router, **settings)

        # A stream is sequential (its memory grows task by task) and alone leaves most of a real pool idle while its
        # winner executes: on a real pool the streams run side by side. The simulated ladder keeps one at a time
        # (its prompt-cache model is one per stream).
        if pool.simulated:
            done = [await stream(router, order) for router, order in streams]
        else:
            done = await asyncio.gather(*(stream(router, order) for router, order in streams))
        for (router, _), stream_runs in zip(streams, done, strict=True):
            runs.setdefault(router, []).extend(stream_runs)
        if learned is not None:
            L.held_out(bench, learned, singles)
        for router in cfg.routers:
            if router.startswith("direct:"):
                name = bench.largest if router == "direct:largest" else router.removeprefix("direct:")
                runs[router] = [replace(r, router=router) for r in await bench.directs(name, test)]
        for router in cfg.routers:
            if router.startswith("single:"):
                name = bench.largest if router == "single:largest" else router.removeprefix("single:")
                runs[router] = [replace(singles[(name, t.id)], router=router) for t in test]
        agents_order = bench.agents
        if singles:
            for agent in agents_order:
                runs.setdefault(f"single:{agent}", [replace(singles[(agent, t.id)], router=f"single:{agent}")
                                                    for t in test])
        if predictive or "oracle" in cfg.routers:
            train_o, test_o = outcomes(train, singles, agents_order), outcomes(test, singles, agents_order)
            train_x = np.array(bench.embedder.embed([t.task for t in train])) if train else np.zeros((0, 384))
            test_x = np.array(bench.embedder.embed([t.task for t in test]))
            for router in cfg.routers:
                if router == "oracle":
                    routes = R.oracle(test_o)
                elif router in C.GRIDS:
                    if knob is not None and len(train) >= 2:  # calibrated when SALE's knob is, toward its target
                        router_knobs[router] = C.calibrate(router, train_o, train_x, knob["target_pass_at_1"],
                                                           cfg.seed)
                    routes = C.route(router, C.chosen(router_knobs.get(router)), train_o, train_x, test_o, test_x)
                elif router == "to-router":
                    routes = R.to_router(train_o, [t.task for t in train], [t.task for t in test])
                else:
                    continue
                runs[router] = routed_runs(router, routes, test, singles, agents_order)
        signal_sweep = await _signal_sweep(bench, cfg, test, singles, bias) if cfg.signals else []
    if replayer is not None and replayer.misses:
        raise BenchError(f"replay diverged: {replayer.misses} model call(s) were not in the recording "
                         f"{cfg.replay}/calls.jsonl")

    results = assemble(cfg, suite, pool, tasks, train, test, runs, singles, agents_order, signal_sweep,
                       budget_sweep, knob, time.monotonic() - started)
    for router in set(C.GRIDS) & set(results["routers"]):
        k = router_knobs.get(router)
        results["routers"][router]["knob"] = ({k["knob"]: C.chosen(k), "calibrated_on": k["calibrated_on"]} if k
                                              else {C.GRIDS[router][0]: C.DEFAULTS[router], "calibrated_on": None})
    results["router_knobs"] = router_knobs
    results["context"] = bench.pinned_context()
    results["router_settings"] = {r: bench.router_settings(r) for r in cfg.routers if r in AUCTION_ROUTERS}
    if learned is not None:
        results["routers"][L.ROUTER]["budget_bias"] = 1.0
        results["learned_weights"] = learned
    if ONLINE_ROUTER in cfg.routers:
        results["routers"][ONLINE_ROUTER]["refit_every"] = cfg.refit_every
        results["online_refits"] = bench.online_refits
    if reuser is not None:  # served calls take no time: this run's latencies are not comparable
        results["reused"] = {"from": str(cfg.reuse), "reused_calls": reuser.reused, "new_calls": reuser.misses}
    (cfg.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    with (cfg.out / "tasks.jsonl").open("w", encoding="utf-8") as fh:
        for router_runs in runs.values():
            for r in router_runs:
                fh.write(json.dumps(r.__dict__) + "\n")
    from sale.bench.report import write_report

    write_report(results, runs, cfg.out)
    return results


async def _learn_weights(bench: Bench, train: list[BenchTask], singles: dict[tuple[str, str], Run]
                         ) -> dict[str, Any]:
    from sale.analysis.learn import LearnError

    try:
        return L.fit_weights(bench, await L.train_auctions(bench, train), singles)
    except LearnError as exc:
        raise BenchError(str(exc)) from None


async def _signal_sweep(bench: Bench, cfg: BenchConfig, test: list[BenchTask],
                        singles: dict[tuple[str, str], Run], bias: dict[str, float]) -> list[dict[str, Any]]:
    points = []
    original_factory = bench.factory
    for signal in cfg.signals:
        world = SimWorld(bench.suite.tasks, cfg.seed, replace(cfg.sim, signal=signal))
        bench.factory = Recorder(world.factory, cfg.out / "sweeps" / f"signal-{signal:g}.calls.jsonl").factory
        runs = await bench.auction_stream("sale", stream_order(test, cfg.seed, 0), 0, f"signal-{signal:g}", **bias)
        points.append({"signal": signal, **summarise(runs, bench.agents, 1),
                       **diagnostics(runs, singles, bench.agents)})
    bench.factory = original_factory
    return points


async def _budget_sweep(bench: Bench, cfg: BenchConfig, train: list[BenchTask]) -> list[dict[str, Any]]:
    """SALE at each knob value on the train split (the calibration set; the test split stays held out)."""
    points = []
    for bias in cfg.budget_biases:
        runs = await bench.auction_stream("sale", stream_order(train, cfg.seed, 0), 0, f"budget-{bias:g}",
                                          budget_bias=bias)
        points.append({"budget_bias": bias, **summarise(runs, bench.agents, 1)})
    return points


def check_reusable(source: Path, cfg: BenchConfig, pool: Pool) -> None:
    """Identical prompts get identical replies only from the same agents: refuse a recording made with other
    models, other simulated settings or (simulated replies depend on it) another seed; never overwrite it."""
    if source.resolve() == cfg.out.resolve():
        raise BenchError("--reuse DIR must differ from --out: the new run's recording would overwrite it")
    try:  # a finished run's results, else the header a run writes when it starts (a run stopped half way)
        earlier = json.loads((source / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        try:
            earlier = json.loads((source / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise BenchError(f"--reuse {source}: neither results.json (a finished run) nor run.json (a run's "
                             "header) is readable there") from None
    theirs = {a["name"]: a.get("model") for a in earlier.get("pool", {}).get("agents", [])}
    ours = {a.name: a.model for a in pool.agents}
    problems = []
    if set(theirs) != set(ours) or any(m is not None and m != ours[n] for n, m in theirs.items()):
        problems.append(f"its agents {sorted(theirs)} are not this pool's {sorted(ours)}")
    if bool(earlier.get("simulated")) != pool.simulated:
        problems.append("one run is simulated, the other is not")
    elif pool.simulated and (earlier.get("sim_params") != cfg.sim.__dict__ or earlier.get("seed") != cfg.seed):
        problems.append("simulated replies depend on the seed and the simulator's settings, which differ")
    if problems:
        raise BenchError(f"--reuse {source}: " + "; ".join(problems))


def write_run_header(cfg: BenchConfig, pool: Pool, context: dict[str, Any],
                     router_settings: dict[str, dict[str, Any]]) -> None:
    """``DIR/run.json``: the pool and seed a recording was made with, its pinned settings and each SALE router's,
    written before the first call, so a run stopped half way (a session's end, a crash) can be continued with
    ``--reuse DIR`` and a replay runs as the recording ran, whatever today's defaults."""
    header = {"pool": {"agents": [{"name": a.name, "model": a.model} for a in pool.agents]},
              "simulated": pool.simulated, "seed": cfg.seed, "sim_params": cfg.sim.__dict__ if pool.simulated else None,
              "context": context, "router_settings": router_settings}
    (cfg.out / "run.json").write_text(json.dumps(header, indent=2), encoding="utf-8")


def recorded_settings(source: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The pinned settings and the SALE routers' settings a recording ran with (``run.json``, else
    ``results.json``); none for a recording older than the record (it replays with today's)."""
    for name in ("run.json", "results.json"):
        try:
            data = json.loads((source / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        return dict(data.get("context") or {}), dict(data.get("router_settings") or {})
    return {}, {}


def _embedded_pool(ctx_per_slot: int, timeout_s: float = 0.0, started: bool = True) -> Pool:
    """The embedded ladder (its servers not ``started`` for a replay, which calls none); ``timeout_s`` (when
    given) raises its agents' per-call timeout to at least that."""
    from graphs.live import process_embedded_pool
    from sale.local.pool import unstarted_embedded_agents

    pool = process_embedded_pool(ctx_per_slot) if started else unstarted_embedded_agents()
    if not timeout_s:
        return pool
    return replace(pool, agents=tuple(replace(a, timeout_s=max(a.timeout_s, timeout_s)) for a in pool.agents))
