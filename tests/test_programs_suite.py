"""The programs suite (issue 29): its rows, order and verification on fixture tasks, the check juror on example
tests, the step budget per bin, and the shipped tasks' self-check (which fails until small/medium/large exist)."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from sale.bench.config import BenchConfig
from sale.bench.tasks import select_tasks
from sale.core.deliverable import asked_name
from sale.core.pool import Pool
from sale.suites.programs import executor_budget, programs_suite
from sale.suites.programs.task import ProgramTask, self_check
from sale.suites.suite import SUITES, Suite, SuiteError, load_suite
from sale.suites.verify import verify
from tools.checks import checkable, code_check, example_tests

ROOT = Path(__file__).resolve().parent.parent

WORDS = ProgramTask(
    name="word_counts", bin=1, entry_point="top_words",
    spec="""Write a small Python module for word statistics over a text file.

- `read_words(path)` returns the file's words, lower-cased, in order (a word: letters and apostrophes).
- `top_words(path, n)` returns the n most common words as (word, count) tuples, most common first, ties in
  alphabetical order. Raise ValueError when n is negative. An empty file has no words.""",
    visible="""with open("words.txt", "w") as f:
    f.write("the cat and the hat\\nThe end")
assert read_words("words.txt") == ["the", "cat", "and", "the", "hat", "the", "end"]
assert top_words("words.txt", 2) == [("the", 3), ("and", 1)]
try:
    top_words("words.txt", -1)
except ValueError:
    pass
else:
    raise AssertionError("n < 0 must raise ValueError")""",
    hidden="""with open("h.txt", "w") as f:
    f.write("Hello, world. Hello again; world's end.")
assert read_words("h.txt") == ["hello", "world", "hello", "again", "world's", "end"]
assert top_words("h.txt", 1) == [("hello", 2)]
assert top_words("h.txt", 0) == []
with open("empty.txt", "w") as f:
    f.write("")
assert top_words("empty.txt", 3) == []""",
    solution="""import re
from collections import Counter


def read_words(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r"[a-z']+", f.read().lower())


def top_words(path, n):
    if n < 0:
        raise ValueError("n must be >= 0")
    counts = Counter(read_words(path))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
""",
    wrong="""from collections import Counter


def read_words(path):
    with open(path, encoding="utf-8") as f:
        return f.read().lower().split()


def top_words(path, n):
    if n < 0:
        raise ValueError("n must be >= 0")
    counts = Counter(read_words(path))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
""")

LEDGER = ProgramTask(
    name="ledger", bin=2, entry_point="Ledger",
    spec="""Write a class `Ledger` whose constructor reads a CSV file of `date,account,amount` lines.
`balance(account)` is the sum of the account's amounts (0 for an unknown account); `accounts()` lists the accounts
in alphabetical order. Blank lines and lines starting with `#` are skipped; a line without three fields raises
ValueError naming its line number ("line 3").""",
    visible="""with open("ledger.csv", "w") as f:
    f.write("2024-01-01,cash,10.50\\n2024-01-02,bank,-3\\n2024-01-03,cash,2\\n")
book = Ledger("ledger.csv")
assert book.balance("cash") == 12.5
assert book.accounts() == ["bank", "cash"]
assert book.balance("nobody") == 0""",
    hidden="""with open("l2.csv", "w") as f:
    f.write("# header\\n\\n2024-01-01,cash,1.25\\n")
assert Ledger("l2.csv").balance("cash") == 1.25
with open("bad.csv", "w") as f:
    f.write("2024-01-01,cash,1\\n2024-01-01,cash\\n")
try:
    Ledger("bad.csv")
except ValueError as e:
    assert "line 2" in str(e)
else:
    raise AssertionError("a malformed line must raise ValueError")""",
    solution="""class Ledger:
    def __init__(self, path):
        self.totals = {}
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                fields = line.split(",")
                if len(fields) != 3:
                    raise ValueError(f"line {n}: expected date,account,amount")
                self.totals[fields[1]] = self.totals.get(fields[1], 0) + float(fields[2])

    def balance(self, account):
        return self.totals.get(account, 0)

    def accounts(self):
        return sorted(self.totals)
""",
    wrong="""class Ledger:
    def __init__(self, path):
        self.totals = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                date, account, amount = line.strip().split(",")
                self.totals[account] = self.totals.get(account, 0) + float(amount)

    def balance(self, account):
        return self.totals.get(account, 0)

    def accounts(self):
        return sorted(self.totals)
