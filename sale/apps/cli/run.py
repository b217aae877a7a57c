"""``sale run`` and ``sale route``: one auction on a task, streamed progress, then the result as a table or JSON."""

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

from sale.apps.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    BadInput,
    Terminated,
    check_pool_args,
    context_from_args,
    open_memory,
    report_error,
    run_interruptible,
)
from sale.core.pool import PoolError
from sale.core.tasks import TaskError, decode_task, validate_task


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

    args.thread_id = args.thread_id or str(uuid.uuid4())
    try:
        result = run_interruptible(_run(args, task, pool, err))
    except KeyboardInterrupt:
        return report_stopped(args, EXIT_INTERRUPTED)
    except Terminated:
        return report_stopped(args, EXIT_TERMINATED)
    except BadInput as exc:
        return report_error(exc)
    except EmbeddedPoolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=False))
        if result["status"] == "no_answer":
            print(f"error: {result['error']}", file=sys.stderr)
    else:
        print_result(result, Console(width=max(Console().width, 120)))
    return 0 if result["status"] == "ok" and not result.get("error") else EXIT_FAILED


async def _run(args: argparse.Namespace, task: str, pool: Any, err: Console) -> dict[str, Any]:
    from graphs.auction import build_auction_graph
    from sale.core.checkpoints import open_checkpointer

    memory = open_memory(args)
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(memory.close)
        target = args.checkpoints or os.environ.get("SALE_CHECKPOINT_URL") or str(memory.directory /
                                                                                    "checkpoints.sqlite")
        try:
            saver = await stack.enter_async_context(open_checkpointer(target))
        except ConnectionError as exc:
            raise BadInput(str(exc)) from None
        graph = build_auction_graph().compile(checkpointer=saver, name="auction")
        auction_id = args.thread_id
        config = {"configurable": {"thread_id": auction_id}}
        state = await graph.aget_state(config)
        if finished := finished_result(state.values, task, args):
            return finished
        if pool is None:
            from sale.local import embedded_pool

            with err.status("starting the embedded local models (llama.cpp)..."):
                pool = await asyncio.to_thread(stack.enter_context, embedded_pool())
        context = context_from_args(args, pool, memory)
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


def finished_result(values: dict[str, Any], task: str, args: argparse.Namespace) -> dict[str, Any] | None:
    """The result a thread id already holds (printed again, nothing asked and no model started), None if the
    auction has yet to run or finish; a thread of another task, or of ``route`` asked to ``run``, is bad input."""
    if values.get("task") not in (None, task):
        raise BadInput(f"--thread-id {args.thread_id} holds an auction of another task; give its task to continue "
                       "it, or a new thread id")
    result = values.get("result")
    if not result:
        return None
    if bool(result.get("route_only")) != bool(args.route_only):
        held, asked = ("sale route", "sale run") if result.get("route_only") else ("sale run", "sale route")
        raise BadInput(f"--thread-id {args.thread_id} holds a finished `{held}` auction; `{asked}` needs a new "
                       "thread id")
    return result


def report_stopped(args: argparse.Namespace, code: int) -> int:
    """One line for an auction a signal stopped: every step it finished is checkpointed, so it can go on."""
    print(f"interrupted: auction {args.thread_id} stopped before it finished; the steps it finished are "
          f"checkpointed: run the same command with --thread-id {args.thread_id} to continue it", file=sys.stderr)
    return code


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
    if node == "rank_agents" and value.get("cascade"):
        steps = value["cascade"]["order"]
        return "  cascade order: " + " > ".join(f"{s['agent']}{'' if s['drafts'] else ' (skipped)'}" for s in steps)
    if node == "draft_bid" and value.get("cascade"):
        d = value["cascade"]["decisions"][-1]
        fate = "ends the auction" if d["accepted"] else "escalates"
        return f"  draft   {d['agent']}@{d['round']}: {fate} ({d['why']})"
    return None


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def print_cascade(result: dict[str, Any], out: Console) -> None:
    """The cascade's table: each agent's estimate from memory, whether it drafted, and what became of its drafts."""
    cascade = result["cascade"]
    table = Table(title=f"Cascade {result['auction_id']} ({result['status']})")
    numbers = ("P(pass)", "verified near", "false passes")
    for col in ("agent", *numbers, "drafted", "outcome"):
        table.add_column(col, justify="right" if col in numbers else "left")
    for step in cascade["order"]:
        e = cascade["estimates"][step["agent"]]
        c = (cascade.get("checks") or {}).get(step["agent"])
        fates = [f"@{d['round']}: {'[bold green]won[/]' if d['accepted'] else 'escalated'}"
                 for d in cascade["decisions"] if d["agent"] == step["agent"]]
        table.add_row(step["agent"], f"{e['p_pass']:.2f}", f"{e['passes']}/{e['evidence']}",
                      f"{c['false_passes']}/{c['true_passes'] + c['false_passes']}" if c else "-",
                      "yes" if step["drafts"] else "no", " ".join(fates) or "-")
    out.print(table)
    for step in cascade["order"]:
        out.print(f"{step['agent']}: {step['reason']}", highlight=False, markup=False)
    for d in cascade["decisions"]:
        out.print(f"{d['agent']}@{d['round']}: {d['why']}", highlight=False, markup=False)
    if cascade.get("note"):
        out.print(cascade["note"], highlight=False, markup=False)


