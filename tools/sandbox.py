"""The Python sandbox: every call runs in a fresh, locked-down OS process. Only JSON comes back.

Layers, outermost first:

* an unprivileged uid/gid (``nobody``) when the orchestrator runs as root, no supplementary groups;
* ``prlimit``: address space, CPU seconds, processes, file size and open files;
* ``bubblewrap``: new user, PID, network, IPC, UTS and cgroup namespaces (no network at all, not even the
  host's loopback), a read-only ``/usr`` and nothing else of the host (no ``/etc``, ``/home``, ``/root``, no
  project tree, no memory directory), size-capped tmpfs for ``/tmp`` and the work dir, an empty environment,
  ``--die-with-parent`` and ``--new-session``;
* a wall-clock kill of the whole sandbox (killing bubblewrap tears down its PID namespace, so double-forked,
  setsid'd or SIGTERM-ignoring children die with it), and an output cap that stops the sandbox;
* inside, Debian's ``/usr/bin/python3 -I -S`` runs a tiny runner that executes the code and writes one JSON
  object to a dedicated pipe; the orchestrator parses it strictly. Nothing is ever unpickled.

Where bubblewrap cannot create namespaces the tool refuses with :class:`SandboxUnavailable`, unless the weaker
mode is configured explicitly (``allow_weak=True``: uid drop and limits, no namespaces), which warns loudly.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import os
import selectors
import shutil
import signal
import subprocess
import threading
import time
import warnings
from dataclasses import dataclass
from typing import TypedDict

PYTHON = "/usr/bin/python3"
NOBODY = 65534

RUNNER = r"""
import ast, json, os, sys
owner = os.getpid()
out = os.fdopen(int(sys.argv[1]), "w")
code = sys.stdin.read()
sys.stdin = open(os.devnull)
namespace = {"__name__": "__main__", "__builtins__": __builtins__}
payload = {"ok": True, "result": None, "error": None}
try:
    tree = ast.parse(code, "<sandbox>", "exec")
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, "<sandbox>", "exec"), namespace)
    value = eval(compile(ast.Expression(last.value), "<sandbox>", "eval"), namespace) if last else None
    try:
        payload["result"] = json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        reason = "the result is not JSON-serializable (%s); return str(...) or plain data" % type(value).__name__
        payload = {"ok": False, "result": None, "error": reason}
except SystemExit as exc:
    clean = exc.code in (None, 0)
    payload = {"ok": clean, "result": None, "error": None if clean else "SystemExit(%r)" % (exc.code,)}
except BaseException as exc:
    payload = {"ok": False, "result": None, "error": "%s: %s" % (type(exc).__name__, exc)}
sys.stdout.flush(); sys.stderr.flush()
if os.getpid() == owner:
    out.write(json.dumps(payload)); out.flush()
