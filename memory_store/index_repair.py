"""Opening the similarity index at start-up: one that cannot be read back is replaced, never trusted.

The log is the truth and the index is rebuildable from it, so a damaged local index is moved aside to
``chroma.damaged.<time>`` (not deleted) and a damaged index on a Chroma server is reset; either way the caller
gets an empty index to sync from the log, and a warning.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

from memory_store.index import TaskIndex, release_clients


def open_repaired(path: Path, url: str = "") -> tuple[TaskIndex, str | None]:
    """The index under ``path`` (or, given ``url``, on that Chroma server) and what was wrong with it, if
    anything. A server that cannot be reached raises ConnectionError: there is nothing to rebuild."""
    if url:
        return _open_remote(url)
    try:
        index = TaskIndex(path)
        index.verify()
        return index, None
    except Exception as exc:  # any failure to read the index back means: rebuild it from the log
        damage = _describe(exc)
    release_clients()
    if path.exists():
        aside = path.with_name(f"chroma.damaged.{int(time.time())}")
        path.rename(aside)
        warnings.warn(f"auction index under {path} was damaged ({damage}); moved to {aside} and "
                      "rebuilt from the log", RuntimeWarning, stacklevel=3)
    return TaskIndex(path), damage


def _open_remote(url: str) -> tuple[TaskIndex, str | None]:
    index = TaskIndex(url=url)
    damage = None
    try:
        index.verify()
    except Exception as exc:
        damage = _describe(exc)
        warnings.warn(f"auction index at {url} was damaged ({damage}); reset and rebuilt "
                      "from the log", RuntimeWarning, stacklevel=3)
        index.reset()
    return index, damage


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"
