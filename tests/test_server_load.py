"""`sale serve` under load (issue 30): what taking work off the request path must not lose.

Index writes wait to be grouped and embeddings are batched across concurrent callers; an auction acknowledged to
a client must still be in the memory log, once, with the answer the client got, also after a kill -9 of the
server, and the index must hold exactly the log's auctions once the memory is opened again. Performance figures
are not asserted here: scripts/bench_serve.py prints them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from memory_store import AuctionMemory, index_batch
from sale.local import free_port
from tests.load import assert_memory_exact, drive
from tests.openai_stub import Behaviour, StubServer, pool_toml
from tests.test_memory import TASKS, rec

ROOT = Path(__file__).resolve().parents[1]
SALE = [sys.executable, "-m", "sale.apps.cli"]


def prefer_big(body):
    return '{"score": 5}' if "big plan" in body["messages"][1]["content"] else '{"score": 1}'


@pytest.fixture
def held(tmp_path, embedder, monkeypatch):
    """A memory whose background flush is held back, so what waits stays waiting until a read applies it."""
    monkeypatch.setattr(index_batch, "FLUSH_DELAY_S", 3600)
    with AuctionMemory(tmp_path / "held", embedder=embedder) as memory:
        yield memory


def test_an_auction_logged_a_moment_ago_is_retrieved_before_its_index_entry_is_flushed(held):
    """The index entry of a fresh record waits to be grouped; a retrieval that may see it applies it first."""
    memory = held
    memory.add(rec("a", TASKS[0]))
    assert memory._waiting, "the index write was expected to wait for its group"
    assert [a for a, _ in memory.similar(TASKS[0], 1, memory.max_seq())] == ["a"]
    assert not memory._waiting


def test_a_retrieval_that_cannot_see_the_new_record_does_not_wait_for_it(held):
    memory = held
    memory.add(rec("a", TASKS[0]))
    seq = memory.add(rec("b", TASKS[1]))
    memory.index  # noqa: B018 (applies what waits)
    memory.add(rec("c", TASKS[0]))
    assert [a for a, _ in memory.similar(TASKS[0], 3, seq)] == ["a", "b"]  # c is newer than the auction's start
    assert "c" in memory._waiting
    assert memory.index.count() == 3


def test_waiting_index_writes_reach_the_index_in_the_background(memory):
    for i, task in enumerate(TASKS):
        memory.add(rec(f"id{i}", task))
    deadline = time.monotonic() + 30
    while memory._waiting and time.monotonic() < deadline:
        time.sleep(0.01)
    with memory._lock:  # a flush under way holds it
        assert not memory._waiting and memory._index.count() == len(TASKS)


def test_concurrent_embeddings_are_the_vectors_each_text_gets_alone(embedder):
    texts = [f"What is {i} times {i + 7}? Show the steps." for i in range(24)]
    alone = np.array([embedder.embed([t])[0] for t in texts])
    got: dict[int, list[float]] = {}

    def embed(i: int) -> None:
        got[i] = embedder.embed([texts[i]])[0]

    threads = [threading.Thread(target=embed, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    together = np.array([got[i] for i in range(len(texts))])
    assert (together * alone).sum(axis=1).min() > 0.99999


def test_a_failed_batch_fails_every_caller_in_it(embedder, monkeypatch):
    def broken(texts):
        time.sleep(0.05)
        raise MemoryError("out of memory")

    monkeypatch.setattr(embedder, "_embed", broken)
    errors: list[BaseException] = []

    def embed() -> None:
        try:
            embedder.embed(["x"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=embed) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 4 and all("out of memory" in repr(e) for e in errors)


KILLED_WRITER = """
import os, signal, sys
from memory_store import AuctionMemory, index_batch
from tests.test_memory import TASKS, rec
index_batch.FLUSH_DELAY_S = 3600
memory = AuctionMemory(sys.argv[1])
for i, task in enumerate(TASKS):
    memory.add(rec(f"id{i}", task))
assert memory._waiting, "nothing was waiting: the kill would prove nothing"
print("logged", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_index_writes_lost_to_a_kill_are_restored_from_the_log(tmp_path):
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(tmp_path / "m")], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL and "logged" in done.stdout, done.stderr
    with AuctionMemory(tmp_path / "m") as memory:
        assert memory.size() == len(TASKS)
        assert memory.index.ids() == {f"id{i}" for i in range(len(TASKS))}
        assert memory.similar(TASKS[2], 1, memory.max_seq())[0][0] == "id2"


@pytest.fixture
def stub():
    behaviours = {
        "small": Behaviour(bid="small plan: guess the number quickly", jury=prefer_big, execute="Final: small"),
        "big": Behaviour(bid="big plan: compute with Python and verify", jury=prefer_big,
                         execute="Final: 391 from big"),
    }
    with StubServer(behaviours) as server:
        yield server


class Serve:
    """`sale serve` as a process of its own, as an operator runs it."""

    def __init__(self, stub: StubServer, tmp_path: Path) -> None:
        pool = tmp_path / "pool.toml"
        pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.argv = [*SALE, "serve", "--pool", str(pool), "--memory", str(tmp_path / "m"), "--port",
                     str(self.port), "--search", "bm25", "--corpus", str(ROOT / "examples" / "corpus")]
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        deadline = time.monotonic() + 300
        while True:
            assert self.proc.poll() is None, self.proc.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "sale serve did not start"
            try:
                if httpx.get(f"{self.url}/models", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)


def test_every_acknowledged_auction_survives_a_kill_9_of_the_server(stub, tmp_path):
    """Eight clients load the server; once 16 auctions are acknowledged it gets SIGKILL while others are in
    flight. Restarted on the same memory, it serves again; then every acknowledged auction is in the log exactly
    once with the answer its client got, and the index holds exactly the log's auctions."""
    serve = Serve(stub, tmp_path)
    serve.start()
    killed = asyncio.run(drive(serve.url, 8, 16, lambda n: n == 16 and os.kill(serve.proc.pid, signal.SIGKILL)))
    serve.proc.wait(timeout=30)
    acked, in_flight = killed
    assert serve.proc.returncode == -signal.SIGKILL and in_flight > 0, "the kill was to catch requests in flight"
    serve.start()
    try:
        after, _ = asyncio.run(drive(serve.url, 2, 4))
    finally:
        serve.proc.send_signal(signal.SIGINT)
        serve.proc.wait(timeout=60)
    acked += after
    with AuctionMemory(tmp_path / "m") as memory:
        rows = assert_memory_exact(memory, acked)
        assert len(rows) <= len(acked) + in_flight