"""


class SandboxUnavailable(RuntimeError):
    """The OS sandbox cannot run here and no weaker mode was configured."""


class SandboxResult(TypedDict):
    ok: bool
    stdout: str
    stderr: str
    result: object
    error: str | None
    timed_out: bool
    truncated: bool
    duration_s: float


@dataclass(frozen=True)
class SandboxConfig:
    """Limits of one call. ``allow_weak`` permits running without namespaces (loudly) where bwrap cannot."""

    timeout_s: float = 10.0
    memory_mb: int = 512
    max_processes: int = 64
    max_file_mb: int = 16
    max_open_files: int = 64
    tmpfs_mb: int = 64
    max_output_bytes: int = 64_000
    max_result_bytes: int = 256_000
    allow_weak: bool = False


def bwrap_command(config: SandboxConfig) -> list[str]:
    tmpfs = str(config.tmpfs_mb * 1024 * 1024)
    cmd = [
        "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        "--hostname", "sandbox", "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/work", "--setenv", "LANG", "C.UTF-8",
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        "--ro-bind", "/usr", "/usr",
        "--proc", "/proc", "--dev", "/dev",
        "--size", tmpfs, "--tmpfs", "/tmp",
        "--size", tmpfs, "--tmpfs", "/work", "--chdir", "/work",
    ]
    for link in ("bin", "sbin", "lib", "lib64"):
        target = os.readlink(f"/{link}") if os.path.islink(f"/{link}") else None
        if target:
            cmd += ["--symlink", target, f"/{link}"]
        elif os.path.isdir(f"/{link}"):
            cmd += ["--ro-bind", f"/{link}", f"/{link}"]
    return cmd


def prlimit_command(config: SandboxConfig) -> list[str]:
    return [
        "prlimit",
        f"--as={config.memory_mb * 1024 * 1024}",
        f"--cpu={int(config.timeout_s) + 1}",
        f"--nproc={config.max_processes}",
        f"--fsize={config.max_file_mb * 1024 * 1024}",
        f"--nofile={config.max_open_files}",
        "--core=0",
        "--",
    ]


def _drop_privileges() -> dict:
    if os.geteuid() != 0:
        return {}
    return {"user": NOBODY, "group": NOBODY, "extra_groups": []}


@functools.cache
def probe() -> str | None:
    """None if bubblewrap can build the sandbox here, else why not (checked once per process)."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed; run scripts/setup.sh (apt-get install bubblewrap)"
    if not os.path.exists(PYTHON):
        return f"{PYTHON} is missing; run scripts/setup.sh (apt-get install python3)"
    _orphans.begin()
    try:
        proc = subprocess.run([*bwrap_command(SandboxConfig()), PYTHON, "-I", "-S", "-c", "print(6*7)"],
                              capture_output=True, text=True, timeout=30, env={}, **_drop_privileges())
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap failed to start: {exc}"
    finally:
        _orphans.finished(-1)
    if proc.returncode != 0 or proc.stdout.strip() != "42":
        return f"bubblewrap cannot create namespaces here: {proc.stderr.strip()[:300] or proc.returncode}"
    return None


def run_python(code: str, config: SandboxConfig | None = None) -> SandboxResult:
    """Run ``code`` in a fresh sandbox. The value of a trailing expression is the JSON ``result``."""
    config = config or SandboxConfig()
    problem = probe()
    if problem is None:
        inner = [*bwrap_command(config), PYTHON, "-I", "-S", "-c", RUNNER]
    elif config.allow_weak:
        warnings.warn(f"SANDBOX WEAK MODE: {problem}; running with uid drop and limits only, NO namespaces",
                      RuntimeWarning, stacklevel=2)
        inner = [PYTHON, "-I", "-S", "-c", RUNNER]
    else:
        raise SandboxUnavailable(f"refusing to run code: {problem} (set allow_weak to accept a weaker sandbox)")
    return _execute([*prlimit_command(config), *inner], code, config)


