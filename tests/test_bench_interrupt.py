"""Ctrl-C (SIGINT) and SIGTERM stop `sale bench` while model calls are in flight: promptly, with one line and exit
code 130 / 143, the recording left whole. A process that inherited SIGINT ignored (``nohup sale bench ... &`` from
a script) keeps ignoring it, as its shell asked; SIGTERM stops it cleanly (it used to need a kill that could leave
the recording's last line half-written)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sale.apps.cli.common import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, run_interruptible
from tests.openai_stub import Behaviour, StubServer, pool_toml

ROOT = Path(__file__).resolve().parents[1]
REPLY_S = 3.0  # every reply takes this long, so calls are in flight when the signal comes
STOP_WITHIN_S = 10.0  # the run has ~20 s of calls left then: a run that ignores SIGINT is still going


def _wait_for(condition, timeout_s: float, proc: subprocess.Popen, err: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert proc.poll() is None, f"bench exited early ({proc.returncode}): {err.read_text()[-2000:]}"
        assert time.monotonic() < deadline, f"no model call within {timeout_s} s: {err.read_text()[-2000:]}"
        time.sleep(0.05)


@pytest.mark.parametrize(("inherited", "sig", "expected"), [("default", signal.SIGINT, EXIT_INTERRUPTED),
                                                          ("ignored", signal.SIGTERM, EXIT_TERMINATED)])
def test_a_signal_stops_a_bench_with_calls_in_flight(tmp_path, inherited, sig, expected):
    suite = tmp_path / "arith.jsonl"
    suite.write_text("\n".join(json.dumps({"id": f"t{i}", "task": f"What is 17*23? (variant {i})",
                                           "verifier": "exact", "answer": "391", "bin": 1 + i % 5})
                               for i in range(8)))
    out, err = tmp_path / "out", tmp_path / "stderr"
    with StubServer({"small": Behaviour(execute="Final answer: 391", direct="391", delay_s=REPLY_S)}) as stub:
        pool = tmp_path / "pool.toml"
        pool.write_text(pool_toml(stub.base_url, {"small": 0.1}))
        bench = [sys.executable, "-m", "sale.apps.cli", "bench", "--pool", str(pool), "--suite", str(suite),
                 "--routers", "single:small", "--train-share", "0.5", "--concurrency", "2", "--no-progress",
                 "--out", str(out)]
        # `trap "" INT` then exec: the bench starts with SIGINT ignored, as a background job of a script does
        argv = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *bench] if inherited == "ignored" else bench
        with err.open("w") as stderr:
            proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            _wait_for(lambda: len(stub.requests) >= 2, 60.0, proc, err)  # both slots are waiting on a reply
            proc.send_signal(sig)
            sent = time.monotonic()
            try:
                code = proc.wait(timeout=STOP_WITHIN_S)
            except subprocess.TimeoutExpired:
                pytest.fail(f"bench still running {STOP_WITHIN_S:g} s after {sig.name} ({len(stub.requests)} calls "
                            f"made so far)")
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    message = err.read_text()
    assert code == expected, message[-2000:]
    assert took < REPLY_S, f"stopped after {took:.1f} s: the calls in flight were waited for, not cancelled"
    assert "Traceback" not in message and message.strip().splitlines()[-1].startswith("interrupted:")
    assert f"--reuse {out}" in message
    rows = [json.loads(line) for line in (out / "calls.jsonl").read_text().splitlines()]  # every line whole
    assert rows and all("reply" in r or "error" in r for r in rows)
    assert [r["error"]["kind"] for r in rows if "error" in r] == ["deadline", "deadline"]  # the cancelled pair
    assert not (out / "results.json").exists()


def test_an_ignored_sigint_stays_ignored_and_sigterm_stops_the_run():
    reached = []

    async def signalled() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.sleep(0.2)
        reached.append("after SIGINT")
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(5)
        reached.append("after SIGTERM")

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with pytest.raises(Terminated):
            run_interruptible(signalled())
        assert reached == ["after SIGINT"]
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
