"""The coding suite's visible examples: written as users write them, read back exactly by the executor's check,
true of the reference, never one of the hidden tests, and a check that catches some wrong solutions, not all."""

from __future__ import annotations

import ast
import json
from collections import Counter
from pathlib import Path

import pytest

from sale.suites.coding import INSTRUCTION, _function, coding_suite, render_examples
from sale.suites.coding_templates import EXAMPLE_FORMS, TEMPLATES
from sale.suites.jsonl import load_jsonl_suite
from sale.suites.suite import BINS, BenchTask
from tools.checks import code_check, visible_examples

ROOT = Path(__file__).resolve().parent.parent
SEEDS = (0, 1, 2, 7, 11)
FORM = {n: t.form for t in TEMPLATES for n in (t.name, *t.aliases)}
TEMPLATE = {n: t.name for t in TEMPLATES for n in (t.name, *t.aliases)}


def shown(task: BenchTask) -> list[tuple[list, object]]:
    """The (args, value) pairs the executor's check reads from the task text."""
    pairs = []
    for call, expected in visible_examples(task.task, task.entry_point):
        node = ast.parse(call, mode="eval").body
        assert isinstance(node, ast.Call) and node.func.id == task.entry_point and not node.keywords, call
        pairs.append(([ast.literal_eval(a) for a in node.args], ast.literal_eval(expected)))
    return pairs


def suites() -> list[BenchTask]:
    return [t for seed in SEEDS for t in coding_suite(seed, per_bin=6).tasks]


def test_every_form_is_used_and_each_bin_mixes_forms():
    assert {t.form for t in TEMPLATES} == set(EXAMPLE_FORMS)
    for b in BINS:
        assert len({t.form for t in TEMPLATES if t.bin == b}) == 3, b


@pytest.mark.parametrize("form", EXAMPLE_FORMS)
def test_each_form_reads_back_exactly(form):
    examples = [([[3, 1], "a b"], [1, "x"]), ([-2], None)]
    text = f"Do it.\n\n{render_examples(form, 'f', examples)}\n\n{INSTRUCTION.format(name='f')}"
    assert visible_examples(text, "f") == [("f([3, 1], 'a b')", "[1, 'x']"), ("f(-2)", "None")]


def test_every_task_shows_one_or_two_examples_the_check_reads_exactly():
    """Read back as (args, value) and written again in the template's form, they are the text's examples block,
    verbatim: the check sees every example shown and nothing else."""
    counts, names = Counter(), set()
    for task in suites():
        pairs = shown(task)
        counts[len(pairs)] += 1
        names.add(task.entry_point)
        block = render_examples(FORM[task.entry_point], task.entry_point, pairs)
        after_statement = task.task.split("\n\n", 1)[1]
        assert after_statement == f"{block}\n\n{INSTRUCTION.format(name=task.entry_point)}", task.id
    assert set(counts) == {1, 2} and min(counts.values()) > 0.3 * sum(counts.values()), counts
    assert {TEMPLATE[n] for n in names} == {t.name for t in TEMPLATES} and len(names) > 2 * len(TEMPLATES)


def test_examples_hold_for_the_reference_and_are_never_hidden_tests():
    for task in suites():
        reference = _function(task.solution, task.entry_point)
        hidden = [json.dumps(args) for args, _ in task.tests]
        pairs = shown(task)
        assert len({json.dumps(args) for args, _ in pairs}) == len(pairs), task.id
        for args, value in pairs:
            assert json.dumps(args) not in hidden, (task.id, args)
            assert reference(*args) == value, (task.id, args)


def test_the_wrong_solution_fails_a_visible_example_on_some_tasks_of_each_bin_but_not_all():
    caught: dict[int, list[bool]] = {b: [] for b in BINS}
    for task in suites():
        wrong = _function(task.wrong, task.entry_point)
        caught[task.bin].append(any(not _holds(wrong, args, value) for args, value in shown(task)))
    for b, flags in caught.items():
        assert 0.3 < sum(flags) / len(flags) < 1, (b, sum(flags), len(flags))


def _holds(fn, args, value) -> bool:
    try:
        return fn(*args) == value
    except Exception:
        return False


def test_the_sandboxed_check_passes_the_reference_and_agrees_on_the_wrong_solution():
    """`code_check`, as the executor runs it, on every template (two seeds): the reference passes every example
    its task shows; the wrong solution fails exactly where its own values differ, on some tasks, not all."""
    tasks = coding_suite(3, per_bin=3).tasks + coding_suite(4, per_bin=3).tasks
    assert {TEMPLATE[t.entry_point] for t in tasks} == {t.name for t in TEMPLATES}
    wrong_passed = []
    for task in tasks:
        good = code_check(task.task, f"```python\n{task.solution}```")
        assert good["passed"] and good["examples"] == len(shown(task)) >= 1, (task.id, good)
        bad = code_check(task.task, f"```python\n{task.wrong}```")
        wrong = _function(task.wrong, task.entry_point)
        assert bad["passed"] == all(_holds(wrong, args, value) for args, value in shown(task)), (task.id, bad)
        wrong_passed.append(bad["passed"])
    assert 0 < sum(wrong_passed) < len(wrong_passed)


def test_a_seed_draws_the_hidden_tests_of_the_recorded_runs():
    """The examples have a generator of their own: names, parameters' tests and references are those of the
    recorded coding runs (docs/figures), so old and new figures score the same hidden tests."""
    recorded = load_jsonl_suite(ROOT / "docs" / "figures" / "real-coding-seed0-30" / "suite.jsonl").tasks
    now = {t.id: t for t in coding_suite(0, per_bin=6).tasks}
    assert len(recorded) == 30
    for old in recorded:
        new = now[old.id]
        assert (new.entry_point, new.tests, new.solution, new.wrong) == (old.entry_point, old.tests, old.solution,
                                                                         old.wrong), old.id
        assert visible_examples(old.task, old.entry_point) == [] and shown(new)
