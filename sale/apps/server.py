"""``sale serve``: the auction behind an OpenAI-compatible chat API (Starlette + uvicorn).

Models served (``GET /v1/models``):

* ``sale``: a full auction and execution; the answer is the executor's final answer. ``usage`` counts every
  token of the auction and the execution. The auction record comes back in the extension field ``sale`` of
  the response and in ``X-Sale-*`` headers. With ``stream: true`` the first chunk leaves before any model is
  called, progress (bids, jury verdicts, winner, executor steps) follows in the ``sale`` field of chunks with
  an empty delta, then the answer and, in the last chunk, the record (:mod:`sale.apps.responses`).
* ``sale-route``: route only (the auction stops after ``select_final``); the content is the winner's plan and
  ``sale.winner`` names the agent to call.
* any pool agent's name: passed through to that agent's endpoint unchanged (only ``model`` is rewritten to the
  agent's model id), streaming included.

The task is the text of the last user message. The cost-quality knob ``budget_bias`` can be set per request as
a top-level body field (``extra_body={"budget_bias": 2}`` with the openai client) or an ``X-Sale-Budget-Bias``
header; the task's domain by a top-level ``domain`` field (``coding``, ``deep_search``, or a domain the context
registers; default: the context's ``domain`` setting). Errors use OpenAI's error body ``{"error": {"message",
"type", "param", "code"}}``; an unexpected failure answers 500 with an error id only, and the log (logger
``sale.server``) holds the exception under that id.

With API keys (``create_app(context, api_keys=...)``, ``sale serve --api-keys-file``), every request must carry
``Authorization: Bearer KEY`` with one of them, or it gets 401 before any work: the server spends its operator's
model keys on every auction.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from graphs.context import AuctionContext
from graphs.live import domains_of
from sale.apps.responses import auction_record, record_headers, stream_auction, usage_of
from sale.core.calls import KeptClients
from sale.core.preflight import check_context
from sale.core.tasks import TaskError, validate_task

MAX_BODY_BYTES = 1_000_000
AUCTION_MODELS = ("sale", "sale-route")
log = logging.getLogger("sale.server")


class ApiError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param

    def response(self) -> JSONResponse:
        """A failed auction is not retried by the official clients (they retry any 5xx unless told not to): each
        retry would hold, pay for and record the whole auction again."""
        headers = {"x-should-retry": "false"} if self.code in ("auction_failed", "no_answer") else None
        return JSONResponse({"error": {"message": self.message, "type": self.type, "param": self.param,
                                       "code": self.code}}, status_code=self.status, headers=headers)


def create_app(context: AuctionContext, api_keys: frozenset[str] | None = None) -> Starlette:
    """The ASGI app. ``context`` carries the pool and the one open memory all requests share; with ``api_keys``
    every request needs one of them as its bearer token. Settings out of range or an agent's unset key raise
    ``sale.core.preflight.ConfigError`` here, not in the first request."""
    from graphs.auction import graph

    check_context(context, paths=False)
    clients = KeptClients() if context.live.model_factory is None else None
    if clients is not None:
        context = replace(context, live=replace(context.live, model_factory=clients))
    pool = context.live.pool
    created = int(time.time())
    upstream_clients: dict[str, httpx.AsyncClient] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        """One keep-alive HTTP client per pass-through agent, and one model client per agent for the auctions'
        calls, for the server's lifetime."""
        for spec in pool.agents:
            upstream_clients[spec.name] = httpx.AsyncClient(timeout=httpx.Timeout(spec.timeout_s))
        try:
            yield
        finally:
            for c in upstream_clients.values():
                await c.aclose()
            if clients is not None:
                await clients.aclose()

    def authorised(request: Request) -> bool:
        if not api_keys:
            return True
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        given = token.strip().encode()
        # every key is compared, so the time taken does not tell which one nearly matched
        matches = [hmac.compare_digest(given, key.encode()) for key in api_keys]
        return scheme.lower() == "bearer" and any(matches)

    def unauthorised() -> JSONResponse:
        return ApiError(401, "Incorrect or missing API key: send `Authorization: Bearer <key>` with a key this "
                             "server accepts", code="invalid_api_key").response()

    async def models(request: Request) -> JSONResponse:
        if not authorised(request):
            return unauthorised()
        ids = [*AUCTION_MODELS, *pool.names]
        return JSONResponse({"object": "list", "data": [
            {"id": m, "object": "model", "created": created, "owned_by": "sale"} for m in ids]})

    async def chat(request: Request) -> Response:
        if not authorised(request):
            return unauthorised()
        try:
            body = await read_body(request)
            model = body.get("model")
            if not isinstance(model, str) or not model:
                raise ApiError(400, "`model` is required", param="model")
            if model in AUCTION_MODELS:
                return await auction_response(body, request, model == "sale-route")
            if model in pool.names:
                return await passthrough(body, model)
            known = ", ".join([*AUCTION_MODELS, *pool.names])
            raise ApiError(404, f"The model `{model}` does not exist. Models: {known}", code="model_not_found",
                           param="model")
        except ApiError as exc:
            return exc.response()
        except Exception:  # never crash the server; the log has the details, the caller an id to quote
            error_id = uuid.uuid4().hex[:12]
            log.exception("request failed (error id %s)", error_id)
            return ApiError(500, f"internal error (error id {error_id}; the server's log has the details)",
                            type_="server_error").response()

    async def auction_response(body: dict[str, Any], request: Request, route_only: bool) -> Response:
        task = task_from_messages(body.get("messages"))
        bias = budget_bias_of(body, request)
        ctx = replace(context, route_only=route_only, budget_bias=bias, domain=domain_in(body, context))
        auction_id = str(uuid.uuid4())
        model = "sale-route" if route_only else "sale"
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(stream_auction(graph, task, auction_id, ctx, model, include_usage),
                                     media_type="text/event-stream", headers={"X-Sale-Auction-Id": auction_id})
        out = await graph.ainvoke({"task": task, "auction_id": auction_id}, context=ctx)
        result = out["result"]
        if result["status"] != "ok":
            raise ApiError(503, f"the auction failed: {result['error']}", type_="server_error",
                           code="no_answer" if result["status"] == "no_answer" else "auction_failed")
        content = (result["plan"] or "") if route_only else result["answer"]
        record = auction_record(result)
        headers = record_headers(result)
        completion_id = f"chatcmpl-{result['auction_id']}"
        return JSONResponse({
            "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": usage_of(result), "sale": record,
        }, headers=headers)

    async def passthrough(body: dict[str, Any], name: str) -> Response:
        spec = pool.get(name)
        upstream = {**body, "model": spec.model}
        headers = {"Authorization": f"Bearer {spec.api_key()}", "Content-Type": "application/json"}
        url = f"{spec.base_url.rstrip('/')}/chat/completions"
        client = upstream_clients[name]
        try:
            req = client.build_request("POST", url, json=upstream, headers=headers)
            resp = await client.send(req, stream=True)
        except httpx.HTTPError:
            log.warning("agent %s is unreachable", name, exc_info=True)
            raise ApiError(502, f"agent {name} is unreachable", type_="server_error",
                           code="upstream_unreachable") from None

        async def relay() -> AsyncIterator[bytes]:
            try:
                async for chunk in resp.aiter_raw():
                    yield chunk
            finally:
                await resp.aclose()

        return StreamingResponse(relay(), status_code=resp.status_code,
                                 media_type=resp.headers.get("content-type", "application/json"))

    return Starlette(routes=[
        Route("/v1/models", models, methods=["GET"]),
        Route("/v1/chat/completions", chat, methods=["POST"]),
    ], lifespan=lifespan)