""")

ORDERS = ProgramTask(
    name="order_report", bin=3, entry_point="report",
    spec="""Write a Python module with a function `report(path)`. The file holds one JSON order per line:
`{"customer": "ann", "items": [{"sku": "a", "qty": 2, "price": 1.5}]}`. An order with a missing field or a
quantity that is not a positive integer is skipped. `report` returns one line per customer, `NAME TOTAL` with two
decimals, the largest total first (ties by name), then `TOTAL SUM`, then `SKIPPED N` when N > 0 orders were
skipped.""",
    visible="""import json
rows = [{"customer": "ann", "items": [{"sku": "a", "qty": 2, "price": 1.5}]},
        {"customer": "bob", "items": [{"sku": "b", "qty": 1, "price": 4.0}]}]
with open("orders.jsonl", "w") as f:
    f.write("\\n".join(json.dumps(r) for r in rows) + "\\n")
assert report("orders.jsonl") == "bob 4.00\\nann 3.00\\nTOTAL 7.00\"""",
    hidden="""import json
rows = [{"customer": "ann", "items": [{"sku": "a", "qty": 2, "price": 1.5}]},
        {"customer": "cy", "items": [{"sku": "a", "qty": 0, "price": 1.5}]},
        {"customer": "dee"}]
with open("o2.jsonl", "w") as f:
    f.write("\\n".join(json.dumps(r) for r in rows) + "\\n")
assert report("o2.jsonl") == "ann 3.00\\nTOTAL 3.00\\nSKIPPED 2\"""",
    solution="""import json


def valid(order):
    items = order.get("items")
    if not isinstance(order.get("customer"), str) or not isinstance(items, list):
        return False
    return all(isinstance(i.get("qty"), int) and i["qty"] > 0 and "price" in i for i in items)


def report(path):
    totals, skipped = {}, 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            order = json.loads(line)
            if not valid(order):
                skipped += 1
                continue
            cost = sum(i["qty"] * i["price"] for i in order["items"])
            totals[order["customer"]] = totals.get(order["customer"], 0) + cost
    lines = [f"{c} {t:.2f}" for c, t in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines.append(f"TOTAL {sum(totals.values()):.2f}")
    if skipped:
        lines.append(f"SKIPPED {skipped}")
    return "\\n".join(lines)
""",
    wrong="""import json


def report(path):
    totals = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            order = json.loads(line)
            cost = sum(i["qty"] * i["price"] for i in order["items"])
            totals[order["customer"]] = totals.get(order["customer"], 0) + cost
    lines = [f"{c} {t:.2f}" for c, t in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines.append(f"TOTAL {sum(totals.values()):.2f}")
    return "\\n".join(lines)
""")

FIXTURE = (WORDS, LEDGER, ORDERS)


def fenced(code: str) -> str:
    return f"Here it is.\n\n```python\n{code}```\n"


def many(per_bin: int) -> tuple[ProgramTask, ...]:
    """Copies of the fixture tasks under new names, ``per_bin`` in each bin (for order and size; never run)."""
    return tuple(replace(t, name=f"{t.name}_{i}") for t in FIXTURE for i in range(per_bin))


# --- the suite's rows --------------------------------------------------------------------------------------------

def test_rows_carry_the_task_text_hidden_tests_and_both_solutions():
    suite = programs_suite(0, tasks=FIXTURE)
    assert suite.name == "programs" and sorted(t.id for t in suite.tasks) == [
        "programs-1-word_counts", "programs-2-ledger", "programs-3-order_report"]
    for row in suite.tasks:
        source = next(t for t in FIXTURE if row.id.endswith(t.name))
        assert (row.task, row.domain, row.bin, row.verifier) == (source.text, "coding", source.bin, "python_tests")
        assert (row.entry_point, row.test, row.solution, row.wrong) == (
            source.entry_point, source.hidden, source.solution, source.wrong)
        assert source.hidden not in row.task and source.visible.strip() in row.task


def test_the_text_names_the_entry_point_where_the_executor_reads_it():
    for task in FIXTURE:
        assert asked_name(task.text) == task.entry_point, task.name
    assert WORDS.text.startswith("Write a Python module; its entry point is the function `top_words`.")
    assert LEDGER.text.startswith(LEDGER.spec[:40]), "a spec that names the entry point first is left as it is"