def print_result(result: dict[str, Any], out: Console) -> None:
    if result.get("simulated"):
        out.print("[bold yellow]SIMULATED agents[/]")
    if result.get("cascade"):
        print_cascade(result, out)
        print_outcome(result, out)
        return
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
    if result.get("juror_reliability"):
        out.print("juror reliability: " + "; ".join(f"{j} weight {r['weight']:g} ({r['reason']})"
                                                    for j, r in result["juror_reliability"].items()), highlight=False)
    out.print(f"provisional winner: [bold]{result['provisional_winner']}[/]   final winner: "
              f"[bold green]{result['winner']}[/]   memory before: {result['memory_size_before']} auction(s), "
              f"retrieved: {len(result['retrieved'])}")
    if result.get("auction_skipped"):
        skip = result["auction_skipped"]
        out.print(f"auction skipped: {skip['detail']} ({', '.join(n['auction_id'] for n in skip['neighbours'])})",
                  highlight=False)
    print_outcome(result, out)


def print_outcome(result: dict[str, Any], out: Console) -> None:
    """The error, the execution's steps, the answer and the usage: the same for every policy."""
    if result.get("error"):
        out.print(f"[bold red]error:[/] {result['error']}", highlight=False)
    execution = result.get("execution") or {}
    if execution:
        out.rule(f"execution by {execution['agent']} ({execution['status']}, {execution['model_steps']} model "
                 f"step(s), {execution['tool_calls']} tool call(s))")
        for step in execution["steps"]:
            if step["kind"] == "draft":
                check = (step.get("check") or {}).get("detail") or step.get("error") or "delivered nothing"
                kept = "kept, although it FAILED the task's examples" if step.get("failed_check") else "kept"
                out.print(f"  [{step['step']}] draft in one call: {kept if step['kept'] else 'not kept'} ({check})",
                          highlight=False, markup=False)
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
        out.rule(f"answer ({result.get('answer_source') or 'none'})")
        out.print(result["answer"] or "(none)", highlight=False, markup=False)
    u = result["usage"]
    out.rule("usage")
    out.print(f"auction:   {u['auction_tokens']:>7} tokens  ${u['auction_usd']:.8f}  "
              f"(provider-style ${u['auction_usd_provider']:.8f})\n"
              f"execution: {u['execution_tokens']:>7} tokens  ${u['execution_usd']:.8f}  "
              f"(provider-style ${u['execution_usd_provider']:.8f}; "
              f"incl. {u['tool_calls']} tool call(s), ${u['tool_usd']:.6f})\n"
              f"auction share of tokens: {u['auction_token_share']:.1%}; cached prompt tokens: "
              f"{u['cached_tokens']}", highlight=False)
    kinds = u.get("by_purpose") or {}
    if kinds:
        out.print("by kind of call: " + "; ".join(
            f"{k} {v['calls']} call(s) {v['prompt_tokens'] + v['completion_tokens']} tokens "
            f"${v['usd']:.8f} (provider ${v['usd_provider']:.8f})" for k, v in kinds.items()), highlight=False)
