"""Baseline routers the benchmark puts beside SALE. Each picks one agent per task (FrugalGPT: a cascade).

All learn from the same train split: for every train task, the outcome and cost of every agent run alone
(``Outcomes``). They are evaluated on the test split by looking up the chosen agent's own run on that task,
which is exactly what routing to it would have produced. Our versions follow each paper's design in spirit with
small, documented models (no neural training):

* ``wtp``: willingness-to-pay routing as a kNN router: the k = 10 train tasks nearest in MiniLM embedding
  (cosine) estimate each agent's pass rate; the cheapest agent within ``tolerance`` (0.05) of the best estimate
  wins. (The paper's WTP baseline: kNN over task embeddings.)
* ``carrot``: CARROT (Somerstep et al.): per-agent predictors of accuracy (logistic regression on embeddings)
  and of cost (ridge regression on log cost); the agent maximising (1 - mu) * acc - mu * cost / max cost wins,
  mu = 0.2.
* ``to-router``: a classifier over task text (TF-IDF unigrams+bigrams, multinomial logistic regression)
  predicting the best agent: the cheapest agent that passed the train task, or the largest if none did.
* ``frugalgpt``: FrugalGPT's LLM cascade: agents from cheapest to dearest; a scorer (logistic regression on the
  task embedding, the agent and answer-shape features) judges each answer, and the cascade stops at the first
  answer scored above the stage threshold. Thresholds are chosen on the train split for the best pass@1 at
  lowest cost; every agent tried is paid for.
* ``oracle``: in hindsight, the cheapest agent that passed (the cheapest agent if none did). An upper bound.
* ``random-matched:ROUTER``: the control published router re-evaluations use, added for every auction router:
  each task goes to an agent drawn at random from a fixed mixture whose expected spend on the test split equals
  ROUTER's (:func:`matched_mixture`), answered by that agent's own run; figures are the mean over
  ``RANDOM_DRAWS`` seeded draws.

Knobs (WTP's ``tolerance``, CARROT's ``mu``, FrugalGPT's threshold) keep the values above unless the run
calibrates them on the train split (:mod:`sale.bench.calibrate`). Each route also ranks the agents it did not
choose, so an execution that fails at the endpoint falls back to the router's next choice, as SALE's executor
falls back to the next-ranked bid (:func:`sale.bench.runs.routed_runs`).
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass, field

import numpy as np

PREDICTIVE = ("wtp", "carrot", "to-router", "frugalgpt")
RANDOM_MATCHED = "random-matched"
RANDOM_DRAWS = 200

FRUGALGPT_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
"""The cascade's acceptance thresholds: picked in sample by default, calibrated over the same grid (calibrate.py)."""


@dataclass
class Outcomes:
    """Every agent run alone on every task: ``passed[t, a]``, ``cost[t, a]`` (USD); agents sorted by price."""

    agents: list[str]
    passed: np.ndarray
    cost: np.ndarray
    answers: list[list[str]]
    failed: np.ndarray | None = None
    """``failed[t, a]``: the run ended on an endpoint error (not a wrong answer); a cascade moves past it."""

    def subset(self, rows: np.ndarray) -> Outcomes:
        return Outcomes(agents=self.agents, passed=self.passed[rows], cost=self.cost[rows],
                        answers=[self.answers[i] for i in rows],
                        failed=None if self.failed is None else self.failed[rows])

    def best_label(self, t: int) -> int:
        ok = np.flatnonzero(self.passed[t])
        return int(ok[0]) if ok.size else len(self.agents) - 1


@dataclass
class Route:
    """A router's decision on one task: the agents it ran (a cascade runs several) and the one it answered with."""

    tried: list[int]
    chosen: int
    ranking: list[int] = field(default_factory=list)
    """The agents not chosen, in the router's order of preference: where execution falls back to."""


def with_fallback(route: Route, failed: np.ndarray | list[bool]) -> Route:
    """SALE's ``fallback=next_best`` rule for a router: while the chosen agent's run ended on an endpoint error
    (``failed[a]``), its next-ranked agent runs the task from the start; every run tried is paid for."""
    tried, chosen = list(route.tried), route.chosen
    for nxt in route.ranking:
        if not failed[chosen]:
            break
        if nxt not in tried:
            tried.append(nxt)
            chosen = nxt
    return Route(tried=tried, chosen=chosen, ranking=[a for a in route.ranking if a not in tried])


def oracle(test: Outcomes) -> list[Route]:
    routes = []
    for t in range(len(test.passed)):
        ok = np.flatnonzero(test.passed[t])
        choice = int(ok[0]) if ok.size else 0
        routes.append(Route(tried=[choice], chosen=choice))
    return routes


def matched_mixture(spend: np.ndarray, target: float) -> tuple[np.ndarray, bool]:
    """Probabilities over agents whose expected spend ``p @ spend`` is ``target`` (``spend[a]``: agent a's total
    on the test split). Only the two agents whose spend brackets the target are mixed: the unique solution on the
    chord between neighbouring single agents, the least spread over agents of all that spend as much. A target
    outside the agents' range is capped at the nearest agent (``matched`` False)."""
    order = [int(a) for a in np.argsort(spend, kind="stable")]
    probs = np.zeros(len(spend))
    for lo, hi in itertools.pairwise(order):
        if spend[lo] <= target <= spend[hi]:
            share = 0.0 if spend[hi] == spend[lo] else (target - spend[lo]) / (spend[hi] - spend[lo])
            probs[lo], probs[hi] = 1.0 - share, share
            return probs, True
    nearest = order[0] if target < spend[order[0]] else order[-1]
    probs[nearest] = 1.0
    return probs, bool(np.isclose(spend[nearest], target, rtol=1e-12, atol=0.0))


