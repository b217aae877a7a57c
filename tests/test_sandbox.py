"""Sandbox cases S1-S22 of docs/reliability-cases.md, each run through the project's own Python tool.

Every case passes only if: the canary file outside the sandbox is untouched, the canary secret never appears in
what comes back, a loopback listener gets 0 connections, the call returns within its limit + 1 s, no sandbox
process survives, and the orchestrator (this process) is alive with RSS growth < 50 MB.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from tools import sandbox
from tools.sandbox import SandboxConfig, SandboxUnavailable, run_python

ROOT = Path(__file__).resolve().parents[1]
SECRET = "sale-canary-secret-7f3a9c"
LIMIT = 3.0
MARKER = 'ast.parse(code, "<sandbox>"'


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _stat(pid: int | str) -> tuple[str, str, int] | None:
    """(command name, state letter, parent pid) from /proc/PID/stat, or None once the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm, _, rest = stat.partition(" (")[2].rpartition(") ")
    state, ppid = rest.split()[:2]
    return comm, state, int(ppid)


def _parent(pid: int) -> int:
    stat = _stat(pid)
    return stat[2] if stat else 0


def _lineage(pid: int) -> set[int]:
    chain = set()
    while pid > 0 and pid not in chain:
        chain.add(pid)
        pid = _parent(pid)
    return chain


def marked_processes() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if MARKER.encode() in cmdline or b"bwrap\x00--unshare-all" in cmdline:
                found.append(int(entry.name))
    return found


def sandbox_processes() -> list[int]:
    """Sandbox processes this test run is answerable for, escaped ones included.

    Walking up from a sandbox process past other sandbox processes, the first other process is this one or one
    of its ancestors (an orphan goes to init or to a subreaper above us): ours. Any other process there is
    another program running sandboxes on the same machine (a benchmark beside the suite), not ours to judge.
    """
    found = marked_processes()
    ours = _lineage(os.getpid())
    mine = []
    for pid in found:
        up = _parent(pid)
        while up in found:
            up = _parent(up)
        if up in ours:  # 0: it exited while we looked, not a survivor
            mine.append(pid)
    return mine


