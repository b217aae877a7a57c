"""``sim:qwen3-ladder``: four simulated agents calibrated to the paper's Qwen3 4B/8B/14B/32B ladder.

They are LangChain chat models, so the real auction graph and executor run unchanged (no shortcut path): they
read the prompts the nodes send and answer the way the paper's agents behave on average. Everything about them
is deterministic given the seed (each reply is drawn from a generator keyed by seed, agent, call kind, task and
text, never from call order), and every output is labelled simulated (``AgentSpec.simulated``; names
``sim-qwen3-*``). They serve what-if studies and benchmarking of the mechanism at scale, never claims about real
models.

What is calibrated, and from what (``docs/paper-notes.md``):

* prices: the paper's $0.05 / $0.09 / $0.16 / $0.36 per million tokens;
* per-bin success: the 32B agent's pass@1 per bin averages the paper's 63.8 % (deep search) and 58.4 % (coding);
  the 4B agent reaches 89.5 % of it on bin 1 and 21 % on bin 5 (paper: 87-92 % and 17-25 %); 8B and 14B sit
  between by log parameter count;
* agents' successes on a task are correlated through a shared task difficulty (Gaussian copula, ``rho``) set so
  the hindsight oracle lands on the paper's 77.9 % / 68.4 %;
* ``signal`` (how much a bid's entropy and jury scores say about whether its plan will work) is set so that, in
  the first round with the default weights, picking the smallest agent is right 54 % of the time in deep search
  and 70 % in coding: the paper's routing diagnostics (coding reaches 62 % at best in this model, and that
  signal is used). It is never tuned on the benchmark's outcome; ``sale bench --signal`` sweeps it.
  :func:`calibrate` reproduces the constants.

Assumptions that are ours, documented and tunable (``SimParams``): jurors are swayed by the fluency of larger
agents' plans (``size_bias``: the over-escalation the paper names as SALE's main error) and rate their own plans
higher (``self_bias``); a memory rebid turns a failing plan into a working one with probability
``memory_gain`` x the share of retrieved past auctions that are similar (same domain and bin), on tasks some
agent of the ladder can solve (memory borrows strategies; it does not exceed the ladder); executions are
Qwen3-style thinking trajectories (``<think>`` blocks in the reply, as Qwen3 emits them without a reasoning
parser) whose tool steps (``EXEC_STEPS``) and reasoning tokens per turn (``THINK_TOKENS``, scaled by
``think_scale``) grow with the bin.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import time
from dataclasses import dataclass
from functools import cache
from statistics import NormalDist
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from sale.core.pool import AgentSpec, Pool
from sale.core.tokens import estimate_message_tokens, estimate_tokens
from sale.suites.suite import BINS, BenchTask

SIM_POOL = "sim:qwen3-ladder"
# name, USD per million tokens, billions of parameters
LADDER: tuple[tuple[str, float, int], ...] = (
    ("sim-qwen3-4b", 0.05, 4), ("sim-qwen3-8b", 0.09, 8), ("sim-qwen3-14b", 0.16, 14), ("sim-qwen3-32b", 0.36, 32))
LARGEST_PASS = {"deep-search": (0.90, 0.80, 0.65, 0.50, 0.34), "coding": (0.88, 0.74, 0.58, 0.42, 0.30)}
SMALLEST_RATIO = (0.895, 0.68, 0.48, 0.32, 0.21)
PAPER_ORACLE = {"deep-search": 0.779, "coding": 0.684}
PAPER_SMALLEST_PRECISION = {"deep-search": 0.54, "coding": 0.70}
# Reproduced by `calibrate()` (tests/test_sim.py checks that they still are).
CALIBRATED_RHO = {"deep-search": 0.72, "coding": 0.83}
CALIBRATED_SIGNAL = {"deep-search": 0.2, "coding": 0.95}
# Precision those signals reach (coding: 70 % is out of reach of this signal model; the best, 62 %, is used).
CALIBRATED_PRECISION = {"deep-search": 0.569, "coding": 0.619}
BID_LENGTH = {"sim-qwen3-4b": 72, "sim-qwen3-8b": 66, "sim-qwen3-14b": 61, "sim-qwen3-32b": 57}
EXEC_STEPS = (2, 3, 4, 6, 8)
THINK_TOKENS = (800, 1200, 1800, 2500, 3200)


def sim_pool() -> Pool:
    return Pool.of(*[AgentSpec(name=name, model=name, base_url=f"http://{name}.simulated.invalid/v1",
                               price_per_mtok=price, simulated=True, max_tokens=4096, timeout_s=60.0)
                     for name, price, _ in LADDER], source=SIM_POOL)


def position(agent: str) -> float:
    """0 for the smallest agent, 1 for the largest, by log parameter count."""
    sizes = {name: size for name, _, size in LADDER}
    size = sizes.get(agent, 14)
    return math.log(size / 4) / math.log(32 / 4)


def pass_probability(agent: str, domain: str, bin_: int) -> float:
    largest = LARGEST_PASS.get(domain) or tuple(np.mean(list(LARGEST_PASS.values()), axis=0))
    ratio = SMALLEST_RATIO[bin_ - 1]
    return float(largest[bin_ - 1] * (ratio + (1 - ratio) * position(agent)))


@dataclass(frozen=True)
class SimParams:
    signal: float | None = None
    """Evidence a bid's entropy and jury scores carry about its plan working; None = calibrated per domain."""
    rho: float | None = None
    size_bias: float = 1.0
    self_bias: float = 0.5
    memory_gain: float = 0.5
    jury_noise: float = 1.0
    """Scales each juror's private noise; 0 = honest jurors agree on a bid up to their size and self biases."""
    think_scale: float = 1.0
    """Scales the reasoning tokens per executor turn (``THINK_TOKENS`` per bin)."""
    latency_s: float = 0.0
    """Injected per-call latency (overhead benchmarks)."""

    def signal_for(self, domain: str) -> float:
        if self.signal is not None:
            return self.signal
        return CALIBRATED_SIGNAL.get(domain, float(np.mean(list(CALIBRATED_SIGNAL.values()))))

    def rho_for(self, domain: str) -> float:
        if self.rho is not None:
            return self.rho
        return CALIBRATED_RHO.get(domain, float(np.mean(list(CALIBRATED_RHO.values()))))


