"""Every command's options and help texts, in one argparse tree; each command's handler lives in its own module."""

from __future__ import annotations

import argparse

from sale.apps.cli.analyze import cmd_analyze
from sale.apps.cli.bench import DEFAULT_ROUTER_LIST, cmd_bench
from sale.apps.cli.learn_weights import cmd_learn
from sale.apps.cli.memory import cmd_memory
from sale.apps.cli.models import cmd_models_prepare
from sale.apps.cli.run import cmd_run
from sale.apps.cli.sandbox import cmd_sandbox
from sale.apps.cli.serve import cmd_serve
from sale.apps.cli.whatif import cmd_whatif
from sale.core.cost import JURY_SIGNALS
from sale.core.prompts import JURY_LAYOUTS, REBID_EXEMPLAR_MODES
from sale.core.tasks import DOMAINS

JURY_SIGNAL_HELP = ("what a juror's reply becomes: integer (the paper: the digit it wrote; default), expected (its "
                    "expected score from the probabilities it gave each digit), verdict (it predicts pass or fail; "
                    "5 x P(pass)); the last two need logprobs and fall back to the written reply")
JURY_LAYOUT_HELP = ("jury prompt layout: paper (the paper's prompts; default) or shared_prefix (the reply rule ahead "
                    "of the bid, so prefix caches serve all of a juror's prompt but the bid)")
