"""Install a hash-pinned lock into this interpreter's environment with progress a person can follow, then
compile its bytecode on every core. Used by scripts/setup.sh; standard library only (it runs before anything
else is installed).

    python scripts/install_locked.py --prefix "[2/3] python packages:" requirements.lock

pip itself prints a line per wheel or nothing; this shows one status line (rewritten in place on a terminal,
one line per phase in a log): wheels fetched of the total, wheels installed of the total (counted from the
``*.dist-info`` folders as they appear), files compiled. ``--no-compile`` then ``compileall -j0`` takes about
half the time of pip's own single-core compilation (docs/figures/lean-install.md).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable
from pathlib import Path


class Status:
    def __init__(self, prefix: str) -> None:
        self.prefix, self.tty, self.phase = prefix, sys.stderr.isatty(), ""

    def show(self, text: str, phase: str) -> None:
        if self.tty:
            sys.stderr.write(f"\r\033[K{self.prefix} {text}")
            sys.stderr.flush()
        elif phase != self.phase:
            print(f"{self.prefix} {phase}", file=sys.stderr, flush=True)
        self.phase = phase

    def clear(self) -> None:
        if self.tty:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def locked_count(lock: Path) -> int:
    return len(re.findall(r"^[A-Za-z0-9_.+-]+==", lock.read_text(), re.M))


def _stream(cmd: list[str], on_line: Callable[[str], None]) -> tuple[int, list[str]]:
    log: list[str] = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout or ():
            log.append(line)
            on_line(line)
    return proc.returncode, log


def install(lock: Path, status: Status, marks: dict[str, float]) -> None:
    """pip fetches (and hash-checks) every wheel first, then installs them all; ``marks`` records when."""
    total = locked_count(lock)
    site = Path(sysconfig.get_paths()["purelib"])
    before = len(list(site.glob("*.dist-info")))
    fetched = 0
    installing = threading.Event()
    finished = threading.Event()

    def count_installed() -> None:
        while not finished.wait(0.5):
            done = max(0, len(list(site.glob("*.dist-info"))) - before)
            status.show(f"installing {min(done, total)}/{total} wheels", f"installing {total} wheels")

    watcher = threading.Thread(target=count_installed, daemon=True)

    def on_line(line: str) -> None:
        nonlocal fetched
        if line.startswith("Collecting "):
            fetched += 1
            name = line.split()[1].split("==")[0]
            status.show(f"fetching {fetched}/{total} wheels ({name})", f"fetching {total} wheels")
        elif line.startswith("Installing collected packages") and not installing.is_set():
            marks["fetched"] = time.monotonic()
            installing.set()
            watcher.start()

    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--require-hashes", "--no-compile",
           "--progress-bar", "off", "--disable-pip-version-check", "-r", str(lock)]
    code, log = _stream(cmd, on_line)
    finished.set()
    if installing.is_set():
        watcher.join()
    if code:
        status.clear()
        noise = "is ignored: it is neither a file nor a directory"
        print("".join(line for line in log[-25:] if noise not in line), file=sys.stderr, end="")
        sys.exit(f"error: pip could not install {lock} (exit {code}); its last lines are above")


def compile_bytecode(status: Status) -> None:
    site = sysconfig.get_paths()["purelib"]
    total = sum(name.endswith(".py") for _, _, files in os.walk(site) for name in files)
    done = 0

    def on_line(line: str) -> None:
        nonlocal done
        if line.startswith("Compiling "):
            done += 1
            if done % 200 == 0 or done == total:
                status.show(f"compiling bytecode {done:,}/{total:,} files", "compiling bytecode")

    # Third-party sources with syntax errors in unused files (test data) make compileall exit 1: not a failure.
    _stream([sys.executable, "-m", "compileall", "-j0", str(site)], on_line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("--prefix", default="[setup]")
    args = parser.parse_args()
    status = Status(args.prefix)
    marks = {"start": time.monotonic()}
    install(args.lock, status, marks)
    marks["installed"] = time.monotonic()
    compile_bytecode(status)
    marks["compiled"] = time.monotonic()
    status.clear()
    fetched = marks.get("fetched", marks["start"])
    print(f"{args.prefix} {locked_count(args.lock)} wheels installed in {marks['compiled'] - marks['start']:.0f} s "
          f"(fetching {fetched - marks['start']:.0f} s, installing {marks['installed'] - fetched:.0f} s, bytecode "
          f"{marks['compiled'] - marks['installed']:.0f} s)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
