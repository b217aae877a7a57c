"""Check a run's whole configuration before any model call or write: keys, knobs, paths, stores.

Every check returns a list of problems (each a sentence naming the setting or file and what to do), so a user
fixes them all in one edit; :func:`raise_problems` turns a non-empty list into one :class:`ConfigError`. The CLI
prints each problem as one ``error:`` line and exits 2; Python callers catch ``ConfigError``.

A damaged store is refused, never replaced: a memory log or checkpoint file that is not a SQLite database, or
fails ``PRAGMA quick_check``, is an error naming the file and telling the user to move it aside, so nothing
readable in it is overwritten or half-read.
"""

from __future__ import annotations

import dataclasses
import errno
import fcntl
import math
import numbers
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from sale.core.deliverable import EXECUTIONS

SQLITE_HEADER = b"SQLite format 3\x00"
MEMORY_LOG = "auctions.sqlite"  # memory_store/store.py's layout
WRITER_LOCK = "writer.lock"
CHECKPOINTS = "checkpoints.sqlite"


class ConfigError(ValueError):
    """The configuration cannot run; ``problems`` lists every reason, one sentence each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = [p for p in problems if p]
        super().__init__("\n".join(self.problems))


def raise_problems(problems: Iterable[str]) -> None:
    found = [p for p in problems if p]
    if found:
        raise ConfigError(found)


# name -> (low, high, low inclusive, integer); None = unbounded on that side
_RANGES: dict[str, tuple[float | None, float | None, bool, bool]] = {
    "weight_cost": (None, None, True, False),
    "weight_entropy": (None, None, True, False),
    "weight_jury": (None, None, True, False),
    "budget_bias": (0, None, True, False),
    "juror_history": (0, None, True, True),
    "juror_reliability": (0, None, True, True),
    "juror_weight_cap": (0, 1, False, False),
    "jury_max_tokens": (1, None, True, True),
    "jury_reason_max_tokens": (1, None, True, True),
    "jury_deadline_s": (0, None, False, False),
    "bid_max_tokens": (1, None, True, True),
    "bid_max_words": (1, None, True, True),
    "top_logprobs": (0, 20, True, True),
    "bid_deadline_s": (0, None, False, False),
    "k": (1, None, True, True),
    "refine_min_similarity": (0, 1, True, False),
    "skip_similarity": (0, 1, True, False),
    "skip_neighbours": (1, None, True, True),
    "skip_exploration": (0, 1, True, False),
    "skip_seed": (None, None, True, True),
    "cascade_neighbours": (1, None, True, True),
    "cascade_prior": (0, 1, True, False),
    "cascade_prior_weight": (0, None, False, False),
    "cascade_trust_unchecked": (0, 1, True, False),
    "cascade_trust_checked": (0, 1, True, False),
    "cascade_retries": (0, None, True, True),
    "cascade_exploration": (0, 1, True, False),
    "max_steps": (1, None, True, True),
    "exec_token_budget": (1, None, True, True),
    "exec_max_tokens": (1, None, True, True),
    "execute_deadline_s": (0, None, False, False),
    "python_timeout_s": (0, None, False, False),
    "breaker_threshold": (1, None, True, True),
    "breaker_cooldown_s": (0, None, True, False),
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "jury_mode": ("paper", "peer", "median", "trimmed", "consensus"),
    "fallback": ("next_best", "none"),
    "search_backend": ("ddgs", "bm25"),
    "auction_policy": ("always", "adaptive", "cascade"),
    "cascade_last_resort": ("deliver", "loop"),
    "cascade_redraft_layout": ("task_last", "examples_last"),
    "execution": EXECUTIONS,
}


def _number_problem(label: str, value: Any, low: float | None, high: float | None, low_inclusive: bool,
                    integer: bool) -> str:
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral if integer else numbers.Real):
        return f"{label} must be {kind}, got {value!r}"
    if not isinstance(value, numbers.Integral) and not math.isfinite(value):
        return f"{label} must be a finite number, got {value}"
    below = low is not None and (value < low or (value == low and not low_inclusive))
    if below or (high is not None and value > high):
        lo = "" if low is None else ("[" if low_inclusive else "(") + f"{low:g}"
        hi = "" if high is None else f"{high:g}]"
        where = f"in {lo}, {hi}" if lo and hi else (f">= {low:g}" if low_inclusive else f"> {low:g}") if lo \
            else f"<= {high:g}"
        return f"{label} must be {where}, got {value}"
    return ""


def knob_problems(values: Mapping[str, Any], label: Callable[[str], str] = str) -> list[str]:
    """Ranges and finiteness of the context's numeric settings, the choice settings, and the mappings of
    numbers (juror weights, tool prices) and ``entropy_range``; unknown names are ignored."""
    problems = []
    for name, value in values.items():
        if name in _RANGES:
            problems.append(_number_problem(label(name), value, *_RANGES[name]))
        elif name in _CHOICES and value not in _CHOICES[name]:
            problems.append(f"unknown {label(name)} {value!r}; choose one of {', '.join(_CHOICES[name])}")
    for name in ("juror_weights", "tool_prices"):
        mapping = values.get(name)
        if mapping is None:
            continue
        if not isinstance(mapping, Mapping):
            problems.append(f"{label(name)} must map names to numbers, got {type(mapping).__name__}")
            continue
        for key, v in mapping.items():
            problems.append(_number_problem(f"{label(name)}[{key!r}]", v, 0, None, True, False))
    span = values.get("entropy_range", [])
    if not isinstance(span, (list, tuple)) or span:
        pair = list(span) if isinstance(span, (list, tuple)) else []
        finite = [x for x in pair if not _number_problem("", x, None, None, True, False)]
        if len(pair) != 2 or len(finite) != 2 or pair[0] >= pair[1]:
            problems.append(f"{label('entropy_range')} must be empty or [low, high] with finite low < high, "
                            f"got {span!r}")
    return [p for p in problems if p]


def knobs_of(context: Any) -> dict[str, Any]:
    """The settings of an ``AuctionContext`` (a dataclass), without its live objects."""
    return {f.name: getattr(context, f.name) for f in dataclasses.fields(context) if f.name != "live"}


def key_problems(pool: Any) -> list[str]:
    """Every agent whose ``api_key_env`` names a variable that is unset or empty: found now, not in ``bid``."""
    return [f"agent {spec.name!r}: environment variable {spec.api_key_env} (its api_key_env) is not set; export "
            "it, or drop api_key_env for a local server that needs no key"
            for spec in getattr(pool, "agents", ()) if spec.api_key_env
            and not os.environ.get(spec.api_key_env, "").strip()]


def directory_problem(path: Path, what: str) -> str:
    """Why ``path`` cannot be used as a directory we write in (exists as one, or can be created), or ''."""
    found = _path_guard(lambda p: [_directory_problem(p, what)], path, what)
    return found[0] if found else ""


def _directory_problem(path: Path, what: str) -> str:
    if path.exists() and not path.is_dir():
        return f"{what} {path} exists and is not a directory"
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        return f"{what} {path}: {probe} is not a directory"
    try:
        fd, name = tempfile.mkstemp(prefix=".sale-preflight-", dir=probe)
    except OSError as exc:
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        return f"{what} {path}: cannot create a file in {probe} ({why}); give a directory you can write to"
    os.close(fd)
    os.unlink(name)
    return ""


def sqlite_problems(path: Path, what: str) -> list[str]:
    """A SQLite file we will open: absent (its directory is checked), empty, or a database that passes
    ``PRAGMA quick_check``, opened read-only and without creating journal files."""
    path = path.expanduser()
    if path.is_dir():
        return [f"{what} {path} is a directory; give a file path (or move the directory aside)"]
    if not path.exists():
        problem = directory_problem(path.parent, f"{what} {path}: its directory")
        return [problem] if problem else []
    aside = f"move it aside (mv {path} {path}.damaged) and run again; nothing was written"
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as exc:
        return [f"{what} {path}: cannot read it ({exc.strerror or exc})"]
    if not header:
        return []
    if not header.startswith(SQLITE_HEADER):
        return [f"{what} {path} is not a SQLite database (damaged or another kind of file): {aside}"]
    # A WAL database read with mode=ro leaves -wal/-shm files behind; with no -wal file nobody is writing it, so
    # it is read as immutable. Otherwise (a rollback journal, or a live or crashed writer's WAL) read it normally.
    immutable = len(header) > 18 and header[18] == 2 and not Path(f"{path}-wal").exists()
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            rows = db.execute("PRAGMA quick_check").fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        return [f"{what} {path} is damaged ({exc}): {aside}"]
    if [tuple(r) for r in rows] != [("ok",)]:
        return [f"{what} {path} is damaged ({rows[0][0] if rows else 'no quick_check answer'}): {aside}"]
    return []


def _lock_holder(directory: Path) -> str:
    """The pid holding the memory's writer lock, or '' if none (the lock file is never created here)."""
    try:
        fd = os.open(directory / WRITER_LOCK, os.O_RDONLY)
    except OSError:
        return ""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        return ""
    finally:
        os.close(fd)
    return ""


