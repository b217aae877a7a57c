"""How each kind of router runs a task, all with one pool, model factory and circuit breakers: single agents
through the executor, direct calls to a model, and SALE streams through the auction graph with a fresh memory."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from typing import Any

from graphs.context import AuctionContext, Live
from memory_store import AuctionMemory
from nodes.finish import provider_usd_of
from sale.analysis.online import as_context, due, refit
from sale.bench.config import ONLINE_ROUTER, BenchConfig
from sale.bench.progress import LineProgress
from sale.bench.replay import counting_new_calls, take_new_calls
from sale.bench.runs import Run
from sale.bench.tasks import executor_domain
from sale.core.breaker import Breakers
from sale.core.deliverable import Delivery
from sale.core.pool import Pool
from sale.core.prompts import SINGLE_PLAN
from sale.suites.programs import executor_budget, is_program
from sale.suites.suite import BenchTask, Suite
from sale.suites.verify import Verdict, verify

POLICY_OF = {"sale-adaptive": {"auction_policy": "adaptive"}, "sale-cascade": {"auction_policy": "cascade"},
             "sale-cascade-tests": {"auction_policy": "cascade", "cascade_tests": True},
             "sale-cascade-loop": {"auction_policy": "cascade", "cascade_last_resort": "loop"},
             "sale-reliable": {"juror_reliability": 200}}
"""The settings each SALE router variant runs with, beyond the run's own."""
PINNED = ("check_final_answers",)
"""Settings of every stream that a recording states (``run.json``: ``context``) and a replay uses: a setting whose
default changes joins here, and the recordings made before the change state the value they ran with."""


def decision_of(result: dict[str, Any]) -> str:
    """``skipped:REASON`` or ``held:REASON`` under the adaptive policy, ``cascade:A>B`` (the agents that drafted,
    in order) under the cascade, empty otherwise."""
    if result.get("cascade"):
        drafted = dict.fromkeys(d["agent"] for d in result["cascade"]["decisions"])
        return "cascade:" + ">".join(drafted)
    if result.get("auction_skipped"):
        return f"skipped:{result['auction_skipped']['reason']}"
    return f"held:{result['auction_held']['reason']}" if result.get("auction_held") else ""


def repeats(steps: list[dict[str, Any]]) -> int:
    return sum(1 for s in steps if s.get("repeat_of") is not None)


def count_test_runs(steps: Sequence[dict[str, Any]], bids: Sequence[dict[str, Any]] = ()) -> int:
    """Times a run's code met the task's examples: the check of a draft or Final Answer (the executor's steps; a
    cascade's drafts, checked in the auction), and each Python tool run (an agent running its code or tests)."""
    checked = sum(1 for s in steps if s.get("check") is not None and not s.get("from_auction"))
    ran = sum(1 for s in steps if s.get("kind") == "tool" and s.get("tool") == "python" and s.get("repeat_of") is None)
    return checked + ran + sum(1 for b in bids if b.get("check") is not None)


