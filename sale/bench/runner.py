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
import contextlib
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from graphs.context import AuctionContext, Live
from memory_store import AuctionMemory
from sale.analysis.shapley import cumulative_share
from sale.bench import routers as R
from sale.bench.replay import Recorder, Replayer
from sale.core.breaker import Breakers
from sale.core.pool import Pool, load_pool
from sale.core.prompts import SINGLE_PLAN
from sale.sim.world import SIM_POOL, SimParams, SimWorld, sim_pool
from sale.suites.suite import BINS, BenchTask, Suite, load_suite, write_jsonl
from sale.suites.verify import Verdict, deliverable, verify

AUCTION_ROUTERS = ("sale", "sale-nomem")
DEFAULT_ROUTERS = ("sale", "sale-nomem", "single:largest", "wtp", "carrot", "to-router", "frugalgpt", "oracle")
KNOWN = (*AUCTION_ROUTERS, *R.PREDICTIVE, "oracle")


class BenchError(ValueError):
    """Bad benchmark options; the message names the problem."""


@dataclass
class BenchConfig:
    suite: str = "deep-search"
    pool: str = ""
    """A TOML pool file, ``sim:qwen3-ladder``, or empty for the embedded local pool."""
    routers: tuple[str, ...] = DEFAULT_ROUTERS
    seed: int = 0
    size: int = 100
    limit: int | None = None
    orders: int = 1
    out: Path = Path("bench-out")
    train_share: float = 0.4
    signals: tuple[float, ...] = ()
    budget_biases: tuple[float, ...] = ()
    target_quality: float = 0.95
    weights_file: str = ""
    jury_mode: str = "paper"
    corpus: str = ""
    replay: Path | None = None
    judge: str = ""
    concurrency: int = 0
    jury_batch: bool = False
    memory_policy: str = ""
    """SALE's memory retention (memory_store/policy.py); empty = unbounded."""
    max_steps: int = 0
    """Executor model calls per task (0 = 24 for the simulated pool, 6 for real ones)."""
    sim: SimParams = field(default_factory=SimParams)
    progress: bool = True


@dataclass
class Run:
    """One task executed by one router: what the tables are made of."""

    router: str
    task_id: str
    bin: int
    order: int
    agent: str | None
    passed: bool
    usd: float
    tokens: int
    completion_tokens: int
    auction_tokens: int = 0
    auction_completion_tokens: int = 0
    auction_usd: float = 0.0
    tool_usd: float = 0.0
    wall_s: float = 0.0
    position: int = 0
    detail: str = ""
    """The verifier's verdict, for people reading tasks.jsonl."""
    answer: str = ""
    """The tail of the answer as delivered (what a cascade's answer scorer sees; never the verdict)."""
    provisional: str | None = None
    auction_tokens_by_purpose: dict[str, int] = field(default_factory=dict)
    """Auction tokens per kind of call (bid, jury, rebid, rejury)."""


def check_config(cfg: BenchConfig) -> None:
    problems = []
    for r in cfg.routers:
        if r not in KNOWN and not r.startswith(("single:", "direct:")):
            problems.append(f"unknown router {r!r} (known: {', '.join(KNOWN)}, single:NAME, single:largest, "
                            "direct:NAME, direct:largest)")
    if cfg.orders < 1:
        problems.append("--orders must be >= 1")
    if cfg.limit is not None and cfg.limit < 2:
        problems.append("--limit must be >= 2 (one task to train on, one to test)")
    if not 0 <= cfg.train_share < 1:
        problems.append("--train-share must be in [0, 1)")
    if cfg.signals and cfg.pool != SIM_POOL:
        problems.append("--signal sweeps need --pool sim:qwen3-ladder (it sets the simulated agents' signal)")
    if not 0 < cfg.target_quality <= 1.5:
        problems.append("--target-quality must be in (0, 1.5]")
    if cfg.budget_biases and cfg.train_share <= 0:
        problems.append("--sweep budget_bias calibrates on the train split: --train-share must be > 0")
    if problems:
        raise BenchError("\n".join(problems))