def test_the_fixture_tasks_pass_their_self_check():
    for task in FIXTURE:
        assert self_check(task) == [], task.name


def test_verify_passes_the_reference_and_fails_the_wrong_solution():
    for row in programs_suite(0, tasks=FIXTURE).tasks:
        good = asyncio.run(verify(row, fenced(row.solution)))
        bad = asyncio.run(verify(row, fenced(row.wrong)))
        assert good["passed"], (row.id, good)
        assert not bad["passed"], row.id


def test_the_order_is_seeded_and_any_prefix_spreads_over_the_bins():
    tasks = many(14)
    first, again, other = (programs_suite(s, tasks=tasks).tasks for s in (0, 0, 1))
    assert [t.id for t in first] == [t.id for t in again] and [t.id for t in first] != [t.id for t in other]
    for size in range(1, len(first) + 1):
        counts = Counter(t.bin for t in first[:size])
        assert max(counts.values()) - min(counts.get(b, 0) for b in (1, 2, 3)) <= 1, size
    assert len(programs_suite(0, size=7, tasks=tasks).tasks) == 7
    assert len(programs_suite(0, size=0, tasks=tasks).tasks) == len(programs_suite(0, size=500, tasks=tasks).tasks)
    suite = Suite(name="programs", tasks=first)
    assert Counter(t.bin for t in select_tasks(suite, 3, 9)) == {1: 3, 2: 3, 3: 3}


def test_the_suite_is_registered(monkeypatch, tmp_path, capsys):
    import sale.suites.programs as programs
    from sale.apps.cli.parser import build_parser

    assert "programs" in SUITES
    monkeypatch.setattr(programs, "all_tasks", lambda: FIXTURE)
    assert [t.id for t in load_suite("programs", 2, tmp_path).tasks] == [
        t.id for t in programs_suite(2, tasks=FIXTURE).tasks]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "--help"])
    assert "programs (hand-written small programs" in " ".join(capsys.readouterr().out.split())


def test_a_missing_task_module_is_a_clear_suite_error(monkeypatch):
    import sale.suites.programs as programs

    programs.all_tasks.cache_clear()
    monkeypatch.setattr(programs, "MODULES", {**programs.MODULES, 3: "no_such_bin"})
    try:
        with pytest.raises(SuiteError, match=r"tasks/no_such_bin/ is missing"):
            programs.all_tasks()
    finally:
        programs.all_tasks.cache_clear()


def test_a_task_folder_reads_back_as_written_and_a_broken_one_is_named(tmp_path, monkeypatch):
    import json

    import sale.suites.programs as programs

    task = FIXTURE[0]
    folder = tmp_path / programs.MODULES[task.bin] / task.name
    folder.mkdir(parents=True)
    (folder / "task.json").write_text(json.dumps({"bin": task.bin, "entry_point": task.entry_point}))
    for field, file in programs.FILES.items():
        (folder / file).write_text(getattr(task, field))
    assert programs.read_task(folder) == task
    (tmp_path / programs.MODULES[2] / "broken").mkdir(parents=True)
    (tmp_path / programs.MODULES[3]).mkdir()
    programs.all_tasks.cache_clear()
    monkeypatch.setattr(programs, "TASKS_DIR", tmp_path)
    try:
        with pytest.raises(SuiteError, match=r"broken: .*task\.json"):
            programs.all_tasks()
    finally:
        programs.all_tasks.cache_clear()


# --- the check juror on example tests -----------------------------------------------------------------------------

def test_example_tests_are_read_in_order_with_literal_asserts_apart():
    steps = example_tests(WORDS.text)
    assert [s.line for s in steps] == [1, 3, 4, 5]
    assert [s.example for s in steps] == [False, True, True, True]
    assert steps[1].source == "read_words('words.txt')" and steps[1].expected.startswith("['the'")
    assert steps[3].expected == "" and steps[3].source.startswith("try:")
    assert checkable(WORDS.text) and example_tests("Write f(x).\nassert f(1) == 2\n") is None


def test_a_right_module_passes_its_example_tests():
    for task in FIXTURE:
        check = code_check(task.text, fenced(task.solution))
        examples = sum(s.example for s in example_tests(task.text))
        assert check == {"passed": True, "examples": examples, "failed": 0,
                         "detail": f"{examples} of {examples} examples held"}, task.name


