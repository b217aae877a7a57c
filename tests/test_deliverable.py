"""The answer a user sees is the answer that is scored (docs/executor.md, "What the executor delivers"): one
deliverable rule inside the executor, no empty answer reported as success, no repeated action rerun or charged,
and bids cut at their cap closed cleanly. Includes a replay of the README command 1 incident through the loopback
stub: five identical runs of the plan's code and a bare ``Final Answer:``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graphs.auction import graph as auction_graph
from graphs.context import AuctionContext, Live
from graphs.executor import graph as executor_graph
from nodes.bid import close_cut_plan
from sale.core.deliverable import asked_name, code_delivery, defines, defining_code, is_no_answer, text_delivery
from sale.core.react_text import parse_reply
from sale.suites.suite import BenchTask
from sale.suites.verify import verify
from tests.openai_stub import Behaviour, StubServer, pool_toml, stub_pool
from tools.checks import code_check, visible_examples

ROOT = Path(__file__).resolve().parents[1]
PALINDROME_TASK = ("Write a Python function is_palindrome(s) that ignores case and spaces, and say how you would "
                   "test it.")
PALINDROME = "def is_palindrome(s):\n    t = ''.join(s.split()).lower()\n    return t == t[::-1]"
RUN_IT = f"Thought: write it\nAction: python\nAction Input:\n```python\n{PALINDROME}\n```"
CUT_BID = ("1. Normalise the string: lower case, drop spaces.\n2. Compare it with its reverse.\n"
           "```python\ndef is_palindrome(s):\n    normalized_s = s.lower()\n    return normalized_s == normalized_s")


@pytest.mark.parametrize("text", ["", "   ", "Final Answer:", "Final Answer:  \n", "**Final Answer:**",
                                  "<the complete code block>", "Final Answer: <your final answer>", "`<answer>`"])
def test_empty_marker_only_and_placeholder_answers_are_no_answer(text):
    assert is_no_answer(text)
    assert text_delivery("Who?", text).source == "none"


@pytest.mark.parametrize("text", ["42", "Final Answer: Marenhold", "x < y and y > z", "<b>bold</b> claim"])
def test_real_answers_are_answers(text):
    assert not is_no_answer(text) and text_delivery("Who?", text).source == "final_answer"


def test_a_bare_final_answer_parses_as_an_empty_answer():
    parsed = parse_reply("Final Answer:")
    assert parsed.final_answer == "" and parsed.action is None and parsed.structured


@pytest.mark.parametrize(("task", "name"), [
    (PALINDROME_TASK, "is_palindrome"),
    ("Reverse a list without using `reversed()`; write the function `rev(xs)`.", "rev"),
    ("Count distinct items, like `len(set(xs))`: write the function count_unique(xs).", "count_unique"),
    ("Write it: median([1, 3, 2]) should return 2.", "median"),
    ("def is_palindrome(s: str) -> bool:\n    return s == s[::-1]\n\n\ndef make_palindrome(s: str) -> str:\n"
     '    """The shortest palindrome that begins with s."""\n', "make_palindrome"),
    ("Write a function in Python to check if a number is prime.", None),
    ("Return the sum.\n\nWrite the function `sum_multiples` in Python. Reply with ...", "sum_multiples"),
    ("Implement `parse_row(line)` for CSV rows.", "parse_row"),
    ("Write a class called Stack with push and pop.", "Stack"),
    ("Complete this:\ndef add_numbers(a, b):\n    ...", "add_numbers"),
    ("Write a function that sorts a list.", None),
    ("Which city is the capital of Veloria?", None),
])
def test_the_name_a_coding_task_asks_for(task, name):
    assert asked_name(task) == name


def test_a_definition_is_not_a_mention_nor_a_prefix():
    assert defines("def add(a, b):\n    return a + b", "add")
    assert defines("class Stack:\n    pass", "Stack") and defines("async def add(a):\n    pass", "add")
    assert not defines("def add_numbers(a, b):\n    return a + b", "add")
    assert not defines("print(add(1, 2))", "add")


@pytest.mark.parametrize("label", ["python", "Python", "py", "python3", ""])
def test_the_defining_block_is_found_under_every_label_and_a_usage_block_does_not_replace_it(label):
    answer = f"Here it is:\n```{label}\n{PALINDROME}\n```\nUsage:\n```{label}\nprint(is_palindrome('abba'))\n```"
    assert defining_code(answer, "is_palindrome") == PALINDROME


@pytest.mark.parametrize("answer", [
    f"1. The code:\n   ```python\n   {PALINDROME.replace(chr(10), chr(10) + '   ')}\n   ```",
    f"```python\r\n{PALINDROME.replace(chr(10), chr(13) + chr(10))}\r\n```",
    f"```python title=palindrome.py\n{PALINDROME}\n```",
    f"{PALINDROME}\n\nUsage:\n```python\nprint(is_palindrome('abba'))\n```",
])
def test_indented_crlf_titled_and_unfenced_definitions_are_found(answer):
    assert defining_code(answer, "is_palindrome") == PALINDROME


def test_helper_blocks_before_the_definition_come_with_it():
    answer = "```python\nimport re\n\ndef clean(s):\n    return re.sub(r'\\s', '', s).lower()\n```\n" \
             "```python\nprint(clean('x'))\n```\n```python\ndef is_palindrome(s):\n    t = clean(s)\n" \
             "    return t == t[::-1]\n```"
    code = defining_code(answer, "is_palindrome")
    assert code.startswith("import re") and "print(clean" not in code and code.endswith("return t == t[::-1]")


def test_a_long_program_run_with_the_tool_is_delivered_whole():
    long = PALINDROME + "\n" + "\n".join(f"CONSTANT_{i} = {i}" for i in range(300))
    delivery = code_delivery(PALINDROME_TASK, "Final Answer:", [{"kind": "tool", "tool": "python", "input": long}])
    assert delivery.source == "last_code" and "CONSTANT_299 = 299" in delivery.answer and len(long) > 2000


def test_answers_that_only_look_like_the_marker_are_kept():
    assert text_delivery("q", "Final answers vary by region.").answer == "Final answers vary by region."
    assert code_delivery("Write a function that sorts a list.", "```python\n```").source == "none"


def test_unfenced_code_is_cut_where_it_stops_parsing():
    answer = f"Final Answer:\n{PALINDROME}\nThis works because it compares the string with its reverse."
    assert defining_code(answer, "is_palindrome") == PALINDROME


def test_the_last_code_run_that_defines_the_function_is_delivered_when_the_answer_holds_none():
    steps = [{"kind": "tool", "tool": "python", "input": "print(1)"},
             {"kind": "tool", "tool": "python", "input": PALINDROME},
             {"kind": "tool", "tool": "python", "input": "print(is_palindrome('abba'))"}]
    for answer in ("Final Answer:", "<the complete code block>", "True", "It prints True."):
        delivery = code_delivery(PALINDROME_TASK, answer, steps)
        assert delivery.source == "last_code" and defining_code(delivery.answer, "is_palindrome") == PALINDROME
    given = code_delivery(PALINDROME_TASK, f"```python\n{PALINDROME}\n```", steps)
    assert given.source == "final_answer"
    nothing = code_delivery(PALINDROME_TASK, "Final Answer:", steps[:1])
    assert nothing.source == "none" and "is_palindrome" in nothing.reason


async def test_verification_imports_the_deliverable_so_a_main_guard_demo_does_not_run():
    task = BenchTask(id="t", task=PALINDROME_TASK, domain="coding", bin=1, verifier="unit_tests",
                     entry_point="is_palindrome", tests=[[["A man a plan a canal Panama"], True], [["ab"], False]])
    demo = f"```python\n{PALINDROME}\n\nif __name__ == '__main__':\n    input('word? ')\n    raise SystemExit(3)\n```"
    assert (await verify(task, demo))["passed"]
    prefix = "```python\ndef is_palindrome_fast(s):\n    return True\n```"
    assert not (await verify(task, prefix))["passed"]


def test_a_bid_cut_at_its_cap_is_closed_cleanly():
    closed = close_cut_plan(CUT_BID)
    assert "```" not in closed and "normalized_s == normalized_s" not in closed
    assert closed.endswith("Compare it with its reverse.")
    assert close_cut_plan("Use a loop over both ends of the string. Then ret") == (
        "Use a loop over both ends of the string.")
    mostly_code = close_cut_plan("```python\ndef f(s):\n    x = 1\n    return x + y")
    assert mostly_code == "```python\ndef f(s):\n    x = 1\n```"


def context_for(pool, memory, tmp_path, **extra) -> AuctionContext:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "a.txt").write_text("nothing to see")
    return AuctionContext(live=Live(pool=pool, memory=memory), search_backend="bm25", search_corpus=str(corpus),
                          **extra)


async def test_readme_incident_replayed_delivers_the_code_run_once(memory, tmp_path):
    """The incident: the winning bid cut inside a code fence, the executor pasting the same code five times, then
    a bare ``Final Answer:``. Now: the plan is closed cleanly and marked, the code runs once, the four repeats are
    neither run nor charged, and the answer is that code, from ``last_code``, which passes the README's check."""
    agents = {"small": Behaviour(bid="Plan: print the answer.", execute="Final Answer:", spread=2.0),
              "big": Behaviour(bid=CUT_BID, bid_finish="length", execute=[RUN_IT] * 5 + ["Final Answer:"],
                               spread=0.1)}
    with StubServer(agents) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05, "big": 0.36}, tool_protocol="text"), memory, tmp_path,
                          refine=False, max_steps=6, execution="react")
        result = (await auction_graph.ainvoke({"task": PALINDROME_TASK}, context=ctx))["result"]
        executed = stub.calls(result["winner"], "execute")
    big = next(b for b in result["bids"] if b["agent"] == "big")
    assert big["truncated"] and "```" not in big["text"]
    assert result["winner"] == "big", result["bids"]
    assert "[tag removed]" not in executed[0]["messages"][1]["content"]
    assert result["status"] == "ok" and result["answer_source"] == "last_code"
    assert "def is_palindrome" in result["answer"]
    tools = [s for s in result["execution"]["steps"] if s["kind"] == "tool"]
    assert len(tools) == 5 and sum(1 for s in tools if s.get("repeat_of") is None) == 1
    assert result["usage"]["tool_calls"] == 1, "a repeated action is not charged"
    assert result["execution"]["tool_calls"] == 1, "nor counted as a call"
    assert "already ran exactly this" in executed[2]["messages"][-1]["content"]
    assert executed[4]["messages"][-1]["content"].count("already ran exactly this") == 1, "never nested"
    assert "defining a function prints nothing" in executed[1]["messages"][-1]["content"]
    code = result["answer"].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(code, "answer", "exec"), namespace)  # our own scripted code, not a model's
    assert namespace["is_palindrome"]("A man a plan a canal Panama") is True


