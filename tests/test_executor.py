"""The ReAct executor: text-protocol parsing, native tool calls and the text protocol through the loopback
stub server, budgets, tool pricing, F12 (winner dies mid-run: fallback) and F14 (search unavailable)."""

import pytest

from graphs.auction import graph as auction_graph
from graphs.context import AuctionContext, Live
from graphs.executor import graph as executor_graph
from sale.core.react_text import parse_reply
from tests.openai_stub import Behaviour, StubServer, stub_pool
from tools.search import Bm25Backend, SearchUnavailable, search_observation


@pytest.mark.parametrize(
    ("text", "action", "action_input", "final"),
    [
        ("Thought: compute\nAction: python\nAction Input:\n```python\nprint(17*23)\n```", "python",
         "print(17*23)", None),
        ("**Action:** search\n**Action Input:** capital of Veloria", "search", "capital of Veloria", None),
        ("Action: search[tallest tower in Qarth]", "search", "tallest tower in Qarth", None),
        ("action: PYTHON\naction input: print(1)", "python", "print(1)", None),
        ("Let me run this:\n```python\nprint(2**10)\n```", "python", "print(2**10)", None),
        ("Thought: done\nFinal Answer: 391", None, "", "391"),
        ("final answer: Paris", None, "", "Paris"),
        ("Action: python\nAction Input: print(3)\nObservation: 3\nFinal Answer: 3", "python", "print(3)", None),
        ("The answer is 42.", None, "", "The answer is 42."),
        ("Action: browse\nFinal Answer: x", None, "", "x"),
        ("Action: search\nAction Input:\n```python\ndef f(x):\n    return max(x)\n```", "python",
         "def f(x):\n    return max(x)", None),
    ],
)
def test_tolerant_text_protocol_parser(text, action, action_input, final):
    parsed = parse_reply(text)
    assert (parsed.action, parsed.action_input, parsed.final_answer) == (action, action_input, final)


CORPUS = {
    "veloria.txt": "Veloria is a fictional island nation. Its capital is Marenhold, founded in 1712.",
    "qarth.txt": "Qarth has the tallest tower, the Amber Spire, 412 metres high.",
}


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in CORPUS.items():
        (root / name).write_text(text)
    return root


def test_bm25_ranks_the_relevant_document_first(corpus):
    hits = Bm25Backend(corpus).search("capital of Veloria", 2)
    assert hits[0]["title"] == "veloria" and "Marenhold" in hits[0]["snippet"]
    text = search_observation(Bm25Backend(corpus), "capital of Veloria")
    assert "<search_results>" in text and "untrusted" in text


def context_for(pool, memory, corpus, search=None, **extra):
    return AuctionContext(live=Live(pool=pool, memory=memory, search=search),
                          search_backend="bm25", search_corpus=str(corpus), **extra)


async def test_native_tool_calls_run_python_and_search(memory, corpus):
    with StubServer({"big": Behaviour(execute=[
        {"tool_calls": [("python", {"code": "print(17 * 23)"})]},
        {"tool_calls": [("search", {"query": "capital of Veloria"})]},
        "The product is 391 and the capital is Marenhold.",
    ])}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}), memory, corpus)
        out = await executor_graph.ainvoke({"task": "t", "plan": "p", "agent": "big"}, context=ctx)
        requests = stub.calls("big", "execute")
    assert out["status"] == "answered" and "Marenhold" in out["answer"]
    tool_steps = [s for s in out["steps"] if s["kind"] == "tool"]
    assert [s["tool"] for s in tool_steps] == ["python", "search"]
    assert tool_steps[0]["observation"].startswith("stdout:\n391") and "Marenhold" in tool_steps[1]["observation"]
    assert requests[0]["tools"][0]["function"]["name"] == "python"
    assert requests[1]["messages"][-1]["role"] == "tool" and "391" in requests[1]["messages"][-1]["content"]
    tool_calls = [c for c in out["calls"] if c["purpose"] == "tool"]
    assert [c["usd"] for c in tool_calls] == [ctx.tool_prices["python"], ctx.tool_prices["search"]]


async def test_text_protocol_drives_the_same_tools(memory, corpus):
    with StubServer({"small": Behaviour(execute=[
        "Thought: compute it\nAction: python\nAction Input:\n```python\nprint(6 * 7)\n```",
        "Thought: look up\nAction: search\nAction Input: tallest tower Qarth",
        "Final Answer: 42 and the Amber Spire",
    ])}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05}, tool_protocol="text"), memory, corpus)
        out = await executor_graph.ainvoke({"task": "t", "plan": "p", "agent": "small"}, context=ctx)
        requests = stub.calls("small", "execute")
    assert out["answer"] == "42 and the Amber Spire" and out["status"] == "answered"
    assert "tools" not in requests[0]
    assert requests[1]["messages"][-1]["content"].startswith("Observation:\nstdout:\n42")
    assert "Amber Spire" in requests[2]["messages"][-1]["content"]


