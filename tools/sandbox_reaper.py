"""Reaping the namespace-init processes bubblewrap leaves behind, so they never pile up as zombies.

bwrap's outer process exits without waiting for the PID-namespace init it forked, so every call orphans one
process of the unprivileged uid. On hosts whose PID 1 does not reap (containers, microVM init agents) those
zombies pile up and count against ``RLIMIT_NPROC`` until forks fail. While sandbox calls are in flight this
process is a child subreaper, so those orphans come back to it, and they are reaped by pid (never
``waitpid(-1)``, which would steal the exit status of subprocess' own children). Outside sandbox calls it is
not, so other orphaned descendants (a killed helper's children) still go to init as usual.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import threading


class Orphans:
    """Counts sandbox calls in flight; ``outer`` holds the bwrap processes subprocess itself will wait for."""

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


orphans = Orphans()
