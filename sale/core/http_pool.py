"""A keep-alive HTTP transport for many concurrent calls to one endpoint, cheap per request.

httpcore's connection pool checks every pooled connection (a ``getpeername`` and a readability ``poll`` each) each
time a request is queued or released, so its cost per request grows with the number of open connections; with 30
concurrent calls to one agent that check was a fifth of the server's CPU (docs/figures/serve-profile). Here the
connections are split over small pools and each request goes to the least busy one.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable

import httpx

SHARD_CONNECTIONS = 4


class ShardedTransport(httpx.AsyncBaseTransport):
    """Requests go to the least busy of several small httpcore pools; a pool grows only when all are busy, so the
    connections open stay about the peak concurrency, as in one pool."""

    def __init__(self, verify: ssl.SSLContext, keepalive_per_shard: int = SHARD_CONNECTIONS) -> None:
        self._verify = verify
        self._keepalive = keepalive_per_shard
        self._shards: list[httpx.AsyncHTTPTransport] = []
        self._busy: list[int] = []

    def _pick(self) -> int:
        if self._busy:
            i = min(range(len(self._busy)), key=self._busy.__getitem__)
            if self._busy[i] < self._keepalive:
                return i
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=self._keepalive)
        self._shards.append(httpx.AsyncHTTPTransport(verify=self._verify, limits=limits))
        self._busy.append(0)
        return len(self._shards) - 1

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        i = self._pick()
        self._busy[i] += 1
        try:
            response = await self._shards[i].handle_async_request(request)
        except BaseException:
            self._busy[i] -= 1
            raise
        return httpx.Response(status_code=response.status_code, headers=response.headers,
                              stream=_Released(response.stream, lambda: self._release(i)),
                              extensions=response.extensions)

    def _release(self, i: int) -> None:
        self._busy[i] -= 1

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()


class _Released(httpx.AsyncByteStream):
    """The response body; closing it frees the request's slot in its shard."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream, self._release, self._done = stream, release, False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if not self._done:
                self._done = True
                self._release()