@pytest.mark.parametrize("protocol", ["text", "native"])
async def test_an_execution_that_delivers_nothing_is_no_answer_and_no_exemplar(memory, tmp_path, protocol):
    agents = {"small": Behaviour(execute="Final Answer:", spread=2.0),
              "big": Behaviour(execute="<the complete code block>", spread=0.1)}
    with StubServer(agents) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05, "big": 0.36}, tool_protocol=protocol), memory, tmp_path,
                          refine=False)
        result = (await auction_graph.ainvoke({"task": PALINDROME_TASK}, context=ctx))["result"]
    assert result["status"] == "no_answer" and result["answer"] == "" and result["answer_source"] == "none"
    assert result["error"].startswith("no answer: no definition of is_palindrome")
    stored = memory.get(result["auction_id"])
    assert stored["outcome"]["answer_source"] == "none"
    assert [v["passed"] for v in memory.verdicts()] == [False]
    loser = next(b["agent"] for b in result["bids"] if b["agent"] != result["winner"])
    assert memory.exemplars(loser, PALINDROME_TASK, 8, memory.max_seq()) == []


@pytest.mark.parametrize("protocol", ["text", "native"])
async def test_the_step_budget_ends_with_a_deliverable_or_says_there_is_none(memory, tmp_path, protocol):
    action = RUN_IT if protocol == "text" else {"tool_calls": [("python", {"code": PALINDROME})]}
    with StubServer({"big": Behaviour(execute=[action, action, "Final Answer:"])}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}, tool_protocol=protocol), memory, tmp_path, max_steps=3,
                          execution="react")
        out = await executor_graph.ainvoke({"task": PALINDROME_TASK, "plan": "p", "agent": "big"}, context=ctx)
        last = stub.calls("big", "execute")[-1]["messages"][-1]["content"]
    assert out["status"] == "step budget exhausted" and out["answer_source"] == "last_code"
    assert defining_code(out["answer"], "is_palindrome") == PALINDROME
    assert "<" not in last and "```python block" in last
    with StubServer({"big": Behaviour(execute=["Thinking...", "Final Answer:"])}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}, tool_protocol=protocol), memory, tmp_path, max_steps=2,
                          execution="react")
        empty = await executor_graph.ainvoke({"task": PALINDROME_TASK, "plan": "p", "agent": "big"}, context=ctx)
    assert empty["status"] == "no_answer" and empty["answer"] == "" and empty["answer_source"] == "none"


