"""The ``programs`` suite (issue 29): hand-written small programs in three bins, verified by hidden tests.

Each task is a folder under ``tasks/<small|medium|large>/<name>/`` (bins 1, 2, 3): ``task.json`` (its bin and
entry point), ``spec.md`` (what to write), ``visible.txt`` (the example tests shown), ``hidden.txt`` (the tests
never shown), ``solution.txt`` (the reference) and ``wrong.txt`` (a plausible wrong module). Plain files, so a task
reads (and diffs) as a person wrote it; they are read when first asked for (``ALL``, :func:`programs_suite`).
"""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path

from sale.core.tasks import TaskError, validate_task
from sale.suites.programs.task import SIZES, ProgramTask
from sale.suites.suite import BenchTask, Suite, SuiteError

MODULES = {1: "small", 2: "medium", 3: "large"}
"""Each bin's folder under ``tasks/``, in bin order."""
TASKS_DIR = Path(__file__).resolve().parent / "tasks"
FILES = {"spec": "spec.md", "visible": "visible.txt", "hidden": "hidden.txt", "solution": "solution.txt",
         "wrong": "wrong.txt"}
"""A task folder's files, by the :class:`~sale.suites.programs.task.ProgramTask` field each holds."""
PREFIX = "programs-"
"""Every task id starts with it: ``programs-<bin>-<name>``."""


CTX_PER_SLOT = 16_384
"""Context per slot the embedded models get for the programs suite; the bench starts the embedded pool with at
least this. The loop's token budget ends it first as a rule; only in the worst case (every reply at its 2,048
tokens and every observation at its 4,000 characters) can the last call of a bin-3 loop exceed it, and fail."""


CALL_TIMEOUT_S = 2400.0
"""How long one model call of the suite may take (the embedded pool's per-call timeout, and the deadline of every
call on a real pool: bids, jury, drafts, executor steps, direct answers): a whole 2,048-token reply at 1.0 token a
second, the slowest rate the servers' logs show for the 1.5B (replies over 200 tokens, three models and four
tasks sharing two cores), plus its prompt. At the default 300 s the 1.5B could not finish a module of more than
about 600 tokens: a bin-3 program failed for the machine's speed, not the model's skill."""


def executor_budget(bin_: int) -> dict[str, int | float]:
    """The executor's budgets for a task of ``bin_`` when the run sets none: a developer's write, run, read, fix
    cycles take more calls as the program grows (2 + 2 x bin model calls), a whole module needs a longer reply
    than one function (2,048 tokens), and the loop's context grows with each step (16,000 tokens per bin). Every
    call's deadline is :data:`CALL_TIMEOUT_S` (the bench raises it to a pool's longer call timeout), the auction's
    too: a bid read against a 120 s deadline would drop SALE's bidders for the machine's speed while the single
    agents got 2,400 s."""
    return {"max_steps": 2 + 2 * bin_, "exec_max_tokens": 2048, "exec_token_budget": 16_000 * bin_,
            "execute_deadline_s": CALL_TIMEOUT_S, "bid_deadline_s": CALL_TIMEOUT_S, "jury_deadline_s": CALL_TIMEOUT_S}


def is_program(task: BenchTask) -> bool:
    return task.id.startswith(PREFIX)


@functools.cache
def all_tasks() -> tuple[ProgramTask, ...]:
    """Every task, in bin order and by name within a bin; a missing bin, a task filed under the wrong bin or one
    missing a file is a :class:`SuiteError` naming each problem."""
    tasks: list[ProgramTask] = []
    problems: list[str] = []
    for bin_, name in MODULES.items():
        folder = TASKS_DIR / name
        if not folder.is_dir():
            problems.append(f"sale/suites/programs/tasks/{name}/ is missing (the {SIZES[bin_]} tasks, bin {bin_})")
            continue
        for task_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            try:
                task = read_task(task_dir)
            except (OSError, ValueError, KeyError) as exc:
                problems.append(f"{task_dir.name}: {exc}")
                continue
            if task.bin != bin_:
                problems.append(f"{task.name}: under {name}/ but bin {task.bin}")
            tasks.append(task)
    names = [t.name for t in tasks]
    problems += [f"{n}: the name is used by {names.count(n)} tasks" for n in sorted(set(names)) if names.count(n) > 1]
    if problems:
        raise SuiteError("programs suite: " + "; ".join(problems), [f"programs suite: {p}" for p in problems])
    return tuple(tasks)


def read_task(folder: Path) -> ProgramTask:
    meta = json.loads((folder / "task.json").read_text(encoding="utf-8"))
    text = {field: (folder / file).read_text(encoding="utf-8") for field, file in FILES.items()}
    return ProgramTask(name=folder.name, bin=int(meta["bin"]), entry_point=str(meta["entry_point"]), **text)


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
