"""`sale serve`: the official openai client and langchain-openai against the server on a free loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
import time

import httpx
import openai
import pytest
import uvicorn

from graphs.context import AuctionContext, Live
from sale.apps.server import create_app
from sale.local import free_port
from tests.openai_stub import Behaviour, StubServer, stub_pool

PRICES = {"small": 0.05, "big": 0.36}


def prefer_big(body):
    return '{"score": 5}' if "big plan" in body["messages"][1]["content"] else '{"score": 1}'


@pytest.fixture
def stub():
    behaviours = {
        "small": Behaviour(bid="small plan: guess the number quickly", jury=prefer_big, execute="Final: small did it",
                           direct="hello from small"),
        "big": Behaviour(bid="big plan: compute with Python and verify", jury=prefer_big,
                         execute="Final: 391 from big"),
    }
    with StubServer(behaviours) as server:
        yield server


@contextlib.contextmanager
def serving(app):
    """The app on a free loopback port in a thread; yields its /v1 URL and stops it on exit."""
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server(stub, memory):
    with serving(create_app(AuctionContext(live=Live(pool=stub_pool(stub, PRICES), memory=memory)))) as url:
        yield url


def client(url):
    return openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=60)


MESSAGES = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "What is 17 * 23?"}]


def test_models_lists_auction_models_and_agents(server):
    ids = [m.id for m in client(server).models.list().data]
    assert ids == ["sale", "sale-route", "small", "big"]


def test_plain_completion_runs_a_real_auction_with_the_record_attached(server, stub, memory):
    raw = client(server).chat.completions.with_raw_response.create(model="sale", messages=MESSAGES)
    resp = raw.parse()
    assert resp.choices[0].message.content == "Final: 391 from big"
    record = resp.model_extra["sale"]
    assert record["winner"] == "big" and {b["agent"] for b in record["bids"]} == {"small", "big"}
    assert all(set(b["jury"]) == {"small", "big"} for b in record["bids"])
    assert raw.headers["x-sale-winner"] == "big" and raw.headers["x-sale-auction-id"] == record["auction_id"]
    assert json.loads(raw.headers["x-sale-scores"])
    u = record["usage"]
    assert resp.usage.total_tokens == u["auction_tokens"] + u["execution_tokens"] > 0
    assert memory.get(record["auction_id"])["winner_agent"] == "big"
    assert len(stub.calls("big", "execute")) == 1


def test_streaming_completion(server):
    stream = client(server).chat.completions.create(model="sale", messages=MESSAGES, stream=True,
                                                    stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Final: 391 from big"
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason == "stop"]
    assert finals and finals[0].model_extra["sale"]["winner"] == "big"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0
    events = [c.model_extra["sale"]["event"] for c in chunks if c.model_extra.get("sale") and c != finals[0]]
    assert events[0] == "started" and events.count("bid") == 2 and events.count("jury") == 4
    assert events.index("winner") < events.index("recorded") < events.index("executor_step") < events.index(
        "executed"), events
    progress = [c for c in chunks if c.model_extra.get("sale") and c != finals[0]]
    assert all(not (c.choices[0].delta.content or "") for c in progress[1:])  # progress never adds text


def test_the_first_chunk_leaves_before_the_auction_is_over(stub, memory):
    """On a slow pool (1 s per bid, jury call and execution step) the client hears from the server at once."""
    for b in stub.behaviours.values():
        b.delays = {"bid": 1.0, "jury": 1.0, "execute": 1.0}
    context = AuctionContext(live=Live(pool=stub_pool(stub, PRICES), memory=memory), refine=False)
    with serving(create_app(context)) as url:
        started = time.monotonic()
        stream = client(url).chat.completions.create(model="sale", messages=MESSAGES, stream=True)
        arrivals = [(time.monotonic() - started, c) for c in stream]
    first, total = arrivals[0][0], arrivals[-1][0]
    print(f"\ntime to first chunk {first:.3f} s of {total:.3f} s (ratio {first / total:.3f})")
    assert total > 2.5 and first < 0.2 * total
    assert "".join(c.choices[0].delta.content or "" for _, c in arrivals) == "Final: 391 from big"


def test_a_failed_streamed_auction_ends_with_an_error_event(memory):
    with StubServer({a: Behaviour(fault="http_500") for a in ("small", "big")}) as stub:
        context = AuctionContext(live=Live(pool=stub_pool(stub, PRICES), memory=memory))
        with serving(create_app(context)) as url:
            stream = client(url).chat.completions.create(model="sale", messages=MESSAGES, stream=True)
            with pytest.raises(openai.APIError, match="the auction failed"):
                list(stream)


def test_an_execution_that_delivers_nothing_is_an_error_the_client_raises(memory):
    """No answer is never a 200: the official client raises, plain and streamed, with code ``no_answer``."""
    with StubServer({a: Behaviour(execute="Final Answer:") for a in ("small", "big")}) as stub:
        context = AuctionContext(live=Live(pool=stub_pool(stub, PRICES), memory=memory))
        with serving(create_app(context)) as url:
            retrying = openai.OpenAI(base_url=url, api_key="unused", timeout=60)  # the default: 2 retries on 5xx
            with pytest.raises(openai.InternalServerError) as err:
                retrying.chat.completions.create(model="sale", messages=MESSAGES)
            assert err.value.status_code == 503 and err.value.code == "no_answer"
            assert len(stub.calls("small", "bid")) == 1, "the client was told not to rerun the auction"
            assert "no answer" in err.value.message
            stream = client(url).chat.completions.create(model="sale", messages=MESSAGES, stream=True)
            with pytest.raises(openai.APIError, match="no answer"):
                list(stream)


def test_route_only_returns_winner_and_plan_without_executing(server, stub, memory):
    resp = client(server).chat.completions.create(model="sale-route", messages=MESSAGES)
    record = resp.model_extra["sale"]
    assert record["route_only"] and record["winner"] == "big"
    assert resp.choices[0].message.content == "big plan: compute with Python and verify" == record["plan"]
    assert not stub.calls("big", "execute") and not stub.calls("small", "execute")
    assert memory.get(record["auction_id"]) is not None


def test_pass_through_to_a_pool_agent(server, stub):
    resp = client(server).chat.completions.create(model="small", messages=[{"role": "user", "content": "hi"}])
    assert resp.choices[0].message.content == "hello from small"
    assert "sale" not in (resp.model_extra or {})
    assert stub.requests[-1]["model"] == "small" and stub.requests[-1]["messages"][0]["content"] == "hi"


def test_budget_bias_moves_the_auction_along_the_cost_curve(server):
    c = client(server)
    quality = c.chat.completions.create(model="sale-route", messages=MESSAGES, extra_body={"budget_bias": 0})
    thrifty = c.chat.completions.create(model="sale-route", messages=MESSAGES, extra_body={"budget_bias": 1000})
    assert quality.model_extra["sale"]["winner"] == "big" and quality.model_extra["sale"]["budget_bias"] == 0
    assert thrifty.model_extra["sale"]["winner"] == "small"


def test_concurrent_requests_share_one_memory_without_loss(server, memory):
    async def run_all():
        async with openai.AsyncOpenAI(base_url=server, api_key="unused", max_retries=0, timeout=120) as c:
            return await asyncio.gather(*[
                c.chat.completions.create(model="sale", messages=[{"role": "user", "content": f"What is {i} + 1?"}])
                for i in range(8)])

    responses = asyncio.run(run_all())
    ids = [r.model_extra["sale"]["auction_id"] for r in responses]
    assert len(set(ids)) == 8
    rows = sqlite3.connect(memory.directory / "auctions.sqlite").execute("SELECT auction_id FROM auctions")
    assert sorted(r[0] for r in rows) == sorted(ids) and memory.index.count() == 8


def test_langchain_chat_openai_against_the_server(server):
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(base_url=server, api_key="unused", model="sale", max_retries=0)
    assert llm.invoke("What is 17 * 23?").content == "Final: 391 from big"
    assert "".join(chunk.content for chunk in llm.stream("What is 17 * 23?")) == "Final: 391 from big"


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {"model": "gpt-9", "messages": MESSAGES}}, 404, "model_not_found"),
        ({"json": {"model": "sale", "messages": []}}, 400, None),
        ({"json": {"model": "sale", "messages": [{"role": "user", "content": "   "}]}}, 400, None),
        ({"json": {"messages": MESSAGES}}, 400, None),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "invalid_json"),
        ({"content": b"[1, 2]", "headers": {"content-type": "application/json"}}, 400, "invalid_json"),
        ({"content": b'{"model": "sale", "messages": [], "pad": "' + b"x" * 1_100_000 + b'"}'}, 413,
         "request_too_large"),
        ({"json": {"model": "sale", "messages": MESSAGES, "budget_bias": -1}}, 400, None),
    ],
)
def test_bad_requests_get_openai_style_errors(server, kwargs, status, code):
    resp = httpx.post(f"{server}/chat/completions", timeout=30, **kwargs)
    assert resp.status_code == status
    error = resp.json()["error"]
    assert error["message"] and error["type"] == "invalid_request_error"
    if code:
        assert error["code"] == code
    assert httpx.get(f"{server}/models", timeout=10).status_code == 200  # still serving


def test_official_client_raises_typed_errors(server):
    c = client(server)
    with pytest.raises(openai.NotFoundError):
        c.chat.completions.create(model="nope", messages=MESSAGES)
    with pytest.raises(openai.BadRequestError):
        c.chat.completions.create(model="sale", messages=[])


@pytest.fixture
def keyed_server(stub, memory):
    context = AuctionContext(live=Live(pool=stub_pool(stub, PRICES), memory=memory))
    with serving(create_app(context, api_keys=frozenset({"sk-test-key-0123456789"}))) as url:
        yield url


def test_api_keys_guard_every_route_before_any_work(keyed_server, stub):
    for key in ("unused", "sk-test-key-012345678", ""):
        with pytest.raises(openai.AuthenticationError) as err:
            openai.OpenAI(base_url=keyed_server, api_key=key or "x", max_retries=0).models.list()
        assert err.value.body["code"] == "invalid_api_key"
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=keyed_server, api_key=key or "x", max_retries=0).chat.completions.create(
                model="sale", messages=MESSAGES)
    assert httpx.post(f"{keyed_server}/chat/completions", json={"model": "sale"}).status_code == 401
    assert not stub.requests  # refused before any model was called
    keyed = openai.OpenAI(base_url=keyed_server, api_key="sk-test-key-0123456789", max_retries=0, timeout=60)
    assert keyed.chat.completions.create(model="sale", messages=MESSAGES).choices[0].message.content


def test_an_internal_error_tells_the_caller_an_id_and_the_log_the_details(server, monkeypatch, caplog):
    from graphs.auction import graph

    async def broken(*args, **kwargs):
        raise RuntimeError("secret detail: /root/.config/keys.toml")

    monkeypatch.setattr(graph, "ainvoke", broken)
    resp = httpx.post(f"{server}/chat/completions", json={"model": "sale", "messages": MESSAGES}, timeout=30)
    body = resp.json()["error"]
    assert resp.status_code == 500 and body["type"] == "server_error"
    assert "secret" not in resp.text and "RuntimeError" not in resp.text and "Traceback" not in resp.text
    error_id = body["message"].split("error id ")[1].split(";")[0]
    logged = [r for r in caplog.records if r.name == "sale.server"]
    assert logged and error_id in logged[0].getMessage() and "secret detail" in logged[0].exc_text


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--host", "0.0.0.0"], {}, "give --api-keys-file FILE"),
    (["--host", "192.168.1.5"], {}, "reachable from other machines"),
    (["--api-keys-file", "/nonexistent/keys"], {}, "cannot read it"),
    ([], {"SALE_API_KEYS": "short"}, "at least 16 characters"),
    ([], {"SALE_API_KEYS": " , "}, "holds no key"),
])
def test_serve_refuses_an_open_or_badly_keyed_server(tmp_path, monkeypatch, capsys, args, env, message):
    from sale.apps.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", "--memory", str(tmp_path / "m"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "m").exists()  # nothing was opened


def test_sale_serve_command(stub, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from tests.openai_stub import pool_toml

    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, PRICES))
    keys = tmp_path / "keys"
    keys.write_text("# operators\nsk-first-key-0123456789\n\nsk-second-key-987654321\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sale.apps.cli", "serve", "--pool", str(pool), "--memory",
                             str(tmp_path / "m"), "--port", str(port), "--api-keys-file", str(keys)],
                            cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 401:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        with pytest.raises(openai.AuthenticationError):
            client(url).chat.completions.create(model="sale", messages=MESSAGES)
        keyed = openai.OpenAI(base_url=url, api_key="sk-second-key-987654321", max_retries=0, timeout=60)
        resp = keyed.chat.completions.create(model="sale", messages=MESSAGES)
        assert resp.choices[0].message.content == "Final: 391 from big"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert (tmp_path / "m" / "auctions.sqlite").exists() and os.path.exists(tmp_path / "m" / "chroma")


@pytest.mark.embedded
def test_sale_serve_on_the_embedded_pool_answers_the_official_client(tmp_path):
    """No --pool: `sale serve` starts the three local models, then routes through a real auction."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from sale.local import LADDER

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sale.apps.cli", "serve", "--memory", str(tmp_path / "m"), "--port",
                             str(port), "--search", "bm25", "--corpus", "examples/corpus"],
                            cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        ids = {m.id for m in client(url).models.list().data}
        assert {m.name for m in LADDER} <= ids and "sale-route" in ids
        resp = client(url).chat.completions.create(model="sale-route", messages=MESSAGES, timeout=300)
        record = resp.model_extra["sale"]
        names = {m.name for m in LADDER}
        assert record["winner"] in names and resp.choices[0].message.content == record["plan"], record
        assert {b["agent"] for b in record["bids"] if not b["refined"]} == names
        assert all(b["entropy"] > 0 and set(b["jury"]) == names for b in record["bids"]), record["bids"]
        direct = client(url).chat.completions.create(model=LADDER[1].name, messages=MESSAGES, max_tokens=16,
                                                     timeout=120)
        assert direct.choices[0].message.content
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