async def read_body(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, f"request body over {MAX_BODY_BYTES} bytes", code="request_too_large")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise ApiError(413, f"request body over {MAX_BODY_BYTES} bytes", code="request_too_large")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "the request body is not valid JSON", code="invalid_json") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the request body must be a JSON object", code="invalid_json")
    return body


def task_from_messages(messages: Any) -> str:
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "`messages` must be a non-empty array", param="messages")
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        raise ApiError(400, "`messages` has no user message", param="messages")
    content = users[-1].get("content")
    if isinstance(content, list):
        content = "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    try:
        return validate_task(content if isinstance(content, str) else "")
    except TaskError as exc:
        raise ApiError(400, f"the last user message: {exc}", param="messages") from None


def domain_in(body: dict[str, Any], context: AuctionContext) -> str:
    """The request's ``domain`` (checked against the registered domains), else the context's setting."""
    if "domain" not in body:
        return context.domain
    known = ["auto", *domains_of(context)]
    if body["domain"] not in known:
        raise ApiError(400, f"unknown domain {body['domain']!r}; the domains are {', '.join(known)}", param="domain",
                       code="unknown_domain")
    return body["domain"]


def budget_bias_of(body: dict[str, Any], request: Request) -> float:
    raw = body.get("budget_bias", request.headers.get("x-sale-budget-bias", 1.0))
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ApiError(400, "`budget_bias` must be a number >= 0", param="budget_bias") from None
    if not math.isfinite(value) or value < 0:
        raise ApiError(400, "`budget_bias` must be a number >= 0", param="budget_bias")
    return value