def select_tasks(suite: Suite, seed: int, limit: int | None) -> list[BenchTask]:
    """Bins interleaved in a seeded order, so any prefix (``--limit``) covers the bins evenly."""
    rng = random.Random(f"select/{seed}")
    by_bin = {b: [t for t in suite.tasks if t.bin == b] for b in BINS}
    for tasks in by_bin.values():
        rng.shuffle(tasks)
    out: list[BenchTask] = []
    while any(by_bin.values()):
        for b in BINS:
            if by_bin[b]:
                out.append(by_bin[b].pop())
    return out[:limit] if limit else out


def split(tasks: list[BenchTask], seed: int, share: float) -> tuple[list[BenchTask], list[BenchTask]]:
    rng = random.Random(f"split/{seed}")
    order = list(tasks)
    rng.shuffle(order)
    n_train = min(len(order) - 1, max(1, round(share * len(order)))) if share > 0 else 0
    return order[:n_train], order[n_train:]


def executor_domain(task: BenchTask) -> str:
    """The executor's domain for a suite task: its own where the suite says (coding, deep-search), else the rule."""
    if task.verifier == "unit_tests" or task.domain == "coding":
        return "coding"
    return "deep_search" if task.domain == "deep-search" else "auto"


class Bench:
    """One benchmark run: the suite, the pool and its model factory, and every run's outcome."""

    def __init__(self, cfg: BenchConfig, suite: Suite, pool: Pool, factory: Callable | None) -> None:
        self.cfg, self.suite, self.pool, self.factory = cfg, suite, pool, factory
        self.agents = [a.name for a in sorted(pool.agents, key=lambda a: a.price_per_mtok)]
        self.largest = self.agents[-1]
        self.breakers = Breakers(threshold=5, cooldown_s=5.0)
        self.embedder = None
        self.progress: Any = None
        self.task_bar: Any = None

    def context(self, memory: AuctionMemory | None = None, **overrides: Any) -> AuctionContext:
        """The run's settings; ``memory`` travels in :class:`Live`, the other overrides are settings."""
        simulated = self.pool.simulated
        base = AuctionContext(live=Live(pool=self.pool, memory=memory, model_factory=self.factory,
                                        breakers=self.breakers),
                              search_backend="bm25",
            search_corpus=self.cfg.corpus or self.suite.corpus, weights_file=self.cfg.weights_file,
            jury_mode=self.cfg.jury_mode, jury_batch=self.cfg.jury_batch,
            max_steps=self.cfg.max_steps or (24 if simulated else 6),
            exec_token_budget=2_000_000 if simulated else 12_000,
            exec_max_tokens=8192 if simulated else 512)
        return replace(base, **overrides)

    def log_auction(self, label: str, order: int, position: int, task: BenchTask, result: dict[str, Any],
                    verdict: Verdict) -> None:
        """Every bid's features and the outcome, for weight learning and analysis (``DIR/auctions.jsonl``)."""
        keep = ("auction_id", "status", "bids", "jurors", "provisional_winner", "winner", "winner_bid", "budget_bias",
                "usage",
                "memory_size_before", "retrieved")
        row = {"run": label, "order": order, "position": position, "task_id": task.id, "bin": task.bin,
               "domain": task.domain, "passed": verdict["passed"], "weights": result.get("weights"),
               **{k: result.get(k) for k in keep}}
        with (self.cfg.out / "auctions.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")

    def tick(self) -> None:
        if self.progress is not None:
            self.progress.advance(self.task_bar)

    async def check(self, task: BenchTask, answer: str) -> Verdict:
        return await verify(task, answer, judge=self.judge if self.cfg.judge else None)

    async def judge(self, task: BenchTask, answer: str) -> bool | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        from sale.core.calls import call_model
        from sale.core.prompts import JUDGE_SYSTEM, JUDGE_USER, data_block
        from sale.suites.verify import parse_judgement

        spec = self.pool.get(self.cfg.judge)
        messages = [SystemMessage(JUDGE_SYSTEM), HumanMessage(JUDGE_USER.format(
            task=task.task, reference=task.answer, answer_block=data_block(answer, "data")))]
        call = await call_model(spec, messages, purpose="judge", deadline_s=120.0, max_tokens=16,
                                factory=self.factory)
        return None if call["error"] else parse_judgement(call["text"])

    # --- single agents -------------------------------------------------------------------------------------

    async def single(self, agent: str, task: BenchTask) -> Run:
        from graphs.executor import graph as executor

        started = time.monotonic()
        state = await executor.ainvoke({"task": task.task, "plan": SINGLE_PLAN, "agent": agent},
                                       context=self.context(fallback="none", domain=executor_domain(task)))
        wall = time.monotonic() - started
        calls = state.get("calls", [])
        model_calls = [c for c in calls if c["purpose"] == "execute"]
        verdict = await self.check(task, deliverable(task, state.get("answer", "") or "", state.get("steps")))
        self.tick()
        return Run(router=f"single:{agent}", task_id=task.id, bin=task.bin, order=0, agent=agent,
                   passed=verdict["passed"], usd=sum(c["usd"] for c in model_calls),
                   tokens=sum(c["prompt_tokens"] + c["completion_tokens"] for c in model_calls),
                   completion_tokens=sum(c["completion_tokens"] for c in model_calls),
                   tool_usd=sum(c["usd"] for c in calls if c["purpose"] == "tool"), wall_s=wall,
                   detail=verdict["detail"][:200], answer=(state.get("answer") or "")[-500:])

    async def direct(self, agent: str, task: BenchTask) -> Run:
        """The model's own skill: one call, the task as the only message; no plan, no tools, no executor."""
        from langchain_core.messages import HumanMessage

        from sale.core.calls import call_model

        started = time.monotonic()
        call = await call_model(self.pool.get(agent), [HumanMessage(task.task)], purpose="direct", deadline_s=600.0,
                                max_tokens=self.context().exec_max_tokens, factory=self.factory)
        wall = time.monotonic() - started
        answer = "" if call["error"] else call["text"]
        verdict = await self.check(task, answer)
        self.tick()
        return Run(router=f"direct:{agent}", task_id=task.id, bin=task.bin, order=0, agent=agent,
                   passed=verdict["passed"], usd=call["usd"], tokens=call["prompt_tokens"] + call["completion_tokens"],
                   completion_tokens=call["completion_tokens"], tool_usd=0.0, wall_s=wall,
                   detail=(call["error"] or verdict["detail"])[:200], answer=answer[-500:])

    async def directs(self, agent: str, tasks: list[BenchTask]) -> list[Run]:
        limit = asyncio.Semaphore(self.cfg.concurrency or 1)

        async def one(task: BenchTask) -> Run:
            async with limit:
                return await self.direct(agent, task)

        return list(await asyncio.gather(*[one(t) for t in tasks]))

    async def singles(self, tasks: list[BenchTask]) -> dict[tuple[str, str], Run]:
        limit = asyncio.Semaphore(self.cfg.concurrency or (8 if self.pool.simulated else 1))

        async def one(agent: str, task: BenchTask) -> Run:
            async with limit:
                return await self.single(agent, task)

        runs = await asyncio.gather(*[one(a, t) for t in tasks for a in self.agents])
        return {(r.agent, r.task_id): r for r in runs}

    # --- auctions --------------------------------------------------------------------------------------------

    async def auction_stream(self, router: str, tasks: list[BenchTask], order: int, label: str,
                             **overrides: Any) -> list[Run]:
        from graphs.auction import graph

        directory = self.cfg.out / "memory" / f"{label}-order{order}"
        if directory.exists():
            import shutil

            shutil.rmtree(directory)
        from memory_store import RetentionPolicy

        memory = AuctionMemory(directory, embedder=self.embedder, policy=RetentionPolicy.parse(self.cfg.memory_policy))
        runs = []
        try:
            ctx = self.context(memory=memory, refine=router != "sale-nomem", **overrides)
            for position, task in enumerate(tasks):
                started = time.monotonic()
                result = (await graph.ainvoke({"task": task.task}, context=replace(ctx, domain=executor_domain(task))
                                              ))["result"]
                wall = time.monotonic() - started
                verdict = await self.check(task, deliverable(task, result.get("answer") or "",
                                                             (result.get("execution") or {}).get("steps")))
                self.log_auction(label, order, position, task, result, verdict)
                u = result["usage"]
                exec_model_usd = u["execution_usd"] - u["tool_usd"]
                runs.append(Run(
                    router=router, task_id=task.id, bin=task.bin, order=order, agent=result.get("winner"),
                    passed=verdict["passed"] and result["status"] == "ok", usd=u["auction_usd"] + exec_model_usd,
                    tokens=u["auction_tokens"] + u["execution_tokens"],
                    completion_tokens=u["auction_completion_tokens"] + u["execution_completion_tokens"],
                    auction_tokens=u["auction_tokens"], auction_completion_tokens=u["auction_completion_tokens"],
                    auction_usd=u["auction_usd"], tool_usd=u["tool_usd"], wall_s=wall, position=position,
                    detail=verdict["detail"][:200], provisional=result.get("provisional_winner"),
                    auction_tokens_by_purpose={k: v for k, v in u.get("tokens_by_purpose", {}).items()
                                               if k != "execute"}))
                self.tick()
        finally:
            memory.close()
        return runs


