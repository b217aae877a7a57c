"""Which suite tasks a benchmark runs, how they split into train and test, and in what order a stream sees
them: all seeded, so a seed names the same tasks and orders on every run."""

from __future__ import annotations

import random

from sale.suites.suite import BINS, CODE_VERIFIERS, SUITE_DOMAINS, BenchTask, Suite


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


def executor_domain(task: BenchTask, override: str = "") -> str:
    """The executor's domain for a suite task: ``override`` (``--domain``), else the one its row names (a
    registered domain's name, or a shipped one), else coding for a task a code verifier checks, else the rule."""
    if override:
        return override
    named = SUITE_DOMAINS.get(task.domain, task.domain)
    if task.verifier in CODE_VERIFIERS and named == "auto":
        return "coding"
    return named


def stream_order(tasks: list[BenchTask], seed: int, order: int) -> list[BenchTask]:
    """The test tasks as stream ``order`` sees them (SALE's memory grows along it)."""
    out = list(tasks)
    random.Random(f"order/{seed}/{order}").shuffle(out)
    return out