async def test_each_step_returns_only_the_messages_it_adds(memory, corpus):
    with StubServer({"small": Behaviour(execute=[
        "Action: python\nAction Input:\n```python\nprint(6 * 7)\n```", "Final Answer: 42"])}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05}, tool_protocol="text"), memory, corpus)
        updates = [u async for u in executor_graph.astream({"task": "t", "plan": "p", "agent": "small"},
                                                           context=ctx, stream_mode="updates")]
        second = stub.calls("small", "execute")[1]["messages"]
    added = [(node, [m.type for m in u[node].get("messages", [])]) for u in updates for node in u]
    assert added == [("draft", []), ("act", ["system", "human", "ai"]), ("tools", ["human"]), ("act", ["ai"]),
                     ("deliver", [])]
    assert updates[-1]["deliver"]["answer"] == "42" and updates[-1]["deliver"]["answer_source"] == "final_answer"
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]  # the model still sees it all


async def test_a_tool_call_written_as_a_json_block_runs_under_the_native_protocol(memory, corpus):
    """Qwen2.5 on llama.cpp writes the call as fenced JSON content; the offered tool runs, an unoffered one does not."""
    call = '```json\n{\n  "name": "python",\n  "arguments": {\n    "code": "print(6 * 7)"\n  }\n}\n```'
    with StubServer({"big": Behaviour(execute=[call, "The answer is 42."])}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}), memory, corpus, execution="react")
        out = await executor_graph.ainvoke({"task": "Compute 6 * 7 in Python and report it.", "plan": "p",
                                            "agent": "big", "domain": "coding"}, context=ctx)
        second = stub.calls("big", "execute")[1]["messages"]
    assert [s["kind"] for s in out["steps"]] == ["model", "tool", "model"] and out["answer"] == "The answer is 42."
    assert out["steps"][1]["tool"] == "python" and "42" in out["steps"][1]["observation"]
    assert second[-1]["role"] == "tool" and second[-2]["tool_calls"][0]["function"]["name"] == "python"
    search = '{"name": "search", "arguments": {"query": "six times seven"}}'  # not offered for coding
    with StubServer({"big": Behaviour(execute=[search])}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}), memory, corpus, execution="react")
        out = await executor_graph.ainvoke({"task": "t", "plan": "p", "agent": "big", "domain": "coding"},
                                           context=ctx)
    assert out["status"] == "answered" and out["answer"] == search and out["model_steps"] == 1


async def test_step_budget_ends_the_loop_and_says_so(memory, corpus):
    with StubServer({"small": Behaviour(execute=["Action: python\nAction Input: print(1)"])}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05}, tool_protocol="text"), memory, corpus, max_steps=3)
        out = await executor_graph.ainvoke({"task": "t", "plan": "p", "agent": "small"}, context=ctx)
    assert out["status"] == "step budget exhausted" and out["model_steps"] == 3


async def test_f12_winner_dies_mid_run_and_next_best_takes_over(memory, corpus):
    with StubServer({
        "small": Behaviour(execute=[{"tool_calls": [("python", {"code": "print(1)"})]}, {"http": 500}]),
        "big": Behaviour(execute="Final answer: 391 (fallback)"),
    }) as stub:
        # small wins (cheaper, same jury), then its endpoint fails on the second execution step
        ctx = context_for(stub_pool(stub, {"small": 0.05, "big": 0.36}), memory, corpus)
        r = (await auction_graph.ainvoke({"task": "What is 17 * 23?"}, context=ctx))["result"]
    assert r["winner"] == "small" and r["status"] == "ok" and r["error"] is None
    assert r["execution"]["fallbacks"] == [{"from": "small", "to": "big", "reason": r["execution"]["fallbacks"][0]
                                            ["reason"], "policy": "next_best"}]
    assert "HTTP 500" in r["execution"]["fallbacks"][0]["reason"]
    assert r["execution"]["agent"] == "big" and r["answer"] == "391 (fallback)"  # the marker is not the answer
    assert [m["role"] for m in stub.calls("big", "execute")[0]["messages"]] == ["system", "user"]  # starts over


async def test_f12_without_fallback_the_execution_fails_and_the_record_stays(memory, corpus):
    with StubServer({"small": Behaviour(execute=[{"http": 500}]), "big": Behaviour()}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05, "big": 0.36}), memory, corpus, fallback="none")
        r = (await auction_graph.ainvoke({"task": "What is 17 * 23?", "auction_id": "a"}, context=ctx))["result"]
    assert r["execution"]["status"] == "failed" and "small failed during execution" in r["error"]
    assert memory.get("a") is not None


