"""Domains (docs/domains.md): a registered domain's prompts reach the models, its LangChain tools are offered and
run under both tool protocols, its cost terms and verifier count; a task names its domain through the context,
the input, a suite row, a server request or the CLI; unknown names are one clear error; and the shipped domains'
prompts are byte-identical to the recorded runs in docs/figures."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from langchain_core.tools import tool
from langchain_core.utils.function_calling import convert_to_openai_tool

from graphs.auction import graph as auction_graph
from graphs.context import AuctionContext, Live
from graphs.executor import graph as executor_graph
from graphs.live import domain_of
from sale.core.domains import Domain, DomainError
from tests.openai_stub import Behaviour, StubServer, kind_of_request, pool_toml, stub_pool

ROOT = Path(__file__).resolve().parents[1]
LOOKED_UP: list[str] = []
TABLE = {"answer": "forty-two", "colour": "blue"}


@tool
def lookup(key: str) -> str:
    """Look a key up in the ledger."""
    LOOKED_UP.append(key)
    return TABLE.get(key, "no such key")


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def broken(query: str) -> str:
    """Always fails."""
    raise RuntimeError("the ledger is closed")


LEDGER = Domain(
    name="ledger", tools_description="a ledger lookup", deliverable="Reply with the value only.",
    tools=[lookup, add, broken],
    prompts={"BID_SYSTEM": "You are {agent}, bidding in an auction for a LEDGER task: plan which keys to look up "
                           "with {tools}. At most {max_words} words.",
             "JURY_SYSTEM": "You are a strict judge of LEDGER plans. Reply with {reply_format} only."},
    cost_terms=[lambda bid: 100.0 if bid["agent"] == "big" else 0.0],
    verifier=lambda task, answer: "42" in answer,
    matches=lambda task: "ledger" in task.lower(),
)


@pytest.fixture(autouse=True)
def clear_lookups():
    LOOKED_UP.clear()


def with_ledger(context: AuctionContext, **settings) -> AuctionContext:
    return replace(context, live=replace(context.live, domains=[LEDGER]), **settings)


async def test_a_registered_domain_sets_the_prompts_cost_and_verdict(context, scripts):
    plain = (await auction_graph.ainvoke({"task": "What is in the ledger?"}, context=context))["result"]
    sent_before = len(scripts["small"].log)
    result = (await auction_graph.ainvoke({"task": "What is in the ledger?"},
                                          context=with_ledger(context, domain="ledger")))["result"]
    log = scripts["small"].log[sent_before:]
    bid_system = next(str(m[0].content) for kind, m, _ in log if kind == "bid")
    jury_system = next(str(m[0].content) for kind, m, _ in log if kind == "jury")
    assert bid_system == ("You are small, bidding in an auction for a LEDGER task: plan which keys to look up with "
                          "a ledger lookup. At most 80 words.")
    assert jury_system == 'You are a strict judge of LEDGER plans. Reply with {"score": N} only.'
    assert plain["domain"] == "deep_search" and plain["verified"] is None
    assert result["domain"] == "ledger" and result["verified"] is True  # the scripted answer is "42"
    cost = {r["domain"]: next(b["cost"] for b in r["bids"] if b["id"] == "big@0") for r in (plain, result)}
    assert cost["ledger"] - cost["deep_search"] == pytest.approx(100.0)
    assert result["winner"] == "small"
    execute = [(m, kw) for kind, m, kw in scripts[result["winner"]].log[-3:] if kind == "execute"][-1]
    assert "- lookup: Look a key up in the ledger." in str(execute[0][0].content)
    assert "Reply with the value only." in str(execute[0][0].content)
    assert execute[1]["tools"] == sorted((convert_to_openai_tool(t) for t in (lookup, add, broken)),
                                         key=lambda s: s["function"]["name"])


async def test_the_input_names_the_domain_and_auto_asks_the_registered_matchers(context):
    ctx = with_ledger(context)
    assert domain_of(ctx, "Read the LEDGER").name == "ledger"
    assert domain_of(ctx, "Write a function add(a, b).").name == "coding"
    assert domain_of(ctx, "Capital of France?").name == "deep_search"
    assert domain_of(ctx, "Read the ledger", "coding").name == "coding"
    result = (await auction_graph.ainvoke({"task": "Capital of France?", "domain": "ledger"}, context=ctx))["result"]
    assert result["domain"] == "ledger"


@pytest.mark.parametrize("where", ["context", "input"])
async def test_an_unknown_domain_is_one_error_naming_the_known_ones(context, scripts, where):
    ctx = with_ledger(context, domain="nope") if where == "context" else with_ledger(context)
    given = {"domain": "nope"} if where == "input" else {}
    with pytest.raises(DomainError, match=r"unknown domain 'nope'; the domains are auto, coding, deep_search, ledger"):
        await auction_graph.ainvoke({"task": "t", **given}, context=ctx)
    assert not scripts["small"].log  # before any model call


async def test_a_jury_prompt_without_its_shared_prefix_counterpart_is_one_error_under_that_layout(context, scripts):
    """Under shared_prefix the jury sends JURY_SHARED_USER: a domain that only replaced JURY_USER would be judged
    with the shipped wording, silently."""
    half = replace(LEDGER, prompts={"JURY_USER": "LEDGER task:\n{task}\n\n{bid_block}\n\nReply with {reply_format}."})
    ctx = replace(context, live=replace(context.live, domains=[half]), jury_layout="shared_prefix")
    with pytest.raises(DomainError, match="replaces JURY_USER without JURY_SHARED_USER"):
        await auction_graph.ainvoke({"task": "t", "domain": "ledger"}, context=ctx)
    assert not scripts["small"].log  # before any model call
    both = replace(half, prompts={**half.prompts, "JURY_SHARED_USER": "LEDGER task:\n{task}\n\nReply with "
                                  "{reply_format}.\n\n{bid_block}"})
    ctx = replace(ctx, live=replace(ctx.live, domains=[both]))
    await auction_graph.ainvoke({"task": "t", "domain": "ledger"}, context=ctx)
    jury = [messages[-1].content for kind, messages, _ in scripts["small"].log if kind == "jury"]
    assert jury and all(h.startswith("LEDGER task") and h.index("Reply with") < h.index("<strategy>") for h in jury)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"prompts": {"BID_PROMPT": "x"}}, "prompt 'BID_PROMPT' is not one a domain can replace"),
    ({"prompts": {"BID_SYSTEM": "{agent} {budget}"}}, "BID_SYSTEM uses unknown field(s) budget"),
    ({"tools": []}, "at least one tool"),
    ({"tools": [lambda x: x]}, "must be LangChain tools"),
    ({"name": "auto"}, "other than auto"),
])
def test_a_malformed_domain_is_refused_when_built(kwargs, message):
    with pytest.raises(DomainError, match=f"domain .*{message.replace('(', '.').replace(')', '.')}"):
        Domain(**{"name": "x", "tools_description": "t", "deliverable": "d", "tools": [lookup], **kwargs})


def ledger_context(stub, protocol, memory):
    return AuctionContext(live=Live(pool=stub_pool(stub, {"clerk": 0.1}, tool_protocol=protocol), memory=memory,
                                    domains=[LEDGER]), domain="ledger")


async def test_the_domain_tool_runs_under_the_text_protocol(memory):
    with StubServer({"clerk": Behaviour(execute=[
        "Thought: look it up\nAction: lookup\nAction Input: answer",
        'Action: add\nAction Input: {"a": 40, "b": 2}',
        "Action: broken\nAction Input: anything",
        "Action: python\nAction Input: print(1)",
        "Final Answer: 42",
    ])}) as stub:
        out = await executor_graph.ainvoke({"task": "t", "plan": "p", "agent": "clerk"},
                                           context=ledger_context(stub, "text", memory))
        first = stub.calls("clerk", "execute")[0]
    system = first["messages"][0]["content"]
    assert "- add: Add two integers." in system and "Action: lookup\nAction Input:\n<key>\n" in system
    assert "tools" not in first
    observations = [s["observation"] for s in out["steps"] if s["kind"] == "tool"]
    assert LOOKED_UP == ["answer"] and observations[:2] == ["forty-two", "42"]
    assert observations[2] == "broken failed: RuntimeError: the ledger is closed"
    assert observations[3].startswith("the python tool is not available for this task; your tools: lookup, add")
    assert out["answer"] == "42" and out["domain"] == "ledger"


async def test_the_domain_tool_runs_under_the_native_protocol(memory):
    with StubServer({"clerk": Behaviour(execute=[
        {"tool_calls": [("lookup", {"key": "colour"}), ("add", {"a": 1, "b": 2})]}, "blue and 3"])}) as stub:
        out = await executor_graph.ainvoke({"task": "t", "plan": "p", "agent": "clerk"},
                                           context=ledger_context(stub, "native", memory))
        requests = stub.calls("clerk", "execute")
    assert [t["function"]["name"] for t in requests[0]["tools"]] == ["add", "broken", "lookup"]
    assert requests[0]["tools"][2] == convert_to_openai_tool(lookup)
    assert [m["content"] for m in requests[1]["messages"] if m["role"] == "tool"] == ["blue", "3"]
    assert LOOKED_UP == ["colour"] and out["answer"] == "blue and 3"


def test_suite_rows_name_a_domain_and_unknown_ones_are_refused(tmp_path):
    from sale.bench.tasks import executor_domain
    from sale.suites.jsonl import load_jsonl_suite
    from sale.suites.suite import SuiteError

    path = tmp_path / "s.jsonl"
    rows = [{"id": "a", "task": "Read the ledger", "verifier": "exact", "answer": "42", "domain": "ledger"},
            {"id": "b", "task": "t", "verifier": "exact", "answer": "x", "domain": "deep-search"},
            {"id": "c", "task": "t", "verifier": "exact", "answer": "x"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(SuiteError, match=r"line 1: unknown domain 'ledger' \(auto, custom, coding, deep_search"):
        load_jsonl_suite(path)
    suite = load_jsonl_suite(path, domains=("ledger",))
    assert [executor_domain(t) for t in suite.tasks] == ["ledger", "deep_search", "auto"]
    assert executor_domain(suite.tasks[2], "coding") == "coding"


def test_bench_and_run_refuse_an_unknown_domain(tmp_path):
    from sale.bench.config import BenchConfig, BenchError, check_config

    with pytest.raises(BenchError, match=r"unknown domain 'nope' \(coding, deep_search\)"):
        check_config(BenchConfig(domain="nope", out=tmp_path))
    proc = subprocess.run([sys.executable, "-m", "sale.apps.cli", "run", "--domain", "nope", "t"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 2 and "invalid choice: 'nope'" in proc.stderr


def test_cli_run_domain_picks_the_executor_tools(tmp_path):
    with StubServer({"small": Behaviour(), "big": Behaviour()}) as stub:
        pool = tmp_path / "pool.toml"
        pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}))
        proc = subprocess.run([sys.executable, "-m", "sale.apps.cli", "run", "--json", "--pool", str(pool),
                               "--memory", str(tmp_path / "m"), "--domain", "coding", "Capital of France?"],
                              capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        execute = [r for r in stub.requests if kind_of_request(r) == "execute"]  # the loop, not the one-call draft
    assert json.loads(proc.stdout)["domain"] == "coding"
    assert [t["function"]["name"] for t in execute[0]["tools"]] == ["python"]  # deep_search would add search


def test_server_request_names_the_domain(memory):
    from sale.apps.server import create_app
    from tests.test_server import serving

    with StubServer({"small": Behaviour(), "big": Behaviour()}) as stub:
        ctx = AuctionContext(live=Live(pool=stub_pool(stub, {"small": 0.05, "big": 0.36}), memory=memory,
                                       domains=[LEDGER]))
        with serving(create_app(ctx)) as url:
            body = {"model": "sale-route", "messages": [{"role": "user", "content": "Capital of France?"}]}
            bad = httpx.post(f"{url}/chat/completions", json={**body, "domain": "nope"}, timeout=60)
            good = httpx.post(f"{url}/chat/completions", json={**body, "domain": "ledger"}, timeout=60)
        bids = [r["messages"][0]["content"] for r in stub.requests if "bidding in an auction" in
                r["messages"][0]["content"]]
    assert bad.status_code == 400
    assert bad.json() == {"error": {"message": "unknown domain 'nope'; the domains are auto, coding, deep_search, "
                                               "ledger", "type": "invalid_request_error", "param": "domain",
                                    "code": "unknown_domain"}}
    assert good.status_code == 200 and bids and all("LEDGER task" in b for b in bids)
    assert good.json()["sale"]["domain"] == "ledger"


def recorded_keys(directory: Path) -> set[str]:
    plain, packed = directory / "calls.jsonl", directory / "calls.jsonl.gz"
    text = plain.read_text() if plain.exists() else gzip.decompress(packed.read_bytes()).decode()
    return {json.loads(line)["key"] for line in text.splitlines() if line.strip()}


@pytest.mark.parametrize(("run", "protocol"), [("executor-coding-seed0-10", "text"),
                                               ("executor-deepsearch-seed0-20", "text"),
                                               ("native-coding-seed0-10", "native"),
                                               ("native-deepsearch-seed0-20", "native")])
def test_shipped_domains_send_the_recorded_executor_prompts(run, protocol):
    """The first executor request of every single-agent run, rebuilt from the shipped domain, is in the recording
    (request keys hash the messages and tool specs): the prompts and tool specs are byte-identical."""
    from nodes.act import offered_specs, start_messages
    from sale.bench.replay import request_key
    from sale.core.prompts import SINGLE_PLAN
    from sale.core.react_text import TEXT_STOP
    from tools.domains import SHIPPED_DOMAINS

    figures = ROOT / "docs" / "figures"
    recorded = recorded_keys(figures / run)
    suite = figures / run.replace("native", "executor") / "suite.jsonl"
    tasks = [json.loads(line) for line in suite.read_text().splitlines()]
    misses = []
    for row in tasks:
        domain = SHIPPED_DOMAINS[row["domain"].replace("-", "_")]
        for agent in ("smollm2-135m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"):
            options = {"extra_body": {"max_tokens": 512}}
            options |= {"stop": TEXT_STOP} if protocol == "text" else {"tools": offered_specs(domain)}
            messages = start_messages(agent, protocol, row["task"], SINGLE_PLAN, domain)
            if request_key(agent, messages, options) not in recorded:
                misses.append((row["id"], agent))
    assert not misses and tasks


@pytest.mark.parametrize("run", ["jury-expected-coding-seed0-10", "jury-expected-deepsearch-seed0-20"])
def test_shipped_domains_send_the_recorded_bid_prompts(run):
    from langchain_core.messages import HumanMessage, SystemMessage

    from sale.bench.replay import request_key
    from sale.local.models import LADDER
    from tools.domains import SHIPPED_DOMAINS

    figures = ROOT / "docs" / "figures" / run
    recorded = recorded_keys(figures)
    rows = [json.loads(line) for line in (figures / "suite.jsonl").read_text().splitlines()]
    misses = []
    for row in rows:
        domain = SHIPPED_DOMAINS[row["domain"].replace("-", "_")]
        for model in LADDER:
            messages = [SystemMessage(domain.prompt("BID_SYSTEM").format(agent=model.name, max_words=80,
                                                                         tools=domain.tools_description)),
                        HumanMessage(domain.prompt("BID_USER").format(task=row["task"]))]
            options = {"extra_body": {"max_tokens": min(160, model.max_tokens)}, "logprobs": True, "top_logprobs": 5}
            if request_key(model.name, messages, options) not in recorded:
                misses.append((row["id"], model.name))
    assert not misses and rows


def test_bench_runs_a_suite_in_a_registered_domain(tmp_path):
    """A Python caller's domain reaches `run_bench`: its suite rows load, its tool runs, its verdicts count."""
    import asyncio

    from sale.bench.config import BenchConfig
    from sale.bench.runner import run_bench

    suite = tmp_path / "ledger.jsonl"
    suite.write_text("".join(json.dumps({"id": f"q{i}", "task": f"Ledger question {i}", "verifier": "exact",
                                         "answer": "forty-two", "domain": "ledger"}) + "\n" for i in range(2)))
    call = {"tool_calls": [("lookup", {"key": "answer"})]}
    stub = StubServer({"clerk": Behaviour(execute=[call, "forty-two", call, "forty-two"])})
    with stub:
        pool = tmp_path / "pool.toml"
        pool.write_text(pool_toml(stub.base_url, {"clerk": 0.1}))
        cfg = BenchConfig(suite=str(suite), pool=str(pool), out=tmp_path / "o", train_share=0, progress=False,
                          routers=("single:clerk",), domains=(LEDGER,))
        results = asyncio.run(run_bench(cfg))
        offered = {t["function"]["name"] for r in stub.calls("clerk", "execute") for t in r.get("tools", [])}
    assert offered == {"lookup", "add", "broken"} and LOOKED_UP == ["answer", "answer"]
    assert results["routers"]["single:clerk"]["pass_at_1"] == 1.0


def test_tool_arguments_from_either_protocol():
    from sale.core.domains import text_input, tool_args

    @tool
    def tag(names: list[str]) -> str:
        """Tag names."""
        return ",".join(names)

    assert tool_args(lookup, "answer") == tool_args(lookup, "answer", {"key": "answer"}) == {"key": "answer"}
    assert tool_args(tag, "['a']", {"names": ["a"]}) == {"names": ["a"]}
    assert tool_args(add, '{"a": 1, "b": 2}') == tool_args(add, "", {"a": 1, "b": 2}) == {"a": 1, "b": 2}
    with pytest.raises(ValueError, match=re.escape('the add tool takes a JSON object: {"a": <a>, "b": <b>}')):
        tool_args(add, "1 2")
    assert (text_input(lookup), text_input(add)) == ("<key>", '{"a": <a>, "b": <b>}')