def _stream(tasks: list[BenchTask], seed: int, order: int) -> list[BenchTask]:
    out = list(tasks)
    random.Random(f"order/{seed}/{order}").shuffle(out)
    return out


# --- figures ------------------------------------------------------------------------------------------------

def summarise(runs: list[Run], agents: list[str], orders: int) -> dict[str, Any]:
    if not runs:
        return {}
    largest = agents[-1]
    tokens = sum(r.tokens for r in runs)
    completion = sum(r.completion_tokens for r in runs)
    cost = sum(r.usd for r in runs)
    auction = sum(r.auction_tokens for r in runs)
    wins = Counter(r.agent for r in runs)
    out: dict[str, Any] = {
        "pass_at_1": float(np.mean([r.passed for r in runs])),
        "cost_usd": cost / orders,
        "usd_per_mtok": cost / tokens * 1e6 if tokens else 0.0,
        "largest_share": wins.get(largest, 0) / len(runs),
        "auction_token_share": auction / tokens if tokens else 0.0,
        "auction_completion_share": sum(r.auction_completion_tokens for r in runs) / completion if completion else 0.0,
        "auction_usd_share": sum(r.auction_usd for r in runs) / cost if cost else 0.0,
        "wall_s": sum(r.wall_s for r in runs) / orders,
        "tokens": tokens / orders,
        "tool_usd": sum(r.tool_usd for r in runs) / orders,
        "tasks": len(runs) // orders,
        "workload": {a: wins.get(a, 0) / len(runs) for a in agents},
    }
    purposes: Counter[str] = Counter()
    for r in runs:
        purposes.update(r.auction_tokens_by_purpose)
    if purposes and tokens:
        out["auction_token_share_by_purpose"] = {k: purposes[k] / tokens for k in sorted(purposes)}
    if auction:
        out["auction_tokens_per_task"] = auction / len(runs)
        out["execution_tokens_per_task"] = (tokens - auction) / len(runs)
    return out