def _path_guard(check: Callable[[Path], list[str]], raw: str | os.PathLike[str], what: str) -> list[str]:
    """Run a path check; a path the OS refuses outright (NUL byte, too long, unknown ``~user``) is a problem too."""
    try:
        return check(Path(raw).expanduser())
    except (OSError, ValueError, RuntimeError) as exc:
        return [f"{what} {str(raw)!r} cannot be used ({exc})"]


def memory_problems(directory: str | os.PathLike[str]) -> list[str]:
    """A local memory directory: usable, not held by another writer, and its log a sound SQLite database."""
    return _path_guard(_memory_problems, directory, "memory directory")


def _memory_problems(path: Path) -> list[str]:
    problem = directory_problem(path, "memory directory")
    if problem:
        return [problem]
    if not path.is_dir():
        return []
    holder = _lock_holder(path)
    if holder:
        return [f"memory directory {path} is already open for writing by process {holder}; one writer per "
                "directory (pass another --memory directory, or wait for that process to finish)"]
    return sqlite_problems(path / MEMORY_LOG, "memory log")


def checkpoint_problems(target: str) -> list[str]:
    """A checkpoint SQLite file (a ``postgresql://`` URL is checked when connecting)."""
    if not target or target.startswith(("postgresql://", "postgres://")):
        return []
    return _path_guard(lambda p: sqlite_problems(p, "checkpoint database"), target, "checkpoint database")


def check_context(context: Any, *, paths: bool = True) -> None:
    """Everything an ``AuctionContext`` configures, checked before any model call or write: its settings, the
    injected or named pool and its keys, and (``paths``) the memory directory it would open. Raises
    :class:`ConfigError` listing every problem."""
    from sale.core.pool import PoolError, load_pool

    problems = knob_problems(knobs_of(context))
    live = getattr(context, "live", None)
    pool = getattr(live, "pool", None)
    if pool is None and context.pool_file:
        try:
            pool = load_pool(context.pool_file)
        except PoolError as exc:
            problems.append(str(exc))
        except (OSError, ValueError) as exc:
            problems.append(f"pool_file {context.pool_file!r} cannot be read ({exc})")
    problems += key_problems(pool)
    shared = context.memory_log_url or os.environ.get("SALE_MEMORY_LOG_URL", "")
    if paths and getattr(live, "memory", None) is None and context.memory_dir and not shared:
        problems += memory_problems(context.memory_dir)
    raise_problems(problems)
