"""The Python sandbox: every call runs in a fresh, locked-down OS process. Only JSON comes back.

Layers, outermost first:

* an unprivileged uid/gid (``nobody``) when the orchestrator runs as root, no supplementary groups;
* ``prlimit``: address space, CPU seconds, processes, file size and open files;
* ``bubblewrap``: new user, PID, network, IPC, UTS and cgroup namespaces (no network at all, not even the
  host's loopback), a read-only ``/usr`` and nothing else of the host (no ``/etc``, ``/home``, ``/root``, no
  project tree, no memory directory), size-capped tmpfs for ``/tmp`` and the work dir, an environment of its
  own (a fixed hash seed), ``--die-with-parent`` and ``--new-session``;
* a wall-clock kill of the whole sandbox (killing bubblewrap tears down its PID namespace, so double-forked,
  setsid'd or SIGTERM-ignoring children die with it), and an output cap that stops the sandbox;
* inside, Debian's ``/usr/bin/python3 -s -P -S`` (address randomisation off where the kernel allows, so output
  repeats) runs a tiny runner that executes the code and writes one JSON object to a dedicated pipe; the
  orchestrator parses it strictly. Nothing is ever unpickled.

Where bubblewrap cannot create namespaces the tool refuses with :class:`SandboxUnavailable`, unless the weaker
mode is configured explicitly (``allow_weak=True``: uid drop and limits, no namespaces), which warns loudly.

This module is what callers use; the runner script is in ``sandbox_runner``, the process (command, launch,
caps, kill) in ``sandbox_process``, the reaping of bubblewrap's leftovers in ``sandbox_reaper``.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from typing import TypedDict

from tools.sandbox_process import NOBODY, Finished, bwrap_command, drop_privileges, execute, prlimit_command
from tools.sandbox_reaper import orphans
from tools.sandbox_runner import NO_ASLR, PYTHON, PYTHON_FLAGS, RUNNER

__all__ = ["NOBODY", "PYTHON", "RUNNER", "SandboxConfig", "SandboxResult", "SandboxUnavailable", "bwrap_command",
           "interpreter", "no_aslr", "prlimit_command", "probe", "run_python"]


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


@functools.cache
def no_aslr() -> tuple[str, ...]:
    """:data:`~tools.sandbox_runner.NO_ASLR` where a sandboxed process may turn randomisation off (tried as the
    sandbox runs: inside bubblewrap when it works, as the dropped user), else nothing: the sandbox still runs,
    and what code prints of addresses then changes from run to run. It never decides whether bubblewrap is used."""
    outer = bwrap_command(SandboxConfig()) if probe() is None else []
    orphans.begin()
    try:
        ok = subprocess.run([*outer, *NO_ASLR, PYTHON, *PYTHON_FLAGS, "-c", ""], capture_output=True, timeout=30,
                            env={}, **drop_privileges()).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    finally:
        orphans.finished(-1)
    return NO_ASLR if ok else ()


def interpreter() -> list[str]:
    """The sandboxed interpreter's command line, before ``-c``."""
    return [*no_aslr(), PYTHON, *PYTHON_FLAGS]


@functools.cache
def probe() -> str | None:
    """None if bubblewrap can build the sandbox here, else why not (checked once per process)."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed; run scripts/setup.sh (apt-get install bubblewrap)"
    if not os.path.exists(PYTHON):
        return f"{PYTHON} is missing; run scripts/setup.sh (apt-get install python3)"
    orphans.begin()
    try:
        proc = subprocess.run([*bwrap_command(SandboxConfig()), PYTHON, *PYTHON_FLAGS, "-c", "print(6*7)"],
                              capture_output=True, text=True, timeout=30, env={}, **drop_privileges())
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap failed to start: {exc}"
    finally:
        orphans.finished(-1)
    if proc.returncode != 0 or proc.stdout.strip() != "42":
        return f"bubblewrap cannot create namespaces here: {proc.stderr.strip()[:300] or proc.returncode}"
    return None


def import_as_module(code: str, namespace: str = "_solution") -> str:
    """Python source that runs ``code`` as an imported module named ``solution`` (``__name__`` is not
    ``"__main__"``, so a demo under the main guard does not run), its names in the dict ``namespace``: how a
    deliverable is checked and verified."""
    return f"{namespace} = {{'__name__': 'solution'}}\nexec(compile({code!r}, 'solution.py', 'exec'), {namespace})\n"


def run_python(code: str, config: SandboxConfig | None = None) -> SandboxResult:
    """Run ``code`` in a fresh sandbox. The value of a trailing expression is the JSON ``result``."""
    config = config or SandboxConfig()
    problem = probe()
    if problem is None:
        inner = [*bwrap_command(config), *interpreter(), "-c", RUNNER]
    elif config.allow_weak:
        warnings.warn(f"SANDBOX WEAK MODE: {problem}; running with uid drop and limits only, NO namespaces",
                      RuntimeWarning, stacklevel=2)
        inner = [*interpreter(), "-c", RUNNER]
    else:
        raise SandboxUnavailable(f"refusing to run code: {problem} (set allow_weak to accept a weaker sandbox)")
    return _result(execute([*prlimit_command(config), *inner], code, config), config)


def _result(run: Finished, config: SandboxConfig) -> SandboxResult:
    payload, error = _parse_payload(run.result, config)
    if run.timed_out:
        error = f"timed out after {config.timeout_s:g}s; the sandbox was killed"
    elif run.truncated:
        error = f"output exceeded {config.max_output_bytes} bytes; the sandbox was stopped"
    elif payload is None:
        error = error or f"the code ended without a result (exit status {run.returncode})"
    ok = bool(payload and payload.get("ok")) and not run.timed_out and not run.truncated
    return SandboxResult(
        ok=ok,
        stdout=_text(run.stdout, config.max_output_bytes),
        stderr=_text(run.stderr, config.max_output_bytes),
        result=payload.get("result") if payload else None,
        error=error if error else (payload.get("error") if payload else None),
        timed_out=run.timed_out,
        truncated=run.truncated,
        duration_s=run.duration_s,
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
