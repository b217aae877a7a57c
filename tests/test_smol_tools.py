"""smolagents tools (sale/apps/smol_tools.py): each tool on real inputs, and inside a real ToolCallingAgent.

The Python tool really runs in the OS sandbox; where the sandbox cannot run, these tests fail, never skip.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from smolagents import ToolCallingAgent
from smolagents.models import ChatMessage, ChatMessageToolCall, ChatMessageToolCallFunction, MessageRole, Model
from smolagents.monitoring import LogLevel

from graphs.context import AuctionContext
from sale.apps.smol_tools import AuctionTool, SandboxedPythonTool, SearchTool
from tools import sandbox
from tools.sandbox import SandboxConfig


@pytest.fixture(scope="module", autouse=True)
def real_sandbox():
    problem = sandbox.probe()
    if problem is not None:
        pytest.fail(f"the OS sandbox is unavailable on this machine: {problem}")


def text_of(message: ChatMessage) -> str:
    content = message.content or ""
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


class ScriptedModel(Model):
    """Replies with one scripted tool call per step; a step is a function of the messages the agent sent."""

    def __init__(self, steps: list[Callable[[list[ChatMessage]], tuple[str, dict]]]) -> None:
        super().__init__(model_id="scripted")
        self.steps = list(steps)
        self.seen: list[list[ChatMessage]] = []
        self.offered: list[list[str]] = []

    def generate(self, messages, stop_sequences=None, response_format=None, tools_to_call_from=None, **kwargs):
        self.seen.append(list(messages))
        self.offered.append([t.name for t in tools_to_call_from or []])
        name, arguments = self.steps.pop(0)(messages)
        call = ChatMessageToolCall(function=ChatMessageToolCallFunction(name=name, arguments=arguments),
                                   id=f"call_{len(self.seen)}", type="function")
        return ChatMessage(role=MessageRole.ASSISTANT, content="", tool_calls=[call])


def call(name: str, **arguments) -> Callable[[list[ChatMessage]], tuple[str, dict]]:
    return lambda messages: (name, arguments)


def answer_with_last_observation(messages: list[ChatMessage]) -> tuple[str, dict]:
    return "final_answer", {"answer": text_of(messages[-1])}


def run_agent(tool, first_call) -> tuple[str, ScriptedModel, ToolCallingAgent]:
    model = ScriptedModel([first_call, answer_with_last_observation])
    agent = ToolCallingAgent(tools=[tool], model=model, max_steps=3, verbosity_level=LogLevel.OFF)
    return str(agent.run("Use the tool, then answer with what it returned.")), model, agent


def test_the_tools_meet_smolagents_contract_at_init(tmp_path):
    (tmp_path / "a.txt").write_text("anything")
    for tool in (SandboxedPythonTool(), SearchTool("bm25", str(tmp_path)), AuctionTool(AuctionContext())):
        assert tool.output_type == "string" and list(tool.inputs) and tool.description
    assert [SandboxedPythonTool.name, SearchTool.name, AuctionTool.name] == ["python", "search", "strategy_auction"]


def test_python_runs_in_the_sandbox():
    tool = SandboxedPythonTool()
    assert tool(code="print(6*7)") == "stdout:\n42\n"
    assert tool(code="import sys\nsys.executable") == f'result: "{sandbox.PYTHON}"' != f'result: "{sys.executable}"'
    assert [r["ok"] for r in tool.records] == [True, True]


def test_python_cannot_read_the_hosts_files():
    assert "root:" in Path("/etc/passwd").read_text()
    tool = SandboxedPythonTool()
    observation = tool(code="print(open('/etc/passwd').read())")
    assert "FileNotFoundError" in observation and "root:" not in observation
    assert tool.records[-1]["ok"] is False


def test_python_has_no_network_not_even_loopback():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        tool = SandboxedPythonTool()
        observation = tool(code=f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                                "print('connected')")
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert "connected" not in observation and "error: " in observation and "Error" in observation
    assert tool.records[-1]["ok"] is False


def test_python_keeps_the_configured_limits():
    tool = SandboxedPythonTool(SandboxConfig(timeout_s=1.0))
    observation = tool(code="while True:\n    pass")
    assert "timed out after 1s" in observation
    assert tool.records[-1]["timed_out"] is True and tool.records[-1]["duration_s"] < 5


def test_search_finds_a_fact_in_a_folder_corpus(tmp_path):
    (tmp_path / "lakes.txt").write_text("Lake Ormund is the deepest lake of Veldria, 412 metres deep.")
    (tmp_path / "rivers.md").write_text("The Tessel river of Veldria flows north into the Grey Sea.")
    tool = SearchTool("bm25", str(tmp_path), k=1)
    found = tool(query="deepest lake Veldria")
    assert "412 metres" in found and "corpus:lakes.txt" in found and "Tessel" not in found
    assert "<search_results>" in found and "untrusted" in found
    assert tool(query="volcano") == "no results for 'volcano'"


def test_search_without_a_corpus_is_refused_at_construction():
    with pytest.raises(ValueError, match="needs a corpus directory"):
        SearchTool("bm25")


def test_a_tool_calling_agent_runs_python_through_our_sandbox():
    tool = SandboxedPythonTool()
    code = "import os, sys\nprint(6*7, os.path.exists('/etc/passwd'), sys.executable)"
    answer, model, agent = run_agent(tool, call("python", code=code))
    assert f"42 False {sandbox.PYTHON}" in answer
    assert [r["ok"] for r in tool.records] == [True]
    assert model.offered[0] == ["python", "final_answer"]
    assert agent.memory.steps[1].observations == f"stdout:\n42 False {sandbox.PYTHON}"
    assert len(model.seen) == 2


def test_the_auction_as_a_tool_returns_its_answer(context, memory):
    out = json.loads(AuctionTool(context)(task="What is 5 + 5?"))
    assert out["status"] == "ok" and out["error"] is None
    assert out["winner"] in {"small", "big"} and "42" in out["answer"]
    assert memory.size() == 1 and out["auction_id"]


def test_a_tool_calling_agent_delegates_to_the_auction(context, memory, scripts):
    answer, _, _ = run_agent(AuctionTool(context), call("strategy_auction", task="What is 5 + 5?"))
    assert '"status": "ok"' in answer and "42" in answer
    assert memory.size() == 1
    executed = [m for kind, m, _ in scripts["small"].log + scripts["big"].log if kind == "execute"]
    assert executed and "What is 5 + 5?" in str(executed[0][-1].content)
