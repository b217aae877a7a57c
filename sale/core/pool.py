"""The agent pool: who may bid, where they live and what a token of theirs costs.

A pool is declared in a TOML file of ``[[agents]]`` tables or built in Python. Validation collects every problem
in one pass and raises a single :class:`PoolError` naming each, so a broken file is fixed in one edit.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

StructuredOutput = Literal["json_schema", "json_object", "none"]

PROVIDER_RATIOS = {"input": 0.25, "cached_input": 0.1}
"""The shipped ladders' provider-style prices (an assumption, docs/economics.md): the ladder's price is the output
price, input costs a quarter of it, cached input a tenth of input."""


def provider_prices(price_per_mtok: float) -> dict[str, float]:
    """``AgentSpec`` price fields for a shipped ladder's agent priced ``price_per_mtok`` (flat and output)."""
    return {"price_per_mtok": price_per_mtok, "output_price_per_mtok": price_per_mtok,
            "input_price_per_mtok": round(price_per_mtok * PROVIDER_RATIOS["input"], 8),
            "cached_input_price_per_mtok": round(
                price_per_mtok * PROVIDER_RATIOS["input"] * PROVIDER_RATIOS["cached_input"], 8)}


REQUIRED_KEYS = ("name", "model", "base_url", "price_per_mtok")
PROVIDER_PRICE_KEYS = ("input_price_per_mtok", "output_price_per_mtok", "cached_input_price_per_mtok")
OPTIONAL_KEYS = (
    *PROVIDER_PRICE_KEYS,
    "api_key_env",
    "timeout_s",
    "max_tokens",
    "max_retries",
    "structured_output",
    "logprobs",
    "tool_protocol",
    "simulated",
)
STRUCTURED_OUTPUT_MODES = ("json_schema", "json_object", "none")
TOOL_PROTOCOLS = ("native", "text")
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class PoolError(ValueError):
    """A pool file or pool definition is invalid; the message lists every problem found."""


@dataclass(frozen=True)
class AgentSpec:
    """One bidder: an OpenAI-compatible chat endpoint and its price.

    ``price_per_mtok`` is USD per million tokens, every token alike: the paper's flat convention. Providers price
    prompt tokens below generated ones and prompt tokens served from their prefix cache far below both; the
    optional ``input_price_per_mtok``, ``output_price_per_mtok`` and ``cached_input_price_per_mtok`` say so (each
    unset one falls back: input and output to ``price_per_mtok``, cached input to the input price). The bid's cost
    term C prices a plan at the output price. ``structured_output`` says how the endpoint constrains short
    replies such as jury scores: ``json_schema`` (OpenAI, vLLM, llama.cpp's C++ server), ``json_object`` with an
    embedded schema (llama-cpp-python's server) or ``none`` (plain text, parsed strictly).
    """

    name: str
    model: str
    base_url: str
    price_per_mtok: float
    input_price_per_mtok: float | None = None
    output_price_per_mtok: float | None = None
    cached_input_price_per_mtok: float | None = None
    api_key_env: str | None = None
    timeout_s: float = 60.0
    max_tokens: int = 256
    max_retries: int = 1
    structured_output: StructuredOutput = "json_schema"
    logprobs: bool = True
    tool_protocol: Literal["native", "text"] = "native"
    simulated: bool = False

    @property
    def input_price(self) -> float:
        return self.price_per_mtok if self.input_price_per_mtok is None else self.input_price_per_mtok

    @property
    def output_price(self) -> float:
        return self.price_per_mtok if self.output_price_per_mtok is None else self.output_price_per_mtok

    @property
    def cached_input_price(self) -> float:
        return self.input_price if self.cached_input_price_per_mtok is None else self.cached_input_price_per_mtok

    def prices(self) -> dict[str, float]:
        """Both conventions' prices, as results and reports show them."""
        return {"price_per_mtok": self.price_per_mtok, "input_price_per_mtok": self.input_price,
                "output_price_per_mtok": self.output_price, "cached_input_price_per_mtok": self.cached_input_price}

    def api_key(self) -> str:
        """The key from ``api_key_env``; local servers accept any non-empty key."""
        if self.api_key_env:
            value = os.environ.get(self.api_key_env)
            if not value:
                raise PoolError(f"agent {self.name!r}: environment variable {self.api_key_env} is not set")
            return value
        return "sk-local-no-key"


@dataclass(frozen=True)
class Pool:
    """An ordered, validated set of agents. Construct with ``Pool.of(...)`` or ``load_pool(path)``."""

    agents: tuple[AgentSpec, ...]
    source: str = "python"
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, *agents: AgentSpec | dict[str, Any], source: str = "python") -> Pool:
        specs = [a if isinstance(a, AgentSpec) else _spec_from_mapping(a, f"agent {i + 1}", [])
                 for i, a in enumerate(agents)]
        return validate(specs, source=source)

    def get(self, name: str) -> AgentSpec:
        for agent in self.agents:
            if agent.name == name:
                return agent
        raise KeyError(f"no agent named {name!r} in the pool (agents: {', '.join(self.names)})")

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.agents]

    @property
    def simulated(self) -> bool:
        return any(a.simulated for a in self.agents)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "agents": [a.__dict__.copy() for a in self.agents]}


