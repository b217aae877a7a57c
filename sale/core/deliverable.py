"""What an execution delivers: one rule, applied inside the executor, so every caller (CLI, server, Studio, Python,
bench) gets and is scored on the same answer.

An answer that is empty, only the ``Final Answer:`` marker, or a ``<...>`` placeholder is no answer. For code,
the deliverable is the block that *defines* what the task asks for (``def NAME(`` or ``class NAME``: a
definition, not a substring or a longer name); when the final answer holds none, the last code the agent ran with
the Python tool that defines it is the deliverable. ``Delivery.source`` says which: ``final_answer``,
``last_code`` or ``none`` (no answer: a failure, never an ``ok``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

AnswerSource = Literal["final_answer", "last_code", "none"]
ANSWER_SOURCES: tuple[AnswerSource, ...] = ("final_answer", "last_code", "none")

_MARKER = re.compile(r"^\s*(?:\*\*)?\s*final\s*answer\s*[:：]?\s*(?:\*\*)?\s*", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^\s*[\"'`]*<[^<>\n]{1,80}>[\"'`.]*\s*$")
_FENCE = re.compile(r"```[ \t]*([\w+\-.]*)[ \t]*\n(.*?)(?:^[ \t]*```|\Z)", re.DOTALL | re.MULTILINE)
_CODE_LABELS = {"", "python", "py", "python3", "py3"}
_ASKED = (
    re.compile(r"\bdef\s+([A-Za-z_]\w*)\s*\("),
    re.compile(r"\b(?:function|method|class)\s+`([A-Za-z_]\w*)(?:\([^`]*\))?`"),
    re.compile(r"\b(?:function|method|class)\s+(?:named\s+|called\s+)?([A-Za-z_]\w*)\s*\("),
    re.compile(r"\b(?:function|method|class)\s+(?:named|called)\s+`?([A-Za-z_]\w*)`?"),
    re.compile(r"`([A-Za-z_]\w*)\([^`]*\)`"),
)
_NOT_NAMES = {"that", "which", "to", "in", "the", "a", "an", "python", "def", "with", "for", "and", "or"}


@dataclass(frozen=True)
class Delivery:
    answer: str
    """What the caller gets: the final answer as written, or the code that was run (fenced), or ``""``."""
    source: AnswerSource
    reason: str = ""
    """For ``none``: why there is no answer, in words a user can act on."""


def is_no_answer(text: str) -> bool:
    """Empty, the marker alone, or a placeholder the model echoed from a prompt (``<the complete code block>``)."""
    rest = _MARKER.sub("", text or "", count=1).strip()
    return not rest or bool(_PLACEHOLDER.match(rest))


def asked_name(task: str) -> str | None:
    """The function or class a coding task asks for, from the wording people use ("Write the function `f`",
    "a Python function f(s)", "def f(x)", "a class Stack"); None when the task names none."""
    for pattern in _ASKED:
        for match in pattern.finditer(task):
            name = match.group(1)
            if name.lower() not in _NOT_NAMES:
                return name
    return None


def defines(code: str, name: str) -> bool:
    """Whether ``code`` defines ``name`` at its top level or in a class (``def name(``, ``async def name(``,
    ``class name``), not merely mentions it."""
    pattern = rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(|^[ \t]*class[ \t]+{re.escape(name)}\b"
    return re.search(pattern, code, re.MULTILINE) is not None


def code_blocks(text: str) -> list[str]:
    """Fenced blocks labelled as Python (``python``, ``Python``, ``py``, ``python3``) or not labelled at all; a
    block left open at the end of the text counts up to the end."""
    return [m.group(2).rstrip() for m in _FENCE.finditer(text or "") if m.group(1).lower() in _CODE_LABELS]


def defining_code(text: str, name: str) -> str | None:
    """The code in ``text`` that defines ``name``: the last fenced block that does (a usage block written after
    it does not replace it), else unfenced code that does, from its first line of code to the last line that
    still parses."""
    for block in reversed(code_blocks(text)):
        if defines(block, name):
            return block
    if "```" in text or not defines(text, name):
        return None
    return _unfenced_code(_MARKER.sub("", text, count=1))


def _unfenced_code(text: str) -> str:
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if re.match(r"(?:import|from|def|class|async|@)\b", ln)), 0)
    for end in range(len(lines), start, -1):
        chunk = "\n".join(lines[start:end])
        try:
            ast.parse(chunk)
        except SyntaxError:
            continue
        return chunk
    return "\n".join(lines[start:])


def _ran_code(steps: Sequence[Mapping[str, Any]], code_tools: Sequence[str]) -> list[str]:
    """Code the agent ran, newest first (each step keeps the input it ran, as the run records it)."""
    return [str(s.get("input", "")) for s in reversed(steps)
            if s.get("kind") == "tool" and s.get("tool") in code_tools and str(s.get("input", "")).strip()]


def text_delivery(task: str, answer: str, steps: Sequence[Mapping[str, Any]] = ()) -> Delivery:
    """Any domain whose deliverable is text: the final answer, unless it is no answer."""
    if is_no_answer(answer):
        return Delivery("", "none", "the agent gave no final answer (empty, or only the 'Final Answer:' marker "
                                    "or a placeholder)")
    return Delivery(_MARKER.sub("", answer, count=1).strip(), "final_answer")


def code_delivery(task: str, answer: str, steps: Sequence[Mapping[str, Any]] = (),
                  code_tools: Sequence[str] = ("python",)) -> Delivery:
    """A coding task's deliverable: the final answer when it defines what the task asks for, else the last code
    run that defines it. A task that names no function is delivered like text, falling back on the last code
    run."""
    name = asked_name(task)
    given = "" if is_no_answer(answer) else _MARKER.sub("", answer, count=1).strip()
    if name is None:
        if given:
            return Delivery(given, "final_answer")
        ran = _ran_code(steps, code_tools)
        if ran:
            return Delivery(f"```python\n{ran[0].strip()}\n```", "last_code")
        return text_delivery(task, answer, steps)
    if given and defining_code(given, name) is not None:
        return Delivery(given, "final_answer")
    for code in _ran_code(steps, code_tools):
        if defines(code, name):
            return Delivery(f"```python\n{code.strip()}\n```", "last_code")
    said = "no final answer" if not given else "a final answer without it"
    return Delivery("", "none", f"no definition of {name} in the answer or in any code the agent ran ({said})")