async def test_f14_search_unavailable_is_an_observation_and_the_run_goes_on(memory, corpus):
    class RateLimited:
        name = "ratelimited"

        def search(self, query, k):
            raise SearchUnavailable("RatelimitException: 202 Ratelimit")

    with StubServer({"big": Behaviour(execute=[
        {"tool_calls": [("search", {"query": "anything"})]}, "Final: answered without search"])}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}), memory, corpus, search=RateLimited())
        out = await executor_graph.ainvoke({"task": "t", "plan": "p", "agent": "big"}, context=ctx)
    step = next(s for s in out["steps"] if s["kind"] == "tool")
    assert step["observation"].startswith("search unavailable: RatelimitException") and not step["ok"]
    assert out["status"] == "answered" and out["answer"] == "Final: answered without search"


async def test_ddgs_backend_failures_become_search_unavailable():
    from ddgs.exceptions import RatelimitException, TimeoutException

    from tools.search import DdgsBackend

    for exc in (RatelimitException("429"), TimeoutException("slow"), OSError("no route")):
        def factory(timeout, exc=exc):
            class Client:
                def text(self, query, max_results):
                    raise exc
            return Client()

        text = search_observation(DdgsBackend(factory=factory), "q")
        assert text.startswith("search unavailable:")


async def test_text_protocol_reminds_once_about_the_format(memory, corpus):
    with StubServer({"small": Behaviour(execute=[
        "I would look it up somewhere.",
        "Action: search\nAction Input: capital of Veloria",
        "Final Answer: Marenhold",
    ])}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05}, tool_protocol="text"), memory, corpus)
        out = await executor_graph.ainvoke({"task": "t", "plan": "p", "agent": "small"}, context=ctx)
        requests = stub.calls("small", "execute")
    assert "neither an 'Action:' line" in requests[1]["messages"][-1]["content"]
    assert out["answer"] == "Marenhold" and [s["tool"] for s in out["steps"] if s["kind"] == "tool"] == ["search"]


async def test_unstructured_prose_is_accepted_after_one_reminder(memory, corpus):
    with StubServer({"small": Behaviour(execute=["Just prose.", "Still prose."])}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05}, tool_protocol="text"), memory, corpus)
        out = await executor_graph.ainvoke({"task": "t", "plan": "p", "agent": "small"}, context=ctx)
    assert out["answer"] == "Still prose." and out["model_steps"] == 2 and out["status"] == "answered"


@pytest.mark.parametrize(("task", "declared", "domain"), [
    ("Write a Python function is_palindrome(s) that ignores case.", "auto", "coding"),
    ("Implement a class LRUCache with get and put.", "auto", "coding"),
    ("Complete this:\n```python\ndef f(x):\n```", "auto", "coding"),
    ("def add(a, b): return the sum of a and b.", "auto", "coding"),
    ("In which village was the founder of Veloria's capital born?", "auto", "deep_search"),
    ("What is 17 * 23?", "auto", "deep_search"),
    ("Who wrote the code of Hammurabi?", "auto", "deep_search"),
    ("What is 17 * 23?", "coding", "coding"),
])
def test_the_domain_rule(task, declared, domain):
    from sale.core.tasks import task_domain

    assert task_domain(task, declared) == domain


def test_an_unknown_declared_domain_is_one_clear_error():
    from sale.core.tasks import TaskError, task_domain

    with pytest.raises(TaskError, match="unknown domain 'poetry'; use auto, coding, deep_search"):
        task_domain("t", "poetry")


CODING_TASK = "Write a Python function add(a, b) that returns the sum of a and b."
ADD = "```python\ndef add(a, b):\n    return a + b\n```"


async def test_a_coding_task_is_offered_python_and_not_search(memory, corpus):
    with StubServer({"big": Behaviour(execute=[f"Here it is.\n{ADD}"])}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}), memory, corpus)
        out = await executor_graph.ainvoke({"task": CODING_TASK, "plan": "p", "agent": "big"}, context=ctx)
        requests = stub.calls("big", "execute")
    assert out["domain"] == "coding" and out["status"] == "answered" and "def add" in out["answer"]
    assert [t["function"]["name"] for t in requests[0]["tools"]] == ["python"]
    system = requests[0]["messages"][0]["content"]
    assert "- python:" in system and "- search:" not in system and "complete code" in system


async def test_a_search_action_on_a_coding_task_is_refused_and_costs_nothing(memory, corpus):
    with StubServer({"small": Behaviour(execute=[
        "Thought: look it up\nAction: search\nAction Input: python add function",
        f"Final Answer:\n{ADD}",
    ])}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05}, tool_protocol="text"), memory, corpus)
        out = await executor_graph.ainvoke({"task": CODING_TASK, "plan": "p", "agent": "small"}, context=ctx)
        requests = stub.calls("small", "execute")
    step = next(s for s in out["steps"] if s["kind"] == "tool")
    assert step["tool"] == "search" and not step["ok"]
    assert step["observation"] == "the search tool is not available for this task; your tools: python"
    assert "Action: python" in requests[0]["messages"][0]["content"]
    assert [c["usd"] for c in out["calls"] if c["purpose"] == "tool"] == [0.0]
    assert out["status"] == "answered" and "def add" in out["answer"]


