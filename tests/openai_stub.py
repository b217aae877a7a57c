"""A scripted OpenAI-compatible chat server on 127.0.0.1, so wire tests run the real langchain-openai/openai code.

Each model name served maps to a :class:`Behaviour`: how it bids, judges and executes, and which fault it
injects (non-JSON body, empty content with ``finish_reason: length``, missing logprobs, malformed jury replies,
a slow reply). Requests are logged for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sale.core.pool import AgentSpec, Pool
from tests.scripted import kind_of_system_prompt, synthetic_logprobs


def kind_of_request(body: dict[str, Any]) -> str:
    """A request with no system message is a direct question (the bench's ``direct:`` routers)."""
    first = body["messages"][0]
    return "direct" if first.get("role") == "user" else kind_of_system_prompt(str(first["content"]))


@dataclass
class Behaviour:
    bid: str = "Plan: 1. parse the task 2. compute with Python 3. double-check the arithmetic."
    rebid: str = "Refined plan: compute with Python, then verify by a second method."
    jury: str | Callable[[dict[str, Any]], str] = '{"score": 4}'
    execute: str | list[Any] = "Computed.\nFinal answer: 391"
    """A reply, or a list consumed one per execute call: a string, {"tool_calls": [(name, args), ...]},
    or {"http": status} to fail that call."""
    direct: str | Callable[[dict[str, Any]], str] = "I am not sure."
    draft: str = ""
    """The executor's one-call draft on coding tasks: empty by default (no deliverable), so the loop runs."""
    bid_finish: str = "stop"
    """The bids' ``finish_reason``: ``length`` plays a bid cut at its token cap."""
    jury_logprobs: Callable[[dict[str, Any], str], list[dict[str, Any]]] | None = None
    """Logprobs of a jury reply as llama.cpp sends them (one entry per token), from the request and the reply."""
    spread: float = 1.0
    fault: str | None = None  # "non_json" | "empty_length" | "no_logprobs" | "http_NNN" (429 adds Retry-After)
    delay_s: float = 0.0
    delays: dict[str, float] = field(default_factory=dict)  # per kind of call: bid, jury, rebid, execute, direct
    cached_share: float | None = None
    """Report this share of the prompt as prefix-cache hits in ``usage.prompt_tokens_details.cached_tokens``, as
    OpenAI, vLLM and the embedded llama.cpp server do (the prompt counted at 100 tokens); None: no report."""


class _QuietServer(ThreadingHTTPServer):
    request_queue_size = 256  # concurrent auctions open many connections at once; the default backlog is 5
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (deadline tests) is expected; anything else is still reported."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@dataclass
class StubServer:
    behaviours: dict[str, Behaviour]
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body go out in two writes: Nagle would hold the body
            # for the client's delayed ACK (40 ms a call on keep-alive connections), which no real endpoint adds

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": m, "object": "model"}
                                                                for m in stub.behaviours]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                stub.requests.append(body)
                behaviour = stub.behaviours.get(body.get("model"))
                if behaviour is None:
                    self._send(404, {"error": {"message": f"model {body.get('model')} not found"}})
                    return
                stub.respond(self, body, behaviour)

            def _send(self, status: int, payload: Any, raw: bytes | None = None,
                      headers: dict[str, str] | None = None) -> None:
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def calls(self, model: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.requests if r.get("model") == model
                and (kind is None or kind_of_request(r) == kind)]

    def respond(self, handler: Any, body: dict[str, Any], b: Behaviour) -> None:
        kind = kind_of_request(body)
        if b.delay_s or b.delays.get(kind):
            time.sleep(b.delay_s or b.delays[kind])
        if b.fault and b.fault.startswith("http_"):
            status = int(b.fault.removeprefix("http_"))
            extra = {"Retry-After": "0"} if status == 429 else {}
            handler._send(status, {"error": {"message": f"scripted {status}"}}, headers=extra)
            return
        if b.fault == "non_json" and kind == "bid":
            handler._send(200, None, raw=b"<html>definitely not json</html>")
            return
        text = getattr(b, kind)
        tool_calls = None
        if kind == "execute" and isinstance(text, list):
            step = text.pop(0) if len(text) > 1 else text[0]
            if isinstance(step, dict) and "http" in step:
                handler._send(step["http"], {"error": {"message": "scripted execution failure"}})
                return
            if isinstance(step, dict):
                tool_calls = [{"id": f"call_{i}", "type": "function",
                               "function": {"name": name, "arguments": json.dumps(args)}}
                              for i, (name, args) in enumerate(step["tool_calls"])]
                text = ""
            else:
                text = step
        text = text(body) if callable(text) else text
        finish = b.bid_finish if kind == "bid" else "stop"
        if b.fault == "empty_length" and kind == "bid":
            text, finish = "", "length"
        choice: dict[str, Any] = {"index": 0, "message": {"role": "assistant", "content": text},
                                  "finish_reason": finish}
        if tool_calls:
            choice["message"]["tool_calls"] = tool_calls
            choice["finish_reason"] = "tool_calls"
        if body.get("logprobs") and b.fault != "no_logprobs":
            content = (b.jury_logprobs(body, text) if kind == "jury" and b.jury_logprobs
                       else synthetic_logprobs(text, body.get("top_logprobs") or 5, b.spread))
            choice["logprobs"] = {"content": content}
        usage: dict[str, Any] = {"prompt_tokens": 10, "completion_tokens": len(text.split()),
                                 "total_tokens": 10 + len(text.split())}
        reply: dict[str, Any] = {"id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
                                 "model": body["model"], "choices": [choice], "usage": usage}
        if b.cached_share is not None:
            usage |= {"prompt_tokens": 100, "total_tokens": 100 + len(text.split()),
                      "prompt_tokens_details": {"cached_tokens": round(100 * b.cached_share)}}
        handler._send(200, reply)


def stub_pool(server: StubServer, prices: dict[str, float], **overrides: Any) -> Pool:
    return Pool.of(*[
        AgentSpec(name=name, model=name, base_url=server.base_url, price_per_mtok=price, timeout_s=10.0,
                  max_retries=0, **overrides)
        for name, price in prices.items()
    ])


def pool_toml(base_url: str, prices: dict[str, float], extra: str = "") -> str:
    return "".join(
        f'[[agents]]\nname = "{n}"\nmodel = "{n}"\nbase_url = "{base_url}"\nprice_per_mtok = {p}\n'
        f"timeout_s = 10\nmax_retries = 0\n{extra}\n"
        for n, p in prices.items()
    )
