"""The embedded runtime: ready means generated, a dying server reports why, weights are verified, the prebuilt
llama.cpp carries no instruction beyond AVX2, and no server outlives its owner."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sale.local import LADDER, EmbeddedPoolError, LocalServer, RuntimeSettings, free_port, gguf_path
from sale.local.pool import prune_logs
from sale.local.server import unsupported_cpu

FAKE = Path(__file__).with_name("fake_llama.py")


class FakeServer(LocalServer):
    def __init__(self, mode: str) -> None:
        super().__init__(LADDER[0], Path("/nonexistent.gguf"), free_port())
        self.mode = mode

    def command(self) -> list[str]:
        return [sys.executable, str(FAKE), self.mode, str(self.port)]


@pytest.fixture
def fake(tmp_path):
    servers = []

    def start(mode: str) -> FakeServer:
        server = FakeServer(mode)
        server.start(tmp_path)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_a_server_that_generates_with_logprobs_is_ready(fake):
    server = fake("ok")
    server.wait_ready(time.monotonic() + 20)
    assert server.generates(timeout_s=5) is None


@pytest.mark.parametrize(("mode", "why"), [("no-generate", "HTTP 500"), ("no-logprobs", "no per-token logprobs")])
def test_a_server_that_lists_models_but_cannot_generate_is_not_ready(fake, mode, why):
    server = fake(mode)
    with pytest.raises(EmbeddedPoolError, match="did not generate before its deadline") as info:
        server.wait_ready(time.monotonic() + 3)
    assert why in str(info.value)
    assert server.process.poll() is None  # it was alive and answering /v1/models all along


def test_a_server_killed_by_sigill_reports_the_signal_and_its_log_tail(fake):
    server = fake("sigill")
    with pytest.raises(EmbeddedPoolError) as info:
        server.wait_ready(time.monotonic() + 20)
    message = str(info.value)
    assert "killed by SIGILL (an instruction this CPU refuses)" in message
    assert "load_tensors: loading model tensors" in message and str(server.log_path) in message


def test_cpu_check_names_the_missing_instructions():
    assert unsupported_cpu({"sse4_2", "avx", "avx2", "fma", "f16c", "avx512f"}) is None
    reason = unsupported_cpu({"sse4_2", "avx"})
    assert reason and "needs AVX2" in reason and "avx2, fma, f16c" in reason


def test_runtime_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("SALE_LOCAL_THREADS", "2")
    monkeypatch.setenv("SALE_LOCAL_SLOTS", "3")
    assert RuntimeSettings.from_env() == RuntimeSettings(threads=2, slots=3)
    monkeypatch.setenv("SALE_LOCAL_TOOL_PROTOCOL", "native")
    assert RuntimeSettings.from_env() == RuntimeSettings(threads=2, slots=3, tool_protocol="native")
    monkeypatch.setenv("SALE_LOCAL_TOOL_PROTOCOL", "xml")
    with pytest.raises(EmbeddedPoolError, match="SALE_LOCAL_TOOL_PROTOCOL must be text or native, got 'xml'"):
        RuntimeSettings.from_env()
    monkeypatch.delenv("SALE_LOCAL_TOOL_PROTOCOL")
    monkeypatch.setenv("SALE_LOCAL_SLOTS", "zero")
    with pytest.raises(EmbeddedPoolError, match="SALE_LOCAL_SLOTS must be a positive integer, got 'zero'"):
        RuntimeSettings.from_env()
    monkeypatch.delenv("SALE_LOCAL_SLOTS")
    monkeypatch.setenv("SALE_LOCAL_TIMEOUT", "1200")
    assert RuntimeSettings.from_env() == RuntimeSettings(threads=2, call_timeout_s=1200.0)
    for bad in ("0", "-5", "soon", "inf", "nan"):
        monkeypatch.setenv("SALE_LOCAL_TIMEOUT", bad)
        with pytest.raises(EmbeddedPoolError, match=f"SALE_LOCAL_TIMEOUT must be a positive number of seconds, "
                                                    f"got '{bad}'"):
            RuntimeSettings.from_env()


def test_the_call_timeout_reaches_every_agent_and_a_suite_only_raises_it(monkeypatch):
    """A slow machine raises the embedded pool's per-call timeout; the programs bench's 2,400 s is a floor."""
    from types import SimpleNamespace

    import graphs.live
    from sale.bench.runner import _embedded_pool
    from sale.local.pool import embedded_agents

    servers = [SimpleNamespace(model=m, base_url="http://127.0.0.1:9/v1") for m in LADDER]
    assert {a.timeout_s for a in embedded_agents(servers).agents} == {300.0}
    slow = embedded_agents(servers, timeout_s=3600.0)
    assert {a.timeout_s for a in slow.agents} == {3600.0}
    monkeypatch.setattr(graphs.live, "process_embedded_pool", lambda ctx: slow)
    assert {a.timeout_s for a in _embedded_pool(16_384, 2400.0).agents} == {3600.0}
    monkeypatch.setattr(graphs.live, "process_embedded_pool", lambda ctx: embedded_agents(servers))
    assert {a.timeout_s for a in _embedded_pool(16_384, 2400.0).agents} == {2400.0}


def test_the_ladder_is_priced_by_size_and_every_wheel_is_hash_pinned():
    assert [m.name for m in LADDER] == ["smollm2-135m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
    prices = [m.price_per_mtok for m in LADDER]
    assert prices == sorted(prices) and len(set(prices)) == 3
    root = Path(__file__).resolve().parents[1]
    lock = (root / "requirements.lock").read_text()
    pinned = dict(re.findall(r"^([A-Za-z0-9_.+-]+)==\S+ \\\n\s+--hash=sha256:([0-9a-f]{64})$",
                             lock + (root / "models.lock").read_text(), re.M))
    for model in LADDER:
        for dist in model.distributions:
            assert dist in pinned, dist
    assert "xllamacpp" in pinned and "llama_cpp_python" not in lock and "llama-cpp-python" not in lock
    assert lock.count("--hash=sha256:") == len(re.findall(r"^[A-Za-z0-9_.+-]+==", lock, re.M))


@pytest.mark.embedded
def test_the_bundled_weights_are_all_there_and_verified():
    for model in LADDER:
        path = gguf_path(model)
        assert path.stat().st_size == model.size, model.name


@pytest.mark.embedded
def test_the_prebuilt_runtime_uses_no_instruction_beyond_avx2():
    """No AVX-512 (zmm registers, k masks) and no AMX tile instruction: what a machine may refuse."""
    import xllamacpp

    objdump = shutil.which("objdump")
    assert objdump, "objdump (binutils) is needed to inspect the prebuilt runtime; apt-get install binutils"
    library = next(Path(xllamacpp.__file__).parent.glob("xllamacpp*.so"))
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(library)], capture_output=True, text=True,
                         check=True).stdout
    beyond = re.compile(r"^\s*[0-9a-f]+:\s+(tile\w*|tdp\w+|\S+\s+.*(%zmm\d+|%k[0-7]\b))", re.M)
    found = beyond.findall(out)
    assert not found, found[:5]
    assert re.search(r"%ymm\d+", out), "expected AVX2 code in the runtime"


@pytest.mark.embedded
def test_a_local_server_exits_when_its_parent_is_killed(tmp_path):
    port = free_port()
    pid_file = tmp_path / "pid"
    launcher = (
        "import pathlib, time\n"
        "from sale.local import SMOLLM2, LocalServer, gguf_path\n"
        f"server = LocalServer(SMOLLM2, gguf_path(SMOLLM2), {port})\n"
        f"server.start(pathlib.Path({str(tmp_path)!r}))\n"
        f"open({str(pid_file)!r}, 'w').write(str(server.process.pid))\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", launcher])
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the llama.cpp server outlived its parent")


def test_two_runs_asking_at_once_start_one_embedded_pool(monkeypatch):
    """Studio and `sale serve` resolve the pool from worker threads: concurrent first calls share one start."""
    import contextlib
    import threading

    import sale.local
    from graphs import live as resources
    from sale.core.pool import AgentSpec, Pool

    starts = []

    @contextlib.contextmanager
    def slow_pool(settings=None):
        starts.append(settings)
        time.sleep(0.5)
        yield Pool.of(AgentSpec(name="a", model="a", base_url="http://127.0.0.1:9/v1", price_per_mtok=1.0),
                      source="embedded")

    monkeypatch.setattr(sale.local, "embedded_pool", slow_pool)
    resources._started_embedded_pool.cache_clear()
    try:
        got = []
        threads = [threading.Thread(target=lambda: got.append(resources.process_embedded_pool())) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(starts) == 1 and len(got) == 4 and all(p is got[0] for p in got)
        assert starts[0].ctx_per_slot == 4096
        resources.process_embedded_pool(16_384)  # a long-task bench asks for more context per slot
        assert starts[-1].ctx_per_slot == 16_384
    finally:
        resources._started_embedded_pool.cache_clear()


def test_concurrent_first_memory_opens_one_writer(tmp_path, monkeypatch):
    """Two Studio runs that first touch the memory at once share one writer instead of opening two."""
    import threading

    import memory_store
    from graphs import live as resources

    opens = []
    real = memory_store.AuctionMemory

    def slow_memory(*args, **kwargs):
        opens.append(threading.get_ident())
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(resources, "AuctionMemory", slow_memory)
    resources._opened_memory.cache_clear()
    try:
        got = []
        threads = [threading.Thread(target=lambda: got.append(resources.process_memory(str(tmp_path / "m"))))
                   for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(opens) == 1 and len(got) == 4 and all(m is got[0] for m in got)
        got[0].close()
    finally:
        resources._opened_memory.cache_clear()


def test_a_server_start_keeps_the_newest_logs_of_its_model_and_any_still_being_written(tmp_path):
    now = time.time()
    for port in range(30):
        path = tmp_path / f"m-{port}.log"
        path.write_text("old")
        age = 60 + port if port < 3 else 7200 + port
        os.utime(path, (now - age, now - age))
    (tmp_path / "m-b-1.log").write_text("another model whose name starts with m-")
    os.utime(tmp_path / "m-b-1.log", (now - 99999, now - 99999))

    prune_logs(tmp_path, "m", keep=5)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["m-b-1.log", *(f"m-{p}.log" for p in range(5))]), "the newest five"

    prune_logs(tmp_path, "m", keep=2)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["m-b-1.log", *(f"m-{p}.log" for p in range(3))]), "the newest two and one still written"


def test_a_bad_embedded_setting_is_one_clear_error_before_any_work(monkeypatch, tmp_path, capsys):
    """``sale run`` and ``sale bench`` on the embedded pool refuse a bad ``SALE_LOCAL_*`` value up front: exit 2,
    one line, no memory or output directory created (the bench used to write half a run and end in a traceback)."""
    from sale.apps.cli import main

    monkeypatch.setenv("SALE_LOCAL_TIMEOUT", "soon")
    assert main(["run", "--memory", str(tmp_path / "memory"), "What is 2+2?"]) == 2
    assert main(["bench", "--suite", "programs", "--limit", "2", "--routers", "oracle",
                 "--out", str(tmp_path / "out")]) == 2
    recorded = tmp_path / "recorded"
    recorded.mkdir()
    assert main(["bench", "--suite", "programs", "--replay", str(recorded), "--routers", "oracle",
                 "--out", str(tmp_path / "replayed")]) == 2, "a replay reads the settings too (the tool protocol)"
    err = capsys.readouterr().err
    assert err.count("error: SALE_LOCAL_TIMEOUT must be a positive number of seconds, got 'soon'") == 3, err
    assert "Traceback" not in err
    assert not any((tmp_path / d).exists() for d in ("memory", "out", "replayed"))


def test_a_cpu_without_avx2_refuses_the_servers_but_not_a_replay(monkeypatch):
    import sale.local.server
    from sale.local.pool import embedded_problems

    monkeypatch.setattr(sale.local.server, "unsupported_cpu", lambda: "this CPU lacks avx2")
    assert embedded_problems() == ["this CPU lacks avx2; point --pool at OpenAI-compatible endpoints instead"]
    assert embedded_problems(cpu=False) == [], "a replay calls no model: it runs on any CPU"
