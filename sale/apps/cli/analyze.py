"""``sale analyze``: Shapley values, win-share dynamics and the bid-signal report of a bench run; juror robustness
on the simulated ladder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sale.apps.cli.common import report_error


def cmd_analyze(args: argparse.Namespace) -> int:
    from sale.analysis.shapley import AnalysisError, dynamics, shapley

    if args.action == "robustness":
        from sale.analysis.robustness import run

        if args.tasks < 5:
            return report_error(ValueError("--tasks must be >= 5"))
        settings = ("consistent", "calibrated") if args.jurors == "both" else (args.jurors,)
        if args.juror_history < 0:
            return report_error(ValueError("--juror-history must be >= 0"))
        out = run(args.tasks, args.seed, args.mode, settings, args.juror_history)
        if args.json:
            print(json.dumps(out, indent=2))
            return 0
        history = f" + juror history {out['juror_history']}" if out["juror_history"] else ""
        print(f"SIMULATED ladder, {out['tasks']} auctions per attack; robust mode = {out['robust_mode']}{history}; "
              f"spec: robust win-rate change <= {out['spec']['win_rate_change_points']:g} points, winner changes <= "
              f"{100 * out['spec']['winner_change_rate']:g}%")
        print(f"{'jurors':11s} {'attack':14s} {'mode':7s} {'win-rate change':>16s} {'winner changes':>15s} "
              f"{'abstain floor':>14s}")
        for setting, attacks in out["jurors"].items():
            for attack, figures in attacks.items():
                for mode in ("paper", "robust"):
                    f = figures[mode]
                    verdict = ""
                    if mode == "robust":
                        verdict = "  within spec" if figures["robust_within_spec"] else (
                            "  within spec of the floor" if figures["robust_within_spec_of_floor"]
                            else "  outside spec")
                    print(f"{setting:11s} {attack:14s} {mode:7s} {f['win_rate_change_points']:>+14.1f}pt "
                          f"{100 * f['winner_change_rate']:>14.1f}% {100 * f['abstain_floor']:>13.1f}%{verdict}")
        return 0
    if args.action == "signal":
        return signal(args)
    try:
        if args.action == "shapley":
            out = shapley(Path(args.source), args.value)
        else:
            out = dynamics(Path(args.source), Path(args.out) if args.out else None)
    except AnalysisError as exc:
        return report_error(exc)
    if args.json:
        print(json.dumps(out, indent=2))
    elif args.action == "shapley":
        for label in ("with_memory", "without_memory"):
            if label in out:
                part = out[label]
                print(f"{label.replace('_', ' ')}: v(full) = {part['v_full']:.3f}, v(empty) = 0 "
                      f"({part['auctions']} auctions, value = {out['value']})")
                for agent, phi in part["shapley"].items():
                    print(f"  {agent:24s} {phi:+.4f}")
    else:
        for run, shares in out["final_share"].items():
            print(f"{run}: final win share " + ", ".join(f"{a} {100 * s:.1f}%" for a, s in shares.items()))
            blocks, trend = out["smallest_blocks"][run], out["smallest_trend"][run]
            print("  smallest agent per fifth of the stream: "
                  + " ".join(f"{100 * v:.1f}%" for v in blocks["share"]))
            if trend["slope_points"] is not None:
                print(f"  trend {trend['slope_points']:+.1f} pt per stream (s.e. {trend['se_points']:.1f}, "
                      f"{trend['orders']} orders): {trend['verdict']}")
        gain = out["memory_trend_gain"]
        if gain:
            print(f"memory's own share of the trend (with minus without, paired by order): "
                  f"{gain['slope_points']:+.1f} pt per stream (s.e. {gain['se_points']:.1f}): {gain['verdict']}")
        print(f"plot: {out['plot']}")
    return 0


def signal(args: argparse.Namespace) -> int:
    from sale.analysis.shapley import AnalysisError
    from sale.analysis.signal import format_signal_report, signal_report, write_signal_report

    source = Path(args.source)
    try:
        report = signal_report(source)
    except AnalysisError as exc:
        return report_error(exc)
    json_path, png_path = write_signal_report(report, Path(args.out) if args.out else source)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_signal_report(report))
        print(f"\nwritten: {json_path}, {png_path}")
    return 0