class Guard:
    def __init__(self, tmp: Path) -> None:
        self.canary = tmp / "canary.txt"
        self.canary.write_text("untouched")
        self.canary_stat = self.canary.stat()
        self.memory = tmp / "memory"
        self.memory.mkdir()
        (self.memory / "auctions.sqlite").write_text(SECRET)
        (self.memory / "checkpoints.sqlite").write_text(SECRET)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        self.rss = rss_mb()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def run(self, code: str, **limits) -> dict:
        config = SandboxConfig(timeout_s=limits.pop("timeout_s", LIMIT), **limits)
        started = time.monotonic()
        result = run_python(code, config)
        elapsed = time.monotonic() - started
        assert elapsed <= config.timeout_s + 1.0, f"returned after {elapsed:.2f}s"
        shown = f"{result['stdout']}{result['stderr']}{result['result']}{result['error']}"
        assert SECRET not in shown
        return result

    def check(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.listener.close()
        assert self.canary.read_text() == "untouched"
        assert self.canary.stat().st_mtime_ns == self.canary_stat.st_mtime_ns
        assert self.connections == 0, "the loopback listener was reached"
        deadline = time.monotonic() + 2
        while sandbox_processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sandbox_processes() == [], "sandbox processes survived"
        assert rss_mb() - self.rss < 50


@pytest.fixture(scope="module", autouse=True)
def real_sandbox():
    problem = sandbox.probe()
    if problem is not None:
        pytest.fail(f"the OS sandbox is unavailable on this machine: {problem}")


@pytest.fixture
def guard(tmp_path, monkeypatch):
    monkeypatch.setenv("SALE_CANARY_SECRET", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    g = Guard(tmp_path)
    yield g
    g.check()


def test_s1_os_system(guard):
    r = guard.run(f"import os; os.system('touch /canary; echo pwned > {guard.canary}')")
    assert r["ok"] and not Path("/canary").exists()  # it ran, inside: the shell could not reach the canary


def test_s2_import_and_builtins_tricks(guard):
    code = (f"__import__('os').system('echo pwned > {guard.canary}')\n"
            f"b = __builtins__ if isinstance(__builtins__, dict) else __builtins__.__dict__\n"
            f"b['__import__']('os').remove('{guard.canary}')\n")
    r = guard.run(code)
    assert not r["ok"] and ("FileNotFoundError" in r["error"] or "No such file" in r["error"])


def test_s3_subclasses_to_popen(guard):
    code = (
        "popen = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen']\n"
        "import subprocess\n"
        "popen = popen or [subprocess.Popen]\n"
        f"popen[0](['sh', '-c', 'echo pwned > {guard.canary}']).wait()\n"
    )
    guard.run(code)


def test_s4_frame_and_traceback_walks(guard):
    code = (
        "import sys\n"
        "f = sys._getframe()\n"
        "seen = []\n"
        "while f is not None:\n"
        "    seen.append(sorted(f.f_globals)[:5]); f = f.f_back\n"
        "try:\n"
        "    1/0\n"
        "except ZeroDivisionError as e:\n"
        "    tb = e.__traceback__\n"
        "    g = tb.tb_frame.f_globals\n"
        f"open('{guard.canary}', 'w').write('pwned')\n"
    )
    r = guard.run(code)
    assert not r["ok"]


def test_s6_ctypes_libc_system(guard):
    r = guard.run(f"import ctypes\nctypes.CDLL(None).system(b'echo pwned > {guard.canary}')")
    assert r["ok"] and r["result"] != 0  # libc's system() ran inside and failed: the canary is not there


def test_s7_objects_with_side_effects_never_reach_the_orchestrator(guard):
    code = (
        "class Evil:\n"
        f"    def __del__(self): open('{guard.canary}', 'w').write('pwned')\n"
        "    def __eq__(self, other): return True\n"
        "    def __reduce__(self): return (print, ('pwned',))\n"
        "Evil()\n"
    )
    r = guard.run(code)
    assert not r["ok"] and "not JSON-serializable (Evil)" in r["error"] and r["result"] is None
    ok = guard.run("{'a': [1, 2.5, 'x', None, True]}")
    assert ok["ok"] and ok["result"] == {"a": [1, 2.5, "x", None, True]}


@pytest.mark.parametrize(
    "target",
    ["/etc/shadow", "/root/.ssh/id_rsa", "/proc/1/environ", "{memory}/auctions.sqlite",
     "{memory}/checkpoints.sqlite", str(ROOT / "pyproject.toml")],
)
def test_s8_secrets_are_unreadable(guard, target):
    path = target.format(memory=guard.memory)
    r = guard.run(f"open({path!r}, 'rb').read().decode(errors='replace')")
    if r["ok"]:  # /proc/1/environ exists inside: it is the sandbox's own init, with the cleared environment
        assert path == "/proc/1/environ" and SECRET not in str(r["result"])
    else:
        assert "Error" in r["error"]


def test_s8_environment_is_empty(guard):
    r = guard.run("import os; dict(os.environ)")
    assert r["ok"] and set(r["result"]) <= {"PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED",
                                            "PWD"}


def test_a_run_is_repeatable_where_python_would_randomise_it(guard):
    """The order of a set of strings changes with each interpreter's hash seed; the sandbox fixes the seed, so
    the same code prints, and is verified, the same way every time (seen over 8 runs: 1 order, not up to 8)."""
    code = "print(list({'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'}))"
    outputs = {guard.run(code)["stdout"] for _ in range(8)}
    assert len(outputs) == 1
    r = guard.run("import sys; [sys.flags.no_user_site, sys.flags.safe_path, sys.flags.no_site]")
    assert r["result"] == [1, True, 1], "-I's isolation kept but for its -E"


@pytest.mark.parametrize(
    "target",
    [str(ROOT / "pwned.txt"), "/root/.bashrc", "{site}/pwned.pth", "/usr/lib/python3/dist-packages/pwned.pth",
     "{memory}/pwned.txt"],
)
def test_s9_writes_outside_the_sandbox_fail(guard, target):
    import site

    path = target.format(memory=guard.memory, site=site.getsitepackages()[0])
    existed = Path(path).exists()
    before = Path(path).read_bytes() if existed else None
    guard.run(f"open({path!r}, 'a').write('import os; os.system(\"touch /tmp/pwned\")\\n')")
    if existed:
        assert Path(path).read_bytes() == before
    else:
        assert not Path(path).exists()


def test_s10_no_network(guard):
    code = (
        "import socket\n"
        "out = []\n"
        f"for host, port in [('127.0.0.1', {guard.port}), ('192.0.2.1', 80)]:\n"
        "    s = socket.socket(); s.settimeout(1)\n"
        "    try:\n"
        "        s.connect((host, port)); out.append('connected')\n"
        "    except OSError as e:\n"
        "        out.append(type(e).__name__)\n"
        "try:\n"
        "    socket.getaddrinfo('example.com', 80); out.append('resolved')\n"
        "except OSError as e:\n"
        "    out.append(type(e).__name__)\n"
        "import urllib.request\n"
        "try:\n"
        f"    urllib.request.urlopen('http://127.0.0.1:{guard.port}/v1/models', timeout=1); out.append('http')\n"
        "except OSError as e:\n"
        "    out.append(type(e).__name__)\n"
        "out\n"
    )
    r = guard.run(code)
    assert r["ok"] and "connected" not in r["result"] and "resolved" not in r["result"]
    assert "http" not in r["result"]


def test_s11_busy_loop_is_killed_on_time(guard):
    r = guard.run("while True: pass")
    assert r["timed_out"] and not r["ok"]


@pytest.mark.parametrize("code", ["sum(range(10**12))", "import re; re.match(r'(a+)+$', 'a' * 64 + 'b')"])
def test_s12_gil_holding_work_is_killed_on_time(guard, code):
    r = guard.run(code)
    assert r["timed_out"]


def test_s13_memory_bomb(guard):
    r = guard.run("x = []\nwhile True: x.append(bytearray(10**7))")
    assert not r["ok"] and ("MemoryError" in (r["error"] or "") or r["timed_out"])


def test_s14_fork_bomb(guard):
    r = guard.run("import os\nwhile True:\n    os.fork()")
    assert not r["ok"]


def test_s15_disk_fill(guard):
    r = guard.run("f = open('/work/fill', 'wb')\nwhile True: f.write(b'x' * 10**6)")
    assert not r["ok"] and ("OSError" in r["error"] or "No space" in r["error"] or "File too large" in r["error"]
                            or "exit status" in r["error"])


def test_s16_too_many_open_files(guard):
    r = guard.run("fs = [open('/dev/null') for _ in range(100_000)]")
    assert not r["ok"] and "Too many open files" in r["error"]


def test_s17_huge_output_is_capped_and_marked(guard):
    r = guard.run("import sys\nfor _ in range(10**6): sys.stdout.write('x' * 1000 + '\\n')")
    assert r["truncated"] and not r["ok"] and "output exceeded" in r["error"]
    assert len(r["stdout"]) < 100_000 and r["stdout"].endswith("bytes]")


def test_s18_double_fork_setsid_ignoring_sigterm_leaves_nothing(guard):
    code = (
        "import os, signal, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "        time.sleep(60)\n"
        "    os._exit(0)\n"
        "'parent done'\n"
    )
    r = guard.run(code)
    assert r["ok"] and r["result"] == "parent done"


def test_s19_killing_the_parent_only_kills_the_sandbox(guard):
    pid = os.getpid()
    r = guard.run("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)\n'alive?'")
    assert os.getpid() == pid  # we are still here
    assert r["result"] in (None, "alive?")


def test_s21_no_state_leaks_between_calls(guard):
    first = guard.run("open('/work/state', 'w').write('x'); open('/tmp/state', 'w').write('y'); 'written'")
    assert first["ok"]
    second = guard.run("import os; [os.path.exists('/work/state'), os.path.exists('/tmp/state')]")
    assert second["ok"] and second["result"] == [False, False]


def test_s22_non_json_result_is_a_clear_error_and_no_pickle_anywhere(guard):
    r = guard.run("import threading; threading.Lock()")
    assert not r["ok"] and "not JSON-serializable (lock)" in r["error"]
    forged = guard.run("import os, sys; os.write(int(sys.argv[1]), b'\\x80\\x04pickle'); os._exit(0)")
    assert not forged["ok"] and "malformed result" in forged["error"]
    modules = sorted(Path(sandbox.__file__).parent.glob("sandbox*.py"))
    assert len(modules) >= 4  # the facade, its runner script, process control and reaper
    for module in modules:
        source = module.read_text()
        assert "import pickle" not in source and "loads(" not in source.replace("json.loads(", ""), module


def test_refuses_without_namespaces_unless_weak_mode_is_configured(monkeypatch):
    sandbox.probe.cache_clear()
    sandbox.no_aslr.cache_clear()
    monkeypatch.setattr(sandbox, "bwrap_command", lambda config: ["false"])
    try:
        with pytest.raises(SandboxUnavailable, match="refusing to run code"):
            run_python("print(1)")
        with pytest.warns(RuntimeWarning, match="SANDBOX WEAK MODE"):
            r = run_python("print(1)", SandboxConfig(allow_weak=True))
        assert r["ok"] and r["stdout"] == "1\n"
    finally:
        monkeypatch.undo()
        sandbox.probe.cache_clear()
        sandbox.no_aslr.cache_clear()
    assert sandbox.probe() is None


def test_what_code_prints_of_addresses_repeats_from_run_to_run(guard):
    """An object's default repr and id() come from its address; with randomisation off they are the same on every
    run, so an executor's observation replays as recorded (seen before: a new address on every run)."""
    from tools.sandbox import no_aslr

    if not no_aslr():
        pytest.skip("NOT TESTED HERE: this kernel forbids setarch -R in the sandbox (Docker's default seccomp "
                    "profile does), so addresses change from run to run by design")
    code = "class Inventory:\n    pass\nprint(Inventory(), id(object()), object())"
    import subprocess

    outputs = {guard.run(code)["stdout"] for _ in range(2)}
    fresh = subprocess.run(  # a new process: its result pipe gets a one-digit fd (it used to move the objects)
        [sys.executable, "-c", f"from tools.sandbox import run_python\nprint(run_python({code!r})['stdout'], end='')"],
        capture_output=True, text=True, timeout=60, cwd=ROOT)
    outputs.add(fresh.stdout)
    assert len(outputs) == 1 and "object at 0x" in next(iter(outputs)), outputs


def test_weak_mode_runs_with_the_sandbox_environment_not_the_hosts(monkeypatch, tmp_path):
    """Without namespaces nothing clears the environment for us: the child gets ``ENV`` alone, so the host's
    secrets, ``PYTHONPATH`` and ``PYTHONSTARTUP`` never reach the code, and the hash seed is still fixed."""
    startup = tmp_path / "startup.py"
    startup.write_text("print('host startup ran')\n")
    monkeypatch.setenv("SALE_TEST_SECRET", SECRET)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    monkeypatch.setenv("PYTHONHASHSEED", "random")
    (tmp_path / "sitecustomize.py").write_text("print('host sitecustomize ran')\n")
    sandbox.probe.cache_clear()
    sandbox.no_aslr.cache_clear()
    monkeypatch.setattr(sandbox, "bwrap_command", lambda config: ["false"])
    code = "import os, sys; print(list({'alpha', 'beta', 'gamma', 'delta', 'epsilon'}))\n[dict(os.environ), sys.path]"
    try:
        with pytest.warns(RuntimeWarning, match="SANDBOX WEAK MODE"):
            runs = [run_python(code, SandboxConfig(allow_weak=True)) for _ in range(4)]
    finally:
        monkeypatch.undo()
        sandbox.probe.cache_clear()
        sandbox.no_aslr.cache_clear()
    for r in runs:
        assert r["ok"], r["error"]
        environ, path = r["result"]
        assert SECRET not in str(environ) and "ran" not in r["stdout"]
        assert set(environ) <= {"PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "PWD"}
        assert environ["PYTHONHASHSEED"] == "0" and str(tmp_path) not in path
    assert len({r["stdout"] for r in runs}) == 1


def test_the_survivor_check_sees_our_processes_and_not_another_programs():
    """A benchmark running sandboxes beside the suite must not fail it; a sandbox process we started must."""
    import subprocess

    code = f"import time\n# {MARKER}\ntime.sleep(30)"
    ours = subprocess.Popen([sys.executable, "-c", code])
    other = subprocess.Popen(["sh", "-c", 'python3 -c "$CODE"; true'], env={**os.environ, "CODE": code})
    theirs: list[int] = []
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (ours.pid in marked_processes() and theirs):
            theirs = [p for p in marked_processes() if _parent(p) == other.pid]
            time.sleep(0.05)
        assert theirs, "the other program's process did not start"
        found = sandbox_processes()
        assert ours.pid in found
        assert not set(theirs) & set(found)
    finally:
        for pid in theirs:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        for proc in (ours, other):
            proc.kill()
            proc.wait()


def test_orchestrator_python_is_not_the_sandbox_interpreter():
    assert sandbox.PYTHON == "/usr/bin/python3" and not sys.executable.startswith("/usr/bin/")


def test_many_calls_leave_no_zombies_behind():
    """bwrap orphans its namespace init on every call; unreaped, those zombies hit RLIMIT_NPROC after ~60 calls
    on hosts whose PID 1 does not reap (this one). 150 calls, sequential and 4 at once, must all run under a
    32-process limit (4 live sandboxes are 12 processes of the uid)."""
    from concurrent.futures import ThreadPoolExecutor

    config = SandboxConfig(max_processes=32)
    results = [run_python("print('x')", config) for _ in range(50)]
    with ThreadPoolExecutor(4) as pool:
        results += list(pool.map(lambda i: run_python(f"print({i})", config), range(100)))
    failed = [r for r in results if not r["ok"]]
    assert not failed, failed[:2]
    zombies = [pid for pid in os.listdir("/proc") if pid.isdigit() and _is_zombie_bwrap(pid)]
    assert len(zombies) <= 8, f"{len(zombies)} bwrap zombies left"


def _is_zombie_bwrap(pid: str) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] == "bwrap" and stat[1] == "Z"