def random_draws(probs: np.ndarray, n_tasks: int, seed: int, name: str, draws: int = RANDOM_DRAWS) -> np.ndarray:
    """``draws`` x ``n_tasks`` agent indices, seeded by the run's seed and the router's name (reproducible)."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    return rng.choice(len(probs), size=(draws, n_tasks), p=probs / probs.sum())


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def wtp(train: Outcomes, train_x: np.ndarray, test_x: np.ndarray, k: int = 10, tolerance: float = 0.05
        ) -> list[Route]:
    sims = _unit(test_x) @ _unit(train_x).T
    routes = []
    for row in sims:
        near = np.argsort(-row)[:k]
        acc = train.passed[near].mean(axis=0)
        within = acc >= acc.max() - tolerance
        choice = int(np.flatnonzero(within)[0])
        order = sorted(range(len(acc)), key=lambda a: (not within[a], -acc[a] if not within[a] else a))
        routes.append(Route(tried=[choice], chosen=choice, ranking=[a for a in order if a != choice]))
    return routes


def carrot(train: Outcomes, train_x: np.ndarray, test_x: np.ndarray, mu: float = 0.2) -> list[Route]:
    from sklearn.linear_model import LogisticRegression, Ridge

    n_agents = len(train.agents)
    acc = np.zeros((len(test_x), n_agents))
    cost = np.zeros((len(test_x), n_agents))
    for a in range(n_agents):
        y = train.passed[:, a].astype(int)
        if y.min() == y.max():
            acc[:, a] = float(y[0])
        else:
            acc[:, a] = LogisticRegression(C=1.0, max_iter=2000).fit(train_x, y).predict_proba(test_x)[:, 1]
        cost[:, a] = np.exp(Ridge(alpha=1.0).fit(train_x, np.log(train.cost[:, a] + 1e-9)).predict(test_x))
    utility = (1 - mu) * acc - mu * cost / max(cost.max(), 1e-12)
    return [_ranked(row) for row in utility]


def to_router(train: Outcomes, train_text: list[str], test_text: list[str]) -> list[Route]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    labels = np.array([train.best_label(t) for t in range(len(train_text))])
    if len(set(labels)) == 1:
        return [Route(tried=[int(labels[0])], chosen=int(labels[0])) for _ in test_text]
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
    model = LogisticRegression(C=4.0, max_iter=3000).fit(vec.fit_transform(train_text), labels)
    proba = np.full((len(test_text), len(train.agents)), -1.0)  # agents never a train label rank last
    proba[:, model.classes_] = model.predict_proba(vec.transform(test_text))
    return [_ranked(row) for row in proba]


def _ranked(utility: np.ndarray) -> Route:
    """The best agent by ``utility`` (argmax's tie rule: the cheapest), then the rest in descending order."""
    order = [int(a) for a in np.argsort(-utility, kind="stable")]
    return Route(tried=[order[0]], chosen=order[0], ranking=order[1:])


def _answer_features(answer: str) -> list[float]:
    text = answer.strip()
    return [len(text) / 1000, float("```" in text), float(text.lower().count("unknown") > 0),
            len(text.splitlines()) / 50]


def _scorer_features(x: np.ndarray, agent: int, n_agents: int, answer: str) -> np.ndarray:
    onehot = np.zeros(n_agents)
    onehot[agent] = 1
    return np.concatenate([x, onehot, _answer_features(answer)])


def frugalgpt(train: Outcomes, train_x: np.ndarray, test: Outcomes, test_x: np.ndarray, tau: float | None = None
              ) -> list[Route]:
    """``tau``: the stage threshold; None = chosen on the train split for the best pass@1 at lowest cost."""
    from sklearn.linear_model import LogisticRegression

    n_agents = len(train.agents)
    feats = np.array([_scorer_features(train_x[t], a, n_agents, train.answers[t][a])
                      for t in range(len(train_x)) for a in range(n_agents)])
    y = np.array([int(train.passed[t, a]) for t in range(len(train_x)) for a in range(n_agents)])
    if y.min() == y.max():
        def score(x: np.ndarray, a: int, answer: str) -> float:
            return float(y[0])
    else:
        model = LogisticRegression(C=1.0, max_iter=3000).fit(feats, y)

        def score(x: np.ndarray, a: int, answer: str) -> float:
            return float(model.predict_proba(_scorer_features(x, a, n_agents, answer)[None, :])[0, 1])

    grid = FRUGALGPT_THRESHOLDS
    train_scores = [[score(train_x[t], a, train.answers[t][a]) for a in range(n_agents)]
                    for t in range(len(train_x))]

    def cascade(scores: list[float], tau: float, failed: np.ndarray | None = None) -> Route:
        tried = []
        for a in range(n_agents):
            tried.append(a)
            if a == n_agents - 1 or (scores[a] >= tau and (failed is None or not failed[a])):
                return Route(tried=tried, chosen=a)
        return Route(tried=tried, chosen=n_agents - 1)

    def fitness(tau: float) -> tuple[float, float]:
        routes = [cascade(train_scores[t], tau, None if train.failed is None else train.failed[t])
                  for t in range(len(train_x))]
        acc = np.mean([train.passed[t, r.chosen] for t, r in enumerate(routes)])
        spent = sum(train.cost[t, a] for t, r in enumerate(routes) for a in r.tried)
        return float(acc), -float(spent)

    if tau is None:
        tau = max(grid, key=fitness)
    return [cascade([score(test_x[t], a, test.answers[t][a]) for a in range(n_agents)], tau,
                    None if test.failed is None else test.failed[t]) for t in range(len(test_x))]
