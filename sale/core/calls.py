"""One model call with a deadline, never raising: every outcome becomes a :class:`CallRecord`.

The OpenAI SDK inside langchain-openai is the single retry owner (``max_retries`` from the pool file); no
LangGraph retry policy is set on the nodes, so a logical call makes at most ``1 + max_retries`` attempts. The
deadline wraps all attempts, so a slow or silent endpoint costs at most ``deadline_s``.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_openai import ChatOpenAI

from sale.core.breaker import Breaker
from sale.core.cost import provider_usd, usd
from sale.core.http_pool import ShardedTransport
from sale.core.pool import AgentSpec
from sale.core.tokens import completion_tokens, estimate_message_tokens

ModelFactory = Callable[[AgentSpec], BaseChatModel]
JURY_SCORE_SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "integer", "enum": [0, 1, 2, 3, 4, 5]}},
    "required": ["score"],
    "additionalProperties": False,
}
JURY_VERDICT_SCHEMA = {
    "type": "object",
    "properties": {"pass": {"type": "boolean"}},
    "required": ["pass"],
    "additionalProperties": False,
}


def jury_batch_schema(n: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"scores": {"type": "array", "items": {"type": "integer", "enum": [0, 1, 2, 3, 4, 5]},
                                  "minItems": n, "maxItems": n}},
        "required": ["scores"],
        "additionalProperties": False,
    }


JURY_REASON_SCHEMA = {
    "type": "object",
    "properties": {"reason": {"type": "string", "maxLength": 400},
                   "score": {"type": "integer", "enum": [0, 1, 2, 3, 4, 5]}},
    "required": ["reason", "score"],
    "additionalProperties": False,
}


class CallRecord(TypedDict):
    """A model call as the ledger sees it. Token counts are local; ``reported_usage`` is the server's claim.
    ``usd`` is the paper's flat price; ``usd_provider`` bills as providers do, with ``cached_tokens`` (the
    endpoint's reported prefix-cache hits, scaled to the local prompt count) at the cached-input price."""

    agent: str
    purpose: str
    text: str
    logprobs: list[dict[str, Any]] | None
    finish_reason: str | None
    prompt_tokens: int
    cached_tokens: int
    completion_tokens: int
    token_source: str
    reported_usage: dict[str, Any] | None
    usd: float
    usd_provider: float
    latency_s: float
    error: str | None
    tool_calls: list[dict[str, Any]]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Loading the CA bundle costs ~20 ms; do it once per process (SSLContext is thread-safe once built)."""
    return ssl.create_default_context()


def openai_chat_model(spec: AgentSpec) -> BaseChatModel:
    """The production client: langchain-openai with a finite timeout and the pool's retry budget.

    Each call gets its own HTTP clients (sharing one TLS context), not langchain-openai's process-wide cached
    ones: a cached async client stays bound to the event loop that first used it, and nodes run on more than
    one loop (``invoke`` runs each async node in its own). :func:`call_model` closes them after the call. A
    long-lived server on one loop keeps one client per agent instead (:class:`KeptClients`).
    """
    return _new_chat_model(spec)


def _new_chat_model(spec: AgentSpec, transport: httpx.AsyncBaseTransport | None = None) -> ChatOpenAI:
    timeout = httpx.Timeout(spec.timeout_s)
    return ChatOpenAI(
        model=spec.model,
        base_url=spec.base_url,
        api_key=spec.api_key(),
        timeout=timeout,
        max_retries=spec.max_retries,
        temperature=0.0,
        http_client=httpx.Client(timeout=timeout, verify=_tls_context()),
        http_async_client=httpx.AsyncClient(timeout=timeout, verify=_tls_context(), transport=transport),
    )


class KeptClients:
    """A model factory that keeps one client per agent, and its keep-alive connections, until :meth:`aclose`.

    State a long-lived server owns (one per process, used on its one event loop): building a client and opening a
    connection for every call was the largest CPU cost of an auction under load (docs/figures/serve-profile).
    :func:`call_model` leaves the clients of a factory with ``keeps_clients`` open.
    """

    keeps_clients = True

    def __init__(self) -> None:
        self._kept: dict[tuple[AgentSpec, str], BaseChatModel] = {}

    def __call__(self, spec: AgentSpec) -> BaseChatModel:
        key = (spec, spec.api_key())
        if key not in self._kept:
            self._kept[key] = _new_chat_model(spec, ShardedTransport(_tls_context()))
        return self._kept[key]

    async def aclose(self) -> None:
        kept, self._kept = self._kept, {}
        for model in kept.values():
            await close_clients(model)


def response_format_for(spec: AgentSpec, schema: dict[str, Any], name: str) -> dict[str, Any] | None:
    if spec.structured_output == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
    if spec.structured_output == "json_object":
        return {"type": "json_object", "schema": schema}
    return None


async def call_model(
    spec: AgentSpec,
    messages: Sequence[BaseMessage],
    *,
    purpose: str,
    deadline_s: float,
    max_tokens: int,
    factory: ModelFactory | None = None,
    logprobs: bool = False,
    top_logprobs: int = 0,
    response_format: dict[str, Any] | None = None,
    tools: list[dict[str, Any]] | None = None,
    stop: list[str] | None = None,
    breaker: Breaker | None = None,
    trace: Mapping[str, Any] | None = None,
) -> CallRecord:
    """One call. ``trace`` (auction id, round, juror, ...) joins the role and agent in the run's metadata, so a
    LangSmith or any LangChain callback trace of an auction reads as one: ``bid:small``, ``jury:big``, ..."""
    if breaker is not None and not breaker.allow():
        return _refused(spec, purpose, messages, f"circuit open after {breaker.failures} consecutive failures; "
                                                 f"probed again {breaker.cooldown_s:g}s after opening")
    factory = factory or openai_chat_model
    model = factory(spec)
    kwargs: dict[str, Any] = {"extra_body": {"max_tokens": max_tokens}}
    if response_format is not None:
        kwargs["extra_body"]["response_format"] = response_format
    if tools:
        kwargs["tools"] = tools
    if stop:
        kwargs["stop"] = stop
    if logprobs and spec.logprobs:
        kwargs["logprobs"] = True
        kwargs["top_logprobs"] = top_logprobs
    prompt_tokens = estimate_message_tokens(messages)
    started = time.monotonic()
    text, content_logprobs, finish, reported, error = "", None, None, None, None
    tool_calls: list[dict[str, Any]] = []
    try:
        config = {"run_name": f"{purpose}:{spec.name}", "tags": ["sale", f"sale:{purpose}"],
                  "metadata": {"role": purpose, "agent": spec.name, **(trace or {})}}
        message = await asyncio.wait_for(model.ainvoke(list(messages), config=config, **kwargs),
                                         timeout=deadline_s)
        text = message.content if isinstance(message.content, str) else str(message.content)
        meta = message.response_metadata or {}
        finish = meta.get("finish_reason")
        raw_logprobs = meta.get("logprobs")
        if isinstance(raw_logprobs, dict) and isinstance(raw_logprobs.get("content"), list):
            content_logprobs = [e for e in raw_logprobs["content"] if isinstance(e, dict)]
        tool_calls = [{"id": c.get("id") or f"call_{i}", "name": c["name"], "args": c.get("args") or {}}
                      for i, c in enumerate(getattr(message, "tool_calls", None) or [])]
        usage = meta.get("token_usage")
        reported = dict(usage) if isinstance(usage, dict) else None
    except TimeoutError:
        error = f"missed the {deadline_s:g}s deadline"
    except Exception as exc:  # every endpoint failure excludes the agent; none may stop the auction
        error = describe_error(exc)
    finally:
        if not getattr(factory, "keeps_clients", False):
            await close_clients(model)
    if breaker is not None:
        breaker.record(ok=error is None)
    n_completion, source = completion_tokens(text, content_logprobs)
    cached = cached_prompt_tokens(reported, prompt_tokens)
    return CallRecord(
        agent=spec.name,
        purpose=purpose,
        text=text,
        logprobs=content_logprobs,
        finish_reason=finish,
        prompt_tokens=prompt_tokens,
        cached_tokens=cached,
        completion_tokens=n_completion,
        token_source=source,
        reported_usage=_slim_usage(reported),
        usd=usd(spec.price_per_mtok, prompt_tokens + n_completion),
        usd_provider=provider_usd(spec.input_price, spec.cached_input_price, spec.output_price, prompt_tokens,
                                  cached, n_completion),
        latency_s=round(time.monotonic() - started, 4),
        error=error,
        tool_calls=tool_calls,
    )


async def close_clients(model: BaseChatModel) -> None:
    """Close the per-call HTTP clients of :func:`openai_chat_model` (and of wrappers that hold one)."""
    for attr in ("http_async_client", "http_client"):
        client = getattr(model, attr, None)
        if isinstance(client, httpx.AsyncClient):
            await client.aclose()
        elif isinstance(client, httpx.Client):
            client.close()
    inner = getattr(model, "inner", None)
    if isinstance(inner, BaseChatModel):
        await close_clients(inner)


def _refused(spec: AgentSpec, purpose: str, messages: Sequence[BaseMessage], error: str) -> CallRecord:
    """A call the breaker did not let out: no tokens, no cost."""
    return CallRecord(agent=spec.name, purpose=purpose, text="", logprobs=None, finish_reason=None, prompt_tokens=0,
                      cached_tokens=0, completion_tokens=0, token_source="none", reported_usage=None, usd=0.0,
                      usd_provider=0.0, latency_s=0.0, error=error, tool_calls=[])


def ledger_entry(call: CallRecord) -> dict[str, Any]:
    """The part of a call the usage ledger keeps (no text, logprobs or tool arguments)."""
    return {k: v for k, v in call.items() if k not in ("text", "logprobs", "tool_calls")}


def describe_error(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    kind = type(exc).__name__
    if status is not None:
        return f"HTTP {status} from the endpoint ({kind})"
    if "Connection" in kind:
        return f"cannot connect to the endpoint ({kind})"
    if "Timeout" in kind:
        return f"the endpoint timed out ({kind})"
    message = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{kind}: {message}" if message else kind


def reported_cached_tokens(usage: dict[str, Any] | None) -> int | None:
    """``usage.prompt_tokens_details.cached_tokens`` (OpenAI, vLLM, DeepSeek-style servers), if well-formed."""
    details = (usage or {}).get("prompt_tokens_details")
    value = details.get("cached_tokens") if isinstance(details, dict) else None
    return value if type(value) is int and value >= 0 else None


def cached_prompt_tokens(usage: dict[str, Any] | None, local_prompt_tokens: int) -> int:
    """The server's cached share of its own prompt count, applied to the local count, so both pricings bill the
    same tokens; 0 when the server reports no cache hits (the conservative reading)."""
    cached = reported_cached_tokens(usage)
    served = (usage or {}).get("prompt_tokens")
    if not cached or type(served) is not int or served <= 0:
        return 0
    return min(local_prompt_tokens, round(local_prompt_tokens * min(cached, served) / served))


def _slim_usage(usage: dict[str, Any] | None) -> dict[str, Any] | None:
    if not usage:
        return None
    slim = {k: usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens") if k in usage}
    if (cached := reported_cached_tokens(usage)) is not None:
        slim["cached_tokens"] = cached
    return slim
