"""Function templates of the generated coding suite: three per complexity bin, each with a reference solution,
a plausible wrong solution (what a failing agent submits), parameters drawn from the seed, hidden test inputs and
the form its task text shows one or two examples in.

Placeholders are ``$name`` (``string.Template``), so code keeps its braces.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

EXAMPLE_FORMS = ("doctest", "assert", "arrow", "equals", "returns")


@dataclass(frozen=True)
class CodingTemplate:
    name: str
    bin: int
    prompt_text: str
    solution_text: str
    wrong_text: str
    params: Callable[[random.Random], dict[str, Any]]
    cases: Callable[[random.Random, dict[str, Any]], list[list[Any]]]
    aliases: tuple[str, ...] = ()
    """Other names the task may ask for, so a suite holds many distinct tasks per template."""
    form: str = "doctest"
    """How the task text shows its examples (``EXAMPLE_FORMS``): the forms vary across templates, as users' do."""
    shown: Callable[[random.Random, dict[str, Any]], list[list[Any]]] | None = None
    """Inputs for the visible examples where ``cases`` cannot draw any outside the hidden tests."""

    @property
    def prompt(self) -> _Fmt:
        return _Fmt(self.prompt_text)

    @property
    def solution(self) -> _Fmt:
        return _Fmt(self.solution_text)

    @property
    def wrong(self) -> _Fmt:
        return _Fmt(self.wrong_text)


class _Fmt:
    def __init__(self, text: str) -> None:
        self.text = text

    def format(self, **params: Any) -> str:
        return string.Template(self.text).substitute(params)


def _words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice("abcde") for _ in range(rng.randint(1, 3))) for _ in range(n)]


def _ints(rng: random.Random, n: int, lo: int = -20, hi: int = 40) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(n)]