@dataclass
class PlanInfo:
    agent: str
    task_id: str
    good: bool


def _rng(*key: Any) -> np.random.Generator:
    digest = hashlib.sha256(json.dumps(key, default=str).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _norm(text: str) -> str:
    return " ".join(text.split())


_STD = NormalDist()


def latent_success(seed: int, agent: str, task: BenchTask, rho: float) -> bool:
    """Whether ``agent`` solves ``task`` when it runs on its own: a shared task difficulty plus agent noise."""
    shared = _rng(seed, "difficulty", task.id).standard_normal()
    own = _rng(seed, "agent-noise", agent, task.id).standard_normal()
    x = rho * shared + math.sqrt(1 - rho * rho) * own
    return _STD.cdf(x) < pass_probability(agent, task.domain, task.bin)


def bid_features(params: SimParams, agent: str, domain: str, good: bool, rng: np.random.Generator
                 ) -> tuple[int, float]:
    """(length in tokens, mean per-token entropy) of a plan."""
    evidence = params.signal_for(domain) * (1 if good else -1)
    length = int(max(12, round(BID_LENGTH.get(agent, 64) * (1 + 0.1 * rng.standard_normal()))))
    entropy = float(np.clip(0.85 + 0.2 * evidence + 0.12 * rng.standard_normal(), 0.05, 1.55))
    return length, entropy


def jury_score(params: SimParams, juror: str, info: PlanInfo | None, domain: str, rng: np.random.Generator) -> int:
    if info is None:
        return int(np.clip(round(2.0 + rng.standard_normal()), 0, 5))
    evidence = params.signal_for(domain) * (1 if info.good else -1)
    noise = params.jury_noise * (0.9 - 0.3 * position(juror)) * rng.standard_normal()
    raw = (2.6 + 1.3 * evidence + params.size_bias * (position(info.agent) - 0.5)
           + params.self_bias * (juror == info.agent) + noise)
    return int(np.clip(round(raw), 0, 5))


@cache
def _entropy_table(k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    betas = np.linspace(0.0, 12.0, 600)
    ranks = np.arange(k)
    hs = []
    for b in betas:
        q = np.exp(-b * ranks)
        q /= q.sum()
        hs.append(float(-(q * np.log(q)).sum()))
    return betas, np.array(hs)


def synthetic_logprobs(words: list[str], entropy: float, rng: np.random.Generator, k: int = 5) -> list[dict]:
    """Top-k logprobs per token whose renormalised entropies average ``entropy`` nats."""
    betas, hs = _entropy_table(k)
    out = []
    for word in words:
        h = float(np.clip(entropy + 0.15 * rng.standard_normal(), 0.0, hs[0] - 1e-6))
        beta = float(np.interp(h, hs[::-1], betas[::-1]))
        lps = [-beta * i - 0.05 for i in range(k)]
        out.append({"token": word, "logprob": lps[0],
                    "top_logprobs": [{"token": word if i == 0 else f"{word}~{i}", "logprob": lp}
                                     for i, lp in enumerate(lps)]})
    return out


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
        self.tasks = {_norm(t.task): t for t in tasks}
        self.plans: dict[str, PlanInfo] = {}

    def factory(self, spec: AgentSpec) -> BaseChatModel:
        return SimChatModel(world=self, agent=spec.name)

    def task_for(self, text: str) -> BenchTask:
        task = self.tasks.get(_norm(text))
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
            good = bool(_rng(self.seed, "rebid", agent, task.id).random() < self.params.memory_gain * share)
        rng = _rng(self.seed, "bid", agent, task.id, rebid)
        length, entropy = bid_features(self.params, agent, task.domain, good, rng)
        text = self._plan_text(task, good, length, rng, rebid)
        words = text.split()
        self.plans[_norm(text)] = PlanInfo(agent=agent, task_id=task.id, good=good)
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
        task_text = user.removeprefix("Task:\n").rsplit("\n\nStrategy to rate:\n", 1)[0]
        bid = user.rsplit("<strategy>\n", 1)[-1].split("\n</strategy>", 1)[0]
        task = self.task_for(task_text)
        info = self.plans.get(_norm(bid))
        score = jury_score(self.params, juror, info, task.domain, _rng(self.seed, "jury", juror, _norm(bid)))
        if '"reason"' in system:
            return _message(json.dumps({"reason": "simulated judgement", "score": score}))
        return _message(json.dumps({"score": score}))

    def _jury_batch(self, juror: str, user: str) -> AIMessage:
        """Each strategy scored as the single-bid jury would (same generator), so batching changes cost, not
        judgement."""
        task_text = user.removeprefix("Task:\n").rsplit("\n\nStrategies to rate:\n", 1)[0]
        task = self.task_for(task_text)
        bids = re.findall(r"<strategy>\n(.*?)\n</strategy>", user, re.DOTALL)
        scores = [jury_score(self.params, juror, self.plans.get(_norm(b)), task.domain,
                             _rng(self.seed, "jury", juror, _norm(b))) for b in bids]
        return _message(json.dumps({"scores": scores}))

    def _execute(self, agent: str, messages: list[BaseMessage]) -> AIMessage:
        user = str(messages[1].content)
        task_text, _, plan = user.removeprefix("Task:\n").rpartition("\n\nYour plan:\n")
        task = self.task_for(task_text)
        info = self.plans.get(_norm(plan))
        good = info.good if info is not None and info.task_id == task.id else self.succeeds_alone(agent, task)
        done = sum(1 for m in messages if m.type == "tool")
        rng = _rng(self.seed, "execute", agent, task.id, done)
        steps = EXEC_STEPS[task.bin - 1] + int(rng.integers(-1, 2))
        mean_think = self.params.think_scale * THINK_TOKENS[task.bin - 1]
        think_n = max(1, int(mean_think * math.exp(0.3 * rng.standard_normal())))
        thought = "<think>(simulated reasoning) " + " ".join(rng.choice(_THINK, size=think_n)) + "</think>"
        code = task.solution if good else (task.wrong or "def solve():\n    return None\n")
        if done < max(1, steps):
            if task.domain == "coding" or task.verifier == "unit_tests":
                call = {"name": "python", "args": {"code": code + "\nprint('defined')\n"}}
            else:
                call = {"name": "search", "args": {"query": _query(task.task, done)}}
            return _message(thought, {"finish_reason": "tool_calls", "model_name": agent},
                            tool_calls=[{**call, "id": f"call_{done}", "type": "tool_call"}])
        if task.verifier == "unit_tests":
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


class SimChatModel(BaseChatModel):
    """One simulated agent; all the behaviour lives in its :class:`SimWorld`."""

    world: Any
    agent: str

    @property
    def _llm_type(self) -> str:
        return "sale-simulated"

    def _result(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> ChatResult:
        message = self.world.reply(self.agent, messages, kwargs)
        limit = (kwargs.get("extra_body") or {}).get("max_tokens")
        if limit and not message.tool_calls and estimate_tokens(str(message.content)) > limit:
            words = str(message.content).split()[:limit]
            message = AIMessage(content=" ".join(words), response_metadata={
                **message.response_metadata, "finish_reason": "length"})
        prompt = estimate_message_tokens(messages)
        completion = estimate_tokens(str(message.content))
        message.response_metadata["token_usage"] = {"prompt_tokens": prompt, "completion_tokens": completion,
                                                    "total_tokens": prompt + completion}
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        if self.world.params.latency_s:
            time.sleep(self.world.params.latency_s)
        return self._result(messages, kwargs)

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        if self.world.params.latency_s:
            await asyncio.sleep(self.world.params.latency_s)
        return self._result(messages, kwargs)


# --- calibration --------------------------------------------------------------------------------------------

def oracle_rate(domain: str, rho: float, n: int = 4000, seed: int = 0) -> float:
    """Share of synthetic tasks (uniform over bins) that at least one ladder agent solves alone."""
    hits = 0
    for i in range(n):
        task = BenchTask(id=f"cal-{i}", task="", domain=domain, bin=BINS[i % len(BINS)], verifier="exact")
        hits += any(latent_success(seed, name, task, rho) for name, _, _ in LADDER)
    return hits / n


def smallest_pick_precision(domain: str, params: SimParams, n: int = 4000, seed: int = 0) -> tuple[float, float]:
    """(P(smallest passes | first-round auction picks it), share of picks) with the default weights, paper mode."""
    from sale.core.cost import Weights, bid_cost, bid_value

    weights = Weights()
    names = [name for name, _, _ in LADDER]
    prices = {name: price for name, price, _ in LADDER}
    picks = right = 0
    for i in range(n):
        task = BenchTask(id=f"cal-{i}", task="", domain=domain, bin=BINS[i % len(BINS)], verifier="exact")
        best, best_score, best_good = None, math.inf, False
        for name in names:
            good = latent_success(seed, name, task, params.rho_for(domain))
            rng = _rng(seed, "cal-bid", name, task.id)
            length, entropy = bid_features(params, name, domain, good, rng)
            info = PlanInfo(agent=name, task_id=task.id, good=good)
            jury = {j: jury_score(params, j, info, domain, rng) for j in names}
            score = bid_cost(weights, prices[name], length) - bid_value(weights, entropy, jury, names)
            if score < best_score:
                best, best_score, best_good = name, score, good
        if best == names[0]:
            picks += 1
            right += best_good
    return (right / picks if picks else 0.0), picks / n


def calibrate(domain: str, n: int = 2000) -> tuple[float, float, float]:
    """(rho, signal, precision reached) for ``domain``.

    rho: bisection until the oracle matches the paper (monotone in rho). signal: the smallest value on a 0.05 grid
    whose first-round smallest-agent precision reaches the paper's figure. Precision is not monotone in the
    signal (with strong signals the smallest agent is mostly picked when every plan looks bad, and then no agent
    would pass), so where the target is out of reach the signal of highest precision is used and reported.
    """
    lo, hi = 0.0, 0.99
    for _ in range(14):
        mid = (lo + hi) / 2
        if oracle_rate(domain, mid, n) > PAPER_ORACLE[domain]:
            lo = mid
        else:
            hi = mid
    rho = round((lo + hi) / 2, 2)
    best = (0.0, -1.0)
    for step in range(0, 61):
        signal = round(step * 0.05, 2)
        precision, _ = smallest_pick_precision(domain, SimParams(rho=rho, signal=signal), n)
        if precision >= PAPER_SMALLEST_PRECISION[domain]:
            return rho, signal, round(precision, 3)
        if precision > best[1]:
            best = (signal, precision)
        elif precision < best[1] - 0.05:
            break
    return rho, best[0], round(best[1], 3)


__all__ = ["LADDER", "SIM_POOL", "SimChatModel", "SimParams", "SimWorld", "calibrate", "sim_pool"]