REBID_EXEMPLARS_HELP = ("how a rebid quotes past auctions: full (whole strategies; default) or digest (each "
                        "strategy's first 30 words)")


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
    serve.add_argument("--api-keys-file", metavar="FILE",
                       help="require `Authorization: Bearer KEY` with one of the keys in FILE (one per line; "
                            "default: $SALE_API_KEYS, comma-separated, else no key)")
    serve.add_argument("--insecure", action="store_true",
                       help="allow a non-loopback --host without API keys")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="N server processes on one listening socket (default 1); more than one needs the "
                            "shared memory: --memory-log and --memory-index")
    serve.set_defaults(handler=cmd_serve)

    bench = sub.add_parser("bench", help="benchmark SALE against single agents and routers on a suite")
    bench.add_argument("--suite", default="deep-search",
                       help="deep-search, coding (generated from --seed), programs (hand-written small programs, "
                            "three bins) or a JSONL file of your own tasks")
    bench.add_argument("--pool", default="",
                       help="TOML pool file, sim:qwen3-ladder (simulated Qwen3 ladder), or empty for the embedded pool")
    bench.add_argument("--routers", default=",".join(DEFAULT_ROUTER_LIST),
                       help="comma-separated: sale, sale-nomem, single:NAME, single:largest, wtp, carrot, "
                            "to-router, frugalgpt, oracle (default: all), and sale-learned (weights fitted on the "
                            "train split), sale-adaptive (the adaptive auction policy), sale-cascade (the cascade "
                            "policy; sale-cascade-tests: with cascade_tests; sale-cascade-loop: the last agent's "
                            "failed draft goes to the tool loop), sale-reliable (the paper's auction, jurors "
                            "weighed by their record over the last 200 verdicts), sale-online (weights refitted "
                            "from its own verdicts every --refit-every), direct:NAME, direct:largest (one call "
                            "with the task alone; real pools only)")
    bench.add_argument("--seed", type=int, default=0, help="suite, split and stream order seed (default 0)")
    bench.add_argument("--seeds", default="", metavar="S1,S2,...",
                       help="run the whole bench once per seed (DIR/seed-N/) and summarise mean ± sd over seeds in "
                            "DIR/seeds.json and DIR/seeds.md")
    bench.add_argument("--size", type=int, default=100,
                       help="tasks generated for a shipped suite (default 100; programs: its first N, all if fewer)")
    bench.add_argument("--limit", type=int, help="use only the first N tasks (bins stay balanced)")
    bench.add_argument("--orders", type=int, default=1, help="stream orderings SALE is averaged over (default 1)")
    bench.add_argument("--out", default="bench-out", help="output directory (default bench-out)")
    bench.add_argument("--train-share", type=float, default=0.4,
                       help="share of tasks the predictive routers train on (default 0.4)")
    bench.add_argument("--signal", help="simulated pool only: one value sets the agents' signal; several "
                                        "(comma-separated) are swept and reported; `measured` sets the signal at "
                                        "which simulated bids are as informative as the real ladder's "
                                        "(docs/benchmark.md)")
    bench.add_argument("--sweep", action="append", default=[], metavar="budget_bias=V1,V2,...",
                       help="sweep the cost-quality knob and calibrate it to --target-quality")
    bench.add_argument("--target-quality", type=float, default=0.95,
                       help="knob calibration target: share of the largest agent's pass@1 (default 0.95)")
    bench.add_argument("--weights", default="", help="JSON weights file for SALE (e.g. from learn-weights)")
    bench.add_argument("--jury-mode", default="paper", choices=("paper", "peer", "median", "trimmed", "consensus"))
    bench.add_argument("--corpus", default="", help="search corpus for a JSONL suite (deep-search brings its own)")
    bench.add_argument("--judge", default="", help="pool agent that grades llm_judge tasks")
    bench.add_argument("--replay", help="re-run exactly from a previous run's DIR/calls.jsonl, calling no model")
    bench.add_argument("--reuse", metavar="DIR",
                       help="serve identical model calls from an earlier run's DIR/calls.jsonl and make only the "
                            "new ones (add routers or settings to a run without paying for it again)")
    bench.add_argument("--keep-failures", action="store_true",
                       help="with --reuse: a call the recording holds as failed (e.g. a client timeout) fails again "
                            "instead of being asked anew, as in a replay; deadline misses are still asked anew (a "
                            "call cancelled by stopping a run is recorded as one)")
    bench.add_argument("--concurrency", type=int, default=0, help="single-agent runs at once (default 8 sim, 1 real)")
    bench.add_argument("--jury-batch", action="store_true",
                       help="SALE's jurors score all bids of a round in one call (N calls instead of N^2)")
    bench.add_argument("--jury-signal", choices=JURY_SIGNALS, default="integer", help=JURY_SIGNAL_HELP)
    bench.add_argument("--domain", choices=DOMAINS, default="",
                       help="run every task in this domain (default: each task's own, from its suite row or the rule)")
    bench.add_argument("--jury-layout", choices=JURY_LAYOUTS, default="paper", help=JURY_LAYOUT_HELP)
    bench.add_argument("--rebid-exemplars", choices=REBID_EXEMPLAR_MODES, default="full", help=REBID_EXEMPLARS_HELP)
    bench.add_argument("--jury-reason", action="store_true",
                       help="SALE's jurors give one sentence of reasoning before each score")
    bench.add_argument("--memory-policy", default="",
                       help="SALE's memory retention (see memory_store/policy.py); default unbounded")
    bench.add_argument("--refine-min-similarity", type=float, default=0.0, metavar="S",
                       help="SALE rebids only when memory holds a past auction at least S similar (default 0: "
                            "the paper, always)")
    bench.add_argument("--refit-every", type=int, default=5, metavar="N",
                       help="sale-online refits its weights from its memory's verdicts after every N of them "
                            "(default 5)")
    add_execution_arg(bench)
    bench.add_argument("--max-steps", type=int, default=0,
                       help="executor model calls per task (default 24 simulated, 6 real; real pools on programs "
                            "tasks: 2 + 2 x bin, which N caps)")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar (off a terminal: no progress lines)")
    bench.add_argument("--json", action="store_true", help="print results.json to stdout")
    bench.set_defaults(handler=cmd_bench)

    what = sub.add_parser("whatif", help="re-price a recorded bench run at other prices, with no model call")
    what.add_argument("run", metavar="DIR", help="a `sale bench --out` directory (results.json, tasks.jsonl)")
    what.add_argument("--price", action="append", default=[], metavar="NAME=USD_PER_MTOK",
                      help="an agent's price per million tokens (repeatable; scales all of its prices alike)")
    what.add_argument("--pool", default="", metavar="FILE",
                      help="take every agent's prices from this TOML pool file (--price overrides it); a cascade "
                           "is re-run with its agents")
    what.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    what.set_defaults(handler=cmd_whatif)

    learn = sub.add_parser("learn-weights", help="fit scoring weights (min-max MILP) on a bench run's auctions")
    learn.add_argument("--from", dest="source", required=True, help="a `sale bench --out` directory")
    learn.add_argument("--objective", choices=("minmax", "mean"), default="minmax")
    learn.add_argument("--out", required=True, help="weights JSON to write (for --weights and the context)")
    learn.add_argument("--cap", type=float, default=0.5, help="largest share of the jury weight per juror")
    learn.add_argument("--holdout", type=float, default=0.3, help="share of tasks held out to report fit quality")
    learn.add_argument("--seed", type=int, default=0)
    learn.add_argument("--signed-entropy", action="store_true",
                       help="let the entropy weight come out negative (the paper assumes a more uncertain plan is "
                            "worth more; the data may say otherwise)")
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
    sig = analyze_sub.add_parser("signal", help="do the bids predict success? AUC and same-task ranking accuracy "
                                                "of every value signal against each bidder's own outcome")
    sig.add_argument("--from", dest="source", required=True,
                     help="a `sale bench --out` directory with `sale` (or `sale-nomem`) and every `single:NAME`")
    sig.add_argument("--out", help="directory for signal.json and signal.png (default: the --from directory)")
    sig.add_argument("--json", action="store_true", help="print signal.json to stdout")
    sig.set_defaults(handler=cmd_analyze)
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
    prepare = models_sub.add_parser("prepare", help="verify the bundled models (sha256); scripts/setup.sh fetches them")
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
    p.add_argument("--refine-min-similarity", type=float, default=0.0, metavar="S",
                   help="rebid only when memory holds a past auction at least S similar (default 0: always)")
    p.add_argument("--auction-policy", choices=("always", "adaptive", "cascade"), default="always",
                   help="adaptive: skip the auction when the nearest past auctions agree on a winner (see "
                        "docs/memory.md); cascade: the cheapest agent memory finds credible answers first, its "
                        "answer is checked against the task's examples, a failure escalates (docs/cascade.md); "
                        "default always (the paper's auction)")
    p.add_argument("--cascade-last-resort", choices=("deliver", "loop"), default="deliver",
                   help="cascade: when the last agent's draft fails the task's examples, deliver it (after one "
                        "redraft; the output says it failed) or hand it to the executor's tool loop (default deliver)")
    p.add_argument("--jury-reason", action="store_true",
                     help="jurors give one sentence of reasoning before each score (more tokens, better judging)")
    p.add_argument("--jury-batch", action="store_true",
                   help="one call per juror scoring all bids of a round (N calls instead of N^2)")
    p.add_argument("--jury-signal", choices=JURY_SIGNALS, default="integer", help=JURY_SIGNAL_HELP)
    p.add_argument("--jury-layout", choices=JURY_LAYOUTS, default="paper", help=JURY_LAYOUT_HELP)
    p.add_argument("--rebid-exemplars", choices=REBID_EXEMPLAR_MODES, default="full", help=REBID_EXEMPLARS_HELP)
    p.add_argument("--juror-reliability", type=int, default=0, metavar="N",
                   help="weight jurors by how well their scores predicted the last N verified verdicts in memory; "
                        "a constant or non-predicting juror is dropped and not called (default 0 = off)")
    p.add_argument("--search", choices=("ddgs", "bm25"), default="ddgs",
                     help="executor web search: ddgs (live web) or bm25 (offline, over --corpus)")
    p.add_argument("--corpus", help="directory of .txt/.md/.jsonl documents for --search bm25")
    p.add_argument("--domain", choices=("auto", *DOMAINS), default="auto",
                   help="the task's domain, which picks the executor's tools (coding: Python; deep_search: search "
                        "and Python); auto: a task that asks for code is coding (default)")
    add_execution_arg(p)
    p.add_argument("--budget-bias", type=float, default=1.0,
                   help="cost-quality knob: scales the cost term against the value terms (default 1; 0 = quality "
                        "only, larger = cheaper agents)")
    p.add_argument("--allow-weak-sandbox", action="store_true",
                     help="let the Python tool run without namespaces where bubblewrap cannot (warns loudly)")


def add_execution_arg(p: argparse.ArgumentParser) -> None:
    from sale.core.deliverable import EXECUTIONS

    p.add_argument("--execution", choices=EXECUTIONS, default="auto",
                   help="auto: answer coding tasks in one call and keep the answer if it passes the task's own "
                        "examples, else run the ReAct loop (default); react: always the loop (the paper)")


def add_auction_args(p: argparse.ArgumentParser) -> None:
    add_pool_args(p)
    p.add_argument("task", nargs="?", help="the task text; '-' reads it from standard input")
    p.add_argument("--task-file", help="read the task from a UTF-8 text file")
    p.add_argument("--thread-id", help="resume (or name) this checkpoint thread; default: a new auction id")
    p.add_argument("--checkpoints", default="", metavar="PATH|URL",
                   help="checkpoint store: a SQLite file or postgresql://... (default $SALE_CHECKPOINT_URL, else "
                        "checkpoints.sqlite in the memory directory)")
    p.add_argument("--json", action="store_true", help="print one JSON object (schema in docs/cli.md)")
