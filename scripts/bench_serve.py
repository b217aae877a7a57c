"""Load benchmark of `sale serve`: N concurrent clients, a fixed count of requests, then the memory check.

    .venv/bin/python scripts/bench_serve.py [--clients 16] [--requests 160] [--model sale] [--kill-at K]
                                           [--workers N] [--shared-memory] [--profile DIR]
                                           [--server-arg=--no-refine ...]

Starts a scripted two-agent pool whose endpoints answer at once (tests/openai_stub.py in a process of its own,
loopback, with HTTP keep-alive as real endpoints have it; the small agent's bid loses to the big one's, so every
auction also retrieves from memory for the small agent's rebid and re-judges it), then `sale serve` on that pool (a
process of its own, a fresh memory, free ports), and drives it with N clients that each send their next request as
soon as the last is answered, until the count is answered. Prints requests/s, latency p50/p99, the server's CPU per
request, and the memory check: every acknowledged auction is in the log exactly once with the answer the client got,
and the index holds exactly the log's retrievable auctions. The machine's load average is printed with every figure.

``--kill-at K`` kills the server with SIGKILL once K requests are acknowledged, starts it again on the same memory
and port, and carries on; requests in flight at the kill fail and are sent again as new requests (the memory
check then also shows how many unacknowledged auctions the log kept). ``--profile DIR`` runs the server under
scripts/stack_sampler.py and leaves its CPU flame graph (collapsed stacks) and top-frames table in DIR.

``--workers N`` serves with N worker processes (``sale serve --workers``), which needs the shared memory:
``--shared-memory`` (implied by N > 1) puts it on a throwaway PostgreSQL and Chroma server on loopback
(tests/servers.py), so one worker on the same stores is the baseline. The server's CPU then counts the supervisor
and every worker, and ``--kill-at`` kills them all at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PRICES = {"small": 0.05, "big": 0.36}


def prefer_big(body: dict[str, Any]) -> str:
    return '{"score": 5}' if "big plan" in body["messages"][1]["content"] else '{"score": 1}'


def run_stub() -> None:
    """The scripted pool (internal: ``bench_serve.py --stub``); prints its base URL, serves until killed."""
    from tests.openai_stub import Behaviour, StubServer

    behaviours = {
        "small": Behaviour(bid="small plan: guess the number quickly", jury=prefer_big, execute="Final: small"),
        "big": Behaviour(bid="big plan: compute with Python and verify", jury=prefer_big,
                         execute="Computed.\nFinal answer: 391"),
    }
    stub = StubServer(behaviours)
    stub.requests = _Discard()
    stub._server.RequestHandlerClass.protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do
    stub.start()
    print(stub.base_url, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


class _Discard(list):
    """The stub's request log, off: a load run would keep every request body."""

    def append(self, item: Any) -> None:
        pass


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, its live descendants and their waited-for children, from /proc (Linux)."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]))
    tree, total = {pid}, 0
    for child, (parent, _) in sorted(stats.items()):
        if parent in tree:
            tree.add(child)
    for member in tree:
        total += stats.get(member, (0, 0))[1]
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time every core spent busy since boot (``/proc/stat``: user, nice, system, irq, softirq, steal)."""
    ticks = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks[:3]) + sum(ticks[5:8])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    argv: list[str]
    url: str
    log: Path
    proc: subprocess.Popen | None = None
    cpu: float = 0.0

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                                         start_new_session=True)
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"sale serve exited ({self.proc.returncode}): {self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise SystemExit("sale serve did not start within 300 s")
            try:
                if httpx.get(f"{self.url}/models", timeout=2).status_code == 200:
                    self.cpu -= self.sample_cpu()  # start-up (imports, loading the embedder) is not load
                    return
            except httpx.HTTPError:
                time.sleep(0.2)

    def sample_cpu(self) -> float:
        return cpu_seconds(self.proc.pid) if self.proc and self.proc.poll() is None else 0.0

    def kill(self) -> None:
        self.cpu += self.sample_cpu()
        os.killpg(self.proc.pid, signal.SIGKILL)  # the server, and its workers if it has any
        self.proc.wait()

    def stop(self) -> None:
        self.cpu += self.sample_cpu()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise SystemExit("sale serve did not stop within 120 s of SIGINT") from None


@dataclass
class Run:
    answered: list[tuple[float, str, str]] = field(default_factory=list)  # latency, auction id, content
    failed: list[str] = field(default_factory=list)
    wall: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # during the load: scripted pool, load driver, machine


async def drive(server: Server, clients: int, count: int, model: str, kill_at: int) -> Run:
    run = Run()
    sent = in_flight = 0
    restarting = asyncio.Event()
    restarting.set()  # set = the server is up

    async def one(http: httpx.AsyncClient, i: int) -> None:
        body = {"model": model, "messages": [{"role": "user", "content": f"What is {i} * 23? Request {i}."}]}
        started = time.perf_counter()
        try:
            resp = await http.post(f"{server.url}/chat/completions", json=body)
        except httpx.HTTPError as exc:
            run.failed.append(f"{type(exc).__name__}")
            await restarting.wait()
            return
        if resp.status_code != 200:
            run.failed.append(f"HTTP {resp.status_code}: {resp.text[:200]}")
            return
        data = resp.json()
        run.answered.append((time.perf_counter() - started, data["sale"]["auction_id"],
                             data["choices"][0]["message"]["content"]))
        if kill_at and len(run.answered) == kill_at:
            restarting.clear()
            server.kill()
            await asyncio.to_thread(server.start)
            restarting.set()

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal sent, in_flight
        while len(run.answered) + in_flight < count and len(run.failed) <= count:
            await restarting.wait()
            sent += 1
            in_flight += 1
            try:
                await one(http, sent)
            finally:
                in_flight -= 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=httpx.Timeout(300), limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*[client(http) for _ in range(clients)])
        run.wall = time.perf_counter() - started
    return run


def memory_check(directory: Path, run: Run, model: str, shared: tuple[str, str]) -> list[str]:
    """What the memory got wrong; empty when every acknowledged auction is logged once, with the answer the
    client got, and the index holds exactly the log's retrievable auctions."""
    from memory_store import AuctionMemory
    from memory_store.provenance import retrievable

    problems = []
    with AuctionMemory(directory, log_url=shared[0], index_url=shared[1]) as memory:
        rows = memory.log.all()
        ids = [r["auction_id"] for r in rows]
        if len(ids) != len(set(ids)):
            problems.append(f"{len(ids) - len(set(ids))} auction ids logged twice")
        by_id = {r["auction_id"]: r for r in rows}
        for _, auction_id, content in run.answered:
            row = by_id.get(auction_id)
            if row is None:
                problems.append(f"acknowledged auction {auction_id} is not in the log")
            elif model == "sale" and (row["outcome"] or {}).get("answer") != content:
                problems.append(f"auction {auction_id}: logged answer differs from the one the client got")
        indexed = memory.index.ids()
        expected = {r["auction_id"] for r in rows if retrievable(r, memory._key)}
        if indexed != expected:
            problems.append(f"index differs from the log: {len(expected - indexed)} missing, "
                            f"{len(indexed - expected)} strays")
        print(f"memory: {len(rows)} auctions logged ({len(rows) - len(run.answered)} not acknowledged), "
              f"{len(indexed)} indexed")
    return problems