@pytest.mark.parametrize("protocol", ["text", "native"])
async def test_the_last_step_asks_for_the_deliverable_instead_of_another_action(memory, corpus, protocol):
    first = ("Action: python\nAction Input:\n```python\ndef add(a, b):\n    return a + b\nprint(add(1, 2))\n```"
             if protocol == "text" else {"tool_calls": [("python", {"code": "def add(a, b):\n    return a + b"})]})
    with StubServer({"small": Behaviour(execute=[first, f"Final Answer:\n{ADD}"])}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05}, tool_protocol=protocol), memory, corpus, max_steps=2,
                          execution="react")
        out = await executor_graph.ainvoke({"task": CODING_TASK, "plan": "p", "agent": "small"}, context=ctx)
        requests = stub.calls("small", "execute")
    assert len(requests) == 2 and "tools" not in requests[1]
    assert requests[1]["messages"][-1]["content"].startswith("This is your last step: no more tools.")
    assert "complete code" in requests[1]["messages"][-1]["content"]
    assert out["status"] == "step budget exhausted" and "def add(a, b)" in out["answer"]
    assert [s["final_step"] for s in out["steps"] if s["kind"] == "model"] == [False, True]


async def test_bids_plan_with_the_tools_their_domain_offers(memory, corpus):
    with StubServer({"big": Behaviour(execute=f"Final Answer:\n{ADD}")}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}), memory, corpus, route_only=True)
        await auction_graph.ainvoke({"task": CODING_TASK}, context=ctx)
        await auction_graph.ainvoke({"task": "Which city is the capital of Veloria?"}, context=ctx)
        coding, search = [r["messages"][0]["content"] for r in stub.calls("big", "bid")]
    assert "(a Python interpreter)" in coding and "web search" not in coding
    assert "(web search and a Python interpreter)" in search


async def test_an_unknown_domain_in_the_context_fails_before_any_call(memory, corpus):
    from sale.core.tasks import TaskError

    with StubServer({"big": Behaviour()}) as stub:
        ctx = context_for(stub_pool(stub, {"big": 0.36}), memory, corpus, domain="poetry")
        with pytest.raises(TaskError, match="unknown domain 'poetry'"):
            await auction_graph.ainvoke({"task": CODING_TASK}, context=ctx)
        assert stub.requests == []


async def test_the_loop_runs_a_final_answer_against_the_tasks_examples_before_accepting_it(memory, corpus):
    """A developer runs the tests before handing in: a Final Answer that fails the task's examples is fed back and
    the loop goes on; with the setting off, or on the last step, the first Final Answer stands."""
    task = "Write a Python function add_up(a, b) that returns a + b.\nExample: add_up(2, 3) == 5"
    wrong, right = ("Final Answer:\n```python\ndef add_up(a, b):\n    return a - b\n```",
                    "Final Answer:\n```python\ndef add_up(a, b):\n    return a + b\n```")
    with StubServer({"small": Behaviour(execute=[wrong, right])}) as stub:
        ctx = context_for(stub_pool(stub, {"small": 0.05}, tool_protocol="text"), memory, corpus, execution="react")
        out = await executor_graph.ainvoke({"task": task, "plan": "p", "agent": "small", "domain": "coding"},
                                           context=ctx)
        second = stub.calls("small", "execute")[1]["messages"]
    assert out["status"] == "answered" and "a + b" in out["answer"] and out["model_steps"] == 2
    assert out["steps"][0]["check"]["failed"] == 1 and "gave -1, expected 5" in second[-1]["content"]
    assert out["steps"][1]["check"]["passed"], "the passing check is a test run too"
    with StubServer({"small": Behaviour(execute=[wrong, right])}) as stub:
        off = context_for(stub_pool(stub, {"small": 0.05}, tool_protocol="text"), memory, corpus, execution="react",
                          check_final_answers=False)
        out = await executor_graph.ainvoke({"task": task, "plan": "p", "agent": "small", "domain": "coding"},
                                           context=off)
    assert "a - b" in out["answer"] and out["model_steps"] == 1
    with StubServer({"small": Behaviour(execute=[wrong, right])}) as stub:
        one = context_for(stub_pool(stub, {"small": 0.05}, tool_protocol="text"), memory, corpus, execution="react",
                          max_steps=1)
        out = await executor_graph.ainvoke({"task": task, "plan": "p", "agent": "small", "domain": "coding"},
                                           context=one)
    assert "a - b" in out["answer"] and out["status"] == "step budget exhausted"
