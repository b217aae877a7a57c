"""A domain: what an auction asks, offers and checks for one kind of task, as one value the graph reads.

The graph never branches on a domain's name: every node asks the task's :class:`Domain` for its prompt templates
(:meth:`Domain.prompt`), the executor offers the domain's LangChain tools, ``score`` adds its cost terms and
``finish`` runs its verifier. ``coding`` and ``deep_search`` ship (tools/domains.py); a user's own domain travels
in ``Live(domains=[...])`` and is named by the context's ``domain``, the task's input, a suite row or a server
request, or picked by the rule in :func:`pick_domain`.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from langchain_core.tools import BaseTool

from sale.core import prompts
from sale.core.deliverable import Delivery, text_delivery
from sale.core.tasks import TaskError, task_domain

OVERRIDABLE = ("BID_SYSTEM", "BID_USER", "JURY_SYSTEM", "JURY_USER", "JURY_BATCH_SYSTEM", "JURY_BATCH_USER",
               "JURY_VERDICT_SYSTEM", "JURY_VERDICT_USER", "REBID_SYSTEM", "REBID_USER", "EXECUTE_NATIVE_SYSTEM",
               "EXECUTE_TEXT_SYSTEM", "EXECUTE_USER", "FINAL_STEP", "JURY_SHARED_USER", "JURY_BATCH_SHARED_USER",
               "JURY_VERDICT_SHARED_USER", "DRAFT_SYSTEM", "DRAFT_REJECTED",
               "REDRAFT_USER")
"""The prompt templates (named constants of sale/core/prompts.py) a domain may replace."""
SHARED_LAYOUT = {"JURY_USER": "JURY_SHARED_USER", "JURY_BATCH_USER": "JURY_BATCH_SHARED_USER",
                 "JURY_VERDICT_USER": "JURY_VERDICT_SHARED_USER"}
"""Each jury user prompt and its ``jury_layout="shared_prefix"`` counterpart."""

CostTerm = Callable[[Mapping[str, Any]], float]
"""An extra cost term: a bid (graphs.state.Bid) -> points added to its cost C (so a higher value loses)."""
Verifier = Callable[[str, str], bool]
"""``(task, answer) -> passed``: recorded in the run's result as ``verified``."""
Check = Callable[[str, str, Mapping[str, Any]], Mapping[str, Any]]
"""``(task, answer, tool settings) -> {"passed", "examples", "failed", "detail"}`` (tools/checks.py)."""
Deliver = Callable[[str, str, Sequence[Mapping[str, Any]]], Delivery]
"""``(task, final answer, executor steps) -> Delivery``: what the execution delivers (sale/core/deliverable.py)."""


class DomainError(TaskError):
    """A domain is unknown or malformed; the message says which and what is known."""


UNFORMATTED = ("JURY_BATCH_SYSTEM", "JURY_VERDICT_SYSTEM")
"""Templates sent as they are (their braces are literal JSON)."""


