"""A CPU flame-graph sampler for a Python process, in pure Python (py-spy is not installed here).

    .venv/bin/python scripts/stack_sampler.py OUT_DIR -- serve --pool pool.toml --port 8123 ...

Runs ``sale`` with the arguments after ``--`` and, every ``SAMPLE_S``, reads every thread's Python stack
(``sys._current_frames``) and its CPU clock (``pthread_getcpuclockid``). A thread's CPU time since the previous
sample is charged to its current stack, so threads that wait (the event loop in epoll, idle executor workers)
cost nothing and the profile is one of CPU, not of wall time. When ``sale`` exits (SIGINT or SIGTERM stop the server
gracefully), OUT_DIR gets ``stacks.collapsed`` (Brendan Gregg's folded format, one
``frame;frame;frame microseconds`` line per stack: flamegraph.pl or speedscope draw it) and ``top.md`` (the frames
with the largest inclusive CPU share). SIGUSR1 starts the window again (drops start-up), SIGUSR2 closes it, so a
load benchmark profiles the load only. In the same window cProfile follows the main thread (the event loop),
exactly: its top cumulative costs at the end of ``top.md``; the sampler is biased towards
calls that release the GIL (it can only sample when it holds the GIL), cProfile towards code with many small calls.
"""

from __future__ import annotations

import collections
import cProfile
import io
import pstats
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE_S = 0.005
TOP = 40
COMPONENTS = (  # the first frame from the leaf up whose file matches names the component
    ("embedder (numpy)", ("memory_store/embeddings.py",)),
    ("memory index (Chroma)", ("memory_store/index.py", "chromadb/")),
    ("memory log (SQLite)", ("memory_store/log.py",)),
    ("memory, other", ("memory_store/",)),
    ("model calls: client (openai, httpx, langchain-openai)", ("openai/", "httpx/", "httpcore/", "anyio/",
                                                              "langchain_openai/", "h11/")),
    ("graph runtime (langgraph, langchain-core)", ("langgraph/", "langchain_core/", "pydantic")),
    ("HTTP server (uvicorn, starlette)", ("uvicorn/", "starlette/", "httptools")),
    ("sale code (nodes, graphs, sale)", ("nodes/", "graphs/", "sale/core/", "sale/apps/server", "sale/apps/resp",
                                        "tools/")),
)


def frame_name(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        path = path.removeprefix(str(ROOT) + "/")
    return f"{code.co_qualname if hasattr(code, 'co_qualname') else code.co_name} ({path}:{code.co_firstlineno})"


def stack_of(frame: FrameType | None) -> tuple[str, ...]:
    names = []
    while frame is not None:
        names.append(frame_name(frame))
        frame = frame.f_back
    return tuple(reversed(names))


class Sampler:
    """Charges each thread's CPU time between samples to the stack it is in at the sample."""

    def __init__(self) -> None:
        self.cpu_us: collections.Counter[tuple[str, ...]] = collections.Counter()
        self.samples = 0
        self.counting = True
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def reset(self) -> None:
        """Forget what was charged so far (start-up) and count again: the window starts now."""
        self.cpu_us = collections.Counter()
        self.samples = 0
        self.counting = True

    def freeze(self) -> None:
        self.counting = False

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        own = threading.get_ident()
        while not self._stop.wait(SAMPLE_S):
            counting = self.counting
            self.samples += counting
            for ident, frame in sys._current_frames().items():
                if ident == own:
                    continue
                try:
                    cpu = time.clock_gettime(time.pthread_getcpuclockid(ident))
                except (OSError, ProcessLookupError):
                    continue
                spent = cpu - self._last.get(ident, cpu)
                self._last[ident] = cpu
                if spent > 0 and counting:
                    self.cpu_us[stack_of(frame)] += round(spent * 1e6)

    def write(self, out: Path, command: str) -> None:
        out.mkdir(parents=True, exist_ok=True)
        lines = [f"{';'.join(s)} {us}" for s, us in sorted(self.cpu_us.items(), key=lambda x: -x[1])]
        (out / "stacks.collapsed").write_text("\n".join(lines) + "\n")
        (out / "top.md").write_text(top_table(self.cpu_us, command, self.samples))


def component_of(stack: tuple[str, ...]) -> str:
    for frame in reversed(stack):
        where = frame.rsplit("(", 1)[-1]
        for name, prefixes in COMPONENTS:
            if where.startswith(prefixes):
                return name
    return "event loop, threads, other (asyncio, selectors, stdlib)"


def top_table(cpu_us: collections.Counter[tuple[str, ...]], command: str, samples: int) -> str:
    total = sum(cpu_us.values()) or 1
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for stack, us in cpu_us.items():
        for name in set(stack):
            inclusive[name] += us
        own[stack[-1]] += us
    components: collections.Counter[str] = collections.Counter()
    for stack, us in cpu_us.items():
        components[component_of(stack)] += us
    rows = [f"| {100 * us / total:5.1f} % | {100 * own[name] / total:5.1f} % | `{name}` |"
            for name, us in inclusive.most_common(TOP)]
    parts = [f"| {100 * us / total:5.1f} % | {name} |" for name, us in components.most_common()]
    return "\n".join([
        f"CPU time charged: {total / 1e6:.2f} s over {samples} samples (every {SAMPLE_S * 1000:g} ms).",
        "", f"Command: `{command}`", "",
        "By component (a stack's CPU goes to the first project or library frame above its leaf):", "",
        "| CPU | component |", "|---:|---|", *parts, "",
        "| inclusive | self | frame |", "|---:|---:|---|", *rows, ""])


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out, argv = Path(sys.argv[1]), sys.argv[3:]
    from sale.apps.cli import main as sale_main

    sampler, profile = Sampler(), cProfile.Profile()

    def window(start: bool) -> None:
        """Signal handlers run on the main thread, the event loop's: cProfile follows that thread exactly."""
        if start:
            sampler.reset()
            profile.enable()
        else:
            profile.disable()
            sampler.freeze()

    signal.signal(signal.SIGUSR1, lambda *_: window(True))
    signal.signal(signal.SIGUSR2, lambda *_: window(False))
    sampler.start()
    try:
        return sale_main(argv)
    finally:
        profile.disable()
        sampler.stop()
        sampler.write(out, "sale " + " ".join(argv))
        write_cprofile(profile, out)


def write_cprofile(profile: cProfile.Profile, out: Path) -> None:
    """The event loop thread's deterministic profile (no sampling bias; cProfile's own overhead inflates code
    with many small calls): its top functions by cumulative time, at the end of ``top.md``."""
    try:
        stats = pstats.Stats(profile, stream=(text := io.StringIO()))
    except TypeError:  # the window never opened
        return
    stats.sort_stats("cumulative").print_stats(TOP)
    table = "\n".join(line for line in text.getvalue().splitlines() if line.strip())
    with open(out / "top.md", "a") as f:
        f.write("\nThe event loop's thread under cProfile (the same window), by cumulative time:\n\n```\n"
                + table.split("Ordered by: cumulative time", 1)[-1].strip().replace(str(ROOT) + "/", "")
                + "\n```\n")

if __name__ == "__main__":
    sys.exit(main())