def test_a_wrong_module_fails_naming_the_line():
    no_raise = WORDS.solution.replace('raise ValueError("n must be >= 0")', "return []")
    check = code_check(WORDS.text, fenced(no_raise))
    assert not check["passed"] and check["failed"] == 1 and check["examples"] == 3
    assert "first failure: line 5: `try: top_words('words.txt', -1) except ValueError: pass else: raise " \
           "AssertionError('n < 0 must raise ValueError')` raised AssertionError: n < 0 must raise" in check["detail"]
    ties = WORDS.solution.replace("(-kv[1], kv[0])", "-kv[1]")
    check = code_check(WORDS.text, fenced(ties))
    assert not check["passed"] and "line 4: `top_words('words.txt', 2)` gave [('the', 3), ('cat', 1)], " \
                                    "expected [('the', 3), ('and', 1)]" in check["detail"]
    broken = code_check(LEDGER.text, fenced(LEDGER.solution.replace("float(fields[2])", "fields[2]")))
    assert "line 3: `book = Ledger('ledger.csv')` raised TypeError" in broken["detail"]
    assert "the tests after it did not run" in broken["detail"] and broken["failed"] == 3


def test_a_non_literal_assert_that_fails_is_named_by_its_line():
    task = ("Write a function `double(x)`.\n\nExample tests (you may run them):\n```python\n"
            "expected = [2, 4]\nassert [double(x) for x in (1, 2)] == expected\n```\n")
    check = code_check(task, fenced("def double(x):\n    return x + 1\n"))
    assert not check["passed"] and check["examples"] == 1
    assert "line 2: `assert [double(x) for x in (1, 2)] == expected` raised AssertionError" in check["detail"]


@pytest.mark.parametrize("spoof", [
    "class Anything(list):\n    def __eq__(self, other):\n        return True\n    def __repr__(self):\n"
    "        return \"['the', 'cat', 'and', 'the', 'hat', 'the', 'end']\"\n",
    "import builtins\nbuiltins.repr = builtins.eval = builtins.exec = builtins.compile = lambda *a, **k: True\n"
    "class Anything(list):\n    pass\n",
    "import builtins\nbuiltins.isinstance = builtins.type = builtins.len = lambda *a: True\n"
    "class Anything(list):\n    pass\n",
])
def test_a_module_that_tampers_cannot_pass_a_literal_assert(spoof):
    """An object equal to anything, with the expected repr, or builtins patched: its value is read by the
    built-in types' own methods, and compared outside the sandbox."""
    draft = (WORDS.solution.split("def read_words")[0] + "def read_words(path):\n    return Anything()\n\n\n"
             "def top_words" + WORDS.solution.split("def top_words")[1] + spoof)
    check = code_check(WORDS.text, fenced(draft))
    assert not check["passed"]
    assert "first failure: line 3: `read_words('words.txt')` gave [], expected" in check["detail"], check["detail"]


def test_setup_lines_write_files_the_tests_read():
    task = ("Write a function `first_line(path)`.\n\nExample tests:\n```python\n"
            "from pathlib import Path\nPath('in.txt').write_text('alpha\\nbeta\\n')\n"
            "assert first_line('in.txt') == 'alpha'\n```\n")
    good = "def first_line(path):\n    with open(path) as f:\n        return f.readline().rstrip('\\n')\n"
    assert code_check(task, fenced(good))["passed"]
    missing = task.replace("'in.txt').write", "'/nowhere/in.txt').write")
    check = code_check(missing, fenced(good))
    assert not check["passed"] and "line 2: `Path('/nowhere/in.txt').write_text" in check["detail"]


def test_a_task_without_example_tests_keeps_the_single_call_forms():
    task = "Write is_even(n).\n>>> is_even(2)\nTrue\nassert is_even(3) == False\n"
    assert example_tests(task) is None and checkable(task)
    check = code_check(task, fenced("def is_even(n):\n    return n % 2 == 1\n"))
    assert check == {"passed": False, "examples": 2, "failed": 2,
                     "detail": "0 of 2 examples held; first failure: is_even(2) gave False, expected True"}


# --- the step budget -------------------------------------------------------------------------------------------

