"""``sale models prepare``: assemble and verify the bundled local models before the first run needs them."""

from __future__ import annotations

import argparse

from sale.apps.cli.common import report_error


def cmd_models_prepare(args: argparse.Namespace) -> int:
    from sale.local import LADDER, EmbeddedPoolError, gguf_path

    for model in LADDER:
        try:
            path = gguf_path(model)
        except EmbeddedPoolError as exc:
            return report_error(exc)
        print(f"{model.name}: {path} ({path.stat().st_size:,} bytes, ${model.price_per_mtok}/Mtok)")
    return 0
