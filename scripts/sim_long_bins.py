"""Write the simulated ladder's long bins (``sale/sim/long_bins.json``) from a real ``sale bench --suite
programs`` run: per bin and agent, its executor runs' pass rate, model steps per task and completion tokens per
step. No model call. Usage:

    .venv/bin/python scripts/sim_long_bins.py --from DIR [--out sale/sim/long_bins.json] [--check]

``--check`` writes nothing and fails when the committed file differs from what DIR gives (tests run it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sale.sim.long_bins import PROFILE, from_run  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", required=True, help="a real `sale bench --suite programs` DIR")
    parser.add_argument("--out", default=str(PROFILE), help=f"file to write (default {PROFILE.relative_to(ROOT)})")
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    try:
        figures = from_run(Path(args.source))
    except (OSError, ValueError, KeyError) as exc:
        print(f"sim_long_bins: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(figures, indent=2) + "\n"
    out = Path(args.out)
    if args.check:
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            print(f"sim_long_bins: {out} is not what {args.source} gives; rerun without --check", file=sys.stderr)
            return 1
        print(f"{out} matches {args.source}")
        return 0
    out.write_text(text, encoding="utf-8")
    for b, agents in figures["bins"].items():
        print(f"bin {b}: " + "; ".join(f"{a} pass {f['pass']:.2f}, {f['steps']:.1f} steps, "
                                       f"{f['completion_per_step']:.0f} completion tokens/step ({f['tasks']} tasks)"
                                       for a, f in agents.items()))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
