"""Suites as JSONL files, one task per line: users' own suites in, the benchmark's task list out
(format in docs/benchmark.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sale.core.tasks import TaskError, validate_task
from sale.suites.suite import BINS, SUITE_DOMAINS, VERIFIERS, BenchTask, Suite, SuiteError


def load_jsonl_suite(path: Path, domains: tuple[str, ...] = ()) -> Suite:
    """Read ``{"id", "task", "verifier", "answer"|"pattern"|"tests"+"entry_point", "domain"?, "bin"?}`` lines.
    ``domain`` names the executor's domain: a shipped one (``SUITE_DOMAINS``) or one of ``domains``.

    Every problem in the file is collected and raised as one :class:`SuiteError` with line numbers.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SuiteError(f"suite file {path}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SuiteError(f"suite file {path}: not UTF-8 text") from None
    problems: list[str] = []
    tasks: list[BenchTask] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            problems.append(f"line {n}: expected a JSON object")
            continue
        task, errs = _task_from_row(row, n, domains)
        problems += errs
        if task is not None:
            if task.id in seen:
                problems.append(f"line {n}: duplicate id {task.id!r}")
            seen.add(task.id)
            tasks.append(task)
    if not tasks and not problems:
        problems.append("no tasks")
    if problems:
        raise SuiteError(f"invalid suite {path}:\n" + "\n".join(f"  - {p}" for p in problems),
                         [f"suite {path}, {p}" for p in problems])
    return Suite(name=path.stem, tasks=tasks)


_ROW_KEYS = {"id", "task", "verifier", "answer", "pattern", "tests", "entry_point", "domain", "bin", "solution",
             "wrong", "hops", "test"}


def _task_from_row(row: dict[str, Any], n: int, domains: tuple[str, ...] = ()) -> tuple[BenchTask | None, list[str]]:
    errs = []
    unknown = sorted(set(row) - _ROW_KEYS)
    if unknown:
        errs.append(f"line {n}: unknown key(s) {', '.join(unknown)}")
    for key in ("id", "task", "verifier"):
        if not isinstance(row.get(key), str) or not row.get(key, "").strip():
            errs.append(f"line {n}: `{key}` must be a non-empty string")
    if isinstance(row.get("task"), str) and row["task"].strip():
        try:
            validate_task(row["task"])
        except TaskError as exc:
            errs.append(f"line {n}: {exc}")
    verifier = row.get("verifier")
    if isinstance(verifier, str) and verifier not in VERIFIERS:
        errs.append(f"line {n}: unknown verifier {verifier!r} ({', '.join(VERIFIERS)})")
    need = {"exact": ("answer",), "llm_judge": ("answer",), "regex": ("pattern",),
            "unit_tests": ("tests", "entry_point"), "python_tests": ("test", "entry_point")
            }.get(verifier if isinstance(verifier, str) else "", ())
    for key in need:
        if key not in row:
            errs.append(f"line {n}: verifier {verifier} needs `{key}`")
    if "tests" in row and not (isinstance(row["tests"], list)
                               and all(isinstance(t, list) and len(t) == 2 and isinstance(t[0], list)
                                       for t in row["tests"])):
        errs.append(f"line {n}: `tests` must be a list of [args-list, expected] pairs")
    if "pattern" in row:
        import re

        try:
            re.compile(str(row["pattern"]))
        except re.error as exc:
            errs.append(f"line {n}: `pattern` is not a valid regex ({exc})")
    b = row.get("bin", 3)
    if not isinstance(b, int) or isinstance(b, bool) or b not in BINS:
        errs.append(f"line {n}: `bin` must be an integer 1-5")
    if "test" in row and (row["test"] != "" or verifier == "python_tests"):  # a run's own suite.jsonl has ""
        if not isinstance(row["test"], str) or not row["test"].strip():
            errs.append(f"line {n}: `test` must be Python test code (a check(candidate) function or assert lines)")
        else:
            try:
                compile(row["test"], f"line {n} test", "exec")  # syntax only: nothing runs outside the sandbox
            except SyntaxError as exc:
                errs.append(f"line {n}: `test` is not valid Python ({exc.msg}, its line {exc.lineno})")
    domain = row.get("domain", "custom")
    if not isinstance(domain, str) or (domain not in SUITE_DOMAINS and domain not in domains):
        known = ", ".join(dict.fromkeys([*SUITE_DOMAINS, *domains]))
        errs.append(f"line {n}: unknown domain {domain!r} ({known})")
    hops = row.get("hops", 0)
    if not isinstance(hops, int) or isinstance(hops, bool) or hops < 0:
        errs.append(f"line {n}: `hops` must be an integer >= 0")
    if errs:
        return None, errs
    return BenchTask(id=row["id"], task=row["task"], domain=domain, bin=b,
                     verifier=verifier, answer=str(row.get("answer", "")), pattern=str(row.get("pattern", "")),
                     entry_point=str(row.get("entry_point", "")), tests=row.get("tests", []),
                     solution=str(row.get("solution", "")), wrong=str(row.get("wrong", "")), hops=hops,
                     test=str(row.get("test", ""))), []


def write_jsonl(tasks: list[BenchTask], path: Path) -> None:
    path.write_text("".join(json.dumps(t.to_json()) + "\n" for t in tasks), encoding="utf-8")
