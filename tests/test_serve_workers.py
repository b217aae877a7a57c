"""`sale serve --workers N` (issue 30): worker processes on one socket over the shared memory.

More than one worker needs a memory several processes can write (PostgreSQL log + Chroma server); on a local
memory directory it is refused before any work. With the shared memory, two workers serve, a kill -9 of one of
them loses no acknowledged auction (the supervisor replaces it), and every auction is in the log and the index
exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from memory_store import AuctionMemory
from sale.apps.cli import main
from sale.local import free_port
from tests.load import assert_memory_exact, drive
from tests.openai_stub import Behaviour, StubServer, pool_toml

ROOT = Path(__file__).resolve().parents[1]


def prefer_big(body):
    return '{"score": 5}' if "big plan" in body["messages"][1]["content"] else '{"score": 1}'


@pytest.fixture
def stub():
    behaviours = {
        "small": Behaviour(bid="small plan: guess the number quickly", jury=prefer_big, execute="Final: small"),
        "big": Behaviour(bid="big plan: compute with Python and verify", jury=prefer_big,
                         execute="Final: 391 from big"),
    }
    with StubServer(behaviours) as server:
        yield server


@pytest.fixture
def pool_file(stub, tmp_path):
    path = tmp_path / "pool.toml"
    path.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}))
    return path


@pytest.mark.parametrize("workers", ["2", "0"])
def test_workers_on_a_local_memory_are_refused_before_any_work(pool_file, tmp_path, capsys, monkeypatch, workers):
    monkeypatch.delenv("SALE_MEMORY_LOG_URL", raising=False)
    monkeypatch.delenv("SALE_MEMORY_INDEX_URL", raising=False)
    port = free_port()
    code = main(["serve", "--pool", str(pool_file), "--memory", str(tmp_path / "m"), "--port", str(port),
                 "--workers", workers])
    err = capsys.readouterr().err
    assert code == 2 and err.count("error:") == 1, err
    if workers == "2":
        assert "--workers 2 needs a memory that several processes can write" in err
        assert "--memory-log" in err and "--memory-index" in err and str(tmp_path / "m") in err
    else:
        assert "--workers must be at least 1" in err
    assert not (tmp_path / "m").exists()


def test_workers_with_an_unreachable_shared_memory_stop_before_starting_any(pool_file, pg_url, tmp_path, capsys):
    code = main(["serve", "--pool", str(pool_file), "--memory", str(tmp_path / "m"), "--port", str(free_port()),
                 "--workers", "2", "--memory-log", pg_url, "--memory-index", f"http://127.0.0.1:{free_port()}/col"])
    err = capsys.readouterr().err
    assert code == 2 and "Chroma server" in err and "worker" not in err, err


def workers_of(pid: int) -> set[int]:
    """The supervisor's worker processes (multiprocessing's spawned children, not its resource tracker)."""
    children = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.update(int(c) for c in (task / "children").read_text().split())
    found = set()
    for child in children:
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(child)
        except FileNotFoundError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_connections(pg_url: str) -> int:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                            "pid <> pg_backend_pid()").fetchone()[0]


def wait_for(condition, what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def start_workers(pool_file: Path, memory: Path, pg_url: str, index_url: str) -> tuple[subprocess.Popen, str]:
    """`sale serve --workers 2` as an operator runs it, once both workers have opened the memory and answer."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    serve = subprocess.Popen([sys.executable, "-m", "sale.apps.cli", "serve", "--pool", str(pool_file), "--memory",
                              str(memory), "--port", str(port), "--workers", "2", "--memory-log", pg_url,
                              "--memory-index", index_url, "--search", "bm25", "--corpus",
                              str(ROOT / "examples" / "corpus")],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def up() -> bool:
        assert serve.poll() is None, serve.stderr.read()[-3000:]
        if len(workers_of(serve.pid)) < 2 or memory_connections(pg_url) < 2:  # each worker opens its own
            return False
        try:
            return httpx.get(f"{url}/models", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, "sale serve --workers 2 did not start", 300)
    except BaseException:
        serve.kill()
        raise
    time.sleep(1)  # the second worker's memory is open; let it reach its accept loop
    return serve, url


def test_workers_stop_when_their_supervisor_is_killed(pool_file, pg_url, chroma_url, tmp_path):
    """A kill -9 of `sale serve` leaves no worker serving on unsupervised (and holding the port)."""
    serve, url = start_workers(pool_file, tmp_path / "m", pg_url, f"{chroma_url}/t-{uuid.uuid4().hex[:12]}")
    workers = workers_of(serve.pid)
    serve.kill()
    serve.wait(timeout=30)
    wait_for(lambda: not any(alive(w) for w in workers), "a worker outlived its killed supervisor", 60)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models", timeout=2)


def test_two_workers_serve_one_memory_and_a_killed_worker_loses_no_auction(pool_file, pg_url, chroma_url,
                                                                           tmp_path):
    """Two workers share the load (both spend CPU on it); one gets SIGKILL mid-load, the other goes on serving and
    the supervisor starts a new one. Then every acknowledged auction is in the log exactly once with the answer
    its client got, the index holds exactly the log's auctions, and SIGINT stops the supervisor and its workers."""
    index_url = f"{chroma_url}/t-{uuid.uuid4().hex[:12]}"
    serve, url = start_workers(pool_file, tmp_path / "m", pg_url, index_url)
    try:
        first = sorted(workers_of(serve.pid))
        started = {w: cpu_seconds(w) for w in first}
        asyncio.run(drive(url, 8, 24))
        spent = {w: cpu_seconds(w) - started[w] for w in first}
        print(f"CPU seconds per worker over 24 requests: {spent}")
        assert all(s > 0.2 for s in spent.values()), f"one worker did all the work: {spent}"

        killed = first[0]
        acked, failed = asyncio.run(drive(url, 8, 40, lambda n: n == 8 and os.kill(killed, signal.SIGKILL)))
        print(f"{failed} requests failed with the killed worker")
        wait_for(lambda: len(workers_of(serve.pid)) == 2 and killed not in workers_of(serve.pid),
                 "the supervisor did not replace the killed worker")
        assert not alive(killed)
        after, _ = asyncio.run(drive(url, 4, 8))
        workers = workers_of(serve.pid)
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=120)
    assert serve.returncode == 0, serve.stderr.read()[-3000:]
    assert not any(alive(w) for w in workers), "a worker outlived its supervisor"

    with AuctionMemory(tmp_path / "m", log_url=pg_url, index_url=index_url) as memory:
        rows = assert_memory_exact(memory, acked + after)
        assert len(rows) >= 24 + len(acked) + len(after)