def server_argv(args: argparse.Namespace, pool: Path, memory: Path, port: int, shared: tuple[str, str]
                ) -> list[str]:
    serve = ["serve", "--pool", str(pool), "--memory", str(memory), "--port", str(port), "--search", "bm25",
             "--corpus", str(ROOT / "examples" / "corpus"), "--workers", str(args.workers), *args.server_arg]
    if shared[0]:
        serve += ["--memory-log", shared[0], "--memory-index", shared[1]]
    if args.profile:
        return [sys.executable, str(ROOT / "scripts" / "stack_sampler.py"), str(Path(args.profile).resolve()),
                "--", *serve]
    return [sys.executable, "-m", "sale.apps.cli", *serve]


def load_run(args: argparse.Namespace, work: Path, shared: tuple[str, str]) -> tuple[Server, Run]:
    """The scripted pool and the server started, driven and stopped."""
    from sale.local import free_port
    from tests.openai_stub import pool_toml

    stub = subprocess.Popen([sys.executable, __file__, "--stub"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        base_url = stub.stdout.readline().strip()
        pool = work / "pool.toml"
        pool.write_text(pool_toml(base_url, PRICES))
        port = free_port()
        server = Server(server_argv(args, pool, work / "memory", port, shared), f"http://127.0.0.1:{port}/v1",
                        work / "serve.log")
        print(f"before: {load()}")
        server.start()
        if args.profile:
            server.proc.send_signal(signal.SIGUSR1)
        sample = lambda: (cpu_seconds(stub.pid), time.process_time(), machine_busy_seconds())  # noqa: E731
        before = sample()
        try:
            run = asyncio.run(drive(server, args.clients, args.requests, args.model, args.kill_at))
        except BaseException:  # the server (and its workers) runs in a session of its own: Ctrl-C misses it
            os.killpg(server.proc.pid, signal.SIGKILL)
            raise
        run.cpu = {k: b - a for k, a, b in zip(("pool", "driver", "machine"), before, sample(), strict=True)}
        if args.profile:
            server.proc.send_signal(signal.SIGUSR2)
        server.stop()
        print(f"after:  {load()}")
    finally:
        stub.send_signal(signal.SIGTERM)
        stub.wait(timeout=30)
    return server, run


def report(args: argparse.Namespace, server: Server, run: Run, shared: tuple[str, str]) -> None:
    latencies = sorted(t for t, _, _ in run.answered)
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    where = "PostgreSQL + Chroma server" if shared[0] else "local directory"
    print(f"{args.workers} worker(s), memory on a {where}")
    print(f"{args.clients} clients, {len(run.answered)} requests answered (model {args.model}), "
          f"{len(run.failed)} failed{' (the kill)' if args.kill_at else ''}")
    print(f"  {len(run.answered) / run.wall:6.2f} requests/s over {run.wall:.1f} s")
    print(f"  latency p50 {statistics.median(latencies):.3f} s, p99 {p99:.3f} s, max {latencies[-1]:.3f} s")
    print(f"  server CPU {1000 * server.cpu / len(run.answered):.1f} ms per request "
          f"({server.cpu:.1f} s user+system)")
    if run.cpu:
        per = {k: 1000 * v / len(run.answered) for k, v in run.cpu.items()}
        ours, cores = 1000 * server.cpu / len(run.answered) + per["pool"] + per["driver"], os.cpu_count() or 1
        print(f"  beside it, per request: the scripted pool {per['pool']:.1f} ms of CPU, this load driver "
              f"{per['driver']:.1f} ms (with the server {ours:.1f} ms: {cores} cores, a worker each, serve at most "
              f"{cores * 1000 / ours:.1f} requests/s of this load, the stores' servers not counted); the whole "
              f"machine {per['machine']:.1f} ms (every process on it, whatever else it runs)")

def main() -> None:
    if sys.argv[1:] == ["--stub"]:
        run_stub()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=160)
    parser.add_argument("--model", default="sale", choices=["sale", "sale-route"])
    parser.add_argument("--kill-at", type=int, default=0, metavar="K")
    parser.add_argument("--profile", metavar="DIR", default="")
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="sale serve --workers N")
    parser.add_argument("--shared-memory", action="store_true",
                        help="the memory on a throwaway PostgreSQL + Chroma server (implied by --workers > 1)")
    parser.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                        help="passed to sale serve (repeat; e.g. --server-arg=--no-refine)")
    args = parser.parse_args()
    if args.profile and args.workers > 1:
        parser.error("--profile samples one server process: use it with --workers 1")

    with contextlib.ExitStack() as stores:
        shared = ("", "")
        if args.shared_memory or args.workers > 1:
            from tests.servers import chroma_server, postgres_server

            shared = (stores.enter_context(postgres_server()), stores.enter_context(chroma_server()) + "/bench")
        work = Path(tempfile.mkdtemp(prefix="sale-bench-serve-"))
        server, run = load_run(args, work, shared)
        report(args, server, run, shared)
        problems = memory_check(work / "memory", run, args.model, shared)
    if problems or run.failed:
        print(f"kept for inspection: {work} (the server's log: serve.log)")
    else:
        shutil.rmtree(work)
    print("memory check: " + ("OK" if not problems else "FAILED\n  " + "\n  ".join(problems[:20])))
    if args.profile:
        print(f"profile: {args.profile}/stacks.collapsed, {args.profile}/top.md")
    if run.failed:
        print("failures: " + "; ".join(sorted(set(run.failed))[:5]))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
