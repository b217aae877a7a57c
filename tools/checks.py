"""Checks a draft can pass before it is final: for code, the examples the task itself shows, run in the sandbox.

A task shows examples the way people write them: ``>>> f(2)`` with the expected value on the next line,
``assert f(2) == 4`` on a line of its own, or ``f(2) == 4`` / ``f(2) -> 4`` / ``f(2) returns 4`` ending a line
(the expected value a Python literal). The draft's code is imported as a module (its ``__main__`` demo does not
run); each example's value is computed in the sandbox and compared with the expected literal here, outside it, so
code that tampers with the interpreter cannot report a pass. A task that shows no example is checked for
importing without error only, and the check says so (``examples == 0``). Hidden tests never reach this module:
it reads the task text an agent sees.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Mapping
from typing import Any, TypedDict

from sale.core.deliverable import asked_name, defining_code, python_code
from tools.sandbox import SandboxConfig, SandboxUnavailable, import_as_module, run_python

_DOCTEST = re.compile(r"^[ \t]*>>>[ \t]*(.+)\n[ \t]*(?!>>>)(\S.*)$", re.MULTILINE)
_ASSERT = re.compile(r"^[ \t]*assert[ \t](.+)$", re.MULTILINE)
_RELATION = re.compile(r"(.*?\))`?[ \t]*(?:==|->|→|returns|should return|gives)[ \t]*`?(.+?)`?[ \t]*[.;]?[ \t]*$")
MAX_EXAMPLES = 20


class Check(TypedDict):
    passed: bool
    """Every example held (with no example: the code imported without error; unchecked: the sandbox was
    unavailable, and the draft stands on delivering alone)."""
    examples: int
    failed: int
    detail: str


def visible_examples(task: str, name: str) -> list[tuple[str, str]]:
    """The task's examples of ``name`` as (call, expected literal) source pairs, normalised (at most
    ``MAX_EXAMPLES``). Doctests that print are left out: their value is what they print, not what they return."""
    calls = re.compile(rf"(?<![\w.]){re.escape(name)}\(")
    pairs = [(c, e) for c, e in _DOCTEST.findall(task) if calls.search(c) and "print(" not in c]
    for line in _ASSERT.findall(task):
        parsed = _parse(line, "eval")
        if isinstance(parsed, ast.Compare) and len(parsed.ops) == 1 and isinstance(parsed.ops[0], ast.Eq):
            pairs.append((ast.unparse(parsed.left), ast.unparse(parsed.comparators[0])))
    for start in calls.finditer(task):
        line = task[start.start():].split("\n", 1)[0]
        before = task[:start.start()].rsplit("\n", 1)[-1].strip()
        relation = _RELATION.match(line)
        if relation and not before.startswith(("assert", ">>>")):
            pairs.append(relation.groups())
    found = []
    for call, expected in pairs:
        call_node, expected_node = _parse(call, "eval"), _parse(expected.split("#", 1)[0], "eval")
        if call_node is None or expected_node is None or not calls.search(call) or not _literal(expected_node):
            continue
        found.append((ast.unparse(call_node), ast.unparse(expected_node)))
    return list(dict.fromkeys(found))[:MAX_EXAMPLES]


def checkable(task: str) -> bool:
    """The task names what to define and shows at least one example of it that :func:`code_check` can run."""
    name = asked_name(task)
    return bool(name and visible_examples(task, name))


def generated_examples(task: str, reply: str) -> str:
    """The asserts a model wrote for ``task`` (context ``cascade_tests``) that the check can run, one per line,
    or "" when it wrote none."""
    name = asked_name(task)
    code = python_code(reply) or reply
    found = visible_examples(code, name) if name else []
    return "\n".join(f"assert {call} == {expected}" for call, expected in found)


def _parse(text: str, mode: str) -> Any:
    try:
        tree = ast.parse(text.strip(), mode=mode)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return tree.body


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _harness(code: str, calls: list[str]) -> str:
    """Imports the code, then evaluates each call; the values come back as reprs in the final expression."""
    return (
        "_eval, _repr = eval, repr\n_out = {'import': None, 'values': []}\n"
        f"try:\n{textwrap.indent(import_as_module(code, '_ns'), '    ')}"
        "except BaseException as e:\n    _out['import'] = f'{type(e).__name__}: {e}'[:300]\n"
        f"for _call in ({calls!r} if _out['import'] is None else []):\n"
        "    try:\n        _out['values'].append(['ok', _repr(_eval(_call, dict(_ns)))[:2000]])\n"
        "    except BaseException as e:\n        _out['values'].append(['error', f'{type(e).__name__}: {e}'[:300]])\n"
        "_out\n"
    )


def code_check(task: str, answer: str, settings: Mapping[str, Any] | None = None) -> Check:
    """Run a coding draft against the examples its task shows (``settings``: the sandbox's ``python_timeout_s``
    and ``sandbox_allow_weak``, as the executor's tools read them). A task that names nothing to define checks
    that the answer's Python imports."""
    name = asked_name(task)
    code = defining_code(answer, name) if name else python_code(answer)
    if not code:
        return Check(passed=False, examples=0, failed=0,
                     detail=f"no definition of {name}" if name else "no Python code in the answer")
    examples = visible_examples(task, name) if name else []
    settings = settings or {}
    config = SandboxConfig(timeout_s=float(settings.get("python_timeout_s", 10.0)),
                           allow_weak=bool(settings.get("sandbox_allow_weak", False)))
    try:
        result = run_python(_harness(code, [c for c, _ in examples]), config)
    except SandboxUnavailable as exc:
        return Check(passed=True, examples=0, failed=0, detail=f"not checked: {exc}")
    out = result["result"]
    if not result["ok"] or not isinstance(out, dict) or not isinstance(out.get("values"), list):
        reason = result["error"] or (result["stderr"].strip().splitlines() or ["no check result"])[-1]
        return Check(passed=False, examples=len(examples), failed=len(examples), detail=str(reason)[:300])
    if out.get("import"):
        return Check(passed=False, examples=len(examples), failed=len(examples), detail=str(out["import"]))
    failures = [f"{call} gave {_shown(value)}, expected {expected}"
                for (call, expected), value in zip(examples, out["values"], strict=False)
                if not _holds(value, expected)]
    failures += [f"{call} did not run" for call, _ in examples[len(out["values"]):]]
    detail = (f"{len(examples) - len(failures)} of {len(examples)} examples held" if examples
              else "imports without error; the task shows no example to run")
    return Check(passed=not failures, examples=len(examples), failed=len(failures),
                 detail=detail + (f"; first failure: {failures[0]}" if failures else ""))


def _holds(value: Any, expected: str) -> bool:
    if not (isinstance(value, list) and len(value) == 2 and value[0] == "ok" and isinstance(value[1], str)):
        return False
    try:
        return ast.literal_eval(value[1]) == ast.literal_eval(expected)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _shown(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2:
        return str(value[1])[:200] if value[0] == "ok" else f"an error ({str(value[1])[:200]})"
    return "nothing"
