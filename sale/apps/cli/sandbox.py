"""``sale sandbox``: run one Python file through the executor's sandbox, to see what the agents' tool sees."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sale.apps.cli.common import EXIT_FAILED, report_error


def cmd_sandbox(args: argparse.Namespace) -> int:
    from tools.sandbox import SandboxConfig, SandboxUnavailable, run_python

    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        code = raw.decode("utf-8")
    except OSError as exc:
        return report_error(ValueError(f"cannot read {args.file}: {exc.strerror or exc}"))
    except UnicodeDecodeError:
        return report_error(ValueError(f"{args.file} is not UTF-8 text"))
    if not 0 < args.timeout <= 3600:
        return report_error(ValueError("--timeout must be in (0, 3600] seconds"))
    try:
        result = run_python(code, SandboxConfig(timeout_s=args.timeout, allow_weak=args.allow_weak))
    except SandboxUnavailable as exc:
        return report_error(exc)
    if args.json:
        keys = ("ok", "stdout", "stderr", "error", "timed_out", "duration_s")
        print(json.dumps({k: result[k] for k in keys} | {"result": result["result"],
                                                         "truncated": result["truncated"]}))
    else:
        sys.stdout.write(result["stdout"])
        sys.stderr.write(result["stderr"])
        if result["result"] is not None:
            print(json.dumps(result["result"]))
        if result["error"]:
            print(f"error: {result['error']}", file=sys.stderr)
    return 0 if result["ok"] else EXIT_FAILED
