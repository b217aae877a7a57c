"""Issue 31: every bad configuration is one ``error:`` line and exit 2 before any model call or write, and a
damaged store is refused, never replaced (sale/core/preflight.py)."""

import json
import math
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sale.apps.cli import main
from sale.core.preflight import ConfigError, check_context, knob_problems
from tests.openai_stub import Behaviour, StubServer, pool_toml

ROOT = Path(__file__).resolve().parents[1]
SALE = [sys.executable, "-m", "sale.apps.cli"]


@pytest.fixture
def stub():
    """Every agent of the pool points here: a test passes only if it stays without a single request."""
    with StubServer({"a": Behaviour(), "b": Behaviour()}) as server:
        yield server
        assert server.requests == []


@pytest.fixture
def pool(stub, tmp_path):
    path = tmp_path / "pool.toml"
    path.write_text(pool_toml(stub.base_url, {"a": 0.1, "b": 0.2}))
    return path


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def one_error(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert err.count("error:") == 1 and "Traceback" not in err, err
    assert all(w in err for w in words), err


def valid_log(path: Path, rows: int = 400) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE auctions (seq INTEGER PRIMARY KEY, record TEXT)")
    db.executemany("INSERT INTO auctions (record) VALUES (?)", [("x" * 300,)] * rows)
    db.commit()
    db.close()


def damage(path: Path, how: str) -> None:
    if how == "junk":
        path.write_bytes(os.urandom(5000))
    elif how == "truncated":
        valid_log(path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:  # a page overwritten inside a file whose header is fine
        valid_log(path)
        data = bytearray(path.read_bytes())
        data[4096 * 3: 4096 * 3 + 200] = b"\xff" * 200
        path.write_bytes(bytes(data))


def test_memory_directory_the_os_refuses(pool, tmp_path, capsys):
    one_error(main(["run", "--pool", str(pool), "--memory", "/proc/1", "task"]), capsys.readouterr().err,
              "memory directory /proc/1", "cannot create a file")


def test_read_only_memory_directory(pool, tmp_path):
    """A read-only file system (a bind mount in a private mount namespace; skipped where that is not allowed)."""
    import shutil

    ro = tmp_path / "ro"
    ro.mkdir()
    script = (f"mount --bind -o ro {ro} {ro} || exit 77; exec {sys.executable} -m sale.apps.cli run --pool {pool} "
              f"--memory {ro / 'memory'} task")
    if not shutil.which("unshare"):
        pytest.skip("no unshare")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    if proc.returncode == 77 or "unshare failed" in proc.stderr:
        pytest.skip("cannot make a read-only mount here")
    one_error(proc.returncode, proc.stderr, "Read-only file system")
    assert list(ro.iterdir()) == []


@pytest.mark.parametrize("where", ["file", "under_file"])
def test_memory_path_that_is_not_a_directory(pool, tmp_path, capsys, where):
    (tmp_path / "f").write_text("x")
    memory = tmp_path / "f" if where == "file" else tmp_path / "f" / "memory"
    one_error(main(["run", "--pool", str(pool), "--memory", str(memory), "task"]), capsys.readouterr().err,
              "not a directory")


@pytest.mark.parametrize("how", ["junk", "truncated", "page"])
def test_damaged_memory_log_is_refused_and_kept(pool, tmp_path, capsys, how):
    memory = tmp_path / "memory"
    memory.mkdir()
    damage(memory / "auctions.sqlite", how)
    before = snapshot(memory)
    one_error(main(["run", "--pool", str(pool), "--memory", str(memory), "task"]), capsys.readouterr().err,
              str(memory / "auctions.sqlite"), "move it aside")
    assert snapshot(memory) == before


@pytest.mark.parametrize("action", ["info", "rebuild"])
def test_memory_maintenance_refuses_a_damaged_log(tmp_path, capsys, action):
    memory = tmp_path / "memory"
    memory.mkdir()
    damage(memory / "auctions.sqlite", "truncated")
    before = snapshot(memory)
    one_error(main(["memory", action, "--memory", str(memory)]), capsys.readouterr().err, "move it aside")
    assert snapshot(memory) == before


def test_auction_memory_names_a_file_that_is_not_a_database(tmp_path):
    from memory_store import AuctionMemory

    (tmp_path / "auctions.sqlite").write_bytes(b"not a database" * 100)
    before = (tmp_path / "auctions.sqlite").read_bytes()
    with pytest.raises(sqlite3.DatabaseError, match=r"auctions\.sqlite cannot be opened .*move it aside"):
        AuctionMemory(tmp_path)
    assert (tmp_path / "auctions.sqlite").read_bytes() == before


@pytest.mark.parametrize("how", ["directory", "junk", "truncated"])
def test_unusable_checkpoint_file(pool, tmp_path, capsys, how):
    target = tmp_path / "ck.sqlite"
    if how == "directory":
        target.mkdir()
    else:
        damage(target, how)
    before = snapshot(tmp_path)
    code = main(["route", "--pool", str(pool), "--memory", str(tmp_path / "m"), "--checkpoints", str(target), "task"])
    one_error(code, capsys.readouterr().err, str(target))
    assert snapshot(tmp_path) == before


def test_unset_api_key_is_found_before_any_call(stub, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SALE_PREFLIGHT_NO_SUCH_KEY", raising=False)
    pool = tmp_path / "pool.toml"
    pool.write_text(pool_toml(stub.base_url, {"a": 0.1}) +
                    pool_toml(stub.base_url, {"b": 0.2}, 'api_key_env = "SALE_PREFLIGHT_NO_SUCH_KEY"'))
    one_error(main(["run", "--pool", str(pool), "--memory", str(tmp_path / "m"), "task"]), capsys.readouterr().err,
              "agent 'b'", "SALE_PREFLIGHT_NO_SUCH_KEY")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(("command", "flag", "value"), [
    ("run", "--refine-min-similarity", "nan"), ("route", "--refine-min-similarity", "5"),
    ("run", "--budget-bias", "inf"), ("route", "--k", "0")])
def test_knob_out_of_range(pool, tmp_path, capsys, command, flag, value):
    code = main([command, "--pool", str(pool), "--memory", str(tmp_path / "m"), flag, value, "task"])
    one_error(code, capsys.readouterr().err, flag)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(("task", "words"), [("x" * 20_001, "limit"), ("abc\u0000\u0001def", "binary")])
def test_bench_suite_row_names_its_line(pool, tmp_path, capsys, task, words):
    rows = [{"id": "ok", "task": "What is 2+2?", "verifier": "exact", "answer": "4"},
            {"id": "bad", "task": task, "verifier": "exact", "answer": "4"}]
    suite = tmp_path / "suite.jsonl"
    suite.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code = main(["bench", "--suite", str(suite), "--pool", str(pool), "--routers", "single:a", "--out",
                 str(tmp_path / "out")])
    one_error(code, capsys.readouterr().err, "line 2", words)
    assert not (tmp_path / "out").exists()


def test_bench_lists_every_bad_row(pool, tmp_path, capsys):
    suite = tmp_path / "suite.jsonl"
    suite.write_text("".join(json.dumps({"id": str(i), "task": t, "verifier": "exact", "answer": "4"}) + "\n"
                             for i, t in enumerate(["fine", "y" * 30_000, "fine too", "\x00"])))
    assert main(["bench", "--suite", str(suite), "--pool", str(pool), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 2 and "line 2" in err and "line 4" in err


def test_serve_on_a_taken_port_says_so_before_announcing(pool, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([*SALE, "serve", "--pool", str(pool), "--memory", str(tmp_path / "m"), "--port",
                               str(port)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    one_error(proc.returncode, proc.stderr, f"127.0.0.1:{port}", "--port")
    assert "serving" not in proc.stderr


def test_serve_checks_memory_first(pool, capsys):
    one_error(main(["serve", "--pool", str(pool), "--memory", "/proc/1", "--port", "1"]), capsys.readouterr().err,
              "/proc/1")


def test_no_traceback_from_a_real_process(pool, tmp_path):
    memory = tmp_path / "memory"
    memory.mkdir()
    damage(memory / "auctions.sqlite", "junk")
    proc = subprocess.run([*SALE, "run", "--pool", str(pool), "--memory", str(memory), "task"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    one_error(proc.returncode, proc.stderr, "is not a SQLite database")


def test_python_api_raises_config_error(stub, monkeypatch):
    from graphs.auction import graph
    from graphs.context import AuctionContext, Live
    from sale.apps.server import create_app
    from tests.openai_stub import stub_pool

    good = stub_pool(stub, {"a": 0.1})
    with pytest.raises(ConfigError) as caught:
        graph.invoke({"task": "What is 2+2?"}, context=AuctionContext(
            live=Live(pool=good), refine_min_similarity=math.nan, k=0))
    assert len(caught.value.problems) == 2
    monkeypatch.delenv("SALE_PREFLIGHT_NO_SUCH_KEY", raising=False)
    keyed = stub_pool(stub, {"a": 0.1}, api_key_env="SALE_PREFLIGHT_NO_SUCH_KEY")
    with pytest.raises(ConfigError, match="SALE_PREFLIGHT_NO_SUCH_KEY"):
        create_app(AuctionContext(live=Live(pool=keyed)))


def test_knob_messages():
    assert knob_problems({"k": 3, "refine_min_similarity": 0.5, "entropy_range": []}) == []
    assert knob_problems({"juror_weight_cap": 0.0}) == ["juror_weight_cap must be in (0, 1], got 0.0"]
    assert knob_problems({"top_logprobs": True}) == ["top_logprobs must be an integer, got True"]
    assert knob_problems({"entropy_range": [2.0, 1.0]})
    np = pytest.importorskip("numpy")
    assert knob_problems({"k": np.int64(3), "budget_bias": np.float64(0.5)}) == []


hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30), st.booleans(),
                    st.none(), st.text(max_size=5), st.lists(st.floats(), max_size=3))
KNOBS = ("k", "budget_bias", "refine_min_similarity", "juror_weight_cap", "top_logprobs", "max_steps", "jury_mode",
         "fallback", "bid_deadline_s", "skip_similarity", "entropy_range", "juror_weights", "tool_prices")
FILE_BYTES = st.one_of(st.binary(max_size=600), st.just(b"SQLite format 3\x00" + b"\x00" * 90),
                       st.builds(lambda b: b"SQLite format 3\x00" + b, st.binary(max_size=300)))


@hypothesis.settings(max_examples=200, deadline=None, derandomize=True,
                     suppress_health_check=list(hypothesis.HealthCheck))
@hypothesis.given(knobs=st.dictionaries(st.sampled_from(KNOBS), st.one_of(NUMBERS, st.dictionaries(
                      st.text(max_size=3), NUMBERS, max_size=2)), max_size=6),
                  keys=st.lists(st.sampled_from(["", "SALE_PREFLIGHT_SET", "SALE_PREFLIGHT_UNSET"]), min_size=1,
                                max_size=3),
                  layout=st.sampled_from(["absent", "dir", "file", "log", "log_dir", "nul", "long"]),
                  content=FILE_BYTES, pool_text=st.one_of(st.none(), st.text(max_size=80)))
def test_fuzz_only_config_error(tmp_path_factory, knobs, keys, layout, content, pool_text):
    from graphs.context import AuctionContext, Live
    from sale.core.pool import AgentSpec, Pool

    os.environ["SALE_PREFLIGHT_SET"] = "k"
    os.environ.pop("SALE_PREFLIGHT_UNSET", None)
    root = tmp_path_factory.mktemp("fuzz")
    memory = root / "memory"
    if layout == "dir":
        memory.mkdir()
    elif layout == "file":
        memory.write_bytes(content)
    elif layout in ("log", "log_dir"):
        memory.mkdir()
        (memory / "auctions.sqlite").mkdir() if layout == "log_dir" else (memory / "auctions.sqlite").write_bytes(
            content)
    where = {"nul": "bad\x00path", "long": "x" * 5000}.get(layout, str(memory))
    pool = None
    pool_file = ""
    if pool_text is None:
        pool = Pool.of(*[AgentSpec(name=f"a{i}", model=f"m{i}", base_url="http://127.0.0.1:9/v1", price_per_mtok=1,
                                   api_key_env=k or None) for i, k in enumerate(keys)])
    else:
        (root / "pool.toml").write_text(pool_text)
        pool_file = str(root / "pool.toml")
    context = AuctionContext(live=Live(pool=pool), pool_file=pool_file, memory_dir=where, **knobs)
    try:
        check_context(context)
    except ConfigError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
    finally:
        os.environ.pop("SALE_PREFLIGHT_SET", None)
