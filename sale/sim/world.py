"""``sim:qwen3-ladder``: four simulated agents calibrated to the paper's Qwen3 4B/8B/14B/32B ladder.

They are LangChain chat models, so the real auction graph and executor run unchanged (no shortcut path): they
read the prompts the nodes send and answer the way the paper's agents behave on average. Everything about them
is deterministic given the seed (each reply is drawn from a generator keyed by seed, agent, call kind, task and
text, never from call order), and every output is labelled simulated (``AgentSpec.simulated``; names
``sim-qwen3-*``). They serve what-if studies and benchmarking of the mechanism at scale, never claims about real
models.

Calibration and assumptions: :mod:`sale.sim.params`; the random draws: :mod:`sale.sim.draws`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage

from sale.core.pool import AgentSpec
from sale.sim.cache import PrefixCache
from sale.sim.chat import SimChatModel
from sale.sim.draws import PlanInfo, bid_features, jury_score, latent_success, norm_text, seeded_rng, synthetic_logprobs
from sale.sim.long_bins import measured
from sale.sim.params import EXEC_STEPS, LADDER, THINK_TOKENS, SimParams, position
from sale.suites.programs import is_program
from sale.suites.suite import CODE_VERIFIERS, BenchTask

_GOOD_STEPS = {
    "deep-search": ["search for {e} first and note the linked entity", "follow each relation hop by hop, one search "
                    "per hop", "confirm every intermediate name in its own document before the next hop",
                    "watch for near-namesakes with conflicting facts", "answer with the final name only"],
    "coding": ["restate the contract of {e} and its edge cases", "write {e} with a clear loop or recursion",
               "test {e} in Python on small and empty inputs", "check the boundary conditions against the statement",
               "reply with the complete function"],
}
_BAD_STEPS = {
    "deep-search": ["search once for {e} and take the first name mentioned", "guess the remaining hops from the "
                    "names that look related", "skip checking intermediate documents"],
    "coding": ["write {e} quickly from the first idea", "assume the inputs are always non-empty", "skip testing"],
}
_FILLER = ("then", "carefully", "so", "each", "result", "and", "step", "keep", "track", "of", "the", "facts",
           "found", "before", "moving", "on")
_THINK = ("so", "the", "next", "fact", "is", "in", "this", "doc", "let", "me", "check", "which", "name", "links",
          "to", "that", "one", "hmm", "wait", "it", "says", "was", "and", "then", "ok", "verify", "again", "test",
          "case", "edge", "value", "loop", "index", "list", "return", "maybe", "right")


class SimWorld:
    """Ground truth and memory of the simulated ladder for one benchmark run (tasks, seed, plans written)."""

    def __init__(self, tasks: list[BenchTask], seed: int, params: SimParams | None = None) -> None:
        self.seed = seed
        self.params = params or SimParams()
        self.tasks = {norm_text(t.task): t for t in tasks}
        self.plans: dict[str, PlanInfo] = {}
        self.cache = PrefixCache()

    def factory(self, spec: AgentSpec) -> BaseChatModel:
        return SimChatModel(world=self, agent=spec.name)

    def fresh_cache(self) -> None:
        """An empty prefix cache: each benchmark stream (router, order) starts as a deployment of its own would."""
        self.cache = PrefixCache()

    def task_for(self, text: str) -> BenchTask:
        task = self.tasks.get(norm_text(text))
        if task is None:  # a task outside the suite: an average, unanswerable one
            task = BenchTask(id="unknown-" + hashlib.sha256(text.encode()).hexdigest()[:12], task=text,
                             domain="custom", bin=3, verifier="exact")
        return task

    def succeeds_alone(self, agent: str, task: BenchTask) -> bool:
        return latent_success(self.seed, agent, task, self.params.rho_for(task.domain))

    def solvable(self, task: BenchTask) -> bool:
        """Some agent of the ladder solves it alone. Memory lets a small agent borrow a larger agent's strategy;
        it cannot lift the ladder beyond its own reach, so the hindsight oracle stays an upper bound."""
        return any(self.succeeds_alone(name, task) for name, _, _ in LADDER)

    # --- replies -------------------------------------------------------------------------------------------

    def reply(self, agent: str, messages: list[BaseMessage], kwargs: dict[str, Any]) -> AIMessage:
        system = str(messages[0].content) if messages else ""
        user = str(messages[1].content) if len(messages) > 1 else ""
        if "strict judge" in system:
            return self._jury(agent, system, user)
        if "bidding again" in system:
            return self._bid(agent, user, kwargs, rebid=True)
        if "You won an auction" in system:
            return self._execute(agent, messages)
        if "You are a grader" in system:
            return self._grade(user)
        if "bidding in an auction" in system:
            return self._bid(agent, user, kwargs, rebid=False)
        return _message("(simulated agent) I can only take part in SALE auctions and benchmark tasks.")

    def _bid(self, agent: str, user: str, kwargs: dict[str, Any], rebid: bool) -> AIMessage:
        if rebid:
            task_text = user.rsplit("\nNew task:\n", 1)[-1].rsplit("\n\nImproved strategy:", 1)[0]
        else:
            task_text = user.removeprefix("Task:\n").rsplit("\n\nYour strategy:", 1)[0]
        task = self.task_for(task_text)
        good = self.succeeds_alone(agent, task)
        if rebid and not good and self.solvable(task):
            past = [self.task_for(t) for t in re.findall(r"<task>\n(.*?)\n</task>", user, re.DOTALL)]
            similar = sum(1 for p in past if p.domain == task.domain and p.bin == task.bin)
            share = similar / max(4, len(past))
            good = bool(seeded_rng(self.seed, "rebid", agent, task.id).random() < self.params.memory_gain * share)
        rng = seeded_rng(self.seed, "bid", agent, task.id, rebid)
        length, entropy = bid_features(self.params, agent, task.domain, good, rng)
        text = self._plan_text(task, good, length, rng, rebid)
        words = text.split()
        self.plans[norm_text(text)] = PlanInfo(agent=agent, task_id=task.id, good=good)
        meta: dict[str, Any] = {"finish_reason": "stop", "model_name": agent}
        if kwargs.get("logprobs"):
            meta["logprobs"] = {"content": synthetic_logprobs(words, entropy, rng, kwargs.get("top_logprobs") or 5)}
        return _message(text, meta)

    def _plan_text(self, task: BenchTask, good: bool, length: int, rng: np.random.Generator, rebid: bool) -> str:
        domain = task.domain if task.domain in _GOOD_STEPS else "deep-search"
        subject = task.entry_point or _subject(task.task)
        steps = list(_GOOD_STEPS[domain] if good else _BAD_STEPS[domain])
        lead = "Refined plan after past auctions:" if rebid else "Plan:"
        words = (lead + " " + " ".join(f"({i + 1}) {s.format(e=subject)};" for i, s in enumerate(steps))).split()
        while len(words) < length:
            words.append(str(rng.choice(_FILLER)))
        return " ".join(words[:max(length, 8)])

    def _jury(self, juror: str, system: str, user: str) -> AIMessage:
        if "\n\nStrategies to rate:\n" in user:
            return self._jury_batch(juror, user)
        task_text = _task_before(user, "\n\nStrategy to rate:\n")
        bid = user.rsplit("<strategy>\n", 1)[-1].split("\n</strategy>", 1)[0]
        task = self.task_for(task_text)
        info = self.plans.get(norm_text(bid))
        score = jury_score(self.params, juror, info, task.domain, seeded_rng(self.seed, "jury", juror, norm_text(bid)))
        if '"reason"' in system:
            return _message(json.dumps({"reason": "simulated judgement", "score": score}))
        return _message(json.dumps({"score": score}))

    def _jury_batch(self, juror: str, user: str) -> AIMessage:
        """Each strategy scored as the single-bid jury would (same generator), so batching changes cost, not
        judgement."""
        task_text = _task_before(user, "\n\nStrategies to rate:\n")
        task = self.task_for(task_text)
        bids = re.findall(r"<strategy>\n(.*?)\n</strategy>", user, re.DOTALL)
        scores = [jury_score(self.params, juror, self.plans.get(norm_text(b)), task.domain,
                             seeded_rng(self.seed, "jury", juror, norm_text(b))) for b in bids]
        return _message(json.dumps({"scores": scores}))

    def _execute(self, agent: str, messages: list[BaseMessage]) -> AIMessage:
        user = str(messages[1].content)
        task_text, _, plan = user.removeprefix("Task:\n").rpartition("\n\nYour plan:\n")
        task = self.task_for(task_text)
        info = self.plans.get(norm_text(plan))
        good = info.good if info is not None and info.task_id == task.id else self.succeeds_alone(agent, task)
        done = sum(1 for m in messages if m.type == "tool")
        rng = seeded_rng(self.seed, "execute", agent, task.id, done)
        steps, think = execution_shape(agent, task)
        steps += int(rng.integers(-1, 2))
        mean_think = self.params.think_scale * think
        think_n = max(1, int(mean_think * math.exp(0.3 * rng.standard_normal())))
        thought = "<think>(simulated reasoning) " + " ".join(rng.choice(_THINK, size=think_n)) + "</think>"
        code = task.solution if good else (task.wrong or "def solve():\n    return None\n")
        if done < max(1, steps):
            if task.domain == "coding" or task.verifier in CODE_VERIFIERS:
                call = {"name": "python", "args": {"code": code + "\nprint('defined')\n"}}
            else:
                call = {"name": "search", "args": {"query": _query(task.task, done)}}
            return _message(thought, {"finish_reason": "tool_calls", "model_name": agent},
                            tool_calls=[{**call, "id": f"call_{done}", "type": "tool_call"}])
        if task.verifier in CODE_VERIFIERS:
            final = f"{thought}\n\n```python\n{code}```"
        else:
            answer = (task.solution or task.answer) if good else (task.wrong or "unknown")
            final = f"{thought}\n\nAnswer: {answer}"
        return _message(final, {"finish_reason": "stop", "model_name": agent})

    def _grade(self, user: str) -> AIMessage:
        reference = user.split("Reference answer:\n", 1)[-1].split("\n\nCandidate answer:\n", 1)[0]
        candidate = user.rsplit("<data>\n", 1)[-1].split("\n</data>", 1)[0]
        from sale.suites.verify import normalise

        last = candidate.strip().splitlines()[-1] if candidate.strip() else ""
        ok = normalise(reference) in (normalise(candidate), normalise(last.split(":", 1)[-1]))
        return _message(json.dumps({"pass": ok}))


def _task_before(user: str, header: str) -> str:
    """The task of a jury prompt in either layout (``shared_prefix`` puts the reply rule between task and bids)."""
    text = user.removeprefix("Task:\n").rsplit(header, 1)[0]
    return text.rsplit("\n\nReply with ", 1)[0] if text.endswith("follow.") or text.endswith("follows.") else text


def _subject(task: str) -> str:
    names = re.findall(r"[A-Z][a-z]+(?: [A-Z][a-z]+)*", task)
    names = [n for n in names if n not in ("What", "Search", "Return", "Write", "Reply", "Given", "The")]
    return names[-1] if names else "the task"


def _query(task: str, hop: int) -> str:
    names = re.findall(r"[A-Z][a-z]+(?: [A-Z][a-z]+)*", task)
    names = [n for n in names if n not in ("What", "Search")]
    base = names[-1] if names else task[:60]
    relation = re.findall(r"the (\w+) of", task)
    rel = relation[-(hop % max(1, len(relation))) - 1] if relation else "facts"
    return f"{base} {rel}"


def _message(text: str, meta: dict[str, Any] | None = None, tool_calls: list[dict] | None = None) -> AIMessage:
    return AIMessage(content=text, response_metadata=meta or {"finish_reason": "stop"}, tool_calls=tool_calls or [])


def execution_shape(agent: str, task: BenchTask) -> tuple[int, float]:
    """(tool steps before the final answer, reasoning tokens per turn): the paper-shaped defaults per bin, or on a
    programs task the real run's model steps and completion tokens per step (:mod:`sale.sim.long_bins`)."""
    if is_program(task):
        x = position(agent)
        return (max(1, round(measured(x, task.bin, "steps")) - 1),
                measured(x, task.bin, "completion_per_step"))
    return EXEC_STEPS[task.bin - 1], THINK_TOKENS[task.bin - 1]

