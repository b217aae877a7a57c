"""Generated suites, JSONL user suites and the verifiers (coding answers are checked in the real sandbox)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from sale.suites.coding import coding_suite
from sale.suites.coding_templates import TEMPLATES
from sale.suites.deep_search import deep_search_suite
from sale.suites.jsonl import load_jsonl_suite
from sale.suites.suite import BINS, BenchTask, SuiteError, load_suite
from sale.suites.verify import exact, normalise, parse_judgement, regex, verify

ROOT = Path(__file__).resolve().parent.parent


def test_suites_are_reproducible_from_the_seed(tmp_path):
    a = load_suite("coding", 5, tmp_path / "a", size=25)
    b = load_suite("coding", 5, tmp_path / "b", size=25)
    c = load_suite("coding", 6, tmp_path / "c", size=25)
    assert [t.to_json() for t in a.tasks] == [t.to_json() for t in b.tasks]
    assert [t.task for t in a.tasks] != [t.task for t in c.tasks]
    d1 = deep_search_suite(5, tmp_path / "d1", per_bin=4)
    d2 = deep_search_suite(5, tmp_path / "d2", per_bin=4)
    assert [t.to_json() for t in d1.tasks] == [t.to_json() for t in d2.tasks]
    assert sorted(p.read_text() for p in (tmp_path / "d1").iterdir()) == \
        sorted(p.read_text() for p in (tmp_path / "d2").iterdir())


def test_deep_search_hops_follow_the_bin_and_the_corpus_holds_every_fact(tmp_path):
    suite = deep_search_suite(11, tmp_path, per_bin=6)
    assert [sum(t.bin == b for t in suite.tasks) for b in BINS] == [6] * 5
    corpus = "\n".join(p.read_text() for p in tmp_path.iterdir())
    for task in suite.tasks:
        assert task.hops == task.bin and task.verifier == "exact"
        assert f"# {task.answer}\n" in corpus, task.answer
        assert task.wrong != task.answer
    distractors = [p for p in tmp_path.iterdir() if p.name.startswith("d")]
    assert distractors, "harder bins must add near-namesake distractor documents"


def test_every_coding_template_reference_passes_and_its_wrong_solution_fails_in_the_sandbox():
    suite = coding_suite(3, per_bin=3)
    names = {n: t.name for t in TEMPLATES for n in (t.name, *t.aliases)}
    assert {names[t.entry_point] for t in suite.tasks} == {t.name for t in TEMPLATES}
    for task in suite.tasks:
        good = asyncio.run(verify(task, f"Here you go:\n```python\n{task.solution}```"))
        bad = asyncio.run(verify(task, f"```python\n{task.wrong}```"))
        assert good["passed"], (task.id, good)
        assert not bad["passed"], (task.id, bad)


def test_unit_test_verifier_rejects_code_that_cheats_or_escapes():
    task = coding_suite(1, per_bin=1).tasks[0]
    hostile = f"```python\nimport os\ndef {task.entry_point}(*a):\n    os.system('true')\n    return 0\n```"
    assert not asyncio.run(verify(task, hostile))["passed"]
    assert not asyncio.run(verify(task, "no code at all"))["passed"]
    assert asyncio.run(verify(task, ""))["detail"] == "empty answer"


def test_exact_match_normalises_and_reads_the_last_line():
    task = BenchTask(id="x", task="q", domain="d", bin=1, verifier="exact", answer="Kalvex Works")
    assert normalise("The  Kalvex-Works!") == "kalvexworks"
    assert exact(task, "kalvex works")["passed"]
    assert exact(task, "I searched twice.\nAnswer: Kalvex Works.")["passed"]
    assert exact(task, "Final answer: the Kalvex Works")["passed"]
    assert not exact(task, "Kalvex")["passed"]
    assert not exact(task, "Kalvex Works or Drumo Mills")["passed"]
    r = BenchTask(id="y", task="q", domain="d", bin=1, verifier="regex", pattern=r"\b42\b")
    assert regex(r, "it is 42.")["passed"] and not regex(r, "420")["passed"]


def test_judgement_replies_are_parsed_strictly():
    assert parse_judgement('{"pass": true}') is True
    assert parse_judgement(' {"pass": false} ') is False
    for bad in ('{"pass": "yes"}', "true", '{"pass": true, "x": 1}', "PASS"):
        assert parse_judgement(bad) is None


def test_llm_judge_needs_a_judge():
    task = BenchTask(id="x", task="q", domain="d", bin=1, verifier="llm_judge", answer="a")
    with pytest.raises(ValueError, match="judge"):
        asyncio.run(verify(task, "a"))


def test_jsonl_suite_round_trip_and_one_error_listing_every_bad_line(tmp_path):
    good = tmp_path / "mine.jsonl"
    rows = [{"id": "a", "task": "Capital of France?", "verifier": "exact", "answer": "Paris", "bin": 1},
            {"id": "b", "task": "Say 42", "verifier": "regex", "pattern": "42"},
            {"id": "c", "task": "add", "verifier": "unit_tests", "entry_point": "add", "tests": [[[1, 2], 3]]},
            {"id": "d", "task": "Explain", "verifier": "llm_judge", "answer": "because", "domain": "deep_search"}]
    good.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    suite = load_suite(str(good), 0, tmp_path)
    assert [t.id for t in suite.tasks] == ["a", "b", "c", "d"] and suite.tasks[1].bin == 3
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([
        "{not json",
        json.dumps({"id": "a", "task": "t", "verifier": "fuzzy"}),
        json.dumps({"id": "b", "task": "t", "verifier": "exact"}),
        json.dumps({"id": "c", "task": "t", "verifier": "regex", "pattern": "("}),
        json.dumps({"id": "d", "task": "t", "verifier": "exact", "answer": "x", "bin": 9}),
        json.dumps({"id": "e", "task": "t", "verifier": "unit_tests", "entry_point": "f", "tests": [1]}),
        json.dumps({"id": "f", "task": "", "verifier": "exact", "answer": "x", "colour": "red"}),
    ]))
    with pytest.raises(SuiteError) as err:
        load_jsonl_suite(bad)
    message = str(err.value)
    for needle in ("line 1: invalid JSON", "line 2: unknown verifier 'fuzzy'", "line 3: verifier exact needs `answer`",
                   "line 4: `pattern` is not a valid regex", "line 5: `bin` must be", "line 6: `tests` must be",
                   "line 7: unknown key(s) colour", "line 7: `task` must be a non-empty string"):
        assert needle in message, needle
    with pytest.raises(SuiteError, match="unknown suite"):
        load_suite("nope", 0, tmp_path)


CHECK = "def check(candidate):\n    assert candidate([3, 1, 2]) == 3\n    assert candidate([-5]) == -5\n"
ASSERTS = "assert largest([3, 1, 2]) == 3\nassert largest([-5]) == -5\n"
RIGHT = "```python\ndef largest(xs):\n    return max(xs)\n```"
WRONG = "```python\ndef largest(xs):\n    return min(xs)\n```"


@pytest.mark.parametrize("test_code", [CHECK, ASSERTS], ids=["check-function", "assert-lines"])
def test_python_tests_run_the_tasks_own_test_code_in_the_sandbox(tmp_path, test_code):
    suite = tmp_path / "tests.jsonl"
    suite.write_text(json.dumps({"id": "p1", "task": "Write largest(xs).", "verifier": "python_tests",
                                 "entry_point": "largest", "test": test_code}) + "\n")
    task = load_jsonl_suite(suite).tasks[0]
    assert task.test == test_code
    assert asyncio.run(verify(task, RIGHT)) == {"passed": True, "detail": "the task's tests passed"}
    failed = asyncio.run(verify(task, WRONG))
    assert not failed["passed"] and "AssertionError" in failed["detail"]
    hostile = "```python\nimport os\ndef largest(xs):\n    os._exit(0)\n```"  # skip the tests, exit cleanly
    assert not asyncio.run(verify(task, hostile))["passed"]
    escape = "```python\ndef largest(xs):\n    return open('/etc/hostname').read()\n```"
    assert not asyncio.run(verify(task, escape))["passed"]


def test_python_tests_suite_problems_are_listed_at_once(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([
        json.dumps({"id": "a", "task": "t", "verifier": "python_tests", "entry_point": "f"}),
        json.dumps({"id": "b", "task": "t", "verifier": "python_tests", "entry_point": "f", "test": "assert f(("}),
        json.dumps({"id": "c", "task": "t", "verifier": "python_tests", "entry_point": "f", "test": ""}),
    ]))
    with pytest.raises(SuiteError) as err:
        load_jsonl_suite(bad)
    message = str(err.value)
    for needle in ("line 1: verifier python_tests needs `test`", "line 2: `test` is not valid Python",
                   "line 3: `test` must be Python test code"):
        assert needle in message, needle


def test_a_runs_own_suite_file_loads_back_unchanged(tmp_path):
    """`sale bench` writes the tasks it ran to DIR/suite.jsonl; `--suite DIR/suite.jsonl` must accept it."""
    from sale.suites.jsonl import write_jsonl

    shipped = load_suite("deep-search", 3, tmp_path, size=10).tasks + load_suite("coding", 3, tmp_path, size=5).tasks
    write_jsonl(shipped, tmp_path / "suite.jsonl")
    assert load_suite(str(tmp_path / "suite.jsonl"), 0, tmp_path).tasks == shipped


def test_a_coding_deliverable_falls_back_to_the_last_code_the_agent_ran():
    """The executor's deliverable rule finds each shipped task's entry point in the task text alone (what
    `sale run` has), so the bench scores exactly what a user of the same task gets."""
    from sale.core.deliverable import asked_name, code_delivery

    tasks = coding_suite(2, per_bin=4).tasks
    assert all(asked_name(t.task) == t.entry_point for t in tasks)
    task = tasks[0]
    steps = [{"kind": "tool", "tool": "python", "input": "print(1)"},
             {"kind": "tool", "tool": "python", "input": task.solution + "\nprint('ok')"},
             {"kind": "model", "text": "..."}]
    delivered = code_delivery(task.task, "Final answer: done, see above.", steps)
    assert delivered.source == "last_code" and asyncio.run(verify(task, delivered.answer))["passed"]
    assert code_delivery(task.task, "done", steps[:1]).source == "none"
    own = f"```python\n{task.wrong}```"
    assert code_delivery(task.task, own, steps).answer == own, "an answer that defines the function is judged as given"


def test_a_replay_runs_the_recorded_tasks_after_the_generator_changed(tmp_path, monkeypatch):
    """`--replay DIR` runs DIR/suite.jsonl's tasks: a generator that now writes other texts (as the coding suite
    did when its tasks gained examples) leaves every recording replayable."""
    from dataclasses import replace

    import sale.suites.coding as coding
    from sale.bench.config import BenchConfig
    from sale.bench.runner import run_bench
    from sale.sim.params import SIM_POOL

    cfg = BenchConfig(suite="coding", pool=SIM_POOL, seed=2, size=5, out=tmp_path / "rec", train_share=0,
                      progress=False, routers=("single:largest",))
    recorded = asyncio.run(run_bench(cfg))
    original = coding.coding_suite

    def rewritten(seed: int, per_bin: int = 20):
        suite = original(seed, per_bin)
        return replace(suite, tasks=[replace(t, task=t.task + "\nKeep it short.") for t in suite.tasks])

    monkeypatch.setattr(coding, "coding_suite", rewritten)
    again = asyncio.run(run_bench(BenchConfig(**{**cfg.__dict__, "out": tmp_path / "again",
                                                 "replay": tmp_path / "rec"})))
    assert again["replayed"] is True
    for key in ("pass_at_1", "cost_usd", "tokens"):
        assert again["routers"]["single:largest"][key] == recorded["routers"]["single:largest"][key], key
    assert (tmp_path / "again" / "suite.jsonl").read_text() == (tmp_path / "rec" / "suite.jsonl").read_text()
    (tmp_path / "rec" / "suite.jsonl").unlink()
    with pytest.raises(SuiteError, match=r"no suite\.jsonl"):
        asyncio.run(run_bench(BenchConfig(**{**cfg.__dict__, "out": tmp_path / "gone", "replay": tmp_path / "rec"})))


def test_every_committed_run_holds_the_tasks_it_ran(tmp_path):
    """What a replay of a committed run reads: its suite.jsonl, in the recorded order (and deep search's corpus,
    regenerated from the seed)."""
    from sale.suites.suite import recorded_suite

    runs = sorted(p.parent for p in (ROOT / "docs" / "figures").glob("*/results.json"))
    assert len(runs) >= 14
    for run in runs:
        results = json.loads((run / "results.json").read_text())
        suite = recorded_suite(run, results["suite"], results["seed"], tmp_path / run.name, size=results["n_tasks"])
        assert len(suite.tasks) == results["n_tasks"] and suite.name == results["suite"], run.name
        assert bool(suite.corpus) == (results["suite"] == "deep-search"), run.name
        assert [t.id for t in suite.tasks] == [json.loads(line)["id"] for line in
                                               (run / "suite.jsonl").read_text().splitlines()]
