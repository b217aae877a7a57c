"""The cascade's decisions (context ``auction_policy="cascade"``), pure: who is credible, in which order, and when
a draft may end the auction. The nodes that act on them are in ``nodes/cascade.py``.

What an agent is worth on a task comes from memory, not from its plan: for each agent, P(pass) from the most
similar past auctions in which its work was verified (a check with examples that its draft passed or failed, or
the signed verdict of an answer it delivered), each weighted by similarity, on top of a Beta prior (a cold start
is the prior alone). Its expected cost comes from the tokens its drafts took there (else the prior's token count).
Trying a cheaper agent first pays when ``P(pass) x cost(the dearest agent) >= cost(this agent)``: its verified
pass saves the dearest agent's call, its failure costs its own. The dearest agent always stands last. A visible
pass counts only as far as the agent's passes have held against verdicts (``check_record``, ``right_given_pass``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, TypedDict

DEFAULT_DRAFT_TOKENS = 400
"""Expected prompt + completion tokens of a draft with no record of the agent on similar tasks."""


class Estimate(TypedDict):
    agent: str
    p_pass: float
    """Posterior mean of passing: (prior x weight + similarity-weighted passes) / (weight + similarity mass)."""
    evidence: int
    """Past auctions (among the nearest) in which this agent's work was verified."""
    passes: int
    expected_tokens: float
    expected_usd: float


class Step(TypedDict):
    """One entry of the cascade's order: an agent and whether (and why) it drafts."""

    agent: str
    drafts: bool
    reason: str


def evidence_of(record: dict[str, Any]) -> dict[str, tuple[bool, int]]:
    """What a past auction verified, per agent: (passed, tokens of its draft). A draft's check with examples counts
    (its last round: a second chance that passed is a pass); the signed verdict of the delivered answer counts for
    the agent that delivered it and overrides its check. Bids never verified (plans, import-only checks) say
    nothing."""
    out: dict[str, tuple[bool, int]] = {}
    for bid in sorted(record.get("bids", []), key=lambda b: b.get("round", 0)):
        check = bid.get("check") or {}
        if check.get("examples"):
            out[bid["agent"]] = (bool(check.get("passed")), int(bid.get("call_tokens") or bid.get("tokens") or 0))
    verdict = record.get("passed")
    agent = record.get("delivered_by") or record.get("winner_agent")
    if isinstance(verdict, bool) and agent:
        out[agent] = (verdict, out.get(agent, (verdict, 0))[1])
    return out


def base_rates(agents: Sequence[str], records: Iterable[dict[str, Any]], prior: float,
               prior_weight: float) -> dict[str, float]:
    """Each agent's pass rate over ``records`` (what they verified of it, :func:`evidence_of`), on the Beta prior
    (``prior``, ``prior_weight``): the prior its P(pass) on a task starts from when the context asks for it."""
    seen = {a: [0, 0] for a in agents}
    for record in records:
        for agent, (passed, _) in evidence_of(record).items():
            if agent in seen:
                seen[agent][0] += 1
                seen[agent][1] += passed
    return {a: (prior * prior_weight + wins) / (prior_weight + n) for a, (n, wins) in seen.items()}


def estimate(agents: Sequence[tuple[str, float]], neighbours: Iterable[tuple[dict[str, Any], float]],
             prior: float | dict[str, float], prior_weight: float) -> dict[str, Estimate]:
    """P(pass) and expected cost per agent (``agents``: name and USD per Mtok) from (record, similarity) pairs;
    ``prior`` is one mean for all, or each agent's own (:func:`base_rates`)."""
    mass = {a: 0.0 for a, _ in agents}
    wins = {a: 0.0 for a, _ in agents}
    counts = {a: [0, 0] for a, _ in agents}
    tokens: dict[str, list[tuple[float, int]]] = {a: [] for a, _ in agents}
    for record, similarity in neighbours:
        weight = max(float(similarity), 0.0)
        for agent, (passed, used) in evidence_of(record).items():
            if agent not in mass:
                continue
            mass[agent] += weight
            wins[agent] += weight * passed
            counts[agent][0] += 1
            counts[agent][1] += passed
            if used:
                tokens[agent].append((weight, used))
    out = {}
    for agent, price in agents:
        seen = tokens[agent]
        total = sum(w for w, _ in seen)
        expected = sum(w * t for w, t in seen) / total if total > 0 else float(DEFAULT_DRAFT_TOKENS)
        mean = prior[agent] if isinstance(prior, dict) else prior
        out[agent] = Estimate(agent=agent, p_pass=(mean * prior_weight + wins[agent]) / (prior_weight + mass[agent]),
                              evidence=counts[agent][0], passes=counts[agent][1], expected_tokens=expected,
                              expected_usd=expected * price / 1e6)
    return out


