"""What an execution delivers: one rule, applied inside the executor, so every caller (CLI, server, Studio, Python,
bench) gets and is scored on the same answer.

An answer that is empty, only the ``Final Answer:`` marker, or a ``<...>`` placeholder is no answer. For code,
the deliverable is the code that *defines* what the task asks for (``def NAME(`` or ``class NAME``: a
definition, not a substring or a longer name); when the final answer holds none, the last code the agent ran with
the Python tool that defines it is the deliverable. ``Delivery.source`` says which: ``final_answer``,
``last_code`` or ``none`` (no answer: a failure, never an ``ok``).
"""

from __future__ import annotations

import ast
import builtins
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

AnswerSource = Literal["final_answer", "last_code", "none"]
EXECUTIONS = ("auto", "react")
"""How the executor may deliver (context ``execution``): ``auto`` drafts in one call where a domain can, ``react``
always runs the loop."""

_MARKER = re.compile(r"^\s*(?:\*\*)?\s*final\s*answer\b\s*(?:\*\*)?\s*[:：]?\s*(?:\*\*)?\s*", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^\s*[\"'`]*<[^<>\n]{1,80}>[\"'`.]*\s*$")
_FENCE = re.compile(r"```[ \t]*([\w+\-.]*)[^\n]*\n(.*?)(?:^[ \t]*```|\Z)", re.DOTALL | re.MULTILINE)
_CODE_LABELS = {"", "python", "py", "python3", "py3"}
_ASKED = (
    re.compile(r"\b(?:function|method|class)\s+`([A-Za-z_]\w*)(?:\([^`]*\))?`"),
    re.compile(r"\b(?:function|method|class)\s+(?:named\s+|called\s+)?([A-Za-z_]\w*)\s*\("),
    re.compile(r"\b(?:function|method|class)\s+(?:named|called)\s+`?([A-Za-z_]\w*)`?"),
    re.compile(r"(?<![\w.])`([A-Za-z_]\w*)\([^`]*\)`"),
)
_EXAMPLE = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\([^\n]*?\)`?\s*(?:==|->|→|returns|should return)")
_WORDS = {"that", "which", "to", "in", "the", "a", "an", "python", "def", "with", "for", "and", "or"}
_BUILTINS = set(dir(builtins))
_TOP_LEVEL_SAFE = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
                   ast.AnnAssign)


@dataclass(frozen=True)
class Delivery:
    answer: str
    """What the caller gets: the final answer as written, or the code that was run (fenced), or ``""``."""
    source: AnswerSource
    reason: str = ""
    """For ``none``: why there is no answer, in words a user can act on."""


def _normalised(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def is_no_answer(text: str) -> bool:
    """Empty, the marker alone, or a placeholder the model echoed from a prompt (``<the complete code block>``)."""
    rest = _MARKER.sub("", _normalised(text), count=1).strip()
    return not rest or bool(_PLACEHOLDER.match(rest))


def asked_name(task: str) -> str | None:
    """The function or class a coding task asks for: the stub a task written as code leaves to fill in, else the
    wording people use ("Write the function `f`", "a Python function f(s)", "a class Stack"), else the function its
    examples call; never a built-in it mentions (`len(...)`). None when the task names none."""
    task = _normalised(task)
    stubs, defined = _definitions(task)
    if stubs:
        return stubs[-1]
    for pattern in _ASKED:
        for match in pattern.finditer(task):
            if _is_name(match.group(1)):
                return match.group(1)
    if defined:
        return defined[-1]
    return next((m.group(1) for m in _EXAMPLE.finditer(task) if _is_name(m.group(1))), None)


def _is_name(word: str) -> bool:
    return word.lower() not in _WORDS and word not in _BUILTINS


def _definitions(task: str) -> tuple[list[str], list[str]]:
    """(names of stub definitions, names of all definitions) in the code a task shows."""
    stubs, defined = [], []
    sources = code_blocks(task) or ([task[m.start():]] if (m := re.search(r"^(?:def|class|async def) ", task,
                                                                          re.MULTILINE)) else [])
    for source in sources:
        try:
            tree = ast.parse(parsable_prefix(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                defined.append(node.name)
                if all(_is_filler(b) for b in node.body):
                    stubs.append(node.name)
    return stubs, defined


def _is_filler(node: ast.stmt) -> bool:
    return isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                                          and (isinstance(node.value.value, str) or node.value.value is ...))


def defines(code: str, name: str) -> bool:
    """Whether ``code`` defines ``name`` at its top level or in a class (``def name(``, ``async def name(``,
    ``class name``), not merely mentions it."""
    pattern = rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(|^[ \t]*class[ \t]+{re.escape(name)}\b"
    return re.search(pattern, code, re.MULTILINE) is not None


def code_blocks(text: str) -> list[str]:
    """Fenced blocks labelled as Python (``python``, ``Python``, ``py``, ``python3``, with or without more on the
    fence line) or not labelled at all, dedented; a block left open at the end of the text counts to the end."""
    return [textwrap.dedent(m.group(2)).strip("\n") for m in _FENCE.finditer(_normalised(text))
            if m.group(1).lower() in _CODE_LABELS]


def defining_code(text: str, name: str) -> str | None:
    """The code in ``text`` that defines ``name``: the last fenced block that does (a usage block written after
    it does not replace it), preceded by the earlier blocks that only import or define (helpers it may use);
    else unfenced code that does, from its first line of code to the last line that still parses."""
    blocks = code_blocks(text)
    for i in range(len(blocks) - 1, -1, -1):
        if defines(blocks[i], name):
            helpers = [b for b in blocks[:i] if _only_definitions(b)]
            return "\n\n".join([*helpers, blocks[i]])
    outside = _FENCE.sub("", _normalised(text))
    if not defines(outside, name):
        return None
    return _unfenced_code(_MARKER.sub("", outside, count=1))


def python_code(text: str) -> str:
    """Every Python block of an answer, joined (for a task that names nothing to define)."""
    return "\n\n".join(b for b in code_blocks(text) if b.strip())


def _only_definitions(code: str) -> bool:
    try:
        return all(isinstance(node, _TOP_LEVEL_SAFE) for node in ast.parse(code).body)
    except SyntaxError:
        return False


def parsable_prefix(text: str) -> str:
    """The longest run of ``text``'s first lines that parses as Python (empty if none does)."""
    lines = text.splitlines()
    for end in range(len(lines), 0, -1):
        chunk = "\n".join(lines[:end])
        try:
            ast.parse(chunk)
        except SyntaxError:
            continue
        return chunk
    return ""


def _unfenced_code(text: str) -> str:
    lines = textwrap.dedent(text).splitlines()
    start = next((i for i, ln in enumerate(lines) if re.match(r"(?:import|from|def|class|async|@)\b", ln)), 0)
    return (parsable_prefix("\n".join(lines[start:])) or "\n".join(lines[start:])).rstrip()


def _ran_code(steps: Sequence[Mapping[str, Any]], code_tools: Sequence[str]) -> list[str]:
    """Code the agent ran, newest first (each tool step keeps the whole input it ran)."""
    return [str(s.get("input", "")) for s in reversed(steps)
            if s.get("kind") == "tool" and s.get("tool") in code_tools and str(s.get("input", "")).strip()]


def text_delivery(task: str, answer: str, steps: Sequence[Mapping[str, Any]] = ()) -> Delivery:
    """Any domain whose deliverable is text: the final answer, unless it is no answer."""
    if is_no_answer(answer):
        return Delivery("", "none", "the agent gave no final answer (empty, or only the 'Final Answer:' marker "
                                    "or a placeholder)")
    return Delivery(_MARKER.sub("", _normalised(answer), count=1).strip(), "final_answer")


def code_delivery(task: str, answer: str, steps: Sequence[Mapping[str, Any]] = (),
                  code_tools: Sequence[str] = ("python",)) -> Delivery:
    """A coding task's deliverable: the final answer when it defines what the task asks for, else the last code
    run that defines it. A task that names no function is delivered like text (an answer of empty fences is no
    answer), falling back on the last code run."""
    name = asked_name(task)
    given = "" if is_no_answer(answer) else _MARKER.sub("", _normalised(answer), count=1).strip()
    if name is None:
        if given and re.sub(r"```[\w+\-.]*", "", given).strip():
            return Delivery(given, "final_answer")
        ran = _ran_code(steps, code_tools)
        if ran:
            return Delivery(f"```python\n{ran[0].strip()}\n```", "last_code")
        return text_delivery(task, "", steps)
    if given and defining_code(given, name) is not None:
        return Delivery(given, "final_answer")
    for code in _ran_code(steps, code_tools):
        if defines(code, name):
            return Delivery(f"```python\n{code.strip()}\n```", "last_code")
    said = "no final answer" if not given else "a final answer without it"
    return Delivery("", "none", f"no definition of {name} in the answer or in any code the agent ran ({said})")
