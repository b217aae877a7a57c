"""The programs suite (issue 29) per bin: how many tasks, how long their reference solutions are, how many visible
and hidden tests they hold, and on how many tasks the plausible wrong solution gets past the visible tests (run
through ``tools.checks.code_check``, the check an agent's draft meets before it is final) yet fails the hidden
ones: the mistakes only the hidden tests catch. Runs the suite's own code in the sandbox; no model call. Usage:

    .venv/bin/python scripts/programs_figures.py [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sale.suites.programs import all_tasks  # noqa: E402
from sale.suites.programs.task import SIZES, ProgramTask, run_tests  # noqa: E402
from sale.suites.suite import SuiteError  # noqa: E402
from tools.checks import code_check, steps_of  # noqa: E402


def lines_of(code: str) -> int:
    return sum(1 for line in code.splitlines() if line.strip())


def tests_in(code: str) -> int:
    """The asserts and try statements (the examples the check counts) in test code."""
    return sum(s.example for s in steps_of(code) or [])


def figures(tasks: Sequence[ProgramTask]) -> list[dict[str, Any]]:
    rows = []
    for b in sorted({t.bin for t in tasks}):
        group = [t for t in tasks if t.bin == b]
        lines = [lines_of(t.solution) for t in group]
        past_visible = [t for t in group if code_check(t.text, f"```python\n{t.wrong}\n```")["passed"]]
        rows.append({
            "bin": b, "size": SIZES.get(b, "?"), "tasks": len(group),
            "reference_lines": (min(lines), int(statistics.median(lines)), max(lines)),
            "visible_tests": sum(tests_in(t.visible) for t in group),
            "hidden_tests": sum(tests_in(t.hidden) for t in group),
            "wrong_passes_visible": len(past_visible),
            "wrong_passes_visible_fails_hidden": sum(1 for t in past_visible if not run_tests(t.wrong, t.hidden)[0]),
        })
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    out = ["| bin | tasks | reference lines (min / median / max) | visible tests | hidden tests | wrong passes "
           "visible | ... and fails hidden |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lo, mid, hi = r["reference_lines"]
        out.append(f"| {r['bin']} {r['size']} | {r['tasks']} | {lo} / {mid} / {hi} | {r['visible_tests']} | "
                   f"{r['hidden_tests']} | {r['wrong_passes_visible']} | {r['wrong_passes_visible_fails_hidden']} |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    try:
        tasks = all_tasks()
    except SuiteError as exc:
        print("\n".join(f"error: {p}" for p in exc.problems), file=sys.stderr)
        return 2
    rows = figures(tasks)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
