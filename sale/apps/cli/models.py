"""``sale models prepare``: rehash the bundled models and record them as verified, before the first run needs
them. It fetches nothing: a missing or corrupt GGUF is one error naming ``bash scripts/setup.sh``."""

from __future__ import annotations

import argparse

from sale.apps.cli.common import report_error


def cmd_models_prepare(args: argparse.Namespace) -> int:
    from sale.local import LADDER, EmbeddedPoolError
    from sale.local.models import verify

    for model in LADDER:
        try:
            path = verify(model)
        except EmbeddedPoolError as exc:
            return report_error(exc)
        print(f"{model.name}: {path} ({path.stat().st_size:,} bytes, sha256 verified, ${model.price_per_mtok}/Mtok)")
    return 0
