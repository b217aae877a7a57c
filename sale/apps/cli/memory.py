"""``sale memory``: inspect, rebuild or curate the auction memory; prints where it lives, never a password."""

from __future__ import annotations

import argparse
import json

from sale.apps.cli.common import BadInput, memory_dir_of, open_memory, report_error
from sale.core.preflight import ConfigError, memory_problems, raise_problems


def _redacted(url: str) -> str:
    """A database URL without its password, for printing."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def cmd_memory(args: argparse.Namespace) -> int:
    from graphs.live import shared_memory_urls

    try:
        if not shared_memory_urls(args.memory_log, args.memory_index)[0]:
            raise_problems(memory_problems(memory_dir_of(args)))  # a damaged log is refused, never rewritten
        memory = open_memory(args)
    except (BadInput, ConfigError) as exc:
        return report_error(exc)
    with memory:
        if args.action == "rebuild":
            print(f"reindexed {memory.rebuild_index()} auction(s)")
        elif args.action == "quarantine":
            if not memory.quarantine(args.auction_id, args.reason):
                return report_error(ValueError(f"no auction {args.auction_id!r} in {memory.directory}"))
            print(f"quarantined {args.auction_id}")
        elif args.action == "resign":
            print(f"signed {memory.resign()} record(s)")
        where = {"log_url": _redacted(memory.log_url), "index_url": memory.index_url} if memory.shared else {}
        print(json.dumps({"directory": str(memory.directory), **where, "log": memory.size(),
                          "index": memory.index.count()}))
    return 0
