"""The embedded default pool: one llama.cpp server per bundled model on a free loopback port, ready only once it
has generated, stopped on exit."""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from sale.core.pool import AgentSpec, Pool, provider_prices
from sale.local.models import LADDER, BundledModel, EmbeddedPoolError, cache_dir, gguf_path

READY_PROMPT = "Reply with the single word: ready"
KEEP_LOGS = 20
"""Server logs kept per model; older ones are removed when a server starts, unless written in the last hour (a
pool in another process may still be writing them)."""


@dataclass(frozen=True)
class RuntimeSettings:
    """How each local server uses the machine. Slots batch concurrent calls (the auction fans out N bids and N²
    jury calls at once). Threads are per server and all servers share the machine's cores: ``0`` gives each
    server an even share (on 2 cores and 3 models, 1 each; 2 each was 2-4x slower per auction, measured with
    ``scripts/local_runtime_figures.py``)."""

    threads: int = 0
    slots: int = 4
    ctx_per_slot: int = 4096
    tool_protocol: str = "text"
    """How the executor offers tools to the local models: ``text`` (Thought/Action lines) or ``native`` (OpenAI
    tool calls through llama.cpp's chat-template parser)."""
    call_timeout_s: float = 300.0
    """How long one model call may take before the client gives up; a slower machine needs more."""

    @classmethod
    def from_env(cls) -> RuntimeSettings:
        """``SALE_LOCAL_THREADS`` / ``SALE_LOCAL_SLOTS`` / ``SALE_LOCAL_CTX`` / ``SALE_LOCAL_TOOL_PROTOCOL`` /
        ``SALE_LOCAL_TIMEOUT`` (seconds) override the defaults."""
        values: dict[str, int | str | float] = {}
        protocol = os.environ.get("SALE_LOCAL_TOOL_PROTOCOL", "").strip()
        if protocol:
            if protocol not in ("text", "native"):
                raise EmbeddedPoolError(f"SALE_LOCAL_TOOL_PROTOCOL must be text or native, got {protocol!r}")
            values["tool_protocol"] = protocol
        for key, env in (("threads", "SALE_LOCAL_THREADS"), ("slots", "SALE_LOCAL_SLOTS"),
                         ("ctx_per_slot", "SALE_LOCAL_CTX")):
            raw = os.environ.get(env, "").strip()
            if raw:
                if not raw.isdigit() or int(raw) < 1:
                    raise EmbeddedPoolError(f"{env} must be a positive integer, got {raw!r}")
                values[key] = int(raw)
        raw = os.environ.get("SALE_LOCAL_TIMEOUT", "").strip()
        if raw:
            try:
                seconds = float(raw)
            except ValueError:
                seconds = math.nan
            if not 0 < seconds < math.inf:
                raise EmbeddedPoolError(f"SALE_LOCAL_TIMEOUT must be a positive number of seconds, got {raw!r}")
            values["call_timeout_s"] = seconds
        return cls(**values)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prune_logs(log_dir: Path, model: str, keep: int = KEEP_LOGS, busy_s: float = 3600.0) -> None:
    """Every server start writes a log; without this the cache grows by three files a run."""
    logs = []
    for path in log_dir.glob(f"{model}-*.log"):
        with contextlib.suppress(OSError):
            if path.name[len(model) + 1:-4].isdigit():
                logs.append((path.stat().st_mtime, path))
    recent = time.time() - busy_s
    for mtime, old in sorted(logs, reverse=True)[keep:]:
        if mtime < recent:
            with contextlib.suppress(OSError):
                old.unlink()


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        name = signal.Signals(-returncode).name
        why = " (an instruction this CPU refuses)" if name == "SIGILL" else ""
        return f"was killed by {name}{why}"
    return f"exited with code {returncode}"


