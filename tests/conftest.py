from __future__ import annotations

import pytest

from graphs.context import AuctionContext, Live
from memory_store import AuctionMemory
from memory_store.embeddings import Embedder
from tests.scripted import Script, factory_for, scripted_pool


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture
def memory(tmp_path, embedder):
    with AuctionMemory(tmp_path / "memory", embedder=embedder) as m:
        yield m


@pytest.fixture
def scripts() -> dict[str, Script]:
    return {"small": Script(spread=2.0), "big": Script(jury='{"score": 4}', spread=0.5)}


@pytest.fixture
def context(scripts, memory) -> AuctionContext:
    return AuctionContext(live=Live(pool=scripted_pool({"small": 0.05, "big": 0.36}),
                                    memory=memory, model_factory=factory_for(scripts)))


@pytest.fixture(autouse=True)
def no_live_web(monkeypatch):
    """Tests reach nothing but loopback: a live web search attempted in-process fails the test loudly."""
    from tools.search import DdgsBackend

    live = DdgsBackend.search

    def guarded(self, query, k):
        if self._factory is None:  # the real ddgs client would go to the internet
            raise AssertionError(f"a test tried a live web search ({query!r}); use search_backend='bm25'")
        return live(self, query, k)

    monkeypatch.setattr(DdgsBackend, "search", guarded)


@pytest.fixture(autouse=True)
def fresh_breakers():
    """Circuit breakers are per process and per endpoint; each test starts with all circuits closed."""
    from graphs.live import process_breakers

    process_breakers.cache_clear()
    yield
    process_breakers.cache_clear()


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL cluster on loopback for the whole session (tests/servers.py)."""
    from tests.servers import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def chroma_url():
    """A real Chroma server on loopback for the whole session."""
    from tests.servers import chroma_server

    with chroma_server() as url:
        yield url


@pytest.fixture
def pg_url(pg_server, request):
    """A database of this test's own on the session's PostgreSQL server."""
    import re

    import psycopg

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50] + f"_{id(request) % 10**6}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_server.rsplit("/", 1)[0] + f"/{name}"
