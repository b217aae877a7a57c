"""The auction under attack (A1-A3): scripted agents over a deterministic stream of tasks.

Each task has a hidden quality per agent; honest jurors report it. An adversarial juror then lies. In robust mode
(median jury) the adversary's win rate may rise by at most 2 points and the winner may change in at most 5% of
auctions, against the same stream judged honestly. Paper mode (weighted sum, self-scores included) is reported.
"""

from __future__ import annotations

import random

import pytest

from graphs.auction import graph
from graphs.context import AuctionContext
from tests.scripted import Script, factory_for, scripted_pool

N_TASKS = 200


def stream(agents: list[str], seed: int = 7) -> list[tuple[str, dict[str, int]]]:
    rng = random.Random(seed)
    return [(f"task {i}: compute item {rng.randrange(10**6)}", {a: rng.randint(1, 5) for a in agents})
            for i in range(N_TASKS)]


def run_stream(memory, agents, adversary, behaviour, mode):
    tasks = stream(agents)
    quality = {}

    def juror(name):
        def reply(messages, kwargs):
            text = messages[1].content
            task = text.split("Task:\n", 1)[1].split("\n", 1)[0]
            bidder = next(a for a in agents if f"plan by {a}." in text)
            honest = quality[task][bidder]
            if name in adversary:
                honest = behaviour(name, bidder, honest)
            return '{"score": %d}' % honest
        return reply

    scripts = {a: Script(bid=f"plan by {a}. steps one two three", jury=juror(a), spread=1.0) for a in agents}
    ctx = AuctionContext(pool=scripted_pool({a: 0.1 for a in agents}), memory=memory, refine=False,
                         model_factory=factory_for(scripts), jury_mode=mode)
    winners = []
    for task, q in tasks:
        quality[task] = q
        winners.append(graph.invoke({"task": task}, context=ctx)["result"]["winner"])
    return winners


_HONEST: dict[tuple[str, ...], list[str]] = {}


def honest_run(memory, agents):
    """Winners of the stream with every juror honest (the same for every mode: all jurors agree)."""
    key = tuple(agents)
    if key not in _HONEST:
        _HONEST[key] = run_stream(memory, agents, set(), lambda j, b, s: s, "paper")
    return _HONEST[key]


def figures(honest, attacked, adversary):
    rate = lambda ws: sum(w in adversary for w in ws) / len(ws)  # noqa: E731
    change = sum(h != a for h, a in zip(honest, attacked, strict=True)) / len(honest)
    return rate(attacked) - rate(honest), change


CASES = {
    "A1 self-promotion": (["a", "b", "c"], {"c"}, lambda j, b, s: 5 if b == j else 0),
    "A2 two colluders": (["a", "b", "c", "d", "e"], {"d", "e"}, lambda j, b, s: 5 if b in ("d", "e") else 0),
    "A3 flipped scores": (["a", "b", "c"], {"c"}, lambda j, b, s: 6 - s),
}


@pytest.mark.parametrize("case", list(CASES))
def test_robust_mode_bounds_the_adversary(memory, case, capsys):
    agents, adversary, behaviour = CASES[case]
    honest = honest_run(memory, agents)
    paper = run_stream(memory, agents, adversary, behaviour, "paper")
    robust = run_stream(memory, agents, adversary, behaviour, "median")
    paper_gain, paper_change = figures(honest, paper, adversary)
    robust_gain, robust_change = figures(honest, robust, adversary)
    with capsys.disabled():
        print(f"\n{case}: paper mode win-rate change {paper_gain:+.1%}, winner changed {paper_change:.1%}; "
              f"robust (median) {robust_gain:+.1%}, {robust_change:.1%}")
    assert robust_gain <= 0.02 and robust_change <= 0.05