@dataclass
class LocalServer:
    model: BundledModel
    gguf: Path
    port: int
    settings: RuntimeSettings = field(default_factory=RuntimeSettings)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        s = self.settings
        return [sys.executable, "-m", "sale.local.server", "--model", str(self.gguf), "--alias", self.model.name,
                "--port", str(self.port), "--threads", str(s.threads), "--slots", str(s.slots),
                "--ctx-per-slot", str(s.ctx_per_slot), "--parent-pid", str(os.getpid())]

    def start(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        prune_logs(log_dir, self.model.name)
        self.log_path = log_dir / f"{self.model.name}-{self.port}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:] if self.log_path else ""
        except OSError:
            return ""

    def _died(self) -> EmbeddedPoolError | None:
        if self.process is None or self.process.poll() is None:
            return None
        return EmbeddedPoolError(f"local server for {self.model.name} {_exit_reason(self.process.returncode)}; "
                                 f"log {self.log_path}:\n{self.log_tail()}")

    def generates(self, timeout_s: float) -> str | None:
        """None if the server completes a short greedy generation with per-token logprobs, else why not."""
        body = {"model": self.model.name, "messages": [{"role": "user", "content": READY_PROMPT}],
                "max_tokens": 2, "temperature": 0, "logprobs": True, "top_logprobs": 1}
        try:
            reply = httpx.post(f"{self.base_url}/chat/completions", json=body, timeout=timeout_s)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if reply.status_code != 200:
            return f"HTTP {reply.status_code}: {reply.text[:200]}"
        try:
            tokens = reply.json()["choices"][0]["logprobs"]["content"]
            ok = bool(tokens) and all(math.isfinite(t["logprob"]) for t in tokens)
        except (ValueError, KeyError, IndexError, TypeError):
            ok = False
        return None if ok else f"the completion carried no per-token logprobs: {reply.text[:200]}"

    def wait_ready(self, deadline: float) -> None:
        """Ready means generated: a server that lists models but cannot complete is not ready."""
        last = "no answer yet"
        while time.monotonic() < deadline:
            if error := self._died():
                raise error
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200:
                    why = self.generates(timeout_s=max(1.0, min(60.0, deadline - time.monotonic())))
                    if why is None:
                        return
                    last = why
            if error := self._died():
                raise error
            time.sleep(0.25)
        raise EmbeddedPoolError(f"local server for {self.model.name} on port {self.port} did not generate before "
                                f"its deadline ({last}); log {self.log_path}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def embedded_agents(servers: list[LocalServer], tool_protocol: str = "text", timeout_s: float = 300.0) -> Pool:
    return Pool.of(*[
        AgentSpec(name=s.model.name, model=s.model.name, base_url=s.base_url,
                  **provider_prices(s.model.price_per_mtok), timeout_s=timeout_s, max_tokens=s.model.max_tokens,
                  max_retries=0, structured_output="json_schema", tool_protocol=tool_protocol)
        for s in servers
    ], source="embedded")


def embedded_problems(cpu: bool = True) -> list[str]:
    """Why the embedded pool could not start here, found before any work: its ``SALE_LOCAL_*`` settings, and (when
    its servers will run) the CPU."""
    from sale.local.server import unsupported_cpu

    problems = []
    try:
        RuntimeSettings.from_env()
    except EmbeddedPoolError as exc:
        problems.append(str(exc))
    if cpu and (reason := unsupported_cpu()):
        problems.append(f"{reason}; point --pool at OpenAI-compatible endpoints instead")
    return problems


def unstarted_embedded_agents() -> Pool:
    """The embedded ladder's agents as a started pool names them, with no server behind them: what a replay of a
    recorded run needs (it calls no model, and starting three servers took a minute and 1.6 GB for nothing)."""
    from types import SimpleNamespace

    settings = RuntimeSettings.from_env()
    servers = [SimpleNamespace(model=m, base_url="http://127.0.0.1:9/v1") for m in LADDER]
    return embedded_agents(servers, settings.tool_protocol, settings.call_timeout_s)  # type: ignore[arg-type]


@contextlib.contextmanager
def embedded_pool(models: tuple[BundledModel, ...] = LADDER, start_timeout_s: float = 300.0,
                  settings: RuntimeSettings | None = None) -> Iterator[Pool]:
    """Start one llama.cpp server per bundled model (all loading at once), wait until each has generated with
    logprobs, yield the pool, and stop the servers on exit."""
    from sale.local.server import unsupported_cpu

    if reason := unsupported_cpu():
        raise EmbeddedPoolError(f"{reason}; point --pool at OpenAI-compatible endpoints instead")
    settings = settings or RuntimeSettings.from_env()
    if settings.threads == 0:
        settings = replace(settings, threads=max(1, (os.cpu_count() or 1) // max(1, len(models))))
    servers = [LocalServer(m, gguf_path(m), free_port(), settings) for m in models]
    try:
        for server in servers:
            server.start(cache_dir() / "logs")
        deadline = time.monotonic() + start_timeout_s
        for server in servers:
            server.wait_ready(deadline)
        yield embedded_agents(servers, settings.tool_protocol, settings.call_timeout_s)
    finally:
        for server in servers:
            server.stop()
