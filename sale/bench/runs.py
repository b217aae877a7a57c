"""One task executed by one router (``Run``), the unit every table and figure is summed from; and the
predictive routers' runs, rebuilt from the single agents' own runs of the tasks they route."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sale.bench import routers as R
from sale.suites.suite import BenchTask


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
    exec_error: str = ""
    """A single agent's run that ended on an endpoint error (timeout, HTTP error, open circuit), not on an answer:
    where a routed baseline falls back to its next choice."""
    decision: str = ""
    """``sale-adaptive``: why the auction was skipped (``skipped:REASON``) or held (``held:REASON``)."""
    usd_provider: float | None = None
    """``usd`` as providers bill (input, cached input and output priced apart); None: as ``usd``."""
    auction_usd_provider: float = 0.0
    cached_tokens: int = 0
    auction_by_purpose: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per kind of auction call: calls, prompt, cached and completion tokens, usd and usd_provider."""
    answer_source: str = ""
    """Where the answer came from (``final_answer``, ``last_code``, ``none``); empty for routers without one."""
    exec_steps: int = 0
    """Executor model steps (single agents and auction winners)."""
    repeated_actions: int = 0
    """Tool calls the executor did not rerun because the agent had already made exactly that call."""
    test_runs: int = 0
    """Times the run's code met the task's examples: checks of drafts and Final Answers, and Python tool runs."""
    check: str = ""
    """Direct answers: the domain's check on the answer, run as the cascade runs it (``pass`` / ``fail``: the
    task's examples ran; ``unverified``: it only imported or could not be run; empty: no check in the domain)."""

    @property
    def provider_usd(self) -> float:
        return self.usd if self.usd_provider is None else self.usd_provider


def routed_runs(name: str, routes: list[R.Route], test: list[BenchTask], singles: dict[tuple[str, str], Run],
                agents: list[str]) -> list[Run]:
    """Each route after SALE's fallback rule (:func:`sale.bench.routers.with_fallback`), looked up in the single
    agents' own runs."""
    runs = []
    for task, planned in zip(test, routes, strict=True):
        route = R.with_fallback(planned, [bool(singles[(a, task.id)].exec_error) for a in agents])
        tried = [singles[(agents[a], task.id)] for a in route.tried]
        chosen = singles[(agents[route.chosen], task.id)]
        runs.append(Run(router=name, task_id=task.id, bin=task.bin, order=0, agent=chosen.agent,
                        passed=chosen.passed, usd=sum(t.usd for t in tried), tokens=sum(t.tokens for t in tried),
                        usd_provider=sum(t.provider_usd for t in tried),
                        cached_tokens=sum(t.cached_tokens for t in tried),
                        completion_tokens=sum(t.completion_tokens for t in tried),
                        tool_usd=sum(t.tool_usd for t in tried), wall_s=sum(t.wall_s for t in tried),
                        exec_steps=sum(t.exec_steps for t in tried), test_runs=sum(t.test_runs for t in tried),
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
        failed=np.array([[bool(singles[(a, t.id)].exec_error) for a in agents] for t in tasks], dtype=bool).reshape(
            len(tasks), len(agents)),
    )
