"""Which suite tasks a benchmark runs, how they split into train and test, and in what order a stream sees
them: all seeded, so a seed names the same tasks and orders on every run."""

from __future__ import annotations

import random

from sale.suites.suite import BINS, CODE_VERIFIERS, BenchTask, Suite


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
    if task.verifier in CODE_VERIFIERS or task.domain == "coding":
        return "coding"
    return "deep_search" if task.domain == "deep-search" else "auto"


def stream_order(tasks: list[BenchTask], seed: int, order: int) -> list[BenchTask]:
    """The test tasks as stream ``order`` sees them (SALE's memory grows along it)."""
    out = list(tasks)
    random.Random(f"order/{seed}/{order}").shuffle(out)
    return out