CHECK_FALSE_PASS_PRIOR = 0.1
"""P(a draft passes the task's examples | its answer is wrong) with no record: about what a visible pass got wrong
on a held-out public code benchmark for the embedded ladder (docs/cascade.md)."""
CHECK_TRUE_PASS_PRIOR = 0.95
"""P(a draft passes the task's examples | its answer is right) with no record."""


class CheckRecord(TypedDict):
    """How far an agent's visible passes have held, from the verdicts in memory."""

    agent: str
    true_passes: int
    """Delivered answers that passed their check and their verdict."""
    false_passes: int
    """Delivered answers that passed their check and failed their verdict."""
    right: int
    """Answers of this agent known right (a verdict that passed)."""
    wrong: int
    """Answers known wrong: a failed verdict, or a draft that failed its check (the check misses a right answer
    rarely enough that a failed check counts as wrong)."""
    tpr: float
    """P(visible pass | right), posterior mean on ``CHECK_TRUE_PASS_PRIOR``."""
    fpr: float
    """P(visible pass | wrong), posterior mean on ``CHECK_FALSE_PASS_PRIOR``."""


def check_record(agents: Sequence[str], records: Iterable[dict[str, Any]],
                 prior_weight: float) -> dict[str, CheckRecord]:
    """Each agent's check error rates from past auctions with a verdict: whether its visible passes were right."""
    counts = {a: {"true_passes": 0, "false_passes": 0, "right": 0, "wrong": 0} for a in agents}
    for record in records:
        verdict = record.get("passed")
        delivered = record.get("delivered_by") or record.get("winner_agent")
        last: dict[str, dict[str, Any]] = {}
        for bid in sorted(record.get("bids", []), key=lambda b: b.get("round", 0)):
            if (bid.get("check") or {}).get("examples"):
                last[bid["agent"]] = bid["check"]
        for agent, check in last.items():
            if agent not in counts:
                continue
            c = counts[agent]
            if agent == delivered and isinstance(verdict, bool):
                c["right" if verdict else "wrong"] += 1
                if check.get("passed"):
                    c["true_passes" if verdict else "false_passes"] += 1
            elif not check.get("passed"):
                c["wrong"] += 1
    out = {}
    for agent in agents:
        c = counts[agent]
        out[agent] = CheckRecord(
            agent=agent, **c,
            tpr=(c["true_passes"] + CHECK_TRUE_PASS_PRIOR * prior_weight) / (c["right"] + prior_weight),
            fpr=(c["false_passes"] + CHECK_FALSE_PASS_PRIOR * prior_weight) / (c["wrong"] + prior_weight))
    return out


def right_given_pass(p_pass: float, record: CheckRecord) -> float:
    """P(the answer is right | its draft passed the task's examples), by Bayes from the agent's P(pass) on this
    task and its check error rates: a visible pass from an agent that rarely passes, or whose passes have not held,
    is worth little."""
    hit, miss = record["tpr"] * p_pass, record["fpr"] * (1 - p_pass)
    return hit / (hit + miss) if hit + miss > 0 else 0.0