class Bench:
    """One benchmark run: the suite, the pool and its model factory, and every run's outcome."""

    def __init__(self, cfg: BenchConfig, suite: Suite, pool: Pool, factory: Callable | None) -> None:
        self.cfg, self.suite, self.pool, self.factory = cfg, suite, pool, factory
        self.agents = [a.name for a in sorted(pool.agents, key=lambda a: a.price_per_mtok)]
        self.largest = self.agents[-1]
        self.breakers = Breakers(threshold=5, cooldown_s=5.0)
        self.embedder = None
        self.online_refits: list[dict[str, Any]] = []
        self.progress: Any = None
        self.task_bar: Any = None
        self.recorded_context: dict[str, Any] = {}
        """The run's ``PINNED`` settings as a replayed recording ran them (its ``context``)."""
        self.recorded_settings: dict[str, dict[str, Any]] = {}
        """Each SALE router's settings as a replayed recording ran them (its ``router_settings``), so a recording
        replays exactly after a default changes."""
        self.fresh_cache: Callable[[], None] = lambda: None
        """Called as each stream starts (the single agents, each router and order): on the simulated ladder it
        empties the prefix cache, so no stream finds its prompts cached by another router's run of the same tasks."""

    def router_settings(self, router: str) -> dict[str, Any]:
        """What a SALE router runs with beyond the run's settings: its policy and every cascade setting (recorded
        in ``run.json``, so a replay uses what the recording used)."""
        own = {"auction_policy": "always", **POLICY_OF.get(router, {})}
        base = AuctionContext()
        pinned = {f.name: getattr(base, f.name) for f in fields(base) if f.name.startswith("cascade_")}
        return {**pinned, **own, **self.recorded_settings.get(router, {})}

    def context(self, memory: AuctionMemory | None = None, **overrides: Any) -> AuctionContext:
        """The run's settings; ``memory`` travels in :class:`Live`, the other overrides are settings."""
        simulated = self.pool.simulated
        base = AuctionContext(live=Live(pool=self.pool, memory=memory, model_factory=self.factory,
                                        breakers=self.breakers, domains=self.cfg.domains),
                              search_backend="bm25",
            search_corpus=self.cfg.corpus or self.suite.corpus, weights_file=self.cfg.weights_file,
            jury_mode=self.cfg.jury_mode, jury_batch=self.cfg.jury_batch, jury_signal=self.cfg.jury_signal,
            jury_reason=self.cfg.jury_reason, refine_min_similarity=self.cfg.refine_min_similarity,
            jury_layout=self.cfg.jury_layout, rebid_exemplars=self.cfg.rebid_exemplars,
            max_steps=self.cfg.max_steps or (24 if simulated else 6), execution=self.cfg.execution,
            exec_token_budget=2_000_000 if simulated else 12_000,
            exec_max_tokens=8192 if simulated else 512)
        return replace(base, **{**self.recorded_context, **overrides})

    def pinned_context(self) -> dict[str, Any]:
        """The ``PINNED`` settings this run uses, for its ``run.json``."""
        ctx = self.context()
        return {name: getattr(ctx, name) for name in PINNED}

    def executor_budget(self, task: BenchTask) -> dict[str, int | float]:
        """The executor's budgets for ``task`` beyond the run's: on a real pool a programs task gets its bin's
        (sale/suites/programs: more steps, longer replies, more tokens as the program grows), steps capped by
        ``--max-steps``, deadlines at least the pool's longest call timeout; other tasks and sim pools, the run's."""
        if self.pool.simulated or not is_program(task):
            return {}
        budget = executor_budget(task.bin)
        longest = max(a.timeout_s for a in self.pool.agents)  # a pool's own longer call timeout is not cut short
        budget |= {k: max(float(v), longest) for k, v in budget.items() if k.endswith("_deadline_s")}
        return budget | ({"max_steps": min(budget["max_steps"], self.cfg.max_steps)} if self.cfg.max_steps else {})

    def log_auction(self, label: str, order: int, position: int, task: BenchTask, result: dict[str, Any],
                    verdict: Verdict) -> None:
        """Every bid's features and the outcome, for weight learning and analysis (``DIR/auctions.jsonl``)."""
        keep = ("auction_id", "status", "bids", "jurors", "provisional_winner", "winner", "winner_bid", "budget_bias",
                "usage",
                "memory_size_before", "retrieved", "auction_skipped", "auction_held", "cascade", "juror_reliability")
        row = {"run": label, "order": order, "position": position, "task_id": task.id, "bin": task.bin,
               "domain": task.domain, "passed": verdict["passed"], "weights": result.get("weights"),
               **{k: result.get(k) for k in keep}}
        with (self.cfg.out / "auctions.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")

    def tick(self) -> None:
        """One run done; on a ``--reuse`` run, whether the recording served it whole (no call since the last)."""
        if self.progress is None:
            return
        served = self.cfg.reuse is not None and take_new_calls() == 0
        if isinstance(self.progress, LineProgress):
            self.progress.advance(self.task_bar, served=served)
        else:
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
        domain = executor_domain(task, self.cfg.domain)
        state = await executor.ainvoke({"task": task.task, "plan": SINGLE_PLAN, "agent": agent},
                                       context=self.context(fallback="none", domain=domain,
                                                            **self.executor_budget(task)))
        wall = time.monotonic() - started
        calls = state.get("calls", [])
        model_calls = [c for c in calls if c["purpose"] == "execute"]
        verdict = await self.check(task, state.get("answer") or "")
        self.tick()
        return Run(router=f"single:{agent}", task_id=task.id, bin=task.bin, order=0, agent=agent,
                   passed=verdict["passed"], usd=sum(c["usd"] for c in model_calls),
                   usd_provider=sum(c.get("usd_provider", c["usd"]) for c in model_calls),
                   cached_tokens=sum(c.get("cached_tokens", 0) for c in model_calls),
                   tokens=sum(c["prompt_tokens"] + c["completion_tokens"] for c in model_calls),
                   completion_tokens=sum(c["completion_tokens"] for c in model_calls),
                   tool_usd=sum(c["usd"] for c in calls if c["purpose"] == "tool"), wall_s=wall,
                   detail=verdict["detail"][:200], answer=(state.get("answer") or "")[-500:],
                   exec_error=(state.get("error") or "failed")[:200] if state.get("status") == "failed" else "",
                   answer_source=state.get("answer_source", ""), exec_steps=state.get("model_steps", 0),
                   repeated_actions=repeats(state.get("steps", [])), test_runs=count_test_runs(state.get("steps", [])))

    async def direct(self, agent: str, task: BenchTask) -> Run:
        """The model's own skill: one call, the task as the only message; no plan, no tools, no executor. Its reply
        may be as long as an executor's reply on the task (a whole module on a programs task)."""
        from langchain_core.messages import HumanMessage

        from sale.core.calls import call_model

        started = time.monotonic()
        ctx = self.context(**self.executor_budget(task))
        call = await call_model(self.pool.get(agent), [HumanMessage(task.task)], purpose="direct",
                                deadline_s=ctx.execute_deadline_s, max_tokens=ctx.exec_max_tokens,
                                factory=self.factory)
        wall = time.monotonic() - started
        delivery = self.delivered(task, "" if call["error"] else call["text"])
        answer = delivery.answer
        verdict = await self.check(task, answer)
        check = await self.visible_check(task, delivery)
        self.tick()
        return Run(router=f"direct:{agent}", task_id=task.id, bin=task.bin, order=0, agent=agent,
                   passed=verdict["passed"], usd=call["usd"], tokens=call["prompt_tokens"] + call["completion_tokens"],
                   usd_provider=call["usd_provider"], cached_tokens=call["cached_tokens"],
                   completion_tokens=call["completion_tokens"], tool_usd=0.0, wall_s=wall,
                   detail=(call["error"] or verdict["detail"])[:200], answer=answer[-500:],
                   answer_source=delivery.source, exec_steps=1, check=check)

    async def visible_check(self, task: BenchTask, delivery: Delivery) -> str:
        """The domain's check of a direct answer against what the task shows (never its hidden tests)."""
        from graphs.live import domain_of
        from nodes.run_tools import tool_settings

        ctx = self.context(domain=executor_domain(task, self.cfg.domain))
        domain = domain_of(ctx, task.task, None)
        if domain.check is None:
            return ""
        if delivery.source == "none":
            return "fail"
        check = await asyncio.to_thread(domain.check, task.task, delivery.answer, tool_settings(ctx))
        if not check["examples"]:
            return "unverified" if check["passed"] else "fail"
        return "pass" if check["passed"] else "fail"

    def delivered(self, task: BenchTask, reply: str) -> Delivery:
        """A direct reply under the same deliverable rule as the executor's (what a user of one call gets)."""
        from graphs.live import domain_of

        ctx = self.context(domain=executor_domain(task, self.cfg.domain))
        return domain_of(ctx, task.task, None).deliver(task.task, reply, [])

    async def directs(self, agent: str, tasks: list[BenchTask]) -> list[Run]:
        limit = asyncio.Semaphore(self.cfg.concurrency or 1)

        async def one(task: BenchTask) -> Run:
            async with limit:
                with counting_new_calls():
                    return await self.direct(agent, task)

        return list(await asyncio.gather(*[one(t) for t in tasks]))

    async def singles(self, tasks: list[BenchTask]) -> dict[tuple[str, str], Run]:
        self.fresh_cache()
        limit = asyncio.Semaphore(self.cfg.concurrency or (8 if self.pool.simulated else 1))

        async def one(agent: str, task: BenchTask) -> Run:
            async with limit:
                with counting_new_calls():
                    return await self.single(agent, task)

        runs = await asyncio.gather(*[one(a, t) for t in tasks for a in self.agents])
        return {(r.agent, r.task_id): r for r in runs}

    # --- auctions --------------------------------------------------------------------------------------------

    def fresh_memory(self, name: str, policy: bool = True) -> AuctionMemory:
        """An empty memory in ``DIR/memory/NAME`` (a rerun's leftovers removed), under ``--memory-policy``."""
        import shutil

        from memory_store import RetentionPolicy

        directory = self.cfg.out / "memory" / name
        if directory.exists():
            shutil.rmtree(directory)
        return AuctionMemory(directory, embedder=self.embedder,
                             policy=RetentionPolicy.parse(self.cfg.memory_policy) if policy else None)

    async def auction_stream(self, router: str, tasks: list[BenchTask], order: int, label: str,
                             **overrides: Any) -> list[Run]:
        from graphs.auction import graph

        self.fresh_cache()
        memory = self.fresh_memory(f"{label}-order{order}")
        runs = []
        recorded = 0
        with counting_new_calls():  # tick() reads and resets it after each auction
            try:
                ctx = self.context(memory=memory, refine=router != "sale-nomem",
                                   **{**self.router_settings(router), **overrides})
                for position, task in enumerate(tasks):
                    started = time.monotonic()
                    domain = executor_domain(task, self.cfg.domain)
                    task_ctx = replace(ctx, domain=domain, **self.executor_budget(task))
                    result = (await graph.ainvoke({"task": task.task}, context=task_ctx))["result"]
                    wall = time.monotonic() - started
                    verdict = await self.check(task, result.get("answer") or "")
                    self.log_auction(label, order, position, task, result, verdict)
                    passed = verdict["passed"] and result["status"] == "ok"
                    if result["status"] == "ok" and not result.get("auction_skipped"):
                        memory.record_outcome(result["auction_id"], passed)
                        recorded += 1
                        if router == ONLINE_ROUTER and due(recorded, self.cfg.refit_every):
                            fitted = refit(memory, self.pool)
                            self.online_refits.append({"order": order, "after_position": position,
                                                       **(fitted or {"weights": None, "kept": "too few labelled "
                                                                     "auctions, or no solution: weights unchanged"})})
                            if fitted:
                                ctx = replace(ctx, **as_context(fitted["weights"]))
                    u = result["usage"]
                    exec_model_usd = u["execution_usd"] - u["tool_usd"]
                    provider = provider_usd_of(u) - u["tool_usd"]
                    runs.append(Run(
                        router=router, task_id=task.id, bin=task.bin, order=order, agent=result.get("winner"),
                        passed=passed, usd=u["auction_usd"] + exec_model_usd,
                        tokens=u["auction_tokens"] + u["execution_tokens"],
                        completion_tokens=u["auction_completion_tokens"] + u["execution_completion_tokens"],
                        auction_tokens=u["auction_tokens"], auction_completion_tokens=u["auction_completion_tokens"],
                        auction_usd=u["auction_usd"], tool_usd=u["tool_usd"], wall_s=wall, position=position,
                        detail=verdict["detail"][:200], provisional=result.get("provisional_winner"),
                        auction_tokens_by_purpose={k: v for k, v in u.get("tokens_by_purpose", {}).items()
                                                   if k != "execute"}, decision=decision_of(result),
                        usd_provider=provider, auction_usd_provider=u["auction_usd_provider"],
                        cached_tokens=u["cached_tokens"], answer_source=result.get("answer_source") or "",
                        answer=(result.get("answer") or "")[-500:],
                        exec_steps=(result.get("execution") or {}).get("model_steps", 0),
                        repeated_actions=repeats((result.get("execution") or {}).get("steps", [])),
                        test_runs=count_test_runs((result.get("execution") or {}).get("steps", []),
                                                  result.get("bids") or []),
                        auction_by_purpose={k: v for k, v in u.get("by_purpose", {}).items() if k != "execute"}))
                    self.tick()
            finally:
                memory.close()
        return runs
