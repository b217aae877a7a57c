"""The ``deep-search`` suite: multi-hop questions over a generated corpus of fictional people, companies, towns
and provinces.

Generated from a seed, so no model can have seen it. The bin is the number of hops; distractor documents
(near-namesakes with conflicting facts) grow with the bin. Answered through the offline BM25 search backend;
verified by normalised exact match.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from sale.suites.suite import BINS, BenchTask, Suite

_ONSETS = ["b", "br", "d", "dr", "f", "g", "gr", "h", "k", "kr", "l", "m", "n", "p", "r", "s", "st", "t", "tr",
           "v", "z", "sk", "th", "j"]
_VOWELS = ["a", "e", "i", "o", "u", "ae", "ei", "ou", "y"]
_CODAS = ["", "n", "r", "l", "s", "th", "nd", "rk", "v", "x", "m"]

# relation -> (source kind, target kind, question phrase, sentence)
RELATIONS: dict[str, tuple[str, str, str, str]] = {
    "born_in": ("person", "town", "the town where {x} was born", "{s} was born in the town of {t}."),
    "mentor": ("person", "person", "the mentor of {x}", "{s} trained under {t}, who was {s}'s mentor."),
    "employer": ("person", "company", "the company that employs {x}", "{s} works for {t}."),
    "founder": ("company", "person", "the founder of {x}", "{s} was founded by {t}."),
    "hq": ("company", "town", "the town where {x} has its headquarters", "{s} has its headquarters in {t}."),
    "province": ("town", "province", "the province that {x} belongs to", "{s} lies in the province of {t}."),
    "mayor": ("town", "person", "the mayor of {x}", "The mayor of {s} is {t}."),
    "capital": ("province", "town", "the capital of {x}", "The capital of {s} is {t}."),
    "governor": ("province", "person", "the governor of {x}", "{s} is governed by {t}."),
}
_KIND_WORDS = {"person": "a person", "company": "a company", "town": "a town", "province": "a province"}
_FILLER = [
    "Local records describe {n} as well known in the region.",
    "Visitors often mention {n} in travel notes about the northern valleys.",
    "{n} appears in several archive entries from the last century.",
    "Accounts of {n} differ in small details, but the main facts are consistent.",
    "Historians have written short notes about {n}.",
]


def _name(rng: random.Random, used: set[str], parts: int = 2) -> str:
    while True:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(parts)) + rng.choice(_CODAS)
        word = word.capitalize()
        if word not in used and len(word) >= 4:
            used.add(word)
            return word


def _world(seed: int) -> tuple[dict[str, dict[str, Any]], random.Random]:
    rng = random.Random(f"deep-search/{seed}")
    used: set[str] = set()
    counts = {"person": 160, "company": 60, "town": 60, "province": 14}
    suffix = {"company": [" Works", " Holdings", " Foundry", " Cooperative", " Mills"], "person": [""],
              "town": [""], "province": [""]}
    entities: dict[str, dict[str, Any]] = {}
    for kind, n in counts.items():
        for _ in range(n):
            if kind == "person":
                name = f"{_name(rng, used)} {_name(rng, used, 3)}"
            else:
                name = _name(rng, used, 3 if kind == "province" else 2) + rng.choice(suffix[kind])
            entities[name] = {"kind": kind, "rel": {}}
    by_kind: dict[str, list[str]] = {}
    for name, e in entities.items():
        by_kind.setdefault(e["kind"], []).append(name)
    for name, e in entities.items():
        for rel, (src, dst, _, _) in RELATIONS.items():
            if src == e["kind"]:
                e["rel"][rel] = rng.choice([c for c in by_kind[dst] if c != name])
    return entities, rng


def _doc(name: str, entity: dict[str, Any], rel: dict[str, str], rng: random.Random) -> str:
    facts = [RELATIONS[r][3].format(s=name, t=t) for r, t in rel.items()]
    facts += [f.format(n=name) for f in rng.sample(_FILLER, 2)]
    rng.shuffle(facts)
    return " ".join([f"{name} is {_KIND_WORDS[entity['kind']]}.", *facts])


def deep_search_suite(seed: int, corpus_dir: Path, per_bin: int = 20) -> Suite:
    """Multi-hop questions (bin = hops) over a generated corpus written to ``corpus_dir`` (one .md per entity)."""
    entities, rng = _world(seed)
    names = sorted(entities)
    tasks: list[BenchTask] = []
    distractors: dict[str, dict[str, str]] = {}
    for b in BINS:
        made = 0
        while made < per_bin:
            start = rng.choice(names)
            chain, node = [], start
            for _ in range(b):
                options = list(entities[node]["rel"])
                rel = rng.choice(options)
                chain.append(rel)
                node = entities[node]["rel"][rel]
            phrase = start
            for rel in chain:
                phrase = RELATIONS[rel][2].format(x=phrase)
            question = (f"What is the name of {phrase}? Search the documents for each fact; answer with the name "
                        f"only.")
            if node == start or any(t.task == question or (t.answer == node and t.bin == b) for t in tasks):
                continue
            path, cur = [start], start
            for rel in chain:
                cur = entities[cur]["rel"][rel]
                path.append(cur)
            for hop in range(b - 1):  # near-namesakes with conflicting facts, more of them in harder bins
                real = path[hop]
                fake = f"{real.split(' ')[0]} {rng.choice(names).split(' ')[-1]}" if " " in real else real + "s"
                if fake not in entities and fake not in distractors:
                    distractors[fake] = {r: rng.choice([n for n in names if entities[n]["kind"] == entities[t]["kind"]
                                                        and n != t])
                                         for r, t in entities[real]["rel"].items()}
            wrong = rng.choice([n for n in names if entities[n]["kind"] == entities[node]["kind"] and n != node])
            tasks.append(BenchTask(id=f"ds-{seed}-{b}-{made:03d}", task=question, domain="deep-search", bin=b,
                                   verifier="exact", answer=node, wrong=wrong, hops=b, solution=node))
            made += 1
    corpus_dir.mkdir(parents=True, exist_ok=True)
    doc_rng = random.Random(f"docs/{seed}")
    for i, name in enumerate(names):
        text = _doc(name, entities[name], entities[name]["rel"], doc_rng)
        (corpus_dir / f"e{i:04d}.md").write_text(f"# {name}\n\n{text}\n", encoding="utf-8")
    for i, (name, rel) in enumerate(sorted(distractors.items())):
        kind = "person" if "born_in" in rel else ("company" if "founder" in rel else "town")
        entity = {"kind": kind}
        (corpus_dir / f"d{i:04d}.md").write_text(f"# {name}\n\n{_doc(name, entity, rel, doc_rng)}\n", encoding="utf-8")
    return Suite(name="deep-search", tasks=tasks, corpus=str(corpus_dir), seed=seed)
