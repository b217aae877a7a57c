"""Real PostgreSQL and Chroma servers on 127.0.0.1 for the scale-out tests, started from what setup.sh installs.

PostgreSQL comes from Debian's packages (``apt-get install postgresql``); it refuses to run as root, so as root
the cluster belongs to the ``postgres`` user the package creates. Chroma is the ``chroma`` command of the pinned
chromadb wheel. A missing piece is an error that says what to install, never a skip.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from sale.local import free_port

START_TIMEOUT_S = 60


class MissingServer(RuntimeError):
    pass


def postgres_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise MissingServer("PostgreSQL is not installed: run scripts/setup.sh (apt-get install postgresql)")


def _as_owner(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway cluster (trust auth, user ``sale``) on a free loopback port; yields its URL."""
    bindir = postgres_bindir()
    root = Path(tempfile.mkdtemp(prefix="sale-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data, port = root / "data", free_port()
    init = subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data), "-U", "sale", "--auth=trust",
                                     "-E", "UTF8", "--no-sync"]), capture_output=True, text=True, timeout=120)
    if init.returncode != 0:
        raise MissingServer(f"initdb failed: {init.stderr.strip()[-500:]}")
    log = open(root / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(_as_owner([str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p",
                                       str(port), "-k", str(root), "-F", "-c", "max_connections=100"]),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"postgresql://sale@127.0.0.1:{port}/postgres"
    try:
        _wait(lambda: _pg_ready(url), proc, root / "server.log", "PostgreSQL")
        yield url
    finally:
        _stop(proc, signal.SIGINT)  # "fast" shutdown; SIGTERM would wait for every client to leave
        log.close()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def chroma_server(root: Path | None = None, port: int | None = None) -> Iterator[str]:
    """``chroma run`` on a loopback port (free, unless given) over a directory (temporary and removed afterwards,
    unless given, so a test can restart a server on its data); yields ``http://127.0.0.1:PORT``."""
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.exists():
        raise MissingServer(f"{chroma} not found: chromadb is not installed in this environment (scripts/setup.sh)")
    keep = root is not None
    root = root or Path(tempfile.mkdtemp(prefix="sale-chroma-"))
    root.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log = open(root / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(chroma), "run", "--path", str(root / "data"), "--host", "127.0.0.1", "--port",
                             str(port)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False", "NO_COLOR": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _http_ok(f"{url}/api/v2/heartbeat"), proc, root / "server.log", "Chroma")
        yield url
    finally:
        _stop(proc)
        log.close()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def _pg_ready(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.OperationalError:
        return False


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


def _wait(ready, proc: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise MissingServer(f"{what} exited with {proc.returncode}: {log.read_text(errors='replace')[-800:]}")
        if ready():
            return
        time.sleep(0.2)
    raise MissingServer(f"{what} did not come up in {START_TIMEOUT_S} s: {log.read_text(errors='replace')[-800:]}")


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
