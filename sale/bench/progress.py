"""The bench's progress: a bar on a terminal; elsewhere (a log file, CI, ``nohup``) a line now and then, so a run
of many hours in the background still says how far it is."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

LINE_EVERY_S = 60.0


class LineProgress:
    """The bar's ``advance`` as a line on ``out``: runs done of the total, time so far and an estimate of the rest,
    at most once every ``every_s`` seconds (and on the last run). Runs a ``--reuse`` recording served whole
    (``served``) take seconds, so the pace is measured on the runs that made calls: a continued run of many hours
    no longer reports minutes left."""

    def __init__(self, total: int, kind: str, out: TextIO, every_s: float = LINE_EVERY_S,
                 clock: Any = time.monotonic) -> None:
        self.total, self.kind, self.out, self.every_s, self.clock = total, kind, out, every_s, clock
        self.done = self.served = 0
        self.started = self.last = clock()

    def advance(self, _bar: Any = None, amount: int = 1, served: bool = False) -> None:
        self.done += amount
        self.served += amount if served else 0
        now = self.clock()
        if now - self.last < self.every_s and self.done < self.total:
            return
        self.last = now
        elapsed = now - self.started
        worked = self.done - self.served
        if self.done == self.total:
            left = "done"
        elif worked:
            left = f"about {_hms(elapsed / worked * (self.total - self.done))} left at this pace"
        else:
            left = "no pace yet"
        recorded = f" ({self.served} from the recording)" if self.served else ""
        print(f"bench ({self.kind}): {self.done}/{self.total} runs{recorded}, {_hms(elapsed)} so far, {left}",
              file=self.out, flush=True)


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


@contextlib.contextmanager
def bench_progress(enabled: bool, total: int, kind: str, out: TextIO | None = None) -> Iterator[tuple[Any, Any]]:
    """``(progress, bar)`` for :meth:`Bench.tick`; ``(None, None)`` when disabled."""
    out = out or sys.stderr
    if not enabled:
        yield None, None
        return
    if not out.isatty():
        yield LineProgress(total, kind, out), None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(f"[bold]bench ({kind})"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("ETA"), TimeRemainingColumn(), transient=False) as bar_progress:
        bar = bar_progress.add_task("runs", total=total)
        yield bar_progress, bar