def _execute(cmd: list[str], code: str, config: SandboxConfig) -> SandboxResult:
    result_r, result_w = os.pipe()
    started = time.monotonic()
    _orphans.begin()
    try:
        with _orphans.lock:  # registered before a concurrent reaper could see it as a zombie
            proc = _spawn(cmd, result_w)
            _orphans.outer.add(proc.pid)
    except BaseException:
        os.close(result_r)
        os.close(result_w)
        _orphans.finished(-1)
        raise
    os.close(result_w)
    streams = {proc.stdout.fileno(): bytearray(), proc.stderr.fileno(): bytearray(), result_r: bytearray()}
    limits = {proc.stdout.fileno(): config.max_output_bytes, proc.stderr.fileno(): config.max_output_bytes,
              result_r: config.max_result_bytes}
    timed_out = truncated = False
    selector = selectors.DefaultSelector()
    try:
        try:
            proc.stdin.write(code.encode("utf-8", errors="replace"))
            proc.stdin.close()
        except BrokenPipeError:
            pass
        for fd in streams:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        deadline = started + config.timeout_s
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            for key, _ in selector.select(timeout=min(remaining, 0.25)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                streams[key.fd] += chunk
                if len(streams[key.fd]) > limits[key.fd]:
                    truncated = True
            if truncated:
                break
    finally:
        if not (timed_out or truncated):
            _wait_briefly(proc)
        _kill_tree(proc)
        _orphans.finished(proc.pid)
        selector.close()
        os.close(result_r)
        proc.stdout.close()
        proc.stderr.close()
    duration = round(time.monotonic() - started, 4)
    out_bytes, err_bytes, res_bytes = (bytes(v) for v in streams.values())
    payload, error = _parse_payload(res_bytes, config)
    if timed_out:
        error = f"timed out after {config.timeout_s:g}s; the sandbox was killed"
    elif truncated:
        error = f"output exceeded {config.max_output_bytes} bytes; the sandbox was stopped"
    elif payload is None:
        error = error or f"the code ended without a result (exit status {proc.returncode})"
    ok = bool(payload and payload.get("ok")) and not timed_out and not truncated
    return SandboxResult(
        ok=ok,
        stdout=_text(out_bytes, config.max_output_bytes),
        stderr=_text(err_bytes, config.max_output_bytes),
        result=payload.get("result") if payload else None,
        error=error if error else (payload.get("error") if payload else None),
        timed_out=timed_out,
        truncated=truncated,
        duration_s=duration,
    )


def _parse_payload(raw: bytes, config: SandboxConfig) -> tuple[dict | None, str | None]:
    if not raw:
        return None, None
    if len(raw) > config.max_result_bytes:
        return None, f"the result exceeded {config.max_result_bytes} bytes"
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "the sandbox returned a malformed result (not JSON)"
    if not isinstance(payload, dict) or set(payload) != {"ok", "result", "error"}:
        return None, "the sandbox returned a malformed result (unexpected shape)"
    return payload, None


def _text(raw: bytes, limit: int) -> str:
    text = raw[:limit].decode("utf-8", errors="replace")
    return text + (f"\n[... output truncated at {limit} bytes]" if len(raw) > limit else "")


def _spawn(cmd: list[str], result_w: int) -> subprocess.Popen:
    return subprocess.Popen(
        [*cmd, str(result_w)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        pass_fds=(result_w,), env={}, cwd="/", start_new_session=True, close_fds=True, **_drop_privileges(),
    )


def _wait_briefly(proc: subprocess.Popen, timeout_s: float = 2.0) -> None:
    """Let bubblewrap finish on its own before anything is killed."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=timeout_s)


class _Orphans:
    """Reaps the namespace-init processes bubblewrap leaves behind.

    bwrap's outer process exits without waiting for the PID-namespace init it forked, so every call orphans one
    process of the unprivileged uid. On hosts whose PID 1 does not reap (containers, microVM init agents) those
    zombies pile up and count against ``RLIMIT_NPROC`` until forks fail. While sandbox calls are in flight this
    process is a child subreaper, so those orphans come back to it, and they are reaped by pid (never
    ``waitpid(-1)``, which would steal the exit status of subprocess' own children). Outside sandbox calls it is
    not, so other orphaned descendants (a killed helper's children) still go to init as usual.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outer: set[int] = set()
        self.active = 0

    def begin(self) -> None:
        with self.lock:
            if self.active == 0:
                _set_subreaper(True)
            self.active += 1

    def finished(self, pid: int) -> None:
        with self.lock:
            self.outer.discard(pid)
            outer = set(self.outer)
        for child in _zombie_children():
            if child not in outer:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(child, os.WNOHANG)
        with self.lock:
            self.active -= 1
            if self.active == 0:
                _set_subreaper(False)


def _set_subreaper(on: bool) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1 if on else 0, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _zombie_children() -> list[int]:
    pids: list[int] = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return pids
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/children") as fh:
                children = [int(p) for p in fh.read().split()]
        except OSError:
            continue
        for pid in children:
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            comm, _, rest = stat.partition(" (")[2].rpartition(") ")
            if comm == "bwrap" and rest[:1] == "Z":
                pids.append(pid)
    return pids


_orphans = _Orphans()


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill the sandbox's process group; bubblewrap's exit takes its whole PID namespace with it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