def load_pool(path: str | os.PathLike[str]) -> Pool:
    """Read and validate a TOML pool file; every problem is reported in one :class:`PoolError`."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PoolError(f"pool file {p}: cannot read it ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PoolError(f"pool file {p}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise PoolError(f"pool file {p}: invalid TOML: {exc}") from None
    return pool_from_mapping(data, source=str(p))


def pool_from_mapping(data: dict[str, Any], source: str = "python") -> Pool:
    problems: list[str] = []
    unknown_top = sorted(set(data) - {"agents"})
    if unknown_top:
        problems.append(f"unknown top-level key(s): {', '.join(unknown_top)} (only [[agents]] tables are allowed)")
    agents = data.get("agents", [])
    if not isinstance(agents, list) or not all(isinstance(a, dict) for a in agents):
        problems.append("`agents` must be an array of tables ([[agents]])")
        agents = []
    specs = []
    for i, table in enumerate(agents):
        label = f"agent {i + 1}" + (f" ({table['name']!r})" if isinstance(table.get("name"), str) else "")
        spec = _spec_from_mapping(table, label, problems)
        if spec is not None:
            specs.append(spec)
    return validate(specs, source=source, problems=problems, counted=len(agents))


def validate(
    specs: list[AgentSpec], source: str = "python", problems: list[str] | None = None, counted: int | None = None
) -> Pool:
    problems = list(problems or [])
    if (counted if counted is not None else len(specs)) == 0:
        problems.append("the pool has zero agents; declare at least one [[agents]] table")
    seen_names: dict[str, int] = {}
    seen_endpoints: dict[tuple[str, str], str] = {}
    for spec in specs:
        problems.extend(_field_problems(spec))
        if spec.name in seen_names:
            problems.append(f"duplicate agent name {spec.name!r}")
        seen_names[spec.name] = 1
        endpoint = (spec.base_url.rstrip("/"), spec.model)
        if endpoint in seen_endpoints:
            problems.append(
                f"agents {seen_endpoints[endpoint]!r} and {spec.name!r} are the same model endpoint "
                f"({spec.model} at {spec.base_url}); one model may bid only once"
            )
        else:
            seen_endpoints[endpoint] = spec.name
    if problems:
        raise PoolError(f"invalid pool ({source}):\n" + "\n".join(f"  - {p}" for p in problems))
    return Pool(agents=tuple(specs), source=source)


def _spec_from_mapping(table: dict[str, Any], label: str, problems: list[str]) -> AgentSpec | None:
    local: list[str] = []
    unknown = sorted(set(table) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        local.append(f"{label}: unknown key(s) {', '.join(unknown)}; allowed: "
                     f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}")
    missing = [k for k in REQUIRED_KEYS if k not in table]
    for key in missing:
        local.append(f"{label}: missing `{key}`" + (" (USD per million tokens)" if key == "price_per_mtok" else ""))
    typed = {
        "name": str, "model": str, "base_url": str, "api_key_env": str, "structured_output": str,
        "tool_protocol": str,
        **{k: (int, float) for k in ("price_per_mtok", *PROVIDER_PRICE_KEYS)}, "timeout_s": (int, float),
        "max_tokens": int, "max_retries": int,
        "logprobs": bool, "simulated": bool,
    }
    for key, kind in typed.items():
        if key in table and (not isinstance(table[key], kind) or (kind is not bool and isinstance(table[key], bool))):
            local.append(f"{label}: `{key}` has the wrong type ({type(table[key]).__name__})")
    if local:
        problems.extend(local)
        return None
    kwargs = {k: table[k] for k in REQUIRED_KEYS + OPTIONAL_KEYS if k in table}
    for key in ("price_per_mtok", *PROVIDER_PRICE_KEYS):
        if key in kwargs:
            kwargs[key] = float(kwargs[key])
    if "timeout_s" in kwargs:
        kwargs["timeout_s"] = float(kwargs["timeout_s"])
    return AgentSpec(**kwargs)


def _field_problems(spec: AgentSpec) -> list[str]:
    label = f"agent {spec.name!r}"
    out = []
    if not NAME_RE.fullmatch(spec.name):
        out.append(f"{label}: `name` must be 1-64 characters of letters, digits, '.', '_' or '-'")
    if not spec.model.strip():
        out.append(f"{label}: empty `model`")
    if not math.isfinite(spec.price_per_mtok) or spec.price_per_mtok < 0:
        out.append(f"{label}: `price_per_mtok` must be a finite number >= 0 (got {spec.price_per_mtok})")
    for key in PROVIDER_PRICE_KEYS:
        value = getattr(spec, key)
        if value is not None and (not math.isfinite(value) or value < 0):
            out.append(f"{label}: `{key}` must be a finite number >= 0 (got {value})")
    if (spec.cached_input_price_per_mtok is not None and math.isfinite(spec.input_price)
            and spec.cached_input_price_per_mtok > spec.input_price):
        out.append(f"{label}: `cached_input_price_per_mtok` ({spec.cached_input_price_per_mtok:g}) is above the input "
                   f"price ({spec.input_price:g}); a cache hit never costs more than the prompt token it replaces")
    url = urlparse(spec.base_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        out.append(f"{label}: bad `base_url` {spec.base_url!r} (expected http(s)://host[:port]/v1)")
    else:
        try:
            url.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            out.append(f"{label}: bad port in `base_url` {spec.base_url!r}")
    if not (0 < spec.timeout_s < math.inf):
        out.append(f"{label}: `timeout_s` must be a finite number > 0 (got {spec.timeout_s})")
    if spec.max_tokens <= 0:
        out.append(f"{label}: `max_tokens` must be > 0 (got {spec.max_tokens})")
    if spec.max_retries < 0:
        out.append(f"{label}: `max_retries` must be >= 0 (got {spec.max_retries})")
    if spec.tool_protocol not in TOOL_PROTOCOLS:
        out.append(f"{label}: `tool_protocol` must be one of {', '.join(TOOL_PROTOCOLS)}")
    if spec.structured_output not in STRUCTURED_OUTPUT_MODES:
        out.append(f"{label}: `structured_output` must be one of {', '.join(STRUCTURED_OUTPUT_MODES)}")
    return out
