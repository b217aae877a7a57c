"""Checks a draft can pass before it is final: for code, the examples the task itself shows, run in the sandbox.

A task shows examples the way people write them: ``>>> f(2)`` with the expected value on the next line,
``assert f(2) == 4`` on a line of its own, or ``f(2) == 4`` / ``f(2) -> 4`` / ``f(2) returns 4`` ending a line
(the expected value a Python literal). The draft's code is imported as a module (its ``__main__`` demo does not
run); each example's value is computed in the sandbox and compared with the expected literal here, outside it, so
code that tampers with the interpreter cannot report a pass. A task that shows no example is checked for
importing without error only, and the check says so (``examples == 0``). Hidden tests never reach this module:
it reads the task text an agent sees.

A program task (the ``programs`` suite) shows a ```python block of example tests after a line starting
"Example tests" instead: its top-level statements run in order after the draft is imported, as a developer runs a
test file (setup lines that write the input files, then tests). ``assert A == B`` with a literal ``B`` is checked
as above (``A``'s value inside, reduced to a plain literal by the built-in types' own methods, compared here);
any other statement runs inside, and its exception (a try/else test's ``AssertionError``, a failing assert whose
right side is not a literal) fails it. The asserts and try statements are the examples counted.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Mapping
from typing import Any, NamedTuple, TypedDict

from sale.core.deliverable import asked_name, defining_code, python_code
from tools.sandbox import SandboxConfig, SandboxUnavailable, import_as_module, run_python

_DOCTEST = re.compile(r"^[ \t]*>>>[ \t]*(.+)\n[ \t]*(?!>>>)(\S.*)$", re.MULTILINE)
_ASSERT = re.compile(r"^[ \t]*assert[ \t](.+)$", re.MULTILINE)
_RELATION = re.compile(r"(.*?\))`?[ \t]*(?:==|->|→|returns|should return|gives)[ \t]*`?(.+?)`?[ \t]*[.;]?[ \t]*$")
_TESTS_BLOCK = re.compile(r"^[ \t]*Example tests\b[^\n]*\n\s*```[ \t]*(?:python3?|py3?)?[ \t]*\n(.*?)^[ \t]*```[ \t]*$",
                          re.MULTILINE | re.DOTALL | re.IGNORECASE)
MAX_EXAMPLES = 20
MAX_VALUE_CHARS = 20_000


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


class Step(NamedTuple):
    """One top-level statement of a program task's example tests."""

    line: int
    """Its first line in the block."""
    source: str
    """What runs inside: ``A`` of ``assert A == literal``, else the statement."""
    expected: str
    """The literal of ``assert A == literal``; empty for a statement that runs as it is."""
    example: bool
    """An assert, a try statement, or a statement holding an assert (a loop of them): a test, not setup."""


def example_tests(task: str) -> list[Step] | None:
    """The statements of the task's "Example tests" block, in order; None when it shows none, the block does not
    parse, or it holds no test."""
    match = _TESTS_BLOCK.search(task.replace("\r\n", "\n"))
    return steps_of(textwrap.dedent(match.group(1))) if match else None


def steps_of(code: str) -> list[Step] | None:
    """The top-level statements of test code, in order; None when it does not parse or holds no test."""
    try:
        steps = [_step(node) for node in ast.parse(code).body]
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return steps if any(s.example for s in steps) else None


def _step(node: ast.stmt) -> Step:
    test = node.test if isinstance(node, ast.Assert) else None
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
            and _literal(test.comparators[0])):
        return Step(node.lineno, ast.unparse(test.left), ast.unparse(test.comparators[0]), True)
    example = isinstance(node, ast.Assert | ast.Try | ast.TryStar) or (
        not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and any(isinstance(n, ast.Assert) for n in ast.walk(node)))
    return Step(node.lineno, ast.unparse(node), "", example)


def checkable(task: str) -> bool:
    """The task shows example tests, or names what to define and shows at least one example of it, that
    :func:`code_check` can run."""
    if example_tests(task):
        return True
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


_PLAIN = r"""
def _plain_literal():
    type_, isinstance_, repr_, len_, bool_ = type, isinstance, repr, len, bool
    scalars = (int, float, complex, str, bytes)
    dict_, tuple_, sets = dict, tuple, (set, frozenset)
    sequences = ((list, "[", "]"), (tuple, "(", ")"), (set, "{", "}"), (frozenset, "{", "}"))

    def literal(v, depth=0):
        if depth > 50:
            return None
        if v is None or type_(v) is bool_:
            return repr_(v)
        for base in scalars:
            if isinstance_(v, base):
                return base.__repr__(v)
        if isinstance_(v, dict_):
            pairs = [(literal(k, depth + 1), literal(x, depth + 1)) for k, x in dict_.items(v)]
            if any(k is None or x is None for k, x in pairs):
                return None
            return "{" + ", ".join(k + ": " + x for k, x in pairs) + "}"
        for base, opening, closing in sequences:
            if isinstance_(v, base):
                items = [literal(x, depth + 1) for x in base.__iter__(v)]
                if any(x is None for x in items):
                    return None
                if not items and base in sets:
                    return "set()"
                return opening + ", ".join(items) + ("," if base is tuple_ and len_(items) == 1 else "") + closing
        return None

    return literal


_as_literal, _repr, _type, _eval, _exec, _compile = _plain_literal(), repr, type, eval, exec, compile
import builtins as _builtins
_builtins_saved, _restore = dict(_builtins.__dict__), dict.update
"""
"""Reduces a value to the source of a plain literal with the built-in types' own methods (captured before the
draft is imported), so a subclass's ``__eq__`` or ``__repr__``, or a patched builtin, cannot change it; the
builtins are restored before the result goes back, so the sandbox's runner reports it."""


