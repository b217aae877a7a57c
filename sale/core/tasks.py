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
"""The shipped domains (tools/domains.py); users register more through ``Live(domains=...)``."""

_ASKS_FOR_CODE = re.compile(
    r"```|\bdef\s+\w+\s*\(|\b(write|implement|complete|fix|refactor|debug|create)\b[^.\n]{0,80}?"
    r"\b(function|class|method|program|script|code)\b", re.IGNORECASE)


def asks_for_code(task: str) -> bool:
    """A code block, a ``def name(`` signature, or "write / implement / complete / fix / create ... function /
    class / method / program / script / code" within one sentence."""
    return _ASKS_FOR_CODE.search(task) is not None


def task_domain(task: str, declared: str = "auto", known: tuple[str, ...] = DOMAINS) -> str:
    """A task's domain name. A declared one (the context's ``domain``, a benchmark task's own) wins; with
    ``auto``, a task that asks for code (:func:`asks_for_code`) is ``coding``, and any other is ``deep_search``.
    User domains and their own rules: :func:`sale.core.domains.pick_domain`."""
    if declared != "auto":
        if declared not in known:
            raise TaskError(f"unknown domain {declared!r}; use auto, {', '.join(known)}")
        return declared
    return "coding" if asks_for_code(task) else "deep_search"