def test_a_programs_task_gets_an_executor_budget_per_bin_on_real_pools():
    from sale.bench.harness import Bench
    from sale.sim.params import sim_pool

    real = Pool.of({"name": "small", "model": "m", "base_url": "http://127.0.0.1:9/v1", "price_per_mtok": 0.1})
    rows = programs_suite(0, tasks=FIXTURE).tasks
    suite = Suite(name="programs", tasks=rows)
    bench = Bench(BenchConfig(suite="programs", progress=False), suite, real, None)
    budgets = {t.bin: bench.executor_budget(t) for t in rows}
    assert {b: v["max_steps"] for b, v in budgets.items()} == {1: 4, 2: 6, 3: 8}
    assert budgets == {b: executor_budget(b) for b in (1, 2, 3)} and budgets[3]["exec_token_budget"] == 48_000
    assert bench.context(**budgets[3]).exec_max_tokens == 2048
    other = replace(rows[0], id="cd-0-1-000")
    assert bench.executor_budget(other) == {} and bench.context(**bench.executor_budget(other)).max_steps == 6
    capped = Bench(BenchConfig(suite="programs", max_steps=3), suite, real, None)
    assert capped.executor_budget(rows[2])["max_steps"] == 3
    roomy = Bench(BenchConfig(suite="programs", max_steps=7), suite, real, None)
    assert [roomy.executor_budget(r)["max_steps"] for r in sorted(rows, key=lambda t: t.bin)] == [4, 6, 7]
    assert Bench(BenchConfig(suite="programs"), suite, sim_pool(), None).executor_budget(rows[2]) == {}
    slow = Pool.of({"name": "small", "model": "m", "base_url": "http://127.0.0.1:9/v1", "price_per_mtok": 0.1,
                    "timeout_s": 3600})
    deadlines = {k: v for k, v in Bench(BenchConfig(suite="programs"), suite, slow, None).executor_budget(
        rows[2]).items() if k.endswith("_deadline_s")}
    assert deadlines == dict.fromkeys(("execute_deadline_s", "bid_deadline_s", "jury_deadline_s"), 3600.0), \
        "a pool's longer call timeout (SALE_LOCAL_TIMEOUT) is not cut short by the suite's deadlines"


def test_a_single_agent_run_executes_with_the_task_budget(monkeypatch):
    from graphs.executor import graph
    from sale.bench.harness import Bench

    seen = []

    async def fake(state, context):
        seen.append((context.max_steps, context.exec_max_tokens, context.exec_token_budget))
        return {"answer": "", "status": "failed", "calls": []}

    monkeypatch.setattr(graph, "ainvoke", fake)
    real = Pool.of({"name": "small", "model": "m", "base_url": "http://127.0.0.1:9/v1", "price_per_mtok": 0.1})
    rows = programs_suite(0, tasks=FIXTURE).tasks
    bench = Bench(BenchConfig(suite="programs", progress=False), Suite(name="programs", tasks=rows), real, None)
    for row in sorted(rows, key=lambda t: t.bin):
        asyncio.run(bench.single("small", row))
    assert seen == [(4, 2048, 16_000), (6, 2048, 32_000), (8, 2048, 48_000)]


def test_a_direct_answer_may_be_as_long_as_an_executor_reply_on_the_task(monkeypatch):
    """A one-call answer to a programs task is a whole module: capped at the run's 512 tokens it could not fit."""
    import sale.core.calls
    from sale.bench.harness import Bench
    from sale.suites.programs import CALL_TIMEOUT_S

    asked = []

    async def fake(model, messages, **kwargs):
        asked.append((kwargs["max_tokens"], kwargs["deadline_s"]))
        return {"error": "refused", "text": "", "usd": 0.0, "usd_provider": 0.0, "prompt_tokens": 0,
                "completion_tokens": 0, "cached_tokens": 0}

    monkeypatch.setattr(sale.core.calls, "call_model", fake)
    real = Pool.of({"name": "small", "model": "m", "base_url": "http://127.0.0.1:9/v1", "price_per_mtok": 0.1})
    rows = programs_suite(0, tasks=FIXTURE).tasks
    other = replace(rows[0], id="cd-0-1-000")
    bench = Bench(BenchConfig(suite="programs", progress=False), Suite(name="programs", tasks=[*rows, other]),
                  real, None)
    for row in [*sorted(rows, key=lambda t: t.bin), other]:
        asyncio.run(bench.direct("small", row))
    assert asked == [(2048, CALL_TIMEOUT_S)] * 3 + [(512, 600.0)]


# --- the figures script --------------------------------------------------------------------------------------------

