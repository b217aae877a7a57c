"""The coding suite's visible examples, measured over many seeds (issue 28): examples per task, and per bin, per
example form and per template the share of tasks whose template's wrong solution fails a visible example (what
the executor's check would catch of that plausible mistake before the hidden tests run).

Examples are read from the task text by the executor's own parser (``tools.checks.visible_examples``); values are
computed in-process from the suite's reference and wrong code (the suite's own code, no model's). No model call.
Usage:

    .venv/bin/python scripts/coding_examples_figures.py [--seeds 0-9] [--per-bin 20] [--json OUT]
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sale.suites.coding import _function, coding_suite  # noqa: E402
from sale.suites.coding_templates import TEMPLATES  # noqa: E402
from tools.checks import visible_examples  # noqa: E402

FORM = {n: t.form for t in TEMPLATES for n in (t.name, *t.aliases)}
TEMPLATE = {n: t.name for t in TEMPLATES for n in (t.name, *t.aliases)}


def _holds(fn, call: str, expected: str, name: str) -> bool:
    try:
        return eval(call, {name: fn}) == ast.literal_eval(expected)  # the suite's own code, on its own examples
    except Exception:
        return False


def measure(seeds: list[int], per_bin: int) -> dict:
    caught: dict[str, list[bool]] = defaultdict(list)
    counts: Counter = Counter()
    hidden_overlap = reference_fails = 0
    for seed in seeds:
        for task in coding_suite(seed, per_bin=per_bin).tasks:
            name = task.entry_point
            examples = visible_examples(task.task, name)
            counts[len(examples)] += 1
            reference, wrong = _function(task.solution, name), _function(task.wrong, name)
            reference_fails += not all(_holds(reference, c, e, name) for c, e in examples)
            hidden = {json.dumps(args) for args, _ in task.tests}
            hidden_overlap += sum(json.dumps([ast.literal_eval(a) for a in ast.parse(c, mode="eval").body.args])
                                  in hidden for c, _ in examples)
            fails = any(not _holds(wrong, c, e, name) for c, e in examples)
            caught[f"bin {task.bin}"].append(fails)
            caught[f"form {FORM[name]}"].append(fails)
            caught[f"{task.bin} {TEMPLATE[name]}"].append(fails)
            caught["all"].append(fails)
    n = sum(counts.values())
    return {"seeds": seeds, "per_bin": per_bin, "tasks": n,
            "examples_per_task": {str(k): counts[k] / n for k in sorted(counts)},
            "reference_fails_an_example": reference_fails, "examples_among_hidden_tests": hidden_overlap,
            "wrong_fails_a_visible_example": {k: {"share": sum(v) / len(v), "tasks": len(v)}
                                              for k, v in sorted(caught.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0-9", help="a range A-B or a list A,B,C")
    parser.add_argument("--per-bin", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    a, _, b = args.seeds.partition("-")
    seeds = list(range(int(a), int(b) + 1)) if b else [int(s) for s in args.seeds.split(",")]
    figures = measure(seeds, args.per_bin)
    print(f"{figures['tasks']} tasks (seeds {args.seeds}, {args.per_bin} per bin)")
    print("examples per task: " + ", ".join(f"{k}: {v:.1%}" for k, v in figures["examples_per_task"].items()))
    print(f"examples the reference fails: {figures['reference_fails_an_example']}; "
          f"examples among the hidden tests: {figures['examples_among_hidden_tests']}")
    print("share of tasks whose wrong solution fails a visible example:")
    for key, row in figures["wrong_fails_a_visible_example"].items():
        print(f"  {key:<20} {row['share']:6.1%}  ({row['tasks']} tasks)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
