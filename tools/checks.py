"""Checks a draft can pass before it is final: for code, the examples the task itself shows, run in the sandbox.

A task shows examples the way people write them: ``>>> f(2)`` with the expected value on the next line,
``assert f(2) == 4`` on a line of its own, or ``f(2) == 4`` / ``f(2) -> 4`` / ``f(2) returns 4`` ending a line
(the expected value a Python literal). The draft's code
is imported as a module (its ``__main__`` demo does not run) and each example runs against it; a task that shows
none is checked for importing without error only, and the check says so (``examples == 0``). Hidden tests never
reach this module: it reads the task text an agent sees.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from typing import Any, TypedDict

from sale.core.deliverable import asked_name, defining_code
from tools.sandbox import SandboxConfig, SandboxUnavailable, run_python

_DOCTEST = re.compile(r"^[ \t]*>>>[ \t]*(.+)\n[ \t]*(?!>>>)(\S.*)$", re.MULTILINE)
_ASSERT = re.compile(r"^[ \t]*(assert[ \t].+)$", re.MULTILINE)
_RELATION = re.compile(r"(.*?\))`?[ \t]*(?:==|->|→|returns|should return|gives)[ \t]*`?(.+?)`?[ \t]*[.;]?[ \t]*$")
MAX_EXAMPLES = 20


class Check(TypedDict):
    passed: bool
    """Every example ran and held (with no example: the code imported without error)."""
    examples: int
    failed: int
    detail: str


def visible_examples(task: str, name: str) -> list[str]:
    """The task's examples of ``name`` as assert statements (at most ``MAX_EXAMPLES``)."""
    pairs = [(c, e) for c, e in _DOCTEST.findall(task) if name in c]
    for start in re.finditer(rf"(?<![\w.>])`?{re.escape(name)}\(", task):
        line = task[start.start():].split("\n", 1)[0].lstrip("`")
        before = task[:start.start()].rsplit("\n", 1)[-1]
        relation = _RELATION.match(line)
        if relation and not before.strip().startswith("assert"):
            pairs.append(relation.groups())
    found = [f"assert ({c.strip()}) == ({e.strip()})" for c, e in pairs if _literal(e) and _expression(c)]
    found += [a.strip() for a in _ASSERT.findall(task) if name in a and _statement(a)]
    return list(dict.fromkeys(found))[:MAX_EXAMPLES]


def _literal(text: str) -> bool:
    try:
        ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _expression(text: str) -> bool:
    return _statement(text.strip(), "eval")


def _statement(text: str, mode: str = "exec") -> bool:
    try:
        ast.parse(text.strip(), mode=mode)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _harness(code: str, examples: list[str]) -> str:
    return (
        "_ns = {'__name__': 'solution'}\n_out = {'import': None, 'failures': []}\n"
        f"try:\n    exec(compile({code!r}, 'solution.py', 'exec'), _ns)\n"
        "except BaseException as e:\n    _out['import'] = f'{type(e).__name__}: {e}'[:300]\n"
        f"for _ex in ({json.dumps(examples)} if _out['import'] is None else []):\n"
        "    try:\n        exec(_ex, dict(_ns))\n"
        "    except BaseException as e:\n"
        "        _out['failures'].append(f'{_ex[:120]} -> {type(e).__name__}: {e}'[:300])\n"
        "_out\n"
    )


def code_check(task: str, answer: str, settings: Mapping[str, Any] | None = None) -> Check:
    """Run a coding draft against the examples its task shows (``settings``: the sandbox's ``python_timeout_s``
    and ``sandbox_allow_weak``, as the executor's tools read them)."""
    name = asked_name(task)
    code = defining_code(answer, name) if name else None
    if code is None:
        return Check(passed=False, examples=0, failed=0, detail=f"no definition of {name or 'the code asked for'}")
    examples = visible_examples(task, name)
    settings = settings or {}
    config = SandboxConfig(timeout_s=float(settings.get("python_timeout_s", 10.0)),
                           allow_weak=bool(settings.get("sandbox_allow_weak", False)))
    try:
        result = run_python(_harness(code, examples), config)
    except SandboxUnavailable as exc:
        return Check(passed=False, examples=len(examples), failed=0, detail=f"cannot check: {exc}")
    out = result["result"]
    if not result["ok"] or not isinstance(out, dict) or not isinstance(out.get("failures"), list):
        reason = result["error"] or (result["stderr"].strip().splitlines() or ["no check result"])[-1]
        return Check(passed=False, examples=len(examples), failed=len(examples), detail=str(reason)[:300])
    if out.get("import"):
        return Check(passed=False, examples=len(examples), failed=len(examples), detail=out["import"])
    failures = out["failures"]
    detail = (f"{len(examples) - len(failures)} of {len(examples)} examples held" if examples
              else "imports without error; the task shows no example to run")
    return Check(passed=not failures, examples=len(examples), failed=len(failures),
                 detail=detail + (f"; first failure: {failures[0]}" if failures else ""))
