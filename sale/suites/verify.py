"""Verifiers: did an answer solve its benchmark task? One function per verifier kind of a suite.

``unit_tests`` never runs model code in-process: the answer's code and the hidden tests go through the same
sandbox as the executor's Python tool. ``llm_judge`` asks a pool agent through the normal client, strictly parsed.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Awaitable, Callable
from typing import TypedDict

from sale.core.deliverable import defining_code
from sale.suites.suite import CODE_VERIFIERS, BenchTask
from tools.sandbox import SandboxConfig, SandboxUnavailable, import_as_module, run_python

PASS_SENTINEL = "ALL_HIDDEN_TESTS_PASSED"
_ANSWER_LEAD = re.compile(r"^(?:final answer|answer)\s*(?:is)?\s*[:\-]?\s*", re.IGNORECASE)
_ARTICLES = re.compile(r"\b(a|an|the)\b")

Judge = Callable[[BenchTask, str], Awaitable[bool | None]]


class Verdict(TypedDict):
    passed: bool
    detail: str


def normalise(text: str) -> str:
    """SQuAD-style normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in string.punctuation)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact(task: BenchTask, answer: str) -> Verdict:
    """Normalised exact match against the whole answer, its last line, or the text after 'Answer:'."""
    target = normalise(task.answer)
    lines = [ln.strip() for ln in answer.strip().splitlines() if ln.strip()]
    candidates = {normalise(answer)}
    if lines:
        candidates |= {normalise(lines[-1]), normalise(_ANSWER_LEAD.sub("", lines[-1]))}
    ok = bool(target) and target in candidates
    return Verdict(passed=ok, detail="exact match" if ok else f"expected {task.answer!r}")


def regex(task: BenchTask, answer: str) -> Verdict:
    ok = re.search(task.pattern, answer) is not None
    return Verdict(passed=ok, detail="pattern found" if ok else f"no match for /{task.pattern}/")


def _as_module(code: str) -> str:
    """The delivered code imported as a module, its names brought into the harness."""
    return (import_as_module(code, "_solution")
            + "globals().update({k: v for k, v in _solution.items() if not k.startswith('__')})\n")


def unit_tests(task: BenchTask, answer: str, config: SandboxConfig | None = None) -> Verdict:
    code = defining_code(answer, task.entry_point)
    if code is None:
        return Verdict(passed=False, detail=f"no definition of {task.entry_point!r} in the answer")
    harness = (
        f"{_as_module(code)}\nimport json as _json\n_cases = _json.loads({json.dumps(json.dumps(task.tests))})\n"
        f"for _args, _expected in _cases:\n"
        f"    _got = _json.loads(_json.dumps({task.entry_point}(*_args)))\n"
        f"    assert _got == _expected, f'{task.entry_point}{{tuple(_args)}} returned {{_got!r}}, "
        f"expected {{_expected!r}}'\n"
        f"print({PASS_SENTINEL!r})\n"
    )
    return _run_tests(harness, config, f"{len(task.tests)} hidden tests passed")


def python_tests(task: BenchTask, answer: str, config: SandboxConfig | None = None) -> Verdict:
    """The task's own test code against the answer's code: a ``check(candidate)`` function is called with the
    entry point (HumanEval's form); plain ``assert`` lines run as they are, after the code."""
    code = defining_code(answer, task.entry_point)
    if code is None:
        return Verdict(passed=False, detail=f"no definition of {task.entry_point!r} in the answer")
    call = f"check({task.entry_point})\n" if re.search(r"^def check\(", task.test, re.MULTILINE) else ""
    return _run_tests(f"{_as_module(code)}\n{task.test}\n\n{call}print({PASS_SENTINEL!r})\n", config,
                      "the task's tests passed")


def _run_tests(harness: str, config: SandboxConfig | None, passed: str) -> Verdict:
    try:
        result = run_python(harness, config or SandboxConfig(timeout_s=10.0))
    except SandboxUnavailable as exc:
        raise RuntimeError(f"cannot verify coding answers: {exc}") from None
    if result["ok"] and PASS_SENTINEL in result["stdout"]:
        return Verdict(passed=True, detail=passed)
    reason = result["error"] or result["stderr"].strip().splitlines()[-1:] or ["no pass line"]
    return Verdict(passed=False, detail=str(reason if isinstance(reason, str) else reason[0])[:300])


async def verify(task: BenchTask, answer: str, *, sandbox: SandboxConfig | None = None,
                 judge: Judge | None = None) -> Verdict:
    if not answer.strip():
        return Verdict(passed=False, detail="empty answer")
    if task.verifier == "exact":
        return exact(task, answer)
    if task.verifier == "regex":
        return regex(task, answer)
    if task.verifier in CODE_VERIFIERS:
        import asyncio

        check = unit_tests if task.verifier == "unit_tests" else python_tests
        return await asyncio.to_thread(check, task, answer, sandbox)
    if task.verifier == "llm_judge":
        if judge is None:
            raise ValueError("verifier llm_judge needs a judge agent (sale bench --judge NAME)")
        ok = await judge(task, answer)
        return Verdict(passed=bool(ok), detail="judge: pass" if ok else
                       ("judge: fail" if ok is False else "judge: invalid reply, counted as fail"))
    raise ValueError(f"unknown verifier {task.verifier!r}")


def parse_judgement(reply: str) -> bool | None:
    """Exactly ``{"pass": true|false}``; anything else is invalid (None)."""
    try:
        obj = json.loads(reply.strip())
    except (json.JSONDecodeError, ValueError):
        return None
    if isinstance(obj, dict) and list(obj) == ["pass"] and isinstance(obj["pass"], bool):
        return obj["pass"]
    return None