def test_sale_run_exits_non_zero_with_one_line_when_nothing_is_delivered(tmp_path):
    with StubServer({"small": Behaviour(execute="Final Answer:", spread=2.0),
                     "big": Behaviour(execute="Final Answer:", spread=0.1)}) as stub:
        pool = tmp_path / "pool.toml"
        pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}, 'tool_protocol = "text"'))
        proc = subprocess.run([sys.executable, "-m", "sale.apps.cli", "run", "--json", "--pool", str(pool),
                               "--memory", str(tmp_path / "m"), "--no-refine", PALINDROME_TASK],
                              capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == "no_answer" and result["answer_source"] == "none"
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {result['error']}"] and "Traceback" not in proc.stderr


EXAMPLES_TASK = PALINDROME_TASK + "\n\n>>> is_palindrome('Never odd or even')\nTrue\nis_palindrome('abc') == False"


async def test_a_coding_draft_that_passes_the_tasks_examples_is_the_answer_in_one_call(memory, tmp_path):
    with StubServer({"big": Behaviour(draft=f"Final Answer:\n```python\n{PALINDROME}\n```",
                                      execute="Final Answer: unused")}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}, tool_protocol="text"), memory, tmp_path)
        out = await executor_graph.ainvoke({"task": EXAMPLES_TASK, "plan": "p", "agent": "big"}, context=ctx)
        assert stub.calls("big", "execute") == [] and len(stub.calls("big", "draft")) == 1
    draft = out["steps"][0]
    assert draft["kind"] == "draft" and draft["kept"] and draft["check"]["examples"] == 2
    assert out["status"] == "answered" and out["answer_source"] == "final_answer"
    assert [c["purpose"] for c in out["calls"]] == ["execute"] and out["model_steps"] == 1


