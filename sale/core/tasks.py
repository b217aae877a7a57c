"""Task input checks shared by the CLI and the graph: one clear error per bad task, before any model call."""

from __future__ import annotations

import re

MAX_TASK_CHARS = 20_000


class TaskError(ValueError):
    """The task text cannot be auctioned; the message says why."""


def validate_task(task: object) -> str:
    if not isinstance(task, str):
        raise TaskError(f"the task must be text, got {type(task).__name__}")
    if not task.strip():
        raise TaskError("the task is empty (or only whitespace)")
    if len(task) > MAX_TASK_CHARS:
        raise TaskError(f"the task is {len(task):,} characters; the limit is {MAX_TASK_CHARS:,}")
    controls = sum(1 for ch in task if (ord(ch) < 32 and ch not in "\t\n\r") or ch == "\x7f" or ch == "\ufffd")
    if controls:
        raise TaskError(f"the task looks binary: {controls} control or undecodable character(s); send plain text")
    return task


def decode_task(raw: bytes) -> str:
    """Decode task bytes (a file or stdin) as UTF-8, refusing binary data with a clear error."""
    if b"\x00" in raw:
        raise TaskError("the task looks binary (it contains NUL bytes); send plain text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TaskError(f"the task is not valid UTF-8 text (byte {exc.start}); send plain text") from None
    return validate_task(text)


DOMAINS = ("coding", "deep_search")
DOMAIN_TOOLS = {"coding": ("python",), "deep_search": ("search", "python")}
"""The executor's tools per domain: a coding task gets the Python tool and not web search (searching the web
for a function to write spends the step budget and delivers nothing); a deep-search task gets both."""

_ASKS_FOR_CODE = re.compile(
    r"```|\bdef\s+\w+\s*\(|\b(write|implement|complete|fix|refactor|debug|create)\b[^.\n]{0,80}?"
    r"\b(function|class|method|program|script|code)\b", re.IGNORECASE)


def task_domain(task: str, declared: str = "auto") -> str:
    """A task's domain. A declared one (the context's ``domain``, a benchmark task's own) wins; with ``auto``, a
    task that asks for code (a code block, a ``def name(`` signature, or "write / implement / complete / fix /
    create ... function / class / method / program / script / code" within one sentence) is ``coding``, and any
    other task is ``deep_search``."""
    if declared != "auto":
        if declared not in DOMAINS:
            raise TaskError(f"unknown domain {declared!r}; use auto, {', '.join(DOMAINS)}")
        return declared
    return "coding" if _ASKS_FOR_CODE.search(task) else "deep_search"
