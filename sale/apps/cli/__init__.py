"""The ``sale`` command line.

    sale run [--pool FILE] [--memory DIR] [--weights FILE] [--json] TASK     run one auction and execute the winner
    sale route [same options] TASK                                         the auction only: winner, plan, scores
    sale serve [--pool FILE] [--host H] [--port N]                         an OpenAI-compatible chat API
    sale bench --suite NAME|FILE [--pool FILE|sim:qwen3-ladder] [...]       SALE beside single agents and routers
    sale whatif DIR [--price NAME=USD_PER_MTOK ...] [--pool FILE] [--json]   a recorded run at other prices
    sale learn-weights --from DIR [--objective minmax|mean] --out FILE     fit weights on a bench run's auctions
    sale analyze shapley|dynamics --from DIR [--json]                      agents' Shapley values; win shares over time
    sale analyze robustness [--tasks N] [--mode M] [--jurors J]           lying jurors, paper vs robust mode
    sale sandbox [--timeout S] [--json] FILE                               run a file in the Python sandbox
    sale models prepare                                                    verify the bundled models (sha256)
    sale memory info|rebuild|quarantine ID|resign [--memory DIR]           inspect, rebuild or curate the memory

Exit codes: 0 success; 1 the auction or execution failed; 2 bad input (task, pool file, weights, memory lock);
130 / 143 a run, route or bench that SIGINT (Ctrl-C) / SIGTERM stopped.
Each command lives in the module named after it; parser.py holds every option and help text.
"""

from __future__ import annotations

from sale.apps.cli.common import EXIT_BAD_INPUT
from sale.apps.cli.parser import build_parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    return args.handler(args)
