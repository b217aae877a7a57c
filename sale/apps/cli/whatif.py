"""``sale whatif``: a recorded bench run at another price list, with no model call (sale/bench/whatif.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sale.apps.cli.common import report_error


def cmd_whatif(args: argparse.Namespace) -> int:
    from sale.bench.whatif import WhatifError, format_whatif, load_recording, parse_prices, whatif

    try:
        recording = load_recording(Path(args.run))
        out = whatif(recording, parse_prices(recording, args.price, args.pool or ""))
    except WhatifError as exc:
        return report_error(exc)
    print(json.dumps(out, indent=2) if args.json else format_whatif(out), end="" if not args.json else "\n")
    return 0