def explores(seed: int, task: str, rate: float, salt: str = "") -> bool:
    """A deterministic draw in [0, 1) from the seed, the task and ``salt``, below ``rate`` (the adaptive policy's
    exploration draws with no salt, the cascade's with the agent's name)."""
    digest = hashlib.sha256(f"{seed}\x00{task}{chr(0) + salt if salt else ''}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def order(agents: Sequence[tuple[str, float]], estimates: dict[str, Estimate], available: set[str], task: str,
          exploration: float, seed: int, verifiable: bool = True, trust_unchecked: float = 0.8,
          checks: dict[str, CheckRecord] | None = None, trust_checked: float = 0.8) -> list[Step]:
    """Cheapest first; a cheaper agent drafts when its expected saving covers its expected cost (or the seeded
    exploration draw picks it); the dearest available agent always drafts, last. A cheaper agent's draft saves
    anything only if it can end the auction: where no check can verify it (``verifiable`` false), its P(pass) must
    reach ``trust_unchecked``; where one can, a pass must be worth trusting (``right_given_pass`` from its
    ``checks`` record reaches ``trust_checked``)."""
    ladder = sorted((a for a in agents if a[0] in available), key=lambda a: a[1])
    if not ladder:
        return []
    last = ladder[-1][0]
    steps = []
    for agent, _ in ladder[:-1]:
        e, top = estimates[agent], estimates[last]
        saving = e["p_pass"] * top["expected_usd"]
        near = f"{e['passes']}/{e['evidence']} verified passes near"
        trusted = right_given_pass(e["p_pass"], checks[agent]) if checks and agent in checks else 1.0
        if not verifiable and e["p_pass"] < trust_unchecked:
            steps.append(Step(agent=agent, drafts=False,
                              reason=f"no check can verify a draft of this task, and P(pass) {e['p_pass']:.2f} "
                                     f"< {trust_unchecked:g} earns no trust ({near})"))
            continue
        if verifiable and trusted < trust_checked:
            c = checks[agent]  # type: ignore[index]
            judged = c["true_passes"] + c["false_passes"]
            why = (f"a pass of its examples would not be trusted: P(right | pass) {trusted:.2f} < {trust_checked:g} "
                   f"(P(pass) {e['p_pass']:.2f}, {near}; {c['false_passes']} of its {judged} judged visible passes "
                   "were wrong)")
            if explores(seed, task, exploration, agent):
                steps.append(Step(agent=agent, drafts=True, reason=f"exploration draw (share {exploration:g}): {why}"))
            else:
                steps.append(Step(agent=agent, drafts=False, reason=why))
            continue
        why = (f"expected saving ${saving:.1e} (P(pass) {e['p_pass']:.2f} x the dearest's "
               f"${top['expected_usd']:.1e}) {'>=' if saving >= e['expected_usd'] else '<'} its cost "
               f"${e['expected_usd']:.1e}; {near}")
        if saving >= e["expected_usd"]:
            steps.append(Step(agent=agent, drafts=True, reason=why))
        elif explores(seed, task, exploration, agent):
            steps.append(Step(agent=agent, drafts=True, reason=f"exploration draw (share {exploration:g}): {why}"))
        else:
            steps.append(Step(agent=agent, drafts=False, reason=why))
    steps.append(Step(agent=last, drafts=True, reason="the dearest agent: the last resort"))
    return steps


def accepts(check: dict[str, Any] | None, p_pass: float, trust_unchecked: float, last: bool,
            right_if_pass: float = 1.0, trust_checked: float = 0.8) -> tuple[bool, str]:
    """Whether a draft ends the auction: a check with examples that all held does, when a pass from this agent is
    worth trusting (``right_if_pass``: P(right | pass) from its record, at least ``trust_checked``); a draft the
    check could only import (the task shows no example, or the sandbox was unavailable) does when the agent's
    P(pass) earns ``trust_unchecked``; the last agent's draft always ends it (what becomes of a failed one is the
    context's ``cascade_last_resort``)."""
    if check is None:
        return last, "no check in this domain" + ("" if last else "; escalated")
    if check.get("examples") and check.get("passed"):
        if last or right_if_pass >= trust_checked:
            return True, f"verified: {check.get('detail', '')}"
        return False, (f"passed its check ({check.get('detail', '')}), but a pass from this agent is not trusted: "
                       f"P(right | pass) {right_if_pass:.2f} < {trust_checked:g}; escalated")
    if check.get("examples") or not check.get("passed"):
        return last, f"failed its check: {check.get('detail', '')}"
    if p_pass >= trust_unchecked:
        return True, f"unverified ({check.get('detail', '')}), trusted: P(pass) {p_pass:.2f} >= {trust_unchecked:g}"
    return last, (f"unverified ({check.get('detail', '')}); P(pass) {p_pass:.2f} < {trust_unchecked:g}"
                  + ("" if last else ", escalated"))
