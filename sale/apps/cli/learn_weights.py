"""``sale learn-weights``: fit the scoring weights on a bench run's auctions and write them atomically."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sale.apps.cli.common import report_error


def cmd_learn(args: argparse.Namespace) -> int:
    from sale.analysis.learn import LearnError, learn

    if not 0 < args.cap <= 1:
        return report_error(ValueError("--cap must be in (0, 1]"))
    if not 0 <= args.holdout < 1:
        return report_error(ValueError("--holdout must be in [0, 1)"))
    try:
        out = learn(Path(args.source), args.objective, args.cap, args.holdout, args.seed, args.signed_entropy)
    except LearnError as exc:
        return report_error(exc)
    target = Path(args.out)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(out, indent=2), encoding="utf-8")
    tmp.replace(target)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        fit = out["fit"]
        print(f"weights ({args.objective}, {out['n_train']} train / {out['n_test']} held-out tasks): "
              + ", ".join(f"{k}={v:g}" for k, v in out["weights"].items()))
        if out["signed_entropy"]:
            print(f"  the data gives the entropy weight a {out['entropy_sign']} sign")
        for name in ("learned", "default"):
            t = fit[name]["test"]
            print(f"  {name:8s} held-out: routing accuracy {100 * t['routing_accuracy']:.1f}%, "
                  f"pass@1 {100 * t['pass_at_1']:.1f}%, execution cost ${t['cost_usd']:.5f}")
        print(f"written to {target}")
    return 0
