"""The ``programs`` suite (issue 29): hand-written small programs in three bins, verified by hidden tests.

The tasks live in ``small.py``, ``medium.py`` and ``large.py`` (bins 1, 2, 3; each a ``TASKS`` list of
:class:`~sale.suites.programs.task.ProgramTask`). They are imported when first asked for (``ALL``,
:func:`programs_suite`), so the task type and its self-check import without them.
"""

from __future__ import annotations

import functools
import importlib
import random

from sale.core.tasks import TaskError, validate_task
from sale.suites.programs.task import SIZES, ProgramTask
from sale.suites.suite import BenchTask, Suite, SuiteError

MODULES = {1: "small", 2: "medium", 3: "large"}
"""Each bin's module, in bin order."""
PREFIX = "programs-"
"""Every task id starts with it: ``programs-<bin>-<name>``."""


CTX_PER_SLOT = 16_384
"""Context per slot the embedded models need for the largest bin's loop (a 1,000-token spec and eight replies of
up to 2,048 tokens, each with its observation); the bench starts the embedded pool with at least this."""


def executor_budget(bin_: int) -> dict[str, int]:
    """The executor's budgets for a task of ``bin_`` when the run sets none: a developer's write, run, read, fix
    cycles take more calls as the program grows (2 + 2 x bin model calls), a whole module needs a longer reply
    than one function (2,048 tokens), and the loop's context grows with each step (16,000 tokens per bin)."""
    return {"max_steps": 2 + 2 * bin_, "exec_max_tokens": 2048, "exec_token_budget": 16_000 * bin_}


def is_program(task: BenchTask) -> bool:
    return task.id.startswith(PREFIX)


@functools.cache
def all_tasks() -> tuple[ProgramTask, ...]:
    """The three modules' tasks, in bin order; a missing module, a task in the wrong module or a repeated name is
    a :class:`SuiteError` naming each problem."""
    tasks: list[ProgramTask] = []
    problems: list[str] = []
    for bin_, name in MODULES.items():
        module_name = f"{__name__}.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            problems.append(f"sale/suites/programs/{name}.py is missing (the {SIZES[bin_]} tasks, bin {bin_})")
            continue
        found = list(getattr(module, "TASKS", []))
        problems += [f"{t.name}: in {name}.py but bin {t.bin}" for t in found if t.bin != bin_]
        tasks += found
    names = [t.name for t in tasks]
    problems += [f"{n}: the name is used by {names.count(n)} tasks" for n in sorted(set(names)) if names.count(n) > 1]
    if problems:
        raise SuiteError("programs suite: " + "; ".join(problems), [f"programs suite: {p}" for p in problems])
    return tuple(tasks)


def __getattr__(name: str) -> tuple[ProgramTask, ...]:
    if name == "ALL":
        return all_tasks()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def bench_task(task: ProgramTask) -> BenchTask:
    """The suite row: the task's text, its hidden tests for ``python_tests``, both solutions."""
    try:
        text = validate_task(task.text)
    except TaskError as exc:
        raise SuiteError(f"programs suite: {task.name}: {exc}") from None
    return BenchTask(id=f"{PREFIX}{task.bin}-{task.name}", task=text, domain="coding", bin=task.bin,
                     verifier="python_tests", entry_point=task.entry_point, test=task.hidden,
                     solution=task.solution, wrong=task.wrong)


def interleaved(tasks: list[BenchTask], seed: int) -> list[BenchTask]:
    """Each bin shuffled by ``seed``, then one of each bin in turn: any prefix (``size``) holds every bin in
    about the same share."""
    rng = random.Random(f"programs/{seed}")
    by_bin = {b: [t for t in tasks if t.bin == b] for b in sorted({t.bin for t in tasks})}
    for group in by_bin.values():
        rng.shuffle(group)
    out: list[BenchTask] = []
    for i in range(max(map(len, by_bin.values()), default=0)):
        out += [group[i] for group in by_bin.values() if i < len(group)]
    return out


def programs_suite(seed: int, size: int = 0, tasks: tuple[ProgramTask, ...] | None = None) -> Suite:
    """The suite in a seeded, bin-interleaved order; ``size`` > 0 keeps its first ``size`` tasks (0 = all).
    ``tasks`` replaces the shipped ones (tests)."""
    rows = interleaved([bench_task(t) for t in (all_tasks() if tasks is None else tasks)], seed)
    return Suite(name="programs", tasks=rows[:size] if size > 0 else rows, seed=seed)
