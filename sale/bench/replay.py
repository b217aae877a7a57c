"""Record and replay every model call of a run, so a benchmark can be re-run exactly and offline.

:class:`Recorder` wraps a model factory: each call's request (agent, messages, tools, sampling options) is
hashed, and the reply (text, tool calls, logprobs, finish reason, usage) is appended to a JSONL file.
:class:`Replayer` serves those replies from the file without touching any endpoint; a request that was never
recorded is a miss, counted and reported, because a replay that silently diverges is worse than none. A
recording kept in the repository may be gzipped (``calls.jsonl.gz``); both read the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from sale.core.pool import AgentSpec

Factory = Callable[[AgentSpec], BaseChatModel]
NEW_CALLS: ContextVar[list[int] | None] = ContextVar("sale_bench_new_calls", default=None)
"""Calls a ``--reuse`` run made to a model since :func:`counting_new_calls` (or the last read) in this context."""


@contextlib.contextmanager
def counting_new_calls() -> Iterator[list[int]]:
    """Count the model calls made below (the progress line's pace leaves out runs the recording served whole)."""
    counter = [0]
    token = NEW_CALLS.set(counter)
    try:
        yield counter
    finally:
        NEW_CALLS.reset(token)


def take_new_calls() -> int | None:
    """The calls made in this context since the last take (None: nothing counts here), and start again at 0."""
    counter = NEW_CALLS.get()
    if counter is None:
        return None
    made, counter[0] = counter[0], 0
    return made


def _made_a_call() -> None:
    """A request the recording lacked went to the model (only those count; model calls stay in the run's
    context: ``gather``, LangGraph's tasks and ``to_thread`` copy it, a bare ``run_in_executor`` would not)."""
    if (counter := NEW_CALLS.get()) is not None:
        counter[0] += 1


_REQUEST_KEYS = ("tools", "stop", "logprobs", "top_logprobs", "extra_body")


class ReplayMiss(LookupError):
    """The replayed run asked for a call the recording does not have."""


class RecordedCallError(RuntimeError):
    """A call that failed when the run was recorded fails the same way in its replay."""


def request_key(agent: str, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
    body = {
        "agent": agent,
        "messages": [[m.type, m.content, getattr(m, "tool_calls", None) or None, getattr(m, "tool_call_id", None)]
                     for m in messages],
        "options": {k: kwargs.get(k) for k in _REQUEST_KEYS if kwargs.get(k) is not None},
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _reply_dict(message: AIMessage) -> dict[str, Any]:
    return {"content": message.content, "tool_calls": message.tool_calls,
            "response_metadata": message.response_metadata}


class Recorder:
    """A factory wrapper that appends every call and its reply to ``path`` (JSONL, thread-safe)."""

    def __init__(self, inner: Factory, path: Path) -> None:
        self.inner = inner
        self.path = path
        self.lock = threading.Lock()
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")

    def factory(self, spec: AgentSpec) -> BaseChatModel:
        return RecordingChatModel(inner=self.inner(spec), agent=spec.name, recorder=self)

    def write(self, key: str, agent: str, message: AIMessage | None = None, error: dict[str, str] | None = None
              ) -> None:
        """A reply, or a failure (``error``: ``{"kind": "deadline"}`` for a call its deadline cancelled, else the
        exception's type and message), so a replay takes the path the run took."""
        row = {"key": key, "agent": agent, **({"error": error} if error else {"reply": _reply_dict(message)})}
        line = json.dumps(row, default=str) + "\n"
        with self.lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)
            self.count += 1


class RecordingChatModel(BaseChatModel):
    inner: Any
    agent: str
    recorder: Any

    @property
    def _llm_type(self) -> str:
        return "sale-recording"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        key = request_key(self.agent, messages, {**kwargs, "stop": stop})
        try:
            message = self.inner.invoke(messages, stop=stop, **kwargs)
        except Exception as exc:
            self.recorder.write(key, self.agent, error=_error_of(exc))
            raise
        self.recorder.write(key, self.agent, message)
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        key = request_key(self.agent, messages, {**kwargs, "stop": stop})
        try:
            message = await self.inner.ainvoke(messages, stop=stop, **kwargs)
        except asyncio.CancelledError:  # its deadline (call_model's wait_for), or the run stopped
            self.recorder.write(key, self.agent, error={"kind": "deadline"})
            raise
        except Exception as exc:
            self.recorder.write(key, self.agent, error=_error_of(exc))
            raise
        self.recorder.write(key, self.agent, message)
        return ChatResult(generations=[ChatGeneration(message=message)])


def _error_of(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, TimeoutError):
        return {"kind": "deadline"}
    return {"kind": "exception", "type": type(exc).__name__, "message": str(exc)[:500],
            "status_code": getattr(exc, "status_code", None)}


def _replayed_error(error: dict[str, Any]) -> Exception:
    """The recorded failure as an exception that ``call_model`` describes as it described the original (same type
    name, message and HTTP status)."""
    if error.get("kind") == "deadline":
        return TimeoutError("the call missed its deadline when the run was recorded")
    kind = type(str(error.get("type") or "RecordedCallError"), (RecordedCallError,), {})
    exc = kind(str(error.get("message") or ""))
    if error.get("status_code") is not None:
        exc.status_code = error["status_code"]  # type: ignore[attr-defined]
    return exc


def recording_text(path: Path) -> str:
    """A recording's JSONL text: ``calls.jsonl``, or its packed ``calls.jsonl.gz`` (how docs/figures keeps them)."""
    packed = path.with_name(path.name + ".gz")
    if not path.is_file() and not packed.is_file():
        raise FileNotFoundError(f"no recording at {path} (record one with `sale bench ... --out DIR`)")
    return path.read_text(encoding="utf-8") if path.is_file() else gzip.decompress(packed.read_bytes()).decode()


def recorded_rows(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """A recording's rows in order, and whether its last line was cut short (a run killed while writing it: that
    call is left out, to be asked again); any other line that is not JSON is an error naming it."""
    lines = [line for line in recording_text(path).splitlines() if line.strip()]
    rows, cut = [], False
    for n, line in enumerate(lines, 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            if n < len(lines):
                raise ValueError(f"recording {path}: line {n} is not a recorded call") from None
            cut = True
    return rows, cut


class Replayer:
    """Serves recorded replies by request hash; identical requests get their recorded replies in turn.

    With a ``fallback`` factory (``sale bench --reuse DIR``) a request the recording lacks goes to that model
    instead of failing, so a run that adds routers or settings to an earlier one on the same tasks pays only for
    the calls that changed; ``reused`` and ``misses`` count both kinds. Requests repeat only where prompts do."""

    def __init__(self, path: Path, fallback: Factory | None = None, keep_failures: bool = False) -> None:
        rows, _ = recorded_rows(path)
        self.replies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for n, row in enumerate(rows, 1):
            try:
                if "error" not in row:
                    self.replies[row["key"]].append(row["reply"])
                elif fallback is None or (keep_failures and row["error"].get("kind") != "deadline"):
                    # a replay fails where the run failed; --reuse asks the model again unless told to keep
                    # the failures (not the deadline misses: a call cancelled by a stopped run is one)
                    self.replies[row["key"]].append({"error": dict(row["error"])})
            except (KeyError, TypeError, AttributeError):
                raise ValueError(f"recording {path}: line {n} is not a recorded call") from None
        self.fallback = fallback
        self.served: dict[str, int] = defaultdict(int)
        self.reused = 0
        self.misses = 0
        self.lock = threading.Lock()

    def remember(self, key: str, message: AIMessage) -> None:
        """A fallback's reply serves the run's later identical requests (every call is at temperature 0, so a
        model would repeat it): ``sale``, ``sale-adaptive`` and ``sale-online`` pay once for the auctions they
        share."""
        with self.lock:
            if not self.replies.get(key):
                self.replies[key].append(_reply_dict(message))

    def factory(self, spec: AgentSpec) -> BaseChatModel:
        inner = self.fallback(spec) if self.fallback else None
        return ReplayChatModel(agent=spec.name, replayer=self, inner=inner)

    def lookup(self, key: str) -> AIMessage | None:
        """The next recorded reply to this request, or None (counted as a miss) if it was never recorded."""
        with self.lock:
            options = self.replies.get(key)
            if not options:
                self.misses += 1
                return None
            i = self.served[key]
            self.served[key] += 1
            self.reused += 1
            data = options[min(i, len(options) - 1)]
        if "error" in data:
            raise _replayed_error(data["error"])
        return AIMessage(content=data["content"], tool_calls=data.get("tool_calls") or [],
                         response_metadata=data.get("response_metadata") or {})


class ReplayChatModel(BaseChatModel):
    agent: str
    replayer: Any
    inner: Any = None
    """The fallback model for requests the recording lacks; None = such a request is a ReplayMiss."""

    @property
    def _llm_type(self) -> str:
        return "sale-replay"

    def _recorded(self, messages, stop, kwargs) -> tuple[str, AIMessage | None]:
        key = request_key(self.agent, messages, {**kwargs, "stop": stop})
        message = self.replayer.lookup(key)
        if message is None and self.inner is None:
            raise ReplayMiss(f"a call of {self.agent} was not recorded")
        return key, message

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        key, message = self._recorded(messages, stop, kwargs)
        if message is None:
            _made_a_call()
            message = self.inner.invoke(messages, stop=stop, **kwargs)
            self.replayer.remember(key, message)
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        key, message = self._recorded(messages, stop, kwargs)
        if message is None:
            _made_a_call()
            message = await self.inner.ainvoke(messages, stop=stop, **kwargs)
            self.replayer.remember(key, message)
        return ChatResult(generations=[ChatGeneration(message=message)])
