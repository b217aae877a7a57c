"""Figures for the embedded runtime, printed (never asserted): per model and for whole auctions.

    .venv/bin/python scripts/local_runtime_figures.py [--threads 1,2] [--out FILE.json]
        [--old-venv PATH]     also measure llama-cpp-python's server from that venv (the old runtime)
        [--setup]             also time scripts/setup.sh in a fresh clone with a fresh venv and empty pip cache

1. Per model (one server at a time, the others stopped): load time (process start to first successful
   completion), generation speed of one request with and without logprobs (llama.cpp's own ``timings`` and wall
   tokens/s), and aggregate completion tokens/s for 1 and 4 concurrent requests.
2. Whole auctions on the embedded three-model pool, route-only (execution apart), two tasks in a row on a fresh
   memory so the second can refine: wall time per phase (bids, jury, refinement) and tokens by purpose, for each
   ``--threads`` setting (threads per server; all servers share the machine's cores).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sale.local import LADDER, LocalServer, RuntimeSettings, embedded_pool, free_port, gguf_path  # noqa: E402
from sale.local.models import BundledModel  # noqa: E402

PROMPT = ("Task {n}: write a short numbered plan (at most 8 steps) for implementing and testing a Python "
          "function that merges overlapping intervals.")
TASKS = (
    "Write a Python function is_palindrome(s) that ignores case and spaces, and say how you would test it.",
    "Write a Python function is_anagram(a, b) that ignores case and spaces, and say how you would test it.",
)


@dataclass
class OldServer(LocalServer):
    """llama-cpp-python's server (the runtime before this one), from another venv's ``python``."""

    python: str = ""

    def command(self) -> list[str]:
        return [self.python, "-m", "llama_cpp.server", "--model", str(self.gguf), "--model_alias", self.model.name,
                "--port", str(self.port), "--n_ctx", "4096", "--n_threads", str(self.settings.threads),
                "--logits_all", "True"]


def complete(base_url: str, model: str, n: int, logprobs: bool, max_tokens: int = 128) -> dict:
    body = {"model": model, "messages": [{"role": "user", "content": PROMPT.format(n=n)}], "max_tokens": max_tokens,
            "temperature": 0}
    if logprobs:
        body |= {"logprobs": True, "top_logprobs": 5}
    started = time.monotonic()
    reply = httpx.post(f"{base_url}/chat/completions", json=body, timeout=600).json()
    wall = time.monotonic() - started
    tokens = reply["usage"]["completion_tokens"]
    timings = reply.get("timings") or {}
    return {"tokens": tokens, "wall_s": wall, "wall_tok_s": tokens / wall,
            "gen_tok_s": timings.get("predicted_per_second"),
            "has_logprobs": bool((reply["choices"][0].get("logprobs") or {}).get("content"))}


def aggregate(base_url: str, model: str, concurrent: int, seed: int) -> float:
    out: list[int] = []
    workers = [threading.Thread(target=lambda i=i: out.append(complete(base_url, model, seed + i, True)["tokens"]))
               for i in range(concurrent)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(out) / (time.monotonic() - started)


def per_model(model: BundledModel, settings: RuntimeSettings, log_dir: Path, old_python: str = "") -> dict:
    server = OldServer(model, gguf_path(model), free_port(), settings, python=old_python) if old_python else \
        LocalServer(model, gguf_path(model), free_port(), settings)
    started = time.monotonic()
    server.start(log_dir)
    try:
        server.wait_ready(started + 600)
        load_s = time.monotonic() - started
        plain = [complete(server.base_url, model.name, 100 + i, False) for i in range(2)]
        with_lp = [complete(server.base_url, model.name, 200 + i, True) for i in range(2)]
        assert all(r["has_logprobs"] for r in with_lp), "logprobs requested but not returned"
        agg1 = aggregate(server.base_url, model.name, 1, 300)
        agg4 = aggregate(server.base_url, model.name, 4, 400)
    finally:
        server.stop()

    def med(rows: list[dict], key: str) -> float | None:
        values = [r[key] for r in rows if r[key] is not None]
        return round(statistics.median(values), 1) if values else None

    return {"model": model.name, "runtime": "llama-cpp-python 0.3.36" if old_python else "xllamacpp",
            "threads": settings.threads, "load_s": round(load_s, 1),
            "gen_tok_s": med(plain, "gen_tok_s"), "gen_tok_s_logprobs": med(with_lp, "gen_tok_s"),
            "wall_tok_s": med(plain, "wall_tok_s"), "wall_tok_s_logprobs": med(with_lp, "wall_tok_s"),
            "aggregate_tok_s_1": round(agg1, 1), "aggregate_tok_s_4": round(agg4, 1)}


async def auctions(settings: RuntimeSettings) -> dict:
    from graphs.auction import build_auction_graph
    from graphs.context import AuctionContext, Live
    from memory_store import AuctionMemory

    graph = build_auction_graph().compile()
    rows = []
    started = time.monotonic()
    with embedded_pool(settings=settings) as pool, tempfile.TemporaryDirectory() as tmp:
        start_s = time.monotonic() - started
        with AuctionMemory(Path(tmp) / "memory") as memory:
            ctx = AuctionContext(live=Live(pool=pool, memory=memory), route_only=True, search_backend="bm25",
                                 search_corpus=str(ROOT / "examples" / "corpus"))
            for task in TASKS:
                marks: dict[str, float] = {}
                t0 = time.monotonic()
                result = None
                async for update in graph.astream({"task": task}, context=ctx, stream_mode="updates"):
                    now = time.monotonic() - t0
                    for node, value in update.items():
                        marks.setdefault(node, now)
                        marks[f"{node}:last"] = now
                        if node == "finish":
                            result = value["result"]
                total = time.monotonic() - t0
                bids_end = marks.get("bid:last", 0.0)
                jury_end = marks.get("select_provisional", bids_end)
                refine_s = marks.get("select_final", jury_end) - jury_end
                usage = result["usage"]
                rows.append({
                    "task": task[:40], "winner": result["winner"], "provisional": result["provisional_winner"],
                    "refined": sum(1 for b in result["bids"] if b["refined"]),
                    "entropy_missing": sum(1 for b in result["bids"] if b["entropy_missing"]),
                    "invalid_jury": sum(len(result["jurors"]) - len(b["jury"]) for b in result["bids"]
                                        if b["disqualified"] is None),
                    "bids_s": round(bids_end, 1), "jury_s": round(jury_end - bids_end, 1),
                    "refine_s": round(refine_s, 1), "auction_s": round(total, 1),
                    "tokens_by_purpose": usage["tokens_by_purpose"], "auction_tokens": usage["auction_tokens"],
                    "auction_completion_tokens": usage["auction_completion_tokens"], "calls": usage["calls"],
                })
    return {"threads": settings.threads, "slots": settings.slots, "pool_start_s": round(start_s, 1),
            "auctions": rows}


def time_setup() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "sale"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "SALE_CACHE_DIR": str(Path(tmp) / "cache")}
        runs = []
        for _ in range(2):
            started = time.monotonic()
            subprocess.run(["bash", "scripts/setup.sh"], cwd=clone, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            runs.append(round(time.monotonic() - started, 1))
    return {"first_s": runs[0], "second_s": runs[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2", help="threads per server to compare, comma-separated")
    parser.add_argument("--old-venv", default="", help="a venv with llama-cpp-python[server]==0.3.36 to compare")
    parser.add_argument("--setup", action="store_true", help="also time scripts/setup.sh in a fresh clone")
    parser.add_argument("--skip-models", action="store_true")
    parser.add_argument("--out", default="", help="write the figures as JSON here too")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    base = RuntimeSettings.from_env()
    figures: dict = {"machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
                     "models": [], "auctions": []}
    log_dir = Path(tempfile.mkdtemp(prefix="sale-figures-"))
    if not args.skip_models:
        for model in LADDER:
            for t in threads:
                figures["models"].append(row := per_model(model, replace(base, threads=t), log_dir))
                print(json.dumps(row), flush=True)
                if args.old_venv:
                    old = per_model(model, replace(base, threads=t), log_dir, str(Path(args.old_venv) / "bin/python"))
                    figures["models"].append(old)
                    print(json.dumps(old), flush=True)
    for t in threads:
        figures["auctions"].append(run := asyncio.run(auctions(replace(base, threads=t))))
        print(json.dumps(run), flush=True)
    if args.setup:
        figures["setup"] = time_setup()
        print(json.dumps(figures["setup"]), flush=True)
    print()
    print(report(figures))
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")


def report(figures: dict) -> str:
    lines = [f"machine: {figures['machine']['cpu']}, {figures['machine']['cores']} cores", ""]
    if figures["models"]:
        lines += ["| model | runtime | threads | load s | gen tok/s | gen tok/s, logprobs | wall tok/s, logprobs "
                  "| aggregate tok/s, 1 req | aggregate tok/s, 4 req |", "|---|---|---|---|---|---|---|---|---|"]
        for r in figures["models"]:
            lines.append(f"| {r['model']} | {r['runtime']} | {r['threads']} | {r['load_s']} | {r['gen_tok_s']} | "
                         f"{r['gen_tok_s_logprobs']} | {r['wall_tok_s_logprobs']} | {r['aggregate_tok_s_1']} | "
                         f"{r['aggregate_tok_s_4']} |")
        lines.append("")
    lines += ["| threads/server | pool start s | task | bids s | jury s | refine s | auction s | auction tokens "
              "(generated) | winner |", "|---|---|---|---|---|---|---|---|---|"]
    for run in figures["auctions"]:
        for a in run["auctions"]:
            lines.append(f"| {run['threads']} | {run['pool_start_s']} | {a['task']} | {a['bids_s']} | {a['jury_s']} | "
                         f"{a['refine_s']} | {a['auction_s']} | {a['auction_tokens']} "
                         f"({a['auction_completion_tokens']}) | {a['winner']} |")
    if "setup" in figures:
        lines += ["", f"setup.sh on a fresh clone: {figures['setup']['first_s']} s first run, "
                      f"{figures['setup']['second_s']} s second run"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
