"""Benchmark: the Python sandbox's per-call overhead against a plain interpreter start, in the same run.

    .venv/bin/python scripts/sandbox_overhead.py [N]

Prints the median wall time of N calls (default 50) of `print(1)` through tools.sandbox.run_python and through
`/usr/bin/python3 -c 'print(1)'`, and their ratio and difference.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sale.core.timing import median_ms
from tools.sandbox import PYTHON, SandboxConfig, probe, run_python


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    if problem := probe():
        sys.exit(f"sandbox unavailable: {problem}")
    config = SandboxConfig()
    plain = median_ms(lambda: subprocess.run([PYTHON, "-c", "print(1)"], capture_output=True, check=True), n)
    boxed = median_ms(lambda: run_python("print(1)", config), n)
    print(f"calls: {n} each, code: print(1)")
    print(f"plain  {PYTHON} -c : median {plain:7.2f} ms")
    print(f"sandboxed run_python     : median {boxed:7.2f} ms")
    print(f"overhead                 : {boxed - plain:+7.2f} ms per call ({boxed / plain:.2f}x)")


if __name__ == "__main__":
    main()
