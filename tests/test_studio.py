"""LangGraph Studio: `langgraph dev` serves `auction` and `executor`; one run driven by the real SDK client.

The run uses a pool file pointing at the scripted OpenAI-compatible server on loopback, so the server's own
machinery (context schema, blocking-call detection, checkpointer) is exercised without the slow local models.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from graphs.auction import NODES
from sale.local import free_port
from tests.openai_stub import Behaviour, StubServer, pool_toml

pytestmark = pytest.mark.studio
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("studio") / "langgraph-dev.log"
    env = {**os.environ, "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGSMITH_TRACING": "false"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("langgraph")), "dev", "--port", str(port), "--host", "127.0.0.1",
             "--no-browser", "--no-reload", "--config", str(ROOT / "langgraph.json")],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"langgraph dev exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"langgraph dev did not start:\n{log.read_text()[-3000:]}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


async def auction_on_stub(client, stub: StubServer, tmp_path: Path, **context) -> dict:
    """One auction run through the server on a pool of the stub's two agents."""
    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}))
    thread = await client.threads.create()
    return await client.runs.wait(thread["thread_id"], "auction", input={"task": "What is 17 * 23?"},
                                  context={"pool_file": str(pool), "memory_dir": str(tmp_path / "memory"), **context})


async def test_studio_serves_both_graphs_and_runs_an_auction(studio, tmp_path):
    from langgraph_sdk import get_client

    client = get_client(url=studio)
    assistants = await client.assistants.search(limit=20)
    by_graph = {a["graph_id"]: a for a in assistants}
    assert {"auction", "executor"} <= set(by_graph)
    drawn = await client.assistants.get_graph(by_graph["auction"]["assistant_id"])
    assert {n["id"] for n in drawn["nodes"]} >= set(NODES)
    schemas = await client.assistants.get_schemas(by_graph["auction"]["assistant_id"])
    settings = schemas["context_schema"]["properties"]
    assert {"pool_file", "memory_dir", "memory_log_url", "memory_index_url", "weight_cost", "k"} <= set(settings)
    assert "live" not in settings and all(s.get("description") for s in settings.values())

    with StubServer({"small": Behaviour(spread=2.0), "big": Behaviour(spread=0.5)}) as stub:
        out = await auction_on_stub(client, stub, tmp_path, search_backend="bm25",
                                    search_corpus=str(ROOT / "examples" / "corpus"))
    result = out["result"]
    assert result["status"] == "ok", out
    assert result["winner"] in ("small", "big") and result["answer"]
    assert all(set(b["jury"]) == {"small", "big"} for b in result["bids"])
    assert len(stub.calls("small", "jury")) == 2


async def test_studio_run_writes_to_a_shared_memory(studio, tmp_path, pg_url, chroma_url):
    """The deployment path: the server's graph takes the shared-memory URLs from the context (or the
    SALE_MEMORY_* environment of every replica) and its auction lands in PostgreSQL and on the Chroma server."""
    import psycopg
    from langgraph_sdk import get_client

    from tests.test_scaleout import index_ids

    index_url = f"{chroma_url}/studio"
    client = get_client(url=studio)
    with StubServer({"small": Behaviour(spread=2.0), "big": Behaviour(spread=0.5)}) as stub:
        out = await auction_on_stub(client, stub, tmp_path, memory_log_url=pg_url, memory_index_url=index_url,
                                    route_only=True)
    assert out["result"]["status"] == "ok", out
    with psycopg.connect(pg_url) as conn:
        logged = [a for (a,) in conn.execute("SELECT auction_id FROM auctions")]
    assert logged == [out["result"]["auction_id"]] and index_ids(index_url) == logged
    assert not (tmp_path / "memory" / "auctions.sqlite").exists()


@pytest.mark.embedded
async def test_studio_without_a_pool_uses_the_embedded_models(studio, tmp_path):
    from langgraph_sdk import get_client

    from sale.local import LADDER

    client = get_client(url=studio)
    thread = await client.threads.create()
    out = await client.runs.wait(thread["thread_id"], "auction", input={"task": "What is 17 * 23?"},
                                 context={"memory_dir": str(tmp_path / "memory"), "search_backend": "bm25",
                                          "search_corpus": str(ROOT / "examples" / "corpus")})
    result = out["result"]
    assert result["status"] == "ok", out
    assert result["pool"]["source"] == "embedded"
    assert {b["agent"] for b in result["bids"]} == {m.name for m in LADDER}
    assert result["answer"]
