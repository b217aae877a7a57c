"""Benchmark suites: tasks with a domain, a complexity bin (1-5, like HST-Bench) and a verifier.

Two suites are generated from a seed, so no model can have seen them and any seed gives a fresh, equivalent suite:

* ``deep-search``: multi-hop questions over a generated corpus of fictional people, companies, towns and
  provinces. The bin is the number of hops; distractor documents (near-namesakes with conflicting facts) grow
  with the bin. Answered through the offline BM25 search backend; verified by normalised exact match.
* ``coding``: Python functions with hidden unit tests, five templates per bin from string handling up to graph
  search and parsing; verified by running the tests in the sandbox.

Users' own suites are JSONL files, one task per line (see :func:`load_jsonl_suite` and docs/benchmark.md).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sale.suites.coding_templates import TEMPLATES, CodingTemplate

BINS = (1, 2, 3, 4, 5)
SUITES = ("deep-search", "coding")
VERIFIERS = ("exact", "regex", "unit_tests", "llm_judge")


class SuiteError(ValueError):
    """A suite name or file is invalid; the message names every problem."""


@dataclass(frozen=True)
class BenchTask:
    """One task. ``answer`` is the reference (exact/llm_judge), ``pattern`` a regex, ``tests`` hidden unit tests
    (``[[args, expected], ...]`` for ``entry_point``). ``solution``/``wrong`` are reference and plausible wrong
    answers, used only by the simulated agents and the suite's self-check."""

    id: str
    task: str
    domain: str
    bin: int
    verifier: str
    answer: str = ""
    pattern: str = ""
    entry_point: str = ""
    tests: list[list[Any]] = field(default_factory=list)
    solution: str = ""
    wrong: str = ""
    hops: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Suite:
    name: str
    tasks: list[BenchTask]
    corpus: str = ""
    """Directory of the offline search corpus (deep search); empty when the suite needs no search."""
    seed: int = 0

    def by_text(self) -> dict[str, BenchTask]:
        return {t.task: t for t in self.tasks}