def test_the_figures_script_counts_per_bin():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from programs_figures import figures
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    rows = figures(FIXTURE)
    assert [r["bin"] for r in rows] == [1, 2, 3] and all(r["tasks"] == 1 for r in rows)
    assert rows[0]["visible_tests"] == 3 and rows[0]["hidden_tests"] == 4
    assert rows[1]["reference_lines"] == (16, 16, 16)
    assert [r["wrong_passes_visible_fails_hidden"] for r in rows] == [1, 1, 1]


# --- the shipped tasks ---------------------------------------------------------------------------------------------

def test_the_shipped_suite_holds_40_sound_tasks_in_three_bins():
    """Fails, not skips, if sale/suites/programs/tasks/ holds fewer than 40 sound tasks."""
    import sale.suites.programs as programs

    tasks = programs.all_tasks()
    assert len(tasks) >= 40, f"the programs suite holds {len(tasks)} tasks; issue 29 asks for at least 40"
    assert set(Counter(t.bin for t in tasks)) == {1, 2, 3}
    problems = [p for t in tasks for p in self_check(t)]
    assert problems == [], "\n".join(problems)
    assert len(programs_suite(0).tasks) == len(tasks)


def test_execution_against_a_bid_per_bin_and_agent():
    from sale.bench.report_bins import bin_lines, execution_vs_bid
    from sale.bench.runs import Run

    def single(agent: str, task: str, bin_: int, tokens: int) -> Run:
        return Run(router=f"single:{agent}", task_id=task, bin=bin_, order=0, agent=agent, passed=True, usd=0.0,
                   tokens=tokens, completion_tokens=0, auction_tokens=0, auction_usd=0.0, tool_usd=0.0, wall_s=0.0)

    singles = {(r.agent, r.task_id): r for r in [single("small", "a", 2, 3000), single("small", "b", 2, 5000),
                                                 single("big", "a", 2, 9000), single("big", "c", 3, 1)]}
    bids = {"bid": {"calls": 2, "prompt_tokens": 400, "completion_tokens": 300}}
    rows = [{"bin": 2, "usage": {"by_purpose": bids}, "bids": [
                {"agent": "small", "round": 0, "tokens": 100}, {"agent": "big", "round": 0, "tokens": 200},
                {"agent": "small", "round": 1, "tokens": 999}]},
            {"bin": 3, "usage": {"by_purpose": {"draft": {"calls": 1}}}, "bids": [{"agent": "big", "round": 0}]}]
    figures = execution_vs_bid(rows, singles, ["small", "big"])
    assert set(figures) == {"2"}
    assert figures["2"]["small"] | {} == {"execution_tokens": 4000.0, "bid_tokens": 300.0, "plan_tokens": 100.0,
                                         "ratio": 4000 / 300, "executions": 2, "bids": 1,
                                         "failed_executions": 0, "bid_from": "estimate"}
    assert figures["2"]["big"]["ratio"] == 9000 / 400
    routers = {"single:big": {"bins": {"2": {"pass_at_1": 1.0, "cost_usd": 0.0, "tokens": 9000, "tasks": 1}}}}
    text = "\n".join(bin_lines(routers, figures))
    assert "| 2 | big | 9,000 (1 tasks) | 400 (1 bids, estimated) | 22.5x |" in text
    assert "bin 2, big: 22.5x, met." in text

    failed = replace(singles[("small", "b")], exec_error="small failed during execution: timeout", tokens=10)
    rows[0]["bids"][0]["call_tokens"] = 800
    rows.append({"bin": 2, "cascade": {"order": []}, "usage": {"by_purpose": {"bid": {"calls": 1, "prompt_tokens": 1}}},
                 "bids": [{"agent": "small", "round": 0, "tokens": 5, "call_tokens": 6}]})
    figures = execution_vs_bid(rows, singles | {("small", "b"): failed}, ["small", "big"])
    small = figures["2"]["small"]
    assert (small["execution_tokens"], small["executions"], small["failed_executions"]) == (3000.0, 1, 1)
    assert (small["bid_tokens"], small["bid_from"], small["bids"]) == (800.0, "calls", 1), "its own call; no cascade"
    text = "\n".join(bin_lines(routers, figures))
    assert "| 2 | small | 3,000 (1 tasks, 1 failed left out) | 800 (1 bids) | 3.8x |" in text


