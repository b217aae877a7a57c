"""The shipped domains, ``coding`` and ``deep_search``, and their tools as LangChain tools.

The tools read their settings (the sandbox's timeout, the search backend) from the ``configurable`` part of the
RunnableConfig they are invoked with, so one tool object serves every run; the executor's ``tools`` node passes
the context's settings there (:data:`SETTINGS_KEYS`). Their names, descriptions and JSON schemas are the ones the
executor has always offered, so the shipped domains' prompts and tool specs stay byte-identical.
"""

from __future__ import annotations

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool

from sale.core.deliverable import code_delivery
from sale.core.domains import Domain
from sale.core.prompts import ANSWER_FORM, DELIVERABLE, TEXT_TOOL_INPUT, TOOL_LINES, TOOL_SPECS, TOOLS_DESCRIPTION
from tools.checks import checkable, code_check
from tools.python import python_observation
from tools.sandbox import SandboxConfig
from tools.search import make_backend, search_observation

SETTINGS_KEYS = ("python_timeout_s", "sandbox_allow_weak", "search", "search_backend", "search_corpus")
"""Keys of ``config["configurable"]`` the shipped tools read; unset ones take the context's defaults."""


def _settings(config: RunnableConfig | None) -> dict:
    return (config or {}).get("configurable") or {}


def _python(code: str, config: RunnableConfig) -> tuple[str, dict]:
    settings = _settings(config)
    sandbox = SandboxConfig(timeout_s=float(settings.get("python_timeout_s", 10.0)),
                            allow_weak=bool(settings.get("sandbox_allow_weak", False)))
    return python_observation(code, sandbox)


def _search(query: str, config: RunnableConfig) -> tuple[str, dict]:
    settings = _settings(config)
    try:
        backend = settings.get("search") or make_backend(settings.get("search_backend", "ddgs"),
                                                         settings.get("search_corpus", ""))
    except ValueError as exc:
        return f"search unavailable: {exc}", {"ok": False, "error": str(exc)}
    text = search_observation(backend, query)
    return text, {"ok": not text.startswith("search unavailable")}


def _shipped_tool(name: str, func) -> BaseTool:
    spec = next(s["function"] for s in TOOL_SPECS if s["function"]["name"] == name)
    return StructuredTool.from_function(func, name=name, description=spec["description"],
                                        args_schema=spec["parameters"], response_format="content_and_artifact",
                                        metadata={"tool_line": TOOL_LINES[name], "text_input": TEXT_TOOL_INPUT[name]})


PYTHON_TOOL = _shipped_tool("python", _python)
"""Python in a fresh OS sandbox per call (tools/sandbox.py); the artifact is the sandbox's record."""
SEARCH_TOOL = _shipped_tool("search", _search)
"""Web search (ddgs, or offline BM25 over a corpus); results come back as an untrusted data block."""

CODING = Domain(name="coding", tools_description=TOOLS_DESCRIPTION["coding"], deliverable=DELIVERABLE["coding"],
                tools=[PYTHON_TOOL], deliver=code_delivery, answer_form=ANSWER_FORM["coding"], direct=True,
                check=code_check, checkable=checkable)
DEEP_SEARCH = Domain(name="deep_search", tools_description=TOOLS_DESCRIPTION["deep_search"],
                     deliverable=DELIVERABLE["deep_search"], tools=[SEARCH_TOOL, PYTHON_TOOL])
SHIPPED_DOMAINS = {d.name: d for d in (CODING, DEEP_SEARCH)}
