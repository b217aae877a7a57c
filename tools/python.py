"""The Python tool the executor calls: one fresh sandbox per call (see tools/sandbox.py), JSON back."""

from __future__ import annotations

import json

from sale.core.prompts import NO_OUTPUT
from tools.sandbox import SandboxConfig, SandboxUnavailable, run_python

MAX_OBSERVATION_CHARS = 4000


def python_observation(code: str, config: SandboxConfig) -> tuple[str, dict]:
    """Run ``code`` and describe the outcome for the agent; returns (observation, record for the ledger)."""
    if not code.strip():
        return "python error: no code given", {"ok": False, "error": "no code"}
    try:
        result = run_python(code, config)
    except SandboxUnavailable as exc:
        return f"python unavailable: {exc}", {"ok": False, "error": str(exc)}
    parts = []
    if result["stdout"]:
        parts.append(f"stdout:\n{result['stdout']}")
    if result["stderr"]:
        parts.append(f"stderr:\n{result['stderr']}")
    if result["result"] is not None:
        parts.append(f"result: {json.dumps(result['result'])}")
    if result["error"]:
        parts.append(f"error: {result['error']}")
    text = "\n".join(parts) or NO_OUTPUT
    if len(text) > MAX_OBSERVATION_CHARS:
        text = text[:MAX_OBSERVATION_CHARS] + "\n[observation truncated]"
    record = {k: result[k] for k in ("ok", "error", "timed_out", "truncated", "duration_s")}
    return text, record