async def test_a_draft_that_fails_an_example_goes_to_the_react_loop(memory, tmp_path):
    wrong = "def is_palindrome(s):\n    return s == s[::-1]"
    with StubServer({"big": Behaviour(draft=f"```python\n{wrong}\n```", execute=[RUN_IT, "Final Answer:"])}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}, tool_protocol="text"), memory, tmp_path)
        out = await executor_graph.ainvoke({"task": EXAMPLES_TASK, "plan": "p", "agent": "big"}, context=ctx)
        assert len(stub.calls("big", "draft")) == 1 and len(stub.calls("big", "execute")) == 2
        first = stub.calls("big", "execute")[0]["messages"]
    assert [m["role"] for m in first] == ["system", "user", "assistant", "user"] and wrong in first[2]["content"]
    assert "That draft is not final" in first[3]["content"] and "gave False, expected True" in first[3]["content"]
    assert not out["steps"][0]["kept"] and "gave False, expected True" in out["steps"][0]["check"]["detail"]
    assert out["answer_source"] == "last_code" and defining_code(out["answer"], "is_palindrome") == PALINDROME
    with StubServer({"big": Behaviour(draft="unused", execute=f"Final Answer:\n```python\n{PALINDROME}\n```")}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}, tool_protocol="text"), memory, tmp_path, execution="react")
        react = await executor_graph.ainvoke({"task": EXAMPLES_TASK, "plan": "p", "agent": "big"}, context=ctx)
        assert stub.calls("big", "draft") == [], "execution=react never drafts"
    assert react["answer_source"] == "final_answer" and react["steps"][0]["kind"] == "model"


def test_visible_examples_are_read_as_people_write_them():
    task = ("Write is_palindrome(s).\n>>> is_palindrome('Abba')\nTrue\n>>> print(is_palindrome('x'))\nTrue\n"
            "assert is_palindrome('ab') == False\nis_palindrome('🙂') == True  # one character\n"
            "is_palindrome_all([]) == True\n")
    assert visible_examples(task, "is_palindrome") == [
        ("is_palindrome('Abba')", "True"), ("is_palindrome('ab')", "False"), ("is_palindrome('🙂')", "True")]


def test_a_draft_cannot_report_a_pass_by_tampering_with_the_interpreter():
    spoof = ("```python\ndef is_palindrome(s):\n    return False\nimport builtins\n"
             "builtins.exec = builtins.eval = lambda *a, **k: True\n```")
    check = code_check(EXAMPLES_TASK, spoof)
    assert not check["passed"] and check["failed"] == 2