TEMPLATES: list[CodingTemplate] = [
    # bin 1
    CodingTemplate(
        "sum_multiples", 1,
        "Return the sum of all non-negative integers below n that are divisible by $a or by $b.",
        "def sum_multiples(n):\n    return sum(i for i in range(n) if i % $a == 0 or i % $b == 0)\n",
        "def sum_multiples(n):\n    return sum(i for i in range(n + 1) if i % $a == 0 or i % $b == 0)\n",
        lambda r: {"a": r.randint(2, 5), "b": r.randint(6, 11)},
        lambda r, p: [[r.choice([0, 1, p["a"] * p["b"]])]] + [[r.randint(2, 300)] for _ in range(7)],
        aliases=('multiples_sum', 'sum_of_multiples', 'total_multiples'),
        form="returns",
    ),
    CodingTemplate(
        "count_letter", 1,
        "Return how many times the letter '$c' occurs in the string s, ignoring case.",
        "def count_letter(s):\n    return s.lower().count('$c')\n",
        "def count_letter(s):\n    return s.count('$c')\n",
        lambda r: {"c": r.choice("aeiou")},
        lambda r, p: [["".join(r.choice(p["c"] + p["c"].upper() + "xyzQ ") for _ in range(r.randint(0, 20)))]
                      for _ in range(8)],
        aliases=('letter_count', 'count_char', 'occurrences'),
        form="doctest",
    ),
    CodingTemplate(
        "clamp_all", 1,
        "Given a list of integers xs, return a new list where every value below $lo becomes $lo and every value "
        "above $hi becomes $hi.",
        "def clamp_all(xs):\n    return [min(max(x, $lo), $hi) for x in xs]\n",
        "def clamp_all(xs):\n    return [max(min(x, $lo), $hi) for x in xs]\n",
        lambda r: {"lo": r.randint(-5, 5), "hi": r.randint(10, 25)},
        lambda r, p: [[_ints(r, r.randint(0, 9))] for _ in range(8)],
        aliases=('clamp_values', 'clip_list', 'bound_values'),
        form="assert",
    ),
    # bin 2
    CodingTemplate(
        "rle_encode", 2,
        "Run-length encode the string s: each maximal run of the same character becomes the character followed "
        "by the run length, e.g. 'aaab' -> 'a3b1'. The empty string encodes to ''. Separate runs with '$sep'.",
        "def rle_encode(s):\n    out = []\n    i = 0\n    while i < len(s):\n        j = i\n"
        "        while j < len(s) and s[j] == s[i]:\n            j += 1\n        out.append(s[i] + str(j - i))\n"
        "        i = j\n    return '$sep'.join(out)\n",
        "def rle_encode(s):\n    out = []\n    i = 0\n    for j in range(1, len(s)):\n        if s[j] != s[i]:\n"
        "            out.append(s[i] + str(j - i))\n            i = j\n    return '$sep'.join(out)\n",
        lambda r: {"sep": r.choice(["", "-", ","])},
        lambda r, p: [["".join(r.choice("aab") for _ in range(r.randint(0, 12)))] for _ in range(8)],
        aliases=('run_length', 'compress_runs', 'encode_runs'),
        form="arrow",
    ),
    CodingTemplate(
        "second_largest", 2,
        "Return the second largest DISTINCT value in the list xs, or $none if there is none.",
        "def second_largest(xs):\n    vals = sorted(set(xs))\n    return vals[-2] if len(vals) >= 2 else $none\n",
        "def second_largest(xs):\n    vals = sorted(xs)\n    return vals[-2] if len(vals) >= 2 else $none\n",
        lambda r: {"none": r.choice(["None", "-1"])},
        lambda r, p: [[_ints(r, r.randint(0, 7), 0, 5)] for _ in range(8)],
        aliases=('runner_up', 'second_max', 'next_largest'),
        form="assert",
    ),
    CodingTemplate(
        "shift_letters", 2,
        "Shift every ASCII letter of s forward by $k places in the alphabet, wrapping from z to a and keeping "
        "case; other characters stay as they are.",
        "def shift_letters(s):\n    out = []\n    for ch in s:\n        if 'a' <= ch <= 'z':\n"
        "            out.append(chr((ord(ch) - 97 + $k) % 26 + 97))\n        elif 'A' <= ch <= 'Z':\n"
        "            out.append(chr((ord(ch) - 65 + $k) % 26 + 65))\n        else:\n            out.append(ch)\n"
        "    return ''.join(out)\n",
        "def shift_letters(s):\n    return ''.join(chr(ord(c) + $k) if c.isalpha() else c for c in s)\n",
        lambda r: {"k": r.randint(1, 25)},
        lambda r, p: [["".join(r.choice("xyzXYZab !") for _ in range(r.randint(0, 10)))] for _ in range(8)],
        aliases=('caesar', 'rotate_letters', 'shift_text'),
        form="equals",
    ),
    # bin 3
    CodingTemplate(
        "is_balanced", 3,
        "Return True if the brackets $pairs in the string s are balanced and properly nested (other characters "
        "are ignored), else False.",
        "def is_balanced(s):\n    pairs = {c: o for o, c in zip('$opens', '$closes')}\n    stack = []\n"
        "    for ch in s:\n        if ch in '$opens':\n            stack.append(ch)\n        elif ch in pairs:\n"
        "            if not stack or stack.pop() != pairs[ch]:\n                return False\n    return not stack\n",
        "def is_balanced(s):\n    return sum(ch in '$opens' for ch in s) == sum(ch in '$closes' for ch in s)\n",
        lambda r: r.choice([{"pairs": "() and []", "opens": "([", "closes": ")]"},
                            {"pairs": "(), [] and {}", "opens": "([{", "closes": ")]}"}]),
        lambda r, p: [["".join(r.choice(p["opens"] + p["closes"] + "x") for _ in range(r.randint(0, 10)))]
                      for _ in range(10)] + [[p["opens"][0] + p["closes"][-1] + p["opens"][-1] + p["closes"][0]]],
        aliases=('brackets_ok', 'balanced', 'check_nesting'),
        form="doctest",
    ),
    CodingTemplate(
        "merge_intervals", 3,
        "Given a list of [start, end] intervals (in any order, start <= end), merge all intervals that overlap or "
        "touch (distance at most $gap) and return the merged intervals sorted by start, as lists.",
        "def merge_intervals(iv):\n    out = []\n    for s, e in sorted(iv):\n"
        "        if out and s - out[-1][1] <= $gap:\n            out[-1][1] = max(out[-1][1], e)\n"
        "        else:\n            out.append([s, e])\n    return out\n",
        "def merge_intervals(iv):\n    out = []\n    for s, e in iv:\n"
        "        if out and s - out[-1][1] <= $gap:\n            out[-1][1] = max(out[-1][1], e)\n"
        "        else:\n            out.append([s, e])\n    return out\n",
        lambda r: {"gap": r.choice([0, 1])},
        lambda r, p: [[[sorted([r.randint(0, 30), r.randint(0, 30)]) for _ in range(r.randint(0, 6))]]
                      for _ in range(8)],
        aliases=('merge_ranges', 'union_intervals', 'combine_intervals'),
        form="arrow",
    ),
    CodingTemplate(
        "top_words", 3,
        "Split the string s on whitespace, lower-case the words, and return the $k most frequent words as a list, "
        "most frequent first; break ties alphabetically.",
        "def top_words(s):\n    from collections import Counter\n    c = Counter(w.lower() for w in s.split())\n"
        "    return [w for w, _ in sorted(c.items(), key=lambda x: (-x[1], x[0]))[:$k]]\n",
        "def top_words(s):\n    from collections import Counter\n"
        "    return [w for w, _ in Counter(s.split()).most_common($k)]\n",
        lambda r: {"k": r.randint(2, 4)},
        lambda r, p: [[" ".join(w if r.random() < .7 else w.upper() for w in _words(r, r.randint(0, 14)))]
                      for _ in range(8)],
        aliases=('frequent_words', 'most_common_words', 'word_ranking'),
        form="returns",
    ),
    # bin 4
    CodingTemplate(
        "longest_increasing", 4,
        "Return the length of the longest STRICTLY increasing subsequence (not necessarily contiguous) of xs. "
        "Inputs may have up to $maxn elements.",
        "def longest_increasing(xs):\n    import bisect\n    tails = []\n    for x in xs:\n"
        "        i = bisect.bisect_left(tails, x)\n        if i == len(tails):\n            tails.append(x)\n"
        "        else:\n            tails[i] = x\n    return len(tails)\n",
        "def longest_increasing(xs):\n    import bisect\n    tails = []\n    for x in xs:\n"
        "        i = bisect.bisect_right(tails, x)\n        if i == len(tails):\n            tails.append(x)\n"
        "        else:\n            tails[i] = x\n    return len(tails)\n",
        lambda r: {"maxn": r.choice([1000, 5000])},
        lambda r, p: [[_ints(r, r.randint(0, 12), 0, 6)] for _ in range(8)],
        aliases=('lis_length', 'longest_rising', 'increasing_run_length'),
        form="equals",
    ),
    CodingTemplate(
        "edit_cost", 4,
        "Return the minimum cost to turn string a into string b when inserting or deleting a character costs 1 "
        "and replacing one character by another costs $sub.",
        "def edit_cost(a, b):\n    prev = list(range(len(b) + 1))\n    for i in range(1, len(a) + 1):\n"
        "        cur = [i] + [0] * len(b)\n        for j in range(1, len(b) + 1):\n"
        "            rep = prev[j - 1] + (0 if a[i - 1] == b[j - 1] else $sub)\n"
        "            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, rep)\n        prev = cur\n    return prev[-1]\n",
        "def edit_cost(a, b):\n    prev = list(range(len(b) + 1))\n    for i in range(1, len(a) + 1):\n"
        "        cur = [i] + [0] * len(b)\n        for j in range(1, len(b) + 1):\n"
        "            rep = prev[j - 1] + (0 if a[i - 1] == b[j - 1] else 1)\n"
        "            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, rep)\n        prev = cur\n    return prev[-1]\n",
        lambda r: {"sub": r.choice([2, 3])},
        lambda r, p: [["".join(r.choice("abc") for _ in range(r.randint(0, 6))),
                       "".join(r.choice("abc") for _ in range(r.randint(0, 6)))] for _ in range(8)],
        aliases=('weighted_edit_distance', 'transform_cost', 'edit_distance'),
        form="assert",
    ),
    CodingTemplate(
        "coin_ways", 4,
        "Return the number of different multisets of coins with values $coins (unlimited supply of each) that "
        "sum to n. The order of coins does not matter.",
        "def coin_ways(n):\n    ways = [1] + [0] * n\n    for c in $coins:\n        for v in range(c, n + 1):\n"
        "            ways[v] += ways[v - c]\n    return ways[n]\n",
        "def coin_ways(n):\n    ways = [1] + [0] * n\n    for v in range(1, n + 1):\n        for c in $coins:\n"
        "            if c <= v:\n                ways[v] += ways[v - c]\n    return ways[n]\n",
        lambda r: {"coins": str(sorted(r.sample([1, 2, 3, 5, 7, 10], 3)))},
        lambda r, p: [[r.randint(0, 40)] for _ in range(8)],
        aliases=('change_ways', 'count_change', 'coin_combinations'),
        form="doctest",
    ),
    # bin 5
    CodingTemplate(
        "shortest_path", 5,
        "Nodes are 0..n-1; edges is a list of [u, v, w] $direction edges with non-negative weight w. Return the "
        "smallest total weight of a path from s to t, or -1 if t cannot be reached. Signature: "
        "shortest_path(n, edges, s, t).",
        "def shortest_path(n, edges, s, t):\n    import heapq\n    adj = [[] for _ in range(n)]\n"
        "    for u, v, w in edges:\n        adj[u].append((v, w))\n        if $undirected:\n"
        "            adj[v].append((u, w))\n    dist = [None] * n\n    heap = [(0, s)]\n    while heap:\n"
        "        d, u = heapq.heappop(heap)\n        if dist[u] is not None:\n            continue\n"
        "        dist[u] = d\n        for v, w in adj[u]:\n            if dist[v] is None:\n"
        "                heapq.heappush(heap, (d + w, v))\n    return -1 if dist[t] is None else dist[t]\n",
        "def shortest_path(n, edges, s, t):\n    from collections import deque\n    adj = [[] for _ in range(n)]\n"
        "    for u, v, w in edges:\n        adj[u].append((v, w))\n        if $undirected:\n"
        "            adj[v].append((u, w))\n    dist = {s: 0}\n    q = deque([s])\n    while q:\n"
        "        u = q.popleft()\n        for v, w in adj[u]:\n            if v not in dist:\n"
        "                dist[v] = dist[u] + w\n                q.append(v)\n    return dist.get(t, -1)\n",
        lambda r: r.choice([{"direction": "directed", "undirected": "False"},
                            {"direction": "undirected", "undirected": "True"}]),
        lambda r, p: [[n, [[r.randrange(n), r.randrange(n), r.randint(0, 9)] for _ in range(r.randint(0, 3 * n))],
                       r.randrange(n), r.randrange(n)] for n in [r.randint(1, 7) for _ in range(10)]],
        aliases=('min_path_weight', 'dijkstra', 'cheapest_route'),
        form="arrow",
    ),
    CodingTemplate(
        "count_queens", 5,
        "Return the number of ways to place n queens on an n x n chessboard so that no two attack each other, "
        "for 0 <= n <= $maxn (n = 0 has exactly one, empty, placement).",
        "def count_queens(n):\n    def go(r, cols, d1, d2):\n        if r == n:\n            return 1\n"
        "        total = 0\n        for c in range(n):\n            if c in cols or r - c in d1 or r + c in d2:\n"
        "                continue\n            total += go(r + 1, cols | {c}, d1 | {r - c}, d2 | {r + c})\n"
        "        return total\n    return go(0, frozenset(), frozenset(), frozenset())\n",
        "def count_queens(n):\n    def go(r, cols, d1):\n        if r == n:\n            return 1\n"
        "        total = 0\n        for c in range(n):\n            if c in cols or r - c in d1:\n"
        "                continue\n            total += go(r + 1, cols | {c}, d1 | {r - c})\n"
        "        return total\n    return go(0, frozenset(), frozenset())\n",
        lambda r: {"maxn": r.choice([7, 8, 9, 10])},  # above the hidden 0-6, so an example can show n = 7 or 8
        lambda r, p: [[n] for n in (0, 1, 2, 3, 4, 5, 6)],
        aliases=('n_queens', 'queen_placements', 'total_queens'),
        form="returns",
        shown=lambda r, p: [[n] for n in range(7, min(p["maxn"], 8) + 1)],
    ),
    CodingTemplate(
        "evaluate", 5,
        "Evaluate an arithmetic expression string with non-negative integers, + - * $div and parentheses, with "
        "the usual precedence and left associativity; '$div' is integer division rounding toward zero. Spaces "
        "may appear anywhere, and the expression is at most $limit characters long. Do not use eval.",
        "def evaluate(s):\n    toks, i = [], 0\n    while i < len(s):\n        if s[i].isdigit():\n"
        "            j = i\n            while j < len(s) and s[j].isdigit():\n                j += 1\n"
        "            toks.append(int(s[i:j]))\n            i = j\n        elif s[i] != ' ':\n"
        "            toks.append(s[i])\n            i += 1\n        else:\n            i += 1\n    pos = [0]\n"
        "    def peek():\n        return toks[pos[0]] if pos[0] < len(toks) else None\n    def take():\n"
        "        pos[0] += 1\n        return toks[pos[0] - 1]\n    def atom():\n        t = take()\n"
        "        if t == '(':\n            v = expr()\n            take()\n            return v\n        return t\n"
        "    def term():\n        v = atom()\n        while peek() in ('*', '$div'):\n"
        "            op, r = take(), atom()\n"
        "            v = v * r if op == '*' else int(v / r)\n        return v\n    def expr():\n        v = term()\n"
        "        while peek() in ('+', '-'):\n            op, r = take(), term()\n"
        "            v = v + r if op == '+' else v - r\n        return v\n    return expr()\n",
        "def evaluate(s):\n    import re\n    toks = re.findall(r'\\d+|[-+*$div()]', s)\n    v, op = 0, '+'\n"
        "    for t in toks:\n        if t.isdigit():\n            n = int(t)\n"
        "            v = v + n if op == '+' else v - n if op == '-' else v * n if op == '*' else int(v / n)\n"
        "        elif t in '+-*$div':\n            op = t\n    return v\n",
        lambda r: {"div": "/", "limit": r.choice([60, 80, 100, 120])},
        lambda r, p: [[e] for e in _expressions(r)],
        aliases=('calc', 'eval_expression', 'compute'),
        form="doctest",
    ),
]


def _expressions(rng: random.Random) -> list[str]:
    out = []
    for _ in range(8):
        a, b, c, d = (rng.randint(1, 20) for _ in range(4))
        out.append(rng.choice([f"{a} + {b} * {c}", f"({a} + {b}) * {c} - {d}", f"{a}*{b} / {c} + {d}",
                               f"{a} - ({b} - {c}) / {d}", f"{a} + {b} - {c} * ({d} + 1)"]))
    return out
