"""`sale run` from the command line: JSON schema, memory across runs, and one clear error per bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sale.apps.cli import main
from tests.openai_stub import Behaviour, StubServer, pool_toml

ROOT = Path(__file__).resolve().parents[1]
SALE = [sys.executable, "-m", "sale.apps.cli"]
BID_KEYS = {"agent", "text", "tokens", "entropy", "jury", "cost", "value", "score", "refined"}


@pytest.fixture
def stub():
    with StubServer({"small": Behaviour(spread=2.0), "big": Behaviour(spread=0.5)}) as server:
        yield server


def sale_json(*args: str) -> dict:
    proc = subprocess.run([*SALE, "run", "--json", *args], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_run_json_twice_on_one_memory(stub, tmp_path):
    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "mid": 0.16, "big": 0.36}))
    stub.behaviours["mid"] = Behaviour(bid="mid plan: use Python, then verify", jury='{"score": 4}')
    stub.behaviours["mid"].jury = lambda body: '{"score": 5}' if "mid plan" in body["messages"][1]["content"] \
        else '{"score": 2}'
    for name in ("small", "big"):
        stub.behaviours[name].jury = stub.behaviours["mid"].jury
    memory = tmp_path / "memory"
    first = sale_json("--pool", str(pool), "--memory", str(memory), "What is 17 * 23?")
    second = sale_json("--pool", str(pool), "--memory", str(memory), "What is 17 * 24?")
    for r in (first, second):
        assert {"task", "bids", "provisional_winner", "winner", "answer", "excluded", "memory_size_before",
                "retrieved", "usage"} <= set(r)
        assert all(set(b) >= BID_KEYS for b in r["bids"])
        assert {"auction_tokens", "execution_tokens", "auction_usd", "execution_usd"} <= set(r["usage"])
        assert r["winner"] == "mid" and r["simulated"] is False
    assert first["memory_size_before"] == 0 and second["memory_size_before"] == 1
    assert second["retrieved"] == [first["auction_id"]]
    assert any(b["refined"] and b["agent"] == "small" for b in second["bids"])
    assert (memory / "auctions.sqlite").exists() and (memory / "checkpoints.sqlite").exists()


def test_table_output(stub, tmp_path):
    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}))
    proc = subprocess.run([*SALE, "run", "--pool", str(pool), "--memory", str(tmp_path / "m"), "What is 2+2?"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    for word in ("agent", "tokens", "C-V", "refined", "provisional winner", "final winner", "answer", "auction:",
                 "execution:"):
        assert word in proc.stdout
    assert "bid" in proc.stderr  # progress lines while models run


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["   "], None, "empty"),
        ([""], None, "empty"),
        (["x" * 1_000_000], None, "limit"),
        (["-"], b"\x00\x01\x02binary\xff", "binary"),
        (["-"], b"caf\xe9 latin-1", "not valid UTF-8"),
        ([], None, "no task given"),
    ],
)
def test_bad_tasks(tmp_path, monkeypatch, capsys, args, stdin, message):
    memory = tmp_path / "memory"
    if stdin is not None:
        import io

        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(["run", "--memory", str(memory), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("error:") == 1
    assert not memory.exists()


def test_binary_task_file(tmp_path, capsys):
    path = tmp_path / "task.bin"
    path.write_bytes(bytes(range(256)))
    assert main(["run", "--memory", str(tmp_path / "m"), "--task-file", str(path)]) == 2
    assert "binary" in capsys.readouterr().err and not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    ("pool_text", "message"),
    [
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="http://127.0.0.1:1/v1"\n', "missing `price_per_mtok`"),
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="http://127.0.0.1:1/v1"\nprice_per_mtok=-3\n', ">= 0"),
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="http://127.0.0.1:1/v1"\nprice_per_mtok=1\nspeed=9\n',
         "unknown key"),
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="localhost"\nprice_per_mtok=1\n', "bad `base_url`"),
        ("# nothing\n", "zero agents"),
    ],
)
def test_broken_pool_files(tmp_path, capsys, pool_text, message):
    pool = tmp_path / "pool.toml"
    pool.write_text(pool_text)
    memory = tmp_path / "memory"
    assert main(["run", "--pool", str(pool), "--memory", str(memory), "a fine task"]) == 2
    err = capsys.readouterr().err
    assert message in err and not memory.exists()


def test_all_agents_down_exits_non_zero_and_stores_nothing(tmp_path):
    from sale.local import free_port

    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(f"http://127.0.0.1:{free_port()}/v1", {"a": 0.1, "b": 0.2}))
    proc = subprocess.run([*SALE, "run", "--json", "--pool", str(pool), "--memory", str(tmp_path / "m"), "task"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 1
    r = json.loads(proc.stdout)
    assert r["status"] == "failed" and set(r["excluded"]) == {"a", "b"}
    import sqlite3

    assert sqlite3.connect(tmp_path / "m" / "auctions.sqlite").execute("SELECT COUNT(*) FROM auctions").fetchone() \
        == (0,)


def test_second_writer_on_one_memory_dir_is_refused(tmp_path, capsys, embedder):
    from memory_store import AuctionMemory

    with AuctionMemory(tmp_path / "m", embedder=embedder):
        assert main(["run", "--pool", str(ROOT / "examples" / "pool.example.toml"), "--memory",
                     str(tmp_path / "m"), "task"]) == 2
    assert "already open for writing" in capsys.readouterr().err


def test_embedding_example_runs(stub, tmp_path):
    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}))
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "embed_in_app.py"), str(pool),
                           str(tmp_path / "memory")], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "winner:" in proc.stdout and "  finish" in proc.stdout and "tool: " in proc.stdout


PHASES = ("bid", "jury", "rebid", "execute")


@pytest.mark.parametrize("phase", PHASES)
def test_kill_9_in_each_phase_then_resume(stub, tmp_path, phase):
    """D1/D3: kill -9 while a phase's model calls are in flight, resume with the same thread id: the auction
    completes, exactly one record exists, and calls of phases already checkpointed are not repeated."""
    import signal
    import sqlite3
    import time

    from tests.openai_stub import kind_of_request

    def prefer_big(body):
        return '{"score": 5}' if "big plan" in body["messages"][1]["content"] else '{"score": 1}'

    stub.behaviours["big"].bid = "big plan: compute with Python and verify"
    for behaviour in stub.behaviours.values():
        behaviour.jury = prefer_big  # big wins provisionally, so the small agent rebids from memory
    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}))
    memory = tmp_path / "memory"
    base = [*SALE, "run", "--json", "--pool", str(pool), "--memory", str(memory)]
    warm = subprocess.run([*base, "--thread-id", "t-0", "Add 2+3"], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert warm.returncode == 0, warm.stderr
    for behaviour in stub.behaviours.values():
        behaviour.delays[phase] = 30.0
    seen = len(stub.requests)
    args = [*base, "--thread-id", "t-1", "Add 2+2"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(kind_of_request(r) == phase for r in stub.requests[seen:]):
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    counts = {k: sum(1 for r in stub.requests[seen:] if kind_of_request(r) == k) for k in PHASES}
    assert counts[phase] >= 1
    for behaviour in stub.behaviours.values():
        behaviour.delays.clear()
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["auction_id"] == "t-1" and result["status"] == "ok" and result["answer"]
    assert any(b["refined"] for b in result["bids"])
    after = {k: sum(1 for r in stub.requests[seen:] if kind_of_request(r) == k) for k in PHASES}
    earlier = PHASES[:PHASES.index(phase)]
    for kind in earlier:
        if kind != "jury" or phase == "execute":  # re-judging refined bids comes after the rebid phase
            assert after[kind] == counts[kind], (kind, counts, after)
    rows = sqlite3.connect(memory / "auctions.sqlite").execute("SELECT auction_id FROM auctions ORDER BY seq")
    assert [r[0] for r in rows] == ["t-0", "t-1"]


@pytest.mark.parametrize(("sig", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_stops_the_auction_with_one_line_and_it_continues_from_its_checkpoint(stub, tmp_path, sig, code):
    """SIGTERM (a service manager, ``timeout``) and Ctrl-C stop ``sale run`` while its jury calls are in flight:
    promptly, with one line naming the thread id to continue with, no traceback; the same command with that
    thread id finishes the auction without asking for the bids again."""
    import signal
    import time

    from tests.openai_stub import kind_of_request

    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}))
    for behaviour in stub.behaviours.values():
        behaviour.delays["jury"] = 30.0
    args = [*SALE, "run", "--json", "--pool", str(pool), "--memory", str(tmp_path / "memory"), "Add 2+2"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(kind_of_request(r) == "jury" for r in stub.requests):
        time.sleep(0.1)
    stopped = time.monotonic()
    proc.send_signal(getattr(signal, sig))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code and time.monotonic() - stopped < 20, err
    assert out == "" and "Traceback" not in err and err.count("interrupted: auction ") == 1, err
    thread = err.split("interrupted: auction ")[1].split()[0]
    assert f"run the same command with --thread-id {thread} to continue it" in err
    bids = sum(1 for r in stub.requests if kind_of_request(r) == "bid")
    for behaviour in stub.behaviours.values():
        behaviour.delays.clear()
    done = subprocess.run([*args[:-1], "--thread-id", thread, "Add 2+2"], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["auction_id"] == thread
    assert sum(1 for r in stub.requests if kind_of_request(r) == "bid") == bids
    asked = len(stub.requests)
    again = subprocess.run([*args[:-1], "--thread-id", thread, "Add 2+2"], capture_output=True, text=True,
                           timeout=300, cwd=ROOT)
    assert again.returncode == 0 and json.loads(again.stdout) == json.loads(done.stdout), again.stderr
    assert len(stub.requests) == asked, "a finished auction is printed again, not run again"
    other = subprocess.run([*args[:-1], "--thread-id", thread, "Add 3+3"], capture_output=True, text=True,
                           timeout=300, cwd=ROOT)
    assert other.returncode == 2 and f"--thread-id {thread} holds an auction of another task" in other.stderr


def test_memory_info_and_rebuild(tmp_path, capsys, embedder):
    from memory_store import AuctionMemory
    from tests.test_memory import rec

    with AuctionMemory(tmp_path / "m", embedder=embedder) as memory:
        memory.add(rec("a", "Multiply 17 by 23"))
        memory.add(rec("b", "Who wrote Hamlet?"))
    assert main(["memory", "rebuild", "--memory", str(tmp_path / "m")]) == 0
    out = capsys.readouterr().out
    assert "reindexed 2 auction(s)" in out and '"log": 2, "index": 2' in out
    assert main(["memory", "info", "--memory", str(tmp_path / "m")]) == 0


def test_sandbox_command_json(tmp_path, capsys):
    script = tmp_path / "s.py"
    script.write_text("import os\nprint('hi', os.getuid() != 0)\n6 * 7\n")
    assert main(["sandbox", "--json", str(script)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"ok", "stdout", "stderr", "error", "timed_out", "duration_s"} <= set(out)
    assert out["ok"] and out["stdout"] == "hi True\n" and out["result"] == 42 and not out["timed_out"]
    script.write_text("while True: pass\n")
    assert main(["sandbox", "--json", "--timeout", "1", str(script)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["timed_out"] and out["duration_s"] < 2.0
    assert main(["sandbox", str(tmp_path / "missing.py")]) == 2


def test_bm25_search_needs_a_corpus(tmp_path, capsys):
    assert main(["run", "--memory", str(tmp_path / "m"), "--search", "bm25", "a task"]) == 2
    assert "needs a corpus directory" in capsys.readouterr().err
    assert main(["run", "--memory", str(tmp_path / "m"), "--search", "bm25", "--corpus", str(tmp_path / "nope"),
                 "a task"]) == 2
    assert "is not a directory" in capsys.readouterr().err and not (tmp_path / "m").exists()


def test_d8_tampered_checkpoint_blob_runs_no_code(stub, tmp_path):
    """Replace a checkpoint blob with a msgpack payload naming os.system; resuming must not run it."""
    import sqlite3

    import ormsgpack
    from langgraph.checkpoint.serde.jsonplus import EXT_CONSTRUCTOR_SINGLE_ARG

    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}))
    memory = tmp_path / "memory"
    args = [*SALE, "run", "--json", "--pool", str(pool), "--memory", str(memory), "--thread-id", "t-9", "Add 2+2"]
    assert subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT).returncode == 0
    canary = tmp_path / "pwned"
    evil = ormsgpack.packb(ormsgpack.Ext(EXT_CONSTRUCTOR_SINGLE_ARG,
                                         ormsgpack.packb(("os", "system", f"touch {canary}"))))
    db = sqlite3.connect(memory / "checkpoints.sqlite")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "writes" in tables and "checkpoints" in tables
    changed = db.execute("UPDATE writes SET type = 'msgpack', value = ? WHERE thread_id = 't-9'", (evil,)).rowcount
    changed += db.execute("UPDATE checkpoints SET type = 'msgpack', checkpoint = ? WHERE thread_id = 't-9' AND "
                          "rowid = (SELECT MAX(rowid) FROM checkpoints WHERE thread_id = 't-9')", (evil,)).rowcount
    db.commit()
    assert changed > 0
    subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT)  # may fail; must not run code
    assert not canary.exists()


def test_a_finished_thread_prints_its_result_without_starting_a_model_and_route_is_not_run(stub, tmp_path, capsys,
                                                                                            monkeypatch):
    """The thread id of a finished auction gives its result again: no model call, no embedded server started
    (a minute and 1.6 GB for nothing). A ``route`` thread is not silently passed off as a ``run``."""
    import sale.local

    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, {"small": 0.05, "big": 0.36}))
    memory = str(tmp_path / "memory")
    assert main(["run", "--json", "--pool", str(pool), "--memory", memory, "--thread-id", "t-1", "Add 2+2"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["route", "--json", "--pool", str(pool), "--memory", memory, "--thread-id", "t-2", "Add 2+2"]) == 0
    capsys.readouterr()
    asked = len(stub.requests)

    def started(*args, **kwargs):
        raise AssertionError("an embedded server was started for a finished auction")

    monkeypatch.setattr(sale.local, "embedded_pool", started)
    assert main(["run", "--json", "--memory", memory, "--thread-id", "t-1", "Add 2+2"]) == 0
    assert json.loads(capsys.readouterr().out) == first and len(stub.requests) == asked
    assert main(["run", "--memory", memory, "--thread-id", "t-2", "Add 2+2"]) == 2
    assert "--thread-id t-2 holds a finished `sale route` auction; `sale run` needs a new thread id" in \
        capsys.readouterr().err
