"""Off a terminal the bench reports progress as a line now and then, so a background run says how far it is."""

from __future__ import annotations

import io

from sale.bench.progress import LineProgress, bench_progress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_line_at_most_once_a_minute_and_on_the_last_run_with_the_time_left():
    out, clock = io.StringIO(), Clock()
    line = LineProgress(total=4, kind="real", out=out, every_s=60.0, clock=clock)
    clock.now = 30.0
    line.advance()
    assert out.getvalue() == "", "not yet a minute"
    clock.now = 120.0
    line.advance()
    assert out.getvalue() == "bench (real): 2/4 runs, 0:02:00 so far, about 0:02:00 left at this pace\n"
    clock.now = 130.0
    line.advance()
    line.advance()
    assert out.getvalue().splitlines()[-1] == "bench (real): 4/4 runs, 0:02:10 so far, about 0:00:00 left at this pace"


def test_off_a_terminal_the_bench_gets_lines_and_with_no_progress_nothing():
    out = io.StringIO()
    with bench_progress(True, 10, "simulated", out) as (progress, bar):
        assert isinstance(progress, LineProgress) and bar is None
    with bench_progress(False, 10, "simulated", out) as (progress, bar):
        assert progress is None and bar is None
