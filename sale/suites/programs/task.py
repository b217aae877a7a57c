"""One task of the ``programs`` suite: a small program (several functions or a class, reading an input file the
task provides), as a person would ask for it, with example tests the agent may run and hidden tests it never sees.

Written by hand for this project (issue 29), not generated: each task has a spec, visible tests shown in its text,
hidden tests, a reference solution that passes both and a plausible wrong solution that the hidden tests catch.
Tests are self-contained Python: they write the input files they need into the working directory (the sandbox's
tmpfs), then call the module's names and ``assert``. They run after the delivered module is imported, its names
in scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sale.core.deliverable import asked_name
from tools.sandbox import SandboxConfig, import_as_module, run_python

SIZES = {1: "small", 2: "medium", 3: "large"}
"""The suite's three bins: small (two or three functions), medium (a class or four to six functions, a file format
with edge cases), large (a pipeline of several parts: parse, validate, compute, report)."""
PASS_LINE = "PROGRAM-TESTS-PASSED"


@dataclass(frozen=True)
class ProgramTask:
    name: str
    """A slug, unique in the suite (``inventory_ledger``)."""
    bin: int
    """1 small, 2 medium, 3 large (``SIZES``)."""
    entry_point: str
    """The main name the module must define (a function or a class); the task text names it."""
    spec: str
    """What to write, as a person would ask: the names and signatures, the input file's format with a short sample,
    the edge cases and errors the program must handle. No tests here: they are ``visible``."""
    visible: str
    """Example tests shown to the agent (self-contained Python: writes its files, calls, asserts)."""
    hidden: str
    """Tests never shown: more cases and the stated edge cases (self-contained, as ``visible``)."""
    solution: str
    """The reference module: passes ``visible`` and ``hidden``."""
    wrong: str
    """A plausible wrong module (what a weak agent submits): fails ``hidden``."""

    @property
    def text(self) -> str:
        """The task as an agent sees it. When the spec names a helper before the entry point, a first line names
        the entry point, so the executor (``asked_name``) delivers and checks the definition the tests call."""
        body = (f"{self.spec.strip()}\n\nExample tests (you may run them; the module's names are in scope):\n"
                f"```python\n{self.visible.strip()}\n```\n\n"
                "Answer with the complete module in one ```python block.")
        if asked_name(body) == self.entry_point:
            return body
        kind = ("class" if re.search(rf"^class {re.escape(self.entry_point)}\b", self.solution, re.MULTILINE)
                else "function")
        return f"Write a Python module; its entry point is the {kind} `{self.entry_point}`.\n\n{body}"


def run_tests(module: str, tests: str, timeout_s: float = 20.0) -> tuple[bool, str]:
    """``module`` imported (its names in scope), then ``tests``, in the sandbox: (passed, why not)."""
    harness = (f"{import_as_module(module, '_solution')}"
               "globals().update({k: v for k, v in _solution.items() if not k.startswith('__')})\n"
               f"{tests}\nprint({PASS_LINE!r})\n")
    result = run_python(harness, SandboxConfig(timeout_s=timeout_s))
    if result["ok"] and PASS_LINE in result["stdout"]:
        return True, ""
    lines = result["stderr"].strip().splitlines()
    return False, str(result["error"] or (lines[-1] if lines else "no pass line"))[:400]


def self_check(task: ProgramTask) -> list[str]:
    """What is wrong with a task (empty when it is sound): the reference passes both test sets, the wrong solution
    fails the hidden tests, the text names the entry point, and both solutions define it."""
    problems = []
    if task.bin not in SIZES:
        problems.append(f"{task.name}: bin {task.bin} not in {sorted(SIZES)}")
    if task.entry_point not in task.spec:
        problems.append(f"{task.name}: the spec does not name {task.entry_point!r}")
    elif (asked := asked_name(task.text)) != task.entry_point:
        problems.append(f"{task.name}: the executor reads {asked!r} from the text as the name to define, not "
                        f"{task.entry_point!r} (a stub definition in the example tests?)")
    for label, code in (("solution", task.solution), ("wrong", task.wrong)):
        if f"def {task.entry_point}(" not in code and f"class {task.entry_point}" not in code:
            problems.append(f"{task.name}: the {label} does not define {task.entry_point!r}")
    for label, tests in (("visible", task.visible), ("hidden", task.hidden)):
        ok, why = run_tests(task.solution, tests)
        if not ok:
            problems.append(f"{task.name}: the reference fails its {label} tests: {why}")
    ok, _ = run_tests(task.wrong, task.hidden)
    if ok:
        problems.append(f"{task.name}: the wrong solution passes the hidden tests")
    return problems
