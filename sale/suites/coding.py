"""The ``coding`` suite: Python functions with hidden unit tests, drawn from the templates of
:mod:`sale.suites.coding_templates` (five per bin, from string handling up to graph search and parsing).

Each task text shows one or two examples, as users write them (``>>> f(x)``, ``assert f(x) == y``, ``f(x) -> y``,
``f(x) == y``, ``f(x)`` returns ``y``): the check a draft can pass before it is final. Their values come from the
reference solution and their inputs are never among the hidden tests, which stay hidden from every agent.
Generated from a seed; verified by running the hidden tests in the sandbox.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from sale.suites.coding_templates import TEMPLATES, CodingTemplate
from sale.suites.suite import BINS, BenchTask, Suite, SuiteError

INSTRUCTION = "Write the function `{name}` in Python. Reply with the complete function in one ```python code block."
MAX_SHOWN_CHARS = 72
"""An example call longer than this is not shown while a shorter one exists: users show small inputs."""


def coding_suite(seed: int, per_bin: int = 20) -> Suite:
    """Functions with hidden unit tests; each task's expected outputs come from running its reference solution.

    Parameters and hidden tests are drawn exactly as before the tasks showed examples (the examples have a seeded
    generator of their own), so a seed names the same hidden tests as the recorded runs in docs/figures."""
    rng = random.Random(f"coding/{seed}")
    tasks: list[BenchTask] = []
    seen: set[str] = set()
    for b in BINS:
        templates = [t for t in TEMPLATES if t.bin == b]
        for i in range(per_bin):
            template = templates[i % len(templates)]
            for _ in range(100):  # tasks are unique within a suite, examples aside
                task, unshown = _coding_task(template, rng, f"cd-{seed}-{b}-{i:03d}")
                if unshown not in seen:
                    break
            seen.add(unshown)
            tasks.append(task)
    return Suite(name="coding", tasks=tasks, seed=seed)


def _coding_task(template: CodingTemplate, rng: random.Random, task_id: str) -> tuple[BenchTask, str]:
    """The task and its text without examples. Parameters and hidden tests are drawn until the
    template's wrong solution fails at least one test."""
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
    statement = template.prompt.format(**params).replace(template.name, name)
    instruction = INSTRUCTION.format(name=name)
    shown = _shown(template, params, reference, tests, random.Random(f"examples/{task_id}"))
    text = "\n\n".join((statement, render_examples(template.form, name, shown), instruction))
    task = BenchTask(id=task_id, task=text, domain="coding", bin=template.bin, verifier="unit_tests",
                     entry_point=name, tests=tests, solution=solution, wrong=wrong)
    return task, f"{statement}\n\n{instruction}"


def _shown(template: CodingTemplate, params: dict[str, Any], reference: Callable[..., Any],
           tests: list[list[Any]], rng: random.Random) -> list[tuple[list[Any], Any]]:
    """One or two (args, value) examples whose inputs differ from every hidden test's and from each other."""
    hidden = {json.dumps(args) for args, _ in tests}
    draw = template.shown or template.cases
    fresh: dict[str, list[Any]] = {}
    for _ in range(20):
        for args in draw(rng, params):
            key = json.dumps(args)
            if key not in hidden:
                fresh.setdefault(key, args)
        if len(fresh) >= 8 or template.shown:
            break
    if not fresh:  # pragma: no cover - every template's inputs reach beyond its hidden tests
        raise SuiteError(f"template {template.name}: no example input outside the hidden tests")
    by_length = sorted(fresh.values(), key=lambda a: len(_call("f", a)))
    short = [a for a in by_length if len(_call("f", a)) <= MAX_SHOWN_CHARS] or by_length[:1]
    chosen = [rng.choice(short[len(short) // 2:])]  # a typical input first, not the emptiest one
    rest = [a for a in short if a is not chosen[0]]
    if rest and rng.random() < 0.5:
        chosen.append(rng.choice(rest))
    return [(args, reference(*args)) for args in chosen]


def render_examples(form: str, name: str, shown: list[tuple[list[Any], Any]]) -> str:
    """The examples as a user writes them in ``form`` (``coding_templates.EXAMPLE_FORMS``), one to a line."""
    pairs = [(_call(name, args), repr(value)) for args, value in shown]
    if form == "doctest":
        return "For example:\n" + "\n".join(f">>> {call}\n{value}" for call, value in pairs)
    if form == "assert":
        return "It must pass:\n" + "\n".join(f"assert {call} == {value}" for call, value in pairs)
    if form == "arrow":
        return "Examples:\n" + "\n".join(f"{call} -> {value}" for call, value in pairs)
    if form == "equals":
        return "\n".join(f"{'Also,' if i else 'For example,'} {call} == {value}." for i, (call, value)
                         in enumerate(pairs))
    if form == "returns":
        return "\n".join(f"{'And' if i else 'For example,'} `{call}` returns `{value}`." for i, (call, value)
                         in enumerate(pairs))
    raise SuiteError(f"unknown example form {form!r}")


def _call(name: str, args: list[Any]) -> str:
    return f"{name}({', '.join(map(repr, args))})"


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
