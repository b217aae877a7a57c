"""The sandbox as an OS process: the prlimit + bubblewrap command, its launch, the capped reads, the kill.

Everything the code prints or returns is read with a cap: more than the configured bytes on any stream stops
the sandbox. At the wall-clock deadline, or when a cap is hit, the whole process group is killed; bubblewrap's
exit takes its PID namespace with it, so double-forked, setsid'd or SIGTERM-ignoring children die too.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tools.sandbox_reaper import orphans
from tools.sandbox_runner import ENV

if TYPE_CHECKING:
    from tools.sandbox import SandboxConfig

NOBODY = 65534


@dataclass(frozen=True)
class Finished:
    """What one sandbox process left behind: its raw streams, how it ended, and how long it took."""

    stdout: bytes
    stderr: bytes
    result: bytes
    timed_out: bool
    truncated: bool
    returncode: int | None
    duration_s: float


def bwrap_command(config: SandboxConfig) -> list[str]:
    tmpfs = str(config.tmpfs_mb * 1024 * 1024)
    cmd = [
        "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
        "--hostname", "sandbox", "--clearenv", *(a for k, v in ENV.items() for a in ("--setenv", k, v)),
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


def drop_privileges() -> dict:
    if os.geteuid() != 0:
        return {}
    return {"user": NOBODY, "group": NOBODY, "extra_groups": []}


def execute(cmd: list[str], code: str, config: SandboxConfig) -> Finished:
    """Start ``cmd`` with ``code`` on stdin and a result pipe as its last argument; read until it ends, the
    deadline passes or a cap is exceeded; then make sure nothing of it is left running."""
    result_r, result_w = os.pipe()
    started = time.monotonic()
    orphans.begin()
    try:
        with orphans.lock:  # registered before a concurrent reaper could see it as a zombie
            proc = _spawn(cmd, result_w)
            orphans.outer.add(proc.pid)
    except BaseException:
        os.close(result_r)
        os.close(result_w)
        orphans.finished(-1)
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
        orphans.finished(proc.pid)
        selector.close()
        os.close(result_r)
        proc.stdout.close()
        proc.stderr.close()
    duration = round(time.monotonic() - started, 4)
    out_bytes, err_bytes, res_bytes = (bytes(v) for v in streams.values())
    return Finished(stdout=out_bytes, stderr=err_bytes, result=res_bytes, timed_out=timed_out,
                    truncated=truncated, returncode=proc.returncode, duration_s=duration)


def _spawn(cmd: list[str], result_w: int) -> subprocess.Popen:
    """The pipe's number goes in at a fixed width: "4" is a cached string and "15" a new one, which moved every
    later object, so with randomisation off what code printed of addresses still changed with the open fds."""
    return subprocess.Popen(
        [*cmd, f"{result_w:06d}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        pass_fds=(result_w,), env=dict(ENV), cwd="/", start_new_session=True, close_fds=True, **drop_privileges(),
    )


def _wait_briefly(proc: subprocess.Popen, timeout_s: float = 2.0) -> None:
    """Let bubblewrap finish on its own before anything is killed."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=timeout_s)


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