def with_bins(runs: list[Run], agents: list[str], orders: int) -> dict[str, Any]:
    out = summarise(runs, agents, orders)
    if out:
        out["bins"] = {str(b): summarise([r for r in runs if r.bin == b], agents, orders) for b in BINS
                       if any(r.bin == b for r in runs)}
    return out


def routed_runs(name: str, routes: list[R.Route], test: list[BenchTask], singles: dict[tuple[str, str], Run],
                agents: list[str]) -> list[Run]:
    runs = []
    for task, route in zip(test, routes, strict=True):
        tried = [singles[(agents[a], task.id)] for a in route.tried]
        chosen = singles[(agents[route.chosen], task.id)]
        runs.append(Run(router=name, task_id=task.id, bin=task.bin, order=0, agent=chosen.agent,
                        passed=chosen.passed, usd=sum(t.usd for t in tried), tokens=sum(t.tokens for t in tried),
                        completion_tokens=sum(t.completion_tokens for t in tried),
                        tool_usd=sum(t.tool_usd for t in tried), wall_s=sum(t.wall_s for t in tried),
                        detail=f"tried {', '.join(agents[a] for a in route.tried)}"))
    return runs


def outcomes(tasks: list[BenchTask], singles: dict[tuple[str, str], Run], agents: list[str]) -> R.Outcomes:
    return R.Outcomes(
        agents=agents,
        passed=np.array([[singles[(a, t.id)].passed for a in agents] for t in tasks], dtype=bool).reshape(
            len(tasks), len(agents)),
        cost=np.array([[singles[(a, t.id)].usd for a in agents] for t in tasks], dtype=float).reshape(
            len(tasks), len(agents)),
        answers=[[singles[(a, t.id)].answer for a in agents] for t in tasks],
    )


