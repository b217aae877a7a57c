"""One writer per local memory directory: ``writer.lock``, held with flock and naming the holder's pid.

A second process that opens the same directory for writing gets a clear error naming the holder. A shared memory
takes no lock: its database's unique auction id and serialised write transactions stand in for it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class MemoryLockedError(RuntimeError):
    """Another process already writes to this memory directory."""


def acquire_writer_lock(directory: Path) -> int:
    """Take the directory's lock without waiting; returns the descriptor that holds it (close it to release)."""
    path = directory / "writer.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise MemoryLockedError(
            f"memory directory {directory} is already open for writing by process {holder}; one writer per "
            "directory (pass another --memory directory, or wait for that process to finish)"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd
