"""The ``coding`` suite: Python functions with hidden unit tests, drawn from the templates of
:mod:`sale.suites.coding_templates` (five per bin, from string handling up to graph search and parsing).

Generated from a seed; verified by running the tests in the sandbox.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from sale.suites.coding_templates import TEMPLATES, CodingTemplate
from sale.suites.suite import BINS, BenchTask, Suite, SuiteError


def coding_suite(seed: int, per_bin: int = 20) -> Suite:
    """Functions with hidden unit tests; each task's expected outputs come from running its reference solution."""
    rng = random.Random(f"coding/{seed}")
    tasks: list[BenchTask] = []
    seen: set[str] = set()
    for b in BINS:
        templates = [t for t in TEMPLATES if t.bin == b]
        for i in range(per_bin):
            template = templates[i % len(templates)]
            for _ in range(100):  # task texts are unique within a suite
                task = _coding_task(template, rng, f"cd-{seed}-{b}-{i:03d}")
                if task.task not in seen:
                    break
            seen.add(task.task)
            tasks.append(task)
    return Suite(name="coding", tasks=tasks, seed=seed)


def _coding_task(template: CodingTemplate, rng: random.Random, task_id: str) -> BenchTask:
    """Draw parameters and hidden tests until the template's wrong solution fails at least one test."""
    name = rng.choice((template.name, *template.aliases))
    for _ in range(50):
        params = template.params(rng)
        solution, wrong = (_renamed(t.format(**params), template.name, name) for t in (template.solution,
                                                                                         template.wrong))
        reference, flawed = _function(solution, name), _function(wrong, name)
        tests = [[args, json.loads(json.dumps(reference(*args)))] for args in template.cases(rng, params)]
        if any(_safe_call(flawed, args) != expected for args, expected in tests):
            break
    else:  # pragma: no cover - every template has inputs that expose its wrong solution
        raise SuiteError(f"template {template.name}: no test separates the wrong solution")
    text = (template.prompt.format(**params).replace(template.name, name)
            + f"\n\nWrite the function `{name}` in Python. Reply with the complete function in one ```python "
            "code block.")
    return BenchTask(id=task_id, task=text, domain="coding", bin=template.bin, verifier="unit_tests",
                     entry_point=name, tests=tests, solution=solution, wrong=wrong)


def _renamed(source: str, old: str, new: str) -> str:
    return source.replace(f"def {old}(", f"def {new}(")


def _function(source: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<template {name}>", "exec"), namespace)  # the suite's own reference code, not a model's
    return namespace[name]


def _safe_call(fn: Callable[..., Any], args: list[Any]) -> Any:
    try:
        return json.loads(json.dumps(fn(*args)))
    except Exception as exc:
        return f"raised {type(exc).__name__}"