def _fields(template: str) -> set[str]:
    return {name or "{}" for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@dataclass(frozen=True, kw_only=True)
class Domain:
    """Prompts, tools, cost terms and verifier for one kind of task. Unset prompts are the paper defaults."""

    name: str
    """How tasks, settings, suite rows and requests name it."""
    tools_description: str
    """What a bid may plan to use (``{tools}`` in the bid and rebid prompts), e.g. "a SQL console"."""
    deliverable: str
    """What the final answer must hold (``{deliverable}`` in the executor's prompts)."""
    tools: Sequence[BaseTool] = ()
    """The executor's tools: any LangChain tools. A tool may set ``metadata`` ``tool_line`` (its line in the
    executor's prompt; default ``- name: description``) and ``text_input`` (the text protocol's input hint)."""
    prompts: Mapping[str, str] = field(default_factory=dict)
    """Replacement templates by constant name (see ``OVERRIDABLE``); each may use only its default's fields."""
    cost_terms: Sequence[CostTerm] = ()
    verifier: Verifier | None = None
    deliver: Deliver = text_delivery
    """The deliverable rule: the answer every caller gets, and whether there is one (``none`` fails the run)."""
    direct: bool = False
    """One call can deliver this domain's tasks: the executor drafts the answer in one call (no tools) and runs
    the ReAct loop only if the draft delivers nothing or fails ``check`` (context ``execution="auto"``)."""
    check: Check | None = None
    """Runs a draft against what the task shows (for code: its examples, in the sandbox) before it is final."""
    checkable: Callable[[str], bool] | None = None
    """Whether ``check`` can verify a draft of this task (for code: the task shows runnable examples), not only
    see it import. The cascade (context ``auction_policy="cascade"``) lets a cheaper agent end the auction on a
    verified pass only where this holds."""
    answer_form: str = "the answer itself"
    """What follows ``Final Answer:`` when the executor's last step asks for it (``{form}`` in ``FINAL_STEP``):
    words that describe the answer, never a ``<placeholder>`` a model could echo."""
    matches: Callable[[str], bool] | None = None
    """For ``domain="auto"``: claims a task (checked before the shipped code-or-search rule)."""

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.name, str) or not self.name.isidentifier() or self.name == "auto":
            problems.append(f"name {self.name!r} must be an identifier (letters, digits, _) other than auto")
        for key, text in self.prompts.items():
            if key not in OVERRIDABLE:
                problems.append(f"prompt {key!r} is not one a domain can replace ({', '.join(OVERRIDABLE)})")
            elif key not in UNFORMATTED:
                try:
                    extra = _fields(text) - _fields(getattr(prompts, key))
                except ValueError as exc:
                    problems.append(f"prompt {key} is not a format template ({exc}; write literal braces as {{{{ }}}})")
                    continue
                if extra:
                    problems.append(f"prompt {key} uses unknown field(s) {', '.join(sorted(extra))}; it may use "
                                    f"{', '.join(sorted(_fields(getattr(prompts, key)))) or 'none'}")
        names = [getattr(t, "name", "?") for t in self.tools]
        if not names:
            problems.append("it needs at least one tool (the executor's protocols name one)")
        if not all(isinstance(t, BaseTool) for t in self.tools):
            problems.append("its tools must be LangChain tools (langchain_core.tools.BaseTool, e.g. from @tool)")
        elif len(set(names)) != len(names):
            problems.append(f"tool names repeat: {', '.join(names)}")
        elif bad := [n for n in names if not re.fullmatch(r"[A-Za-z_]+", n)]:
            problems.append(f"tool name(s) {', '.join(bad)}: use letters and _ only (the text protocol's Action line)")
        if problems:
            raise DomainError(f"domain {self.name!r}: " + "; ".join(problems))
        object.__setattr__(self, "prompts", MappingProxyType(dict(self.prompts)))
        object.__setattr__(self, "tools", tuple(self.tools))
        object.__setattr__(self, "cost_terms", tuple(self.cost_terms))

    def check_layout(self, jury_layout: str) -> None:
        """Under ``shared_prefix`` the jury sends the ``*_SHARED_USER`` prompts: a domain that replaced a jury user
        prompt but not its counterpart would be judged by the shipped wording without a word said."""
        if jury_layout != "shared_prefix":
            return
        missing = [f"{paper} without {shared}" for paper, shared in SHARED_LAYOUT.items()
                   if paper in self.prompts and shared not in self.prompts]
        if missing:
            raise DomainError(f"domain {self.name!r} replaces {'; '.join(missing)}, which jury_layout "
                              "'shared_prefix' sends instead: give both, or use jury_layout 'paper'")

    def prompt(self, key: str) -> str:
        """The domain's template for ``key``, or the default constant of the same name."""
        return self.prompts.get(key) or getattr(prompts, key)

    def tool(self, name: str) -> BaseTool | None:
        return next((t for t in self.tools if t.name == name), None)

    @property
    def tool_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tools)


def tool_line(tool: BaseTool) -> str:
    """The tool's line in the executor's prompt."""
    return tool.metadata.get("tool_line") if tool.metadata and tool.metadata.get("tool_line") else (
        f"- {tool.name}: {tool.description}")


def text_input(tool: BaseTool) -> str:
    """The text protocol's Action Input hint: ``<arg>`` for a one-argument tool, else a JSON object."""
    if tool.metadata and tool.metadata.get("text_input"):
        return tool.metadata["text_input"]
    names = list(tool.args)
    if len(names) == 1:
        return f"<{names[0]}>"
    return "{" + ", ".join(f'"{n}": <{n}>' for n in names) + "}"


def tool_args(tool: BaseTool, text: str, native: dict[str, Any] | None = None) -> dict[str, Any]:
    """A call's arguments. A one-argument tool takes the text as it is (the text protocol's input, or the native
    call's one value), unless the native call gave it a list or an object; a tool of several takes the native
    call's object, or a JSON object as text."""
    names = list(tool.args)
    if len(names) == 1:
        given = (native or {}).get(names[0])
        return {names[0]: given if isinstance(given, list | dict) else text}
    if native is not None:
        return native
    try:
        args = json.loads(text)
    except json.JSONDecodeError:
        args = None
    if not isinstance(args, dict):
        raise ValueError(f"the {tool.name} tool takes a JSON object: {text_input(tool)}")
    return args


def pick_domain(task: str, declared: str, registry: Mapping[str, Domain]) -> Domain:
    """The task's domain. A declared name wins (one clear error if it is unknown). With ``auto`` (or empty): the
    first registered user domain whose ``matches`` claims the task, else ``coding`` for a task that asks for code
    (the shipped rule, :func:`sale.core.tasks.task_domain`), else ``deep_search``."""
    if declared and declared != "auto":
        if declared not in registry:
            raise DomainError(f"unknown domain {declared!r}; the domains are auto, {', '.join(registry)}")
        return registry[declared]
    for domain in registry.values():
        if domain.matches is not None and domain.matches(task):
            return domain
    return registry[task_domain(task)]