def diagnostics(runs: list[Run], singles: dict[tuple[str, str], Run], agents: list[str]) -> dict[str, Any]:
    """Routing diagnostics as the paper reports them, against the agents' own runs."""
    rank = {a: i for i, a in enumerate(agents)}
    smallest = [r for r in runs if r.agent == agents[0]]
    over = under = 0
    for r in runs:
        if r.agent is None:
            continue
        passing = [rank[a] for a in agents if singles.get((a, r.task_id)) and singles[(a, r.task_id)].passed]
        if passing and rank[r.agent] > min(passing) and r.passed:
            over += 1
        if passing and not r.passed:
            under += 1
    return {
        "smallest_pick_precision": float(np.mean([r.passed for r in smallest])) if smallest else None,
        "smallest_share": len(smallest) / len(runs) if runs else 0.0,
        "over_escalation_rate": over / len(runs) if runs else 0.0,
        "missed_rate": under / len(runs) if runs else 0.0,
    }


def win_stream(runs: list[Run], agent: str) -> list[float]:
    """Cumulative share of the stream's tasks won by ``agent``, averaged over the stream orders (one order's
    curve is mostly the luck of which tasks came first)."""
    return cumulative_share([[r.agent for r in sorted((r for r in runs if r.order == order), key=lambda r: r.position)]
                             for order in sorted({r.order for r in runs})], agent)


def choose_knob(curve: list[dict[str, Any]], target_pass: float) -> dict[str, Any]:
    """Like RouteLLM's threshold calibration: the cheapest knob setting whose pass@1 reaches the target; if none
    does, the setting with the best pass@1 (cheapest among ties), flagged as short of the target."""
    ok = [p for p in curve if p["pass_at_1"] >= target_pass - 1e-9]
    if ok:
        return {"target_pass_at_1": target_pass, "reached": True, "chosen": min(ok, key=lambda p: p["cost_usd"])}
    best = max(curve, key=lambda p: (p["pass_at_1"], -p["cost_usd"]))
    return {"target_pass_at_1": target_pass, "reached": False, "chosen": best}


# --- the run --------------------------------------------------------------------------------------------------