def test_a_task_that_names_no_function_checks_that_the_code_imports():
    task = "Write a function in Python to check if a number is prime."
    assert code_check(task, "```python\ndef prime(n):\n    return n > 1\n```")["passed"]
    assert not code_check(task, "```python\nimport no_such_module\n```")["passed"]


async def test_a_draft_whose_endpoint_fails_hands_over_to_the_next_bid(memory, tmp_path):
    """The next-ranked agent takes over in the loop, with its own plan; the dead endpoint is not called again."""
    with StubServer({"small": Behaviour(fault="http_500"),
                     "big": Behaviour(execute=f"Final Answer:\n```python\n{PALINDROME}\n```")}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05, "big": 0.36}), memory, tmp_path)
        candidates = [{"agent": "small", "plan": "p"}, {"agent": "big", "plan": "q"}]
        out = await executor_graph.ainvoke({"task": EXAMPLES_TASK, "plan": "p", "agent": "small",
                                            "candidates": candidates}, context=ctx)
    assert out["fallbacks"][0]["from"] == "small" and out["agent"] == "big"
    assert out["answer_source"] == "final_answer" and "def is_palindrome" in out["answer"]


async def test_a_budget_of_one_step_is_one_call(memory, tmp_path):
    with StubServer({"big": Behaviour(draft="I cannot.", execute="Final Answer: unused")}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}), memory, tmp_path, max_steps=1)
        out = await executor_graph.ainvoke({"task": EXAMPLES_TASK, "plan": "p", "agent": "big"}, context=ctx)
        assert len(stub.requests) == 1
    assert out["status"] == "no_answer" and out["model_steps"] == 1


async def test_an_execution_that_fails_with_nothing_delivered_is_no_answer(memory, tmp_path):
    with StubServer({"small": Behaviour(execute=[{"http": 400}], spread=2.0),
                     "big": Behaviour(execute=[{"http": 400}], spread=0.1)}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05, "big": 0.36}), memory, tmp_path, refine=False)
        result = (await auction_graph.ainvoke({"task": "Which city is the capital of Veloria?"}, context=ctx))["result"]
    assert result["status"] == "no_answer" and result["error"].startswith("execution failed")
    assert [v["passed"] for v in memory.verdicts()] == [False]


def test_without_a_sandbox_a_delivering_draft_stands_unchecked(monkeypatch):
    import tools.checks
    from tools.sandbox import SandboxUnavailable

    def unavailable(code, config):
        raise SandboxUnavailable("bubblewrap cannot create namespaces here")

    monkeypatch.setattr(tools.checks, "run_python", unavailable)
    check = code_check(EXAMPLES_TASK, f"```python\n{PALINDROME}\n```")
    assert check["passed"] and check["detail"].startswith("not checked: bubblewrap")


async def test_a_failed_call_may_be_retried_and_is_charged_each_time(memory, tmp_path):
    broken = "Action: python\nAction Input:\n```python\nraise ValueError('flaky')\n```"
    with StubServer({"big": Behaviour(execute=[broken, broken, "Final Answer: done"])}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}, tool_protocol="text"), memory, tmp_path, execution="react")
        out = await executor_graph.ainvoke({"task": "Run it.", "plan": "p", "agent": "big"}, context=ctx)
    tools = [s for s in out["steps"] if s["kind"] == "tool"]
    assert len(tools) == 2 and all(s.get("repeat_of") is None and not s["ok"] for s in tools)
    assert sum(1 for c in out["calls"] if c["purpose"] == "tool") == 2


async def test_code_run_by_an_agent_that_failed_is_not_delivered_by_the_one_that_took_over(memory, tmp_path):
    with StubServer({"small": Behaviour(execute=[{"tool_calls": [("python", {"code": PALINDROME})]}, {"http": 500}]),
                     "big": Behaviour(execute="Final Answer:")}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05, "big": 0.36}), memory, tmp_path, execution="react")
        candidates = [{"agent": "small", "plan": "p"}, {"agent": "big", "plan": "q"}]
        out = await executor_graph.ainvoke({"task": PALINDROME_TASK, "plan": "p", "agent": "small",
                                            "candidates": candidates}, context=ctx)
    assert out["agent"] == "big" and out["answer_source"] == "none" and out["status"] == "no_answer"