def _program_harness(code: str, steps: list[Step]) -> str:
    """Imports the code, then runs the steps in order in one namespace holding its names; a value step's
    result comes back as a literal's source, a failing setup step ends the run."""
    plan = [(s.source, bool(s.expected), s.example) for s in steps]
    return (
        f"{_PLAIN}_out = {{'import': None, 'steps': []}}\n"
        f"try:\n{textwrap.indent(import_as_module(code, '_ns'), '    ')}"
        "except BaseException as e:\n    _out['import'] = f'{_type(e).__name__}: {e}'[:300]\n"
        "_env = {'__name__': '__main__'}\n"
        "_env.update({k: v for k, v in _ns.items() if not k.startswith('__')} if _out['import'] is None else {})\n"
        f"for _source, _value, _example in ({plan!r} if _out['import'] is None else []):\n"
        "    try:\n"
        "        if _value:\n"
        "            _v = _eval(_compile(_source, '<example tests>', 'eval'), _env)\n"
        "            _l = _as_literal(_v)\n"
        f"            _ok = _l is not None and len(_l) <= {MAX_VALUE_CHARS}\n"
        "            _out['steps'].append(['value', _l] if _ok else ['other', _repr(_v)[:200]])\n"
        "        else:\n"
        "            _exec(_compile(_source, '<example tests>', 'exec'), _env)\n"
        "            _out['steps'].append(['ok', ''])\n"
        "    except BaseException as e:\n"
        "        _out['steps'].append(['error', f'{_type(e).__name__}: {e}'[:300]])\n"
        "        if not _example:\n            break\n"
        "_restore(_builtins.__dict__, _builtins_saved)\n_out\n"
    )


def code_check(task: str, answer: str, settings: Mapping[str, Any] | None = None) -> Check:
    """Run a coding draft against the examples its task shows (``settings``: the sandbox's ``python_timeout_s``
    and ``sandbox_allow_weak``, as the executor's tools read them): a program task's example tests, else its
    single-call examples. A task that names nothing to define checks that the answer's Python imports."""
    name = asked_name(task)
    code = defining_code(answer, name) if name else python_code(answer)
    if not code:
        return Check(passed=False, examples=0, failed=0,
                     detail=f"no definition of {name}" if name else "no Python code in the answer")
    steps = example_tests(task)
    examples = visible_examples(task, name) if name and steps is None else []
    count = sum(s.example for s in steps) if steps else len(examples)
    settings = settings or {}
    config = SandboxConfig(timeout_s=float(settings.get("python_timeout_s", 10.0)),
                           allow_weak=bool(settings.get("sandbox_allow_weak", False)))
    harness = _program_harness(code, steps) if steps else _harness(code, [c for c, _ in examples])
    try:
        result = run_python(harness, config)
    except SandboxUnavailable as exc:
        return Check(passed=True, examples=0, failed=0, detail=f"not checked: {exc}")
    out = result["result"]
    if not result["ok"] or not isinstance(out, dict) or not isinstance(out.get("steps" if steps else "values"), list):
        reason = result["error"] or (result["stderr"].strip().splitlines() or ["no check result"])[-1]
        return Check(passed=False, examples=count, failed=count, detail=str(reason)[:300])
    if out.get("import"):
        return Check(passed=False, examples=count, failed=count, detail=str(out["import"]))
    if steps:
        return _tests_check(steps, out["steps"])
    failures = [f"{call} gave {_shown(value)}, expected {expected}"
                for (call, expected), value in zip(examples, out["values"], strict=False)
                if not _holds(value, expected)]
    failures += [f"{call} did not run" for call, _ in examples[len(out["values"]):]]
    detail = (f"{len(examples) - len(failures)} of {len(examples)} examples held" if examples
              else "imports without error; the task shows no example to run")
    return Check(passed=not failures, examples=len(examples), failed=len(failures),
                 detail=detail + (f"; first failure: {failures[0]}" if failures else ""))


def _tests_check(steps: list[Step], results: list[Any]) -> Check:
    """The example tests' outcome: each value compared here with its literal, each statement's error named."""
    count = sum(s.example for s in steps)
    failures, held = [], 0
    for step, got in zip(steps, results, strict=False):
        failure = _step_failure(step, got)
        if failure:
            failures.append(failure)
        elif step.example:
            held += 1
    stopped = len(results) < len(steps)
    detail = f"{held} of {count} examples held"
    if failures:
        detail += f"; first failure: {failures[0]}" + ("; the tests after it did not run" if stopped else "")
    return Check(passed=not failures and not stopped, examples=count,
                 failed=max(count - held, 1) if failures or stopped else 0, detail=detail)


def _step_failure(step: Step, got: Any) -> str:
    """Why a step failed, naming its line; empty when it held."""
    if not (isinstance(got, list) and len(got) == 2 and all(isinstance(x, str) for x in got)):
        return f"line {step.line}: `{_brief(step.source)}` returned no result"
    kind, text = got
    if kind == "error":
        return f"line {step.line}: `{_brief(step.source)}` raised {text}"
    if not step.expected:
        return "" if kind == "ok" else f"line {step.line}: `{_brief(step.source)}` returned no result"
    if kind == "value" and _holds(["ok", text], step.expected):
        return ""
    shown = text[:200] if kind == "value" else f"{text[:200]} (not a plain value)"
    return f"line {step.line}: `{_brief(step.source)}` gave {shown}, expected {step.expected}"


def _brief(source: str) -> str:
    text = " ".join(source.split())
    return text if len(text) <= 120 else text[:117] + "..."


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