def load_suite(name_or_file: str, seed: int, workdir: Path, size: int = 100) -> Suite:
    """A shipped suite generated from ``seed`` (its corpus written under ``workdir``), or a JSONL file."""
    if name_or_file == "deep-search":
        return deep_search_suite(seed, workdir / "corpus", per_bin=max(1, size // len(BINS)))
    if name_or_file == "coding":
        return coding_suite(seed, per_bin=max(1, size // len(BINS)))
    path = Path(name_or_file)
    if path.suffix == ".jsonl" or path.exists():
        return load_jsonl_suite(path)
    raise SuiteError(f"unknown suite {name_or_file!r}: use {' or '.join(SUITES)}, or a .jsonl file")


# --- deep search --------------------------------------------------------------------------------------------

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


# --- coding -------------------------------------------------------------------------------------------------

def coding_suite(seed: int, per_bin: int = 20) -> Suite:
    """Functions with hidden unit tests; each task's expected outputs come from running its reference solution."""
    rng = random.Random(f"coding/{seed}")
    tasks: list[BenchTask] = []
    seen: set[str] = set()
    for b in BINS:
        templates = [t for t in TEMPLATES if t.bin == b]
        for i in range(per_bin):
            template = templates[i % len(templates)]
            for _ in range(100):  # task texts are unique within a suite
                task = _coding_task(template, rng, f"cd-{seed}-{b}-{i:03d}")
                if task.task not in seen:
                    break
            seen.add(task.task)
            tasks.append(task)
    return Suite(name="coding", tasks=tasks, seed=seed)


def _coding_task(template: CodingTemplate, rng: random.Random, task_id: str) -> BenchTask:
    """Draw parameters and hidden tests until the template's wrong solution fails at least one test."""
    name = rng.choice((template.name, *template.aliases))
    for _ in range(50):
        params = template.params(rng)
        solution, wrong = (_renamed(t.format(**params), template.name, name) for t in (template.solution,
                                                                                         template.wrong))
        reference, flawed = _function(solution, name), _function(wrong, name)
        tests = [[args, json.loads(json.dumps(reference(*args)))] for args in template.cases(rng, params)]
        if any(_safe_call(flawed, args) != expected for args, expected in tests):
            break
    else:  # pragma: no cover - every template has inputs that expose its wrong solution
        raise SuiteError(f"template {template.name}: no test separates the wrong solution")
    text = (template.prompt.format(**params).replace(template.name, name)
            + f"\n\nWrite the function `{name}` in Python. Reply with the complete function in one ```python "
            "code block.")
    return BenchTask(id=task_id, task=text, domain="coding", bin=template.bin, verifier="unit_tests",
                     entry_point=name, tests=tests, solution=solution, wrong=wrong)


def _renamed(source: str, old: str, new: str) -> str:
    return source.replace(f"def {old}(", f"def {new}(")


def _function(source: str, name: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<template {name}>", "exec"), namespace)  # the suite's own reference code, not a model's
    return namespace[name]


def _safe_call(fn: Callable[..., Any], args: list[Any]) -> Any:
    try:
        return json.loads(json.dumps(fn(*args)))
    except Exception as exc:
        return f"raised {type(exc).__name__}"


# --- user suites ----------------------------------------------------------------------------------------------

def load_jsonl_suite(path: Path) -> Suite:
    """Read ``{"id", "task", "verifier", "answer"|"pattern"|"tests"+"entry_point", "domain"?, "bin"?}`` lines.

    Every problem in the file is collected and raised as one :class:`SuiteError` with line numbers.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SuiteError(f"suite file {path}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SuiteError(f"suite file {path}: not UTF-8 text") from None
    problems: list[str] = []
    tasks: list[BenchTask] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {n}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            problems.append(f"line {n}: expected a JSON object")
            continue
        task, errs = _task_from_row(row, n)
        problems += errs
        if task is not None:
            if task.id in seen:
                problems.append(f"line {n}: duplicate id {task.id!r}")
            seen.add(task.id)
            tasks.append(task)
    if not tasks and not problems:
        problems.append("no tasks")
    if problems:
        raise SuiteError(f"invalid suite {path}:\n" + "\n".join(f"  - {p}" for p in problems))
    return Suite(name=path.stem, tasks=tasks)


_ROW_KEYS = {"id", "task", "verifier", "answer", "pattern", "tests", "entry_point", "domain", "bin", "solution",
             "wrong"}


def _task_from_row(row: dict[str, Any], n: int) -> tuple[BenchTask | None, list[str]]:
    errs = []
    unknown = sorted(set(row) - _ROW_KEYS)
    if unknown:
        errs.append(f"line {n}: unknown key(s) {', '.join(unknown)}")
    for key in ("id", "task", "verifier"):
        if not isinstance(row.get(key), str) or not row.get(key, "").strip():
            errs.append(f"line {n}: `{key}` must be a non-empty string")
    verifier = row.get("verifier")
    if isinstance(verifier, str) and verifier not in VERIFIERS:
        errs.append(f"line {n}: unknown verifier {verifier!r} ({', '.join(VERIFIERS)})")
    need = {"exact": ("answer",), "llm_judge": ("answer",), "regex": ("pattern",),
            "unit_tests": ("tests", "entry_point")}.get(verifier if isinstance(verifier, str) else "", ())
    for key in need:
        if key not in row:
            errs.append(f"line {n}: verifier {verifier} needs `{key}`")
    if "tests" in row and not (isinstance(row["tests"], list)
                               and all(isinstance(t, list) and len(t) == 2 and isinstance(t[0], list)
                                       for t in row["tests"])):
        errs.append(f"line {n}: `tests` must be a list of [args-list, expected] pairs")
    if "pattern" in row:
        import re

        try:
            re.compile(str(row["pattern"]))
        except re.error as exc:
            errs.append(f"line {n}: `pattern` is not a valid regex ({exc})")
    b = row.get("bin", 3)
    if not isinstance(b, int) or isinstance(b, bool) or b not in BINS:
        errs.append(f"line {n}: `bin` must be an integer 1-5")
    if errs:
        return None, errs
    return BenchTask(id=row["id"], task=row["task"], domain=str(row.get("domain", "custom")), bin=b,
                     verifier=verifier, answer=str(row.get("answer", "")), pattern=str(row.get("pattern", "")),
                     entry_point=str(row.get("entry_point", "")), tests=row.get("tests", []),
                     solution=str(row.get("solution", "")), wrong=str(row.get("wrong", ""))), []


def write_jsonl(tasks: list[BenchTask], path: Path) -> None:
    path.write_text("".join(json.dumps(t.to_json()) + "\n" for t in tasks), encoding="utf-8")