def test_a_programs_run_adds_direct_answers_only_when_asked():
    from sale.bench.runner import with_direct_answers

    real = Pool.of({"name": "small", "model": "m", "base_url": "http://127.0.0.1:9/v1", "price_per_mtok": 0.1},
                   {"name": "big", "model": "m2", "base_url": "http://127.0.0.1:9/v1", "price_per_mtok": 1.0})
    cfg = BenchConfig(suite="programs", routers=("sale", "oracle"))
    assert with_direct_answers(cfg, real).routers == ("sale", "oracle", "direct:small", "direct:big")
    assert with_direct_answers(cfg, real, one_shot=False).routers == ("sale", "oracle")
    asked = replace(cfg, routers=("sale", "direct:big"))
    assert with_direct_answers(asked, real, one_shot=False).routers == ("sale", "direct:big")


def test_the_embedded_pool_gets_the_suites_call_timeout(monkeypatch):
    """At 300 s the 1.5B could not finish a bin-3 module on a 2-core machine: a machine failure scored as the
    model's."""
    import graphs.live
    from sale.bench.runner import _embedded_pool
    from sale.suites.programs import CALL_TIMEOUT_S

    base = Pool.of({"name": "small", "model": "m", "base_url": "http://127.0.0.1:9/v1", "price_per_mtok": 0.1,
                    "timeout_s": 300.0}, source="embedded")
    monkeypatch.setattr(graphs.live, "process_embedded_pool", lambda ctx: base)
    assert _embedded_pool(0) is base
    longer = _embedded_pool(16_384, CALL_TIMEOUT_S)
    assert longer.agents[0].timeout_s == CALL_TIMEOUT_S >= 1200 and longer.source == "embedded"
    budget = executor_budget(3)
    assert budget["execute_deadline_s"] == budget["bid_deadline_s"] == budget["jury_deadline_s"] == CALL_TIMEOUT_S


def test_a_programs_bench_on_the_embedded_pool_asks_for_its_context_timeout_and_no_direct_answers(tmp_path,
                                                                                                   monkeypatch):
    """What run_bench passes, not only what the helpers do with it."""
    import sale.bench.runner as runner
    from sale.suites.programs import CALL_TIMEOUT_S, CTX_PER_SLOT

    asked = {}

    class Enough(Exception):
        pass

    def embedded(ctx_per_slot, timeout_s=0.0, started=True):
        asked["pool"] = (ctx_per_slot, timeout_s)
        asked["started"] = started
        return Pool.of({"name": "small", "model": "m", "base_url": "http://127.0.0.1:9/v1", "price_per_mtok": 0.1})

    def direct_answers(cfg, pool, one_shot=True):
        asked["one_shot"] = one_shot
        raise Enough

    monkeypatch.setattr(runner, "_embedded_pool", embedded)
    monkeypatch.setattr(runner, "with_direct_answers", direct_answers)
    cfg = BenchConfig(suite="programs", routers=("sale",), limit=3, out=tmp_path / "o", progress=False)
    with pytest.raises(Enough):
        asyncio.run(runner.run_bench(cfg))
    assert asked == {"pool": (CTX_PER_SLOT, CALL_TIMEOUT_S), "started": True, "one_shot": False}
    recording = tmp_path / "recorded"
    recording.mkdir()
    (recording / "suite.jsonl").write_text((tmp_path / "o" / "suite.jsonl").read_text())
    (recording / "calls.jsonl").write_text("")
    with pytest.raises(Enough):
        asyncio.run(runner.run_bench(BenchConfig(**{**cfg.__dict__, "out": tmp_path / "r", "replay": recording})))
    assert asked["started"] is False, "a replay calls no model: no server is started for it"


def test_a_replay_gets_the_embedded_ladder_without_starting_a_server(monkeypatch):
    import graphs.live
    from sale.bench.runner import _embedded_pool
    from sale.local.models import LADDER
    from sale.suites.programs import CALL_TIMEOUT_S

    def started(ctx_per_slot):
        raise AssertionError("a server was started")

    monkeypatch.setattr(graphs.live, "process_embedded_pool", started)
    pool = _embedded_pool(16_384, CALL_TIMEOUT_S, started=False)
    assert [a.name for a in pool.agents] == [m.name for m in LADDER] and pool.source == "embedded"
    assert {a.timeout_s for a in pool.agents} == {CALL_TIMEOUT_S}
