"""Benchmark suites: tasks with a domain, a complexity bin (1-5, like HST-Bench) and a verifier.

Two suites are generated from a seed, so no model can have seen them and any seed gives a fresh, equivalent suite:

* ``deep-search``: multi-hop questions over a generated corpus (:mod:`sale.suites.deep_search`);
* ``coding``: Python functions with hidden unit tests (:mod:`sale.suites.coding`).

One is written by hand (issue 29), fixed tasks in a seeded order:

* ``programs``: small programs (several functions or a class, an input file, stated edge cases) in three bins,
  with example tests an agent may run and hidden tests it never sees (:mod:`sale.suites.programs`).

Users' own suites are JSONL files, one task per line (:mod:`sale.suites.jsonl`, docs/benchmark.md). A run writes
the tasks it ran to ``DIR/suite.jsonl``; a replay runs those (:func:`recorded_suite`), not what a generator
draws today.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BINS = (1, 2, 3, 4, 5)
SUITES = ("deep-search", "coding", "programs")
VERIFIERS = ("exact", "regex", "unit_tests", "python_tests", "llm_judge")
CODE_VERIFIERS = ("unit_tests", "python_tests")
"""Verifiers that run the answer's function: its task is coding, and its deliverable is code."""
SUITE_DOMAINS = {"auto": "auto", "custom": "auto", "coding": "coding", "deep_search": "deep_search",
                 "deep-search": "deep_search"}
"""A suite row's ``domain`` -> the executor's domain: the shipped ones, their suites' labels (``deep-search``,
``custom``), ``auto`` (the rule picks); a run's registered domains add their own names."""


class SuiteError(ValueError):
    """A suite name or file is invalid; the message names every problem, and ``problems`` holds them one by one
    (the CLI prints one ``error:`` line each)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


@dataclass(frozen=True)
class BenchTask:
    """One task. ``answer`` is the reference (exact/llm_judge), ``pattern`` a regex, ``tests`` hidden unit tests
    (``[[args, expected], ...]`` for ``entry_point``). ``solution``/``wrong`` are reference and plausible wrong
    answers, used only by the simulated agents and the suite's self-check."""

    id: str
    task: str
    domain: str
    bin: int
    verifier: str
    answer: str = ""
    pattern: str = ""
    entry_point: str = ""
    tests: list[list[Any]] = field(default_factory=list)
    solution: str = ""
    wrong: str = ""
    hops: int = 0
    test: str = ""
    """Test code for ``python_tests``: a ``check(candidate)`` function, or ``assert`` lines calling the function."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Suite:
    name: str
    tasks: list[BenchTask]
    corpus: str = ""
    """Directory of the offline search corpus (deep search); empty when the suite needs no search."""
    seed: int = 0

    def by_text(self) -> dict[str, BenchTask]:
        return {t.task: t for t in self.tasks}


def load_suite(name_or_file: str, seed: int, workdir: Path, size: int = 100, domains: tuple[str, ...] = ()) -> Suite:
    """A shipped suite generated from ``seed`` (its corpus written under ``workdir``; ``programs``: its tasks in
    a seeded order, the first ``size`` of them), or a JSONL file (whose ``domain`` values must be shipped ones or
    among ``domains``, the run's registered domains)."""
    from sale.suites.coding import coding_suite  # the generators build on this module's types
    from sale.suites.deep_search import deep_search_suite
    from sale.suites.jsonl import load_jsonl_suite
    from sale.suites.programs import programs_suite

    if name_or_file == "deep-search":
        return deep_search_suite(seed, workdir / "corpus", per_bin=max(1, size // len(BINS)))
    if name_or_file == "coding":
        return coding_suite(seed, per_bin=max(1, size // len(BINS)))
    if name_or_file == "programs":
        return programs_suite(seed, size)
    path = Path(name_or_file)
    if path.suffix == ".jsonl" or path.exists():
        return load_jsonl_suite(path, domains)
    raise SuiteError(f"unknown suite {name_or_file!r}: use {', '.join(SUITES)}, or a .jsonl file")


def recorded_suite(run_dir: Path, name_or_file: str, seed: int, workdir: Path, size: int = 100,
                   domains: tuple[str, ...] = ()) -> Suite:
    """The tasks a recorded run ran, in its order, from ``run_dir/suite.jsonl``: a replay reproduces the recording
    after a generator changes (the coding tasks gained examples). Deep search's corpus is regenerated from
    ``seed`` and ``size`` (its generator writes it; the file holds the tasks only)."""
    from sale.suites.jsonl import load_jsonl_suite

    path = run_dir / "suite.jsonl"
    if not path.is_file():
        raise SuiteError(f"--replay {run_dir}: no suite.jsonl, the tasks a `sale bench` run writes beside its "
                         "calls.jsonl")
    tasks = load_jsonl_suite(path, domains).tasks
    corpus = load_suite(name_or_file, seed, workdir, size).corpus if name_or_file == "deep-search" else ""
    name = name_or_file if name_or_file in SUITES else Path(name_or_file).stem
    return Suite(name=name, tasks=tasks, corpus=corpus, seed=seed)
