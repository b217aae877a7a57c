"""One bundled model behind llama.cpp's own C++ HTTP server: ``python -m sale.local.server``.

The server comes prebuilt in the ``xllamacpp`` wheel (manylinux, CPU code for AVX2, no AVX-512 or AMX), so
nothing is compiled at setup and nothing depends on the CPU of the machine that built it. Each model runs in a
child process of its own: a model that cannot run kills only its process, and the parent reports the log tail.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


REQUIRED_CPU_FLAGS = ("avx", "avx2", "fma", "f16c")


def unsupported_cpu(flags: set[str] | None = None) -> str | None:
    """Why the prebuilt runtime cannot run here, or None. Checked before a server starts, not after a SIGILL."""
    import platform

    if platform.machine() not in ("x86_64", "AMD64"):
        return f"the prebuilt llama.cpp runtime is built for x86-64; this machine is {platform.machine()}"
    flags = cpu_flags() if flags is None else flags
    if not flags:
        return None  # no /proc/cpuinfo to read: let the server try
    missing = [f for f in REQUIRED_CPU_FLAGS if f not in flags]
    if missing:
        return f"the prebuilt llama.cpp runtime needs AVX2; this CPU lacks {', '.join(missing)}"
    return None


def exit_with_parent(parent: int, poll_s: float = 1.0) -> None:
    """Exit when ``parent`` is gone, even after kill -9: no server outlives its owner. The pid comes from the
    command line, so a parent that dies while we are still loading counts."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sale.local.server", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="path to a GGUF file")
    parser.add_argument("--alias", required=True, help="model name clients send")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads for generation and prompt processing (0: all cores)")
    parser.add_argument("--slots", type=int, default=4, help="parallel sequences batched together")
    parser.add_argument("--ctx-per-slot", type=int, default=4096, help="context tokens each slot can hold")
    parser.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    args = parser.parse_args(argv)

    exit_with_parent(args.parent_pid or os.getppid())
    if reason := unsupported_cpu():
        sys.exit(f"sale.local.server: {reason}")
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}
    params.hostnames = [args.host]
    params.port = args.port
    params.n_parallel = args.slots
    params.n_ctx = args.ctx_per_slot * args.slots
    threads = args.threads if args.threads > 0 else (os.cpu_count() or 1)
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.n_threads_http = max(2, args.slots)
    server = xllamacpp.Server(params)  # loads the model, then serves on a thread of its own
    print(f"sale.local.server: {args.alias} listening on {server.listening_address}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    del server


if __name__ == "__main__":
    main()
