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
    assert out.getvalue().splitlines()[-1] == "bench (real): 4/4 runs, 0:02:10 so far, done"


def test_the_pace_leaves_out_runs_the_recording_served_whole():
    """A continued run: 6 runs come from the recording within seconds, then each new one takes an hour; the time
    left is paced by the new runs (it used to say minutes for a run of many hours)."""
    out, clock = io.StringIO(), Clock()
    line = LineProgress(total=10, kind="real", out=out, every_s=60.0, clock=clock)
    for _ in range(5):
        line.advance(served=True)
    clock.now = 70.0
    line.advance(served=True)
    assert out.getvalue() == "bench (real): 6/10 runs (6 from the recording), 0:01:10 so far, no pace yet\n"
    clock.now = 70.0 + 3600
    line.advance()
    clock.now = 70.0 + 2 * 3600
    line.advance()
    assert out.getvalue().splitlines()[-1] == (
        "bench (real): 8/10 runs (6 from the recording), 2:01:10 so far, about 2:01:10 left at this pace")


def test_off_a_terminal_the_bench_gets_lines_and_with_no_progress_nothing():
    out = io.StringIO()
    with bench_progress(True, 10, "simulated", out) as (progress, bar):
        assert isinstance(progress, LineProgress) and bar is None
    with bench_progress(False, 10, "simulated", out) as (progress, bar):
        assert progress is None and bar is None


def test_a_continued_run_counts_the_runs_its_recording_served_whole(tmp_path, capsys):
    """Through the bench: a ``--reuse`` run that adds a router gets its single and direct runs from the
    recording; the progress line counts those as served and the new router's auctions as work."""
    import asyncio

    from sale.bench.config import BenchConfig
    from sale.bench.runner import run_bench
    from tests.openai_stub import Behaviour, StubServer
    from tests.test_bench import arith_suite, pool_file

    suite = arith_suite(tmp_path, 4)
    stub = StubServer({"small": Behaviour(execute="Final answer: 390", direct="391"),
                       "large": Behaviour(execute="Final answer: 391", direct="391")})
    with stub:
        pool = pool_file(tmp_path, stub)
        first = BenchConfig(suite=str(suite), pool=str(pool), out=tmp_path / "a", train_share=0.5,
                            routers=("single:small", "single:largest"))
        asyncio.run(run_bench(first))
        capsys.readouterr()
        second = BenchConfig(**{**first.__dict__, "out": tmp_path / "b", "reuse": tmp_path / "a",
                                "routers": ("single:small", "single:largest", "sale-nomem")})
        results = asyncio.run(run_bench(second))
    last = capsys.readouterr().err.strip().splitlines()[-1]
    n = results["n_test"]
    served = 2 * results["n_tasks"] + 2 * n  # each agent's executor run on every task, its direct answer on the test
    assert last.startswith(f"bench (real): {served + n}/{served + n} runs ({served} from the recording), ")
    assert last.endswith(", done")
