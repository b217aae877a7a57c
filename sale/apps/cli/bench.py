"""``sale bench``: SALE beside single agents and routers on a suite, once or over several seeds."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from sale.apps.cli.common import (
    EXIT_FAILED,
    EXIT_TERMINATED,
    Terminated,
    report_error,
    report_interrupted,
    run_interruptible,
)
from sale.core.pool import PoolError, load_pool

DEFAULT_ROUTER_LIST = ("sale", "sale-nomem", "single:largest", "wtp", "carrot", "to-router", "frugalgpt", "oracle")


def bench_config(args: argparse.Namespace) -> Any:
    from sale.bench.config import BenchConfig, BenchError, parse_floats
    from sale.sim.params import SIM_POOL, SimParams

    if args.pool and args.pool != SIM_POOL:
        load_pool(args.pool)
    if args.weights:
        from sale.core.cost import Weights

        Weights.from_file(args.weights)
    signals: tuple[float, ...] = ()
    sim = SimParams()
    if args.signal and args.pool != SIM_POOL:
        raise BenchError("--signal needs --pool sim:qwen3-ladder")
    if args.signal == "measured":
        from sale.sim.params import MEASURED_SIGNAL

        if args.suite not in MEASURED_SIGNAL:
            raise BenchError(f"--signal measured: no signal measured on the real ladder for suite {args.suite!r} "
                             f"(measured: {', '.join(MEASURED_SIGNAL)})")
        sim = SimParams(signal=MEASURED_SIGNAL[args.suite])
    elif args.signal:
        values = parse_floats(args.signal, "--signal")
        if len(values) == 1:
            sim = SimParams(signal=values[0])
        else:
            signals = values
    biases: tuple[float, ...] = ()
    for sweep in args.sweep:
        knob, _, values = sweep.partition("=")
        if knob != "budget_bias":
            raise BenchError(f"--sweep {sweep!r}: only budget_bias=V1,V2,... can be swept")
        biases += parse_floats(values, "--sweep budget_bias")
    if args.size < 5:
        raise BenchError("--size must be >= 5 (one task per bin)")
    from memory_store import RetentionPolicy

    RetentionPolicy.parse(args.memory_policy)
    if args.max_steps < 0:
        raise BenchError("--max-steps must be >= 1 (or 0 for the default)")
    return BenchConfig(
        suite=args.suite, pool=args.pool, routers=tuple(r.strip() for r in args.routers.split(",") if r.strip()),
        seed=args.seed, size=args.size, limit=args.limit, orders=args.orders, out=Path(args.out),
        train_share=args.train_share, signals=signals, budget_biases=biases, target_quality=args.target_quality,
        weights_file=args.weights, jury_mode=args.jury_mode, corpus=args.corpus, judge=args.judge,
        replay=Path(args.replay) if args.replay else None, concurrency=args.concurrency, sim=sim,
        max_steps=args.max_steps, memory_policy=args.memory_policy, refit_every=args.refit_every,
        refine_min_similarity=args.refine_min_similarity, jury_batch=args.jury_batch,
        jury_signal=args.jury_signal, jury_reason=args.jury_reason, jury_layout=args.jury_layout,
        rebid_exemplars=args.rebid_exemplars, reuse=Path(args.reuse) if args.reuse else None,
        keep_failures=args.keep_failures,
        progress=not args.no_progress and not args.json, domain=args.domain, execution=args.execution,
    )


def preflight_bench(cfg: Any) -> None:
    """The run's settings (``check_config``), the pool's keys, every row of a suite file and the output
    directory, before any call or write; raises one ConfigError listing every problem."""
    from sale.bench.config import BenchError, check_config
    from sale.core.preflight import directory_problem, key_problems, raise_problems
    from sale.sim.params import SIM_POOL
    from sale.suites.suite import SUITES, SuiteError, load_suite

    problems = [directory_problem(cfg.out, "--out")]
    try:
        check_config(cfg)
    except BenchError as exc:
        problems += str(exc).splitlines()
    if cfg.pool and cfg.pool != SIM_POOL:
        problems += key_problems(load_pool(cfg.pool))
    elif not cfg.pool:
        from sale.local.pool import embedded_problems

        problems += embedded_problems(cpu=cfg.replay is None)  # a replay runs anywhere, with the same settings
    if cfg.suite not in SUITES:
        try:
            load_suite(cfg.suite, cfg.seed, cfg.out / "suite", domains=tuple(d.name for d in cfg.domains))
        except SuiteError as exc:
            problems += exc.problems
    raise_problems(problems)


def cmd_bench(args: argparse.Namespace) -> int:
    from sale.bench.config import BenchError
    from sale.bench.runner import run_bench
    from sale.suites.suite import SuiteError

    try:
        cfg = bench_config(args)
        preflight_bench(cfg)
    except (BenchError, PoolError, SuiteError, ValueError) as exc:
        return report_error(exc)
    if args.seeds:
        return _bench_seeds(args, cfg)
    from sale.local import EmbeddedPoolError

    try:
        results = run_interruptible(run_bench(cfg))
    except (BenchError, SuiteError, FileNotFoundError) as exc:
        return report_error(exc)
    except EmbeddedPoolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return report_interrupted(cfg.out, replay=bool(cfg.replay))
    except Terminated:
        return report_interrupted(cfg.out, EXIT_TERMINATED, replay=bool(cfg.replay))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_bench(results, cfg.out)
    return 0


def _bench_seeds(args: argparse.Namespace, cfg: Any) -> int:
    from dataclasses import replace

    from sale.bench.config import BenchError
    from sale.bench.runner import run_bench
    from sale.bench.seeds import summarise_seeds, write_seeds_report
    from sale.suites.suite import SuiteError

    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        return report_error(ValueError(f"--seeds {args.seeds!r}: give integers, e.g. 0,1,2"))
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        return report_error(ValueError("--seeds needs at least two different seeds"))
    if args.replay:
        return report_error(ValueError("--seeds cannot be combined with --replay (replay one seed's directory)"))
    from sale.local import EmbeddedPoolError

    by_seed = {}
    for seed in seeds:
        try:
            by_seed[seed] = run_interruptible(run_bench(replace(cfg, seed=seed, out=cfg.out / f"seed-{seed}")))
        except (BenchError, SuiteError, FileNotFoundError) as exc:
            return report_error(exc)
        except EmbeddedPoolError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
        except KeyboardInterrupt:
            return report_interrupted(cfg.out / f"seed-{seed}")
        except Terminated:
            return report_interrupted(cfg.out / f"seed-{seed}", EXIT_TERMINATED)
        if not args.json:
            print_bench(by_seed[seed], cfg.out / f"seed-{seed}")
    summary = summarise_seeds(by_seed)
    (cfg.out / "seeds.json").write_text(json.dumps(summary, indent=2))
    write_seeds_report(summary, cfg.out)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"over seeds {', '.join(map(str, seeds))}: {cfg.out / 'seeds.md'} · {cfg.out / 'seeds.json'}")
    return 0


def print_bench(results: dict[str, Any], out: Path) -> None:
    console = Console(width=max(Console().width, 120))
    title = f"{results['suite']} · {results['label']} · {results['n_test']} test tasks"
    table = Table(title=title)
    for col in ("router", "pass@1", "cost USD", "x largest", "largest share", "auction tokens", "wall s"):
        table.add_column(col, justify="left" if col == "router" else "right")
    for name, f in results["routers"].items():
        if f:
            table.add_row(name, f"{100 * f['pass_at_1']:.1f}%", f"{f['cost_usd']:.5f}",
                          f"{f.get('cost_vs_largest', 0):.2f}", f"{100 * f['largest_share']:.0f}%",
                          f"{100 * f['auction_token_share']:.1f}%", f"{f['wall_s']:.1f}")
    console.print(table)
    console.print(f"results: {out / 'results.json'} · report: {out / 'report.md'}")