async def run_bench(cfg: BenchConfig) -> dict[str, Any]:
    check_config(cfg)
    cfg.out.mkdir(parents=True, exist_ok=True)
    suite = load_suite(cfg.suite, cfg.seed, cfg.out / "suite", size=cfg.size)
    tasks = select_tasks(suite, cfg.seed, cfg.limit)
    train, test = split(tasks, cfg.seed, cfg.train_share)
    predictive = [r for r in cfg.routers if r in R.PREDICTIVE]
    if predictive and not train:
        raise BenchError(f"routers {', '.join(predictive)} need a train split (--train-share > 0)")
    write_jsonl(tasks, cfg.out / "suite.jsonl")
    (cfg.out / "auctions.jsonl").write_text("", encoding="utf-8")

    world = None
    if cfg.pool == SIM_POOL:
        pool = sim_pool()
        world = SimWorld(suite.tasks, cfg.seed, cfg.sim)
        inner = world.factory
    else:
        from sale.core.calls import openai_chat_model

        pool = load_pool(cfg.pool) if cfg.pool else _embedded_pool()
        inner = openai_chat_model
    if cfg.judge and cfg.judge not in pool.names:
        raise BenchError(f"--judge {cfg.judge!r} is not an agent of the pool ({', '.join(pool.names)})")
    for r in cfg.routers:
        kind, _, name = r.partition(":")
        if kind in ("single", "direct") and name != "largest" and name not in pool.names:
            raise BenchError(f"router {r}: no agent {name!r} in the pool")
        if kind == "direct" and pool.simulated:
            raise BenchError(f"router {r}: the simulated ladder only bids, judges and executes; direct answers "
                             "need real models")
    recorder = replayer = None
    if cfg.replay is not None:
        replayer = Replayer(Path(cfg.replay) / "calls.jsonl")
        factory = replayer.factory
    else:
        recorder = Recorder(inner, cfg.out / "calls.jsonl")
        factory = recorder.factory
    bench = Bench(cfg, suite, pool, factory)
    from memory_store.embeddings import Embedder

    bench.embedder = Embedder()

    need_singles = bool(cfg.routers)  # every router needs them: baselines, oracle, and SALE's diagnostics
    n_auction = (sum(r in AUCTION_ROUTERS for r in cfg.routers) * cfg.orders
                 + sum(r.startswith("direct:") for r in cfg.routers)) * len(test)
    n_sweeps = len(cfg.signals) * len(test) + len(cfg.budget_biases) * len(train)
    total = (len(tasks) * len(bench.agents) if need_singles else 0) + n_auction + n_sweeps
    started = time.monotonic()
    with _progress(cfg.progress, total, "simulated" if pool.simulated else "real") as (progress, bar):
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
        for router in cfg.routers:
            if router in AUCTION_ROUTERS:
                runs[router] = []
                for order in range(cfg.orders):
                    runs[router] += await bench.auction_stream(router, _stream(test, cfg.seed, order), order, router,
                                                               **bias)
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
                elif router == "wtp":
                    routes = R.wtp(train_o, train_x, test_x)
                elif router == "carrot":
                    routes = R.carrot(train_o, train_x, test_x)
                elif router == "to-router":
                    routes = R.to_router(train_o, [t.task for t in train], [t.task for t in test])
                elif router == "frugalgpt":
                    routes = R.frugalgpt(train_o, train_x, test_o, test_x)
                else:
                    continue
                runs[router] = routed_runs(router, routes, test, singles, agents_order)
        signal_sweep = await _signal_sweep(bench, cfg, test, singles, bias) if cfg.signals else []
    if replayer is not None and replayer.misses:
        raise BenchError(f"replay diverged: {replayer.misses} model call(s) were not in the recording "
                         f"{cfg.replay}/calls.jsonl")

    results = assemble(cfg, suite, pool, tasks, train, test, runs, singles, agents_order, signal_sweep,
                       budget_sweep, knob, time.monotonic() - started)
    (cfg.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    with (cfg.out / "tasks.jsonl").open("w", encoding="utf-8") as fh:
        for router_runs in runs.values():
            for r in router_runs:
                fh.write(json.dumps(r.__dict__) + "\n")
    from sale.bench.report import write_report

    write_report(results, runs, cfg.out)
    return results


async def _signal_sweep(bench: Bench, cfg: BenchConfig, test: list[BenchTask],
                        singles: dict[tuple[str, str], Run], bias: dict[str, float]) -> list[dict[str, Any]]:
    points = []
    original_factory = bench.factory
    for signal in cfg.signals:
        world = SimWorld(bench.suite.tasks, cfg.seed, replace(cfg.sim, signal=signal))
        bench.factory = Recorder(world.factory, cfg.out / "sweeps" / f"signal-{signal:g}.calls.jsonl").factory
        runs = await bench.auction_stream("sale", _stream(test, cfg.seed, 0), 0, f"signal-{signal:g}", **bias)
        points.append({"signal": signal, **summarise(runs, bench.agents, 1),
                       **diagnostics(runs, singles, bench.agents)})
    bench.factory = original_factory
    return points


async def _budget_sweep(bench: Bench, cfg: BenchConfig, train: list[BenchTask]) -> list[dict[str, Any]]:
    """SALE at each knob value on the train split (the calibration set; the test split stays held out)."""
    points = []
    for bias in cfg.budget_biases:
        runs = await bench.auction_stream("sale", _stream(train, cfg.seed, 0), 0, f"budget-{bias:g}",
                                          budget_bias=bias)
        points.append({"budget_bias": bias, **summarise(runs, bench.agents, 1)})
    return points


def assemble(cfg: BenchConfig, suite: Suite, pool: Pool, tasks: list[BenchTask], train: list[BenchTask],
             test: list[BenchTask], runs: dict[str, list[Run]], singles: dict[tuple[str, str], Run],
             agents: list[str], signal_sweep: list[dict[str, Any]], budget_sweep: list[dict[str, Any]],
             knob: dict[str, Any] | None, wall_s: float) -> dict[str, Any]:
    routers: dict[str, Any] = {}
    for name, router_runs in runs.items():
        orders = cfg.orders if name in AUCTION_ROUTERS else 1
        routers[name] = with_bins(router_runs, agents, orders)
        if name in AUCTION_ROUTERS:
            routers[name]["budget_bias"] = knob["chosen"]["budget_bias"] if knob and knob["chosen"] else 1.0
        if name in AUCTION_ROUTERS and singles:
            routers[name]["diagnostics"] = diagnostics(router_runs, singles, agents)
            routers[name]["win_stream_smallest"] = win_stream(router_runs, agents[0])
    strong = routers.get(f"single:{agents[-1]}")
    weak = routers.get(f"single:{agents[0]}")
    for figures in routers.values():
        if strong and strong["cost_usd"]:
            figures["cost_vs_largest"] = figures["cost_usd"] / strong["cost_usd"]
        if strong and weak and strong["pass_at_1"] != weak["pass_at_1"]:
            figures["apgr"] = (figures["pass_at_1"] - weak["pass_at_1"]) / (strong["pass_at_1"] - weak["pass_at_1"])
    return {
        "simulated": pool.simulated,
        "label": "SIMULATED agents (sim:qwen3-ladder)" if pool.simulated else "real agents",
        "suite": suite.name,
        "seed": cfg.seed,
        "pool": {"source": pool.source, "agents": [{"name": a.name, "price_per_mtok": a.price_per_mtok,
                                                    "simulated": a.simulated} for a in pool.agents]},
        "sim_params": cfg.sim.__dict__ if pool.simulated else None,
        "n_tasks": len(tasks), "n_train": len(train), "n_test": len(test), "orders": cfg.orders,
        "cost_convention": "cost_usd = token cost (prompt + completion at each agent's price) summed over the test "
                           "tasks, averaged over orders; tool calls are in tool_usd",
        "routers": routers,
        "signal_sweep": signal_sweep,
        "budget_sweep": budget_sweep,
        "budget_knob": knob,
        "wall_s": wall_s,
        "replayed": cfg.replay is not None,
    }


def _embedded_pool() -> Pool:
    from graphs.live import process_embedded_pool

    return process_embedded_pool()


@contextlib.contextmanager
def _progress(enabled: bool, total: int, kind: str):
    if not enabled:
        yield None, None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(f"[bold]bench ({kind})"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("ETA"), TimeRemainingColumn(), transient=False) as progress:
        bar = progress.add_task("runs", total=total)
        yield progress, bar


def parse_floats(text: str, name: str) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise BenchError(f"{name}: expected comma-separated numbers, got {text!r}") from None
    if not values or not all(math.isfinite(v) and v >= 0 for v in values):
        raise BenchError(f"{name}: expected finite numbers >= 0, got {text!r}")
    return values
