"""The ``programs`` suite, bin 2 (medium): a class with several methods or four to six functions, a reference of
about 50-110 lines, reading a file format with stated edge cases (blank lines, comments, bad rows, duplicates, ties).

Written by hand for issue 29. Every task states in its spec each rule the hidden tests check; the wrong solution is
what a careless developer submits: it usually passes the example tests and misses one or two stated edge cases.
"""

from __future__ import annotations

from sale.suites.programs.task import ProgramTask

_INVENTORY = ProgramTask(
    name="inventory_ledger",
    bin=2,
    entry_point="Inventory",
    spec="""Write a Python module that defines `class Inventory`, a stock ledger loaded from a transactions CSV file.

`Inventory(path)` reads the file at `path`. Its first line is the header `op,sku,qty`; every other line is one
transaction, applied in file order:

```
op,sku,qty
add,apple,10
add,pear,4
remove,apple,3
# stock-take found a pear missing
adjust,pear,3
```

Rules:
- `add` increases the stock of `sku` by `qty`, `remove` decreases it, `adjust` sets it to exactly `qty`.
- Fields are separated by commas and stripped of surrounding spaces. `qty` must be a whole number >= 0 written
  with digits only (`-2`, `3.5` and `x` are invalid).
- Blank lines and lines whose first non-space character is `#` are skipped.
- Line numbers count every physical line of the file, starting at 1 for the header (skipped lines included).
- Raise `ValueError` whose message contains `line N` (N the line number) when a line does not have exactly three
  fields, the op is not one of `add`, `remove`, `adjust`, the qty is invalid, or a `remove` would make the stock
  of that sku negative. A header other than `op,sku,qty` (after stripping spaces around fields) raises
  `ValueError` containing `line 1`.

Methods:
- `stock(sku)` -> int, the current stock; 0 for a sku never seen.
- `skus()` -> sorted list of the skus whose stock is greater than 0.
- `total()` -> int, the sum of all stock.
- `low_stock(threshold)` -> list of `(sku, qty)` tuples for every sku that appears in the file and whose stock is
  strictly below `threshold` (stock 0 included), sorted by qty ascending, ties by sku alphabetically.
- `moves(sku)` -> list of the line numbers of the transactions on `sku`, in file order (`[]` when none).

Standard library only.""",
    visible=r'''
# the main path
open("stock.csv", "w").write("op,sku,qty\nadd,apple,10\nadd,pear,4\nremove,apple,3\nadjust,pear,3\n")
inv = Inventory("stock.csv")
assert inv.stock("apple") == 7
assert inv.stock("pear") == 3
assert inv.stock("kiwi") == 0
assert inv.skus() == ["apple", "pear"]
assert inv.total() == 10

# low stock and moves
assert inv.low_stock(5) == [("pear", 3)]
assert inv.moves("apple") == [2, 4]

# a remove below zero names its line
open("bad.csv", "w").write("op,sku,qty\nadd,fig,2\nremove,fig,3\n")
try:
    Inventory("bad.csv")
except ValueError as e:
    assert "line 3" in str(e), str(e)
else:
    raise AssertionError("expected ValueError")
''',
    hidden=r'''
def expect_error(text, line):
    open("t.csv", "w").write(text)
    try:
        Inventory("t.csv")
    except ValueError as e:
        assert ("line %d" % line) in str(e), str(e)
    else:
        raise AssertionError("expected ValueError for line %d" % line)

# 1. comments, blank lines and spaces around fields
open("a.csv", "w").write("op, sku, qty\n\n# opening stock\nadd, apple , 10\n  # note\nremove,apple, 4\n\n")
inv = Inventory("a.csv")
assert inv.stock("apple") == 6
assert inv.moves("apple") == [4, 6]

# 2. line numbers count skipped lines
expect_error("op,sku,qty\n\n# c\nadd,fig,1\n\nremove,fig,2\n", 6)

# 3. invalid quantities
expect_error("op,sku,qty\nadd,fig,-2\n", 2)
expect_error("op,sku,qty\nadd,fig,1\nadd,fig,3.5\n", 3)
expect_error("op,sku,qty\n# x\nadd,fig,x\n", 3)

# 4. unknown op and wrong field counts
expect_error("op,sku,qty\nadd,fig,1\nsell,fig,1\n", 3)
expect_error("op,sku,qty\nadd,fig\n", 2)
expect_error("op,sku,qty\nadd,fig,1\n\nadd,fig,1,2\n", 4)

# 5. bad header
expect_error("operation,sku,qty\nadd,fig,1\n", 1)

# 6. adjust then remove
open("b.csv", "w").write("op,sku,qty\nadd,nut,10\nadjust,nut,2\nremove,nut,2\nadd,bolt,5\n")
inv = Inventory("b.csv")
assert inv.stock("nut") == 0
assert inv.skus() == ["bolt"]
assert inv.total() == 5
expect_error("op,sku,qty\nadd,nut,10\nadjust,nut,2\nremove,nut,3\n", 4)

# 7. low_stock includes zero stock and breaks ties by sku
open("c.csv", "w").write(
    "op,sku,qty\nadd,zeta,2\nadd,alpha,2\nadd,mid,1\nadd,gone,3\nremove,gone,3\nadd,big,50\nadd,beta,2\n"
)
inv = Inventory("c.csv")
assert inv.low_stock(3) == [("gone", 0), ("mid", 1), ("alpha", 2), ("beta", 2), ("zeta", 2)]
assert inv.low_stock(1) == [("gone", 0)]
assert inv.low_stock(0) == []
assert inv.skus() == ["alpha", "beta", "big", "mid", "zeta"]

# 8. moves of an unknown sku and zero-quantity lines
open("d.csv", "w").write("op,sku,qty\nadd,cup,0\nremove,cup,0\n")
inv = Inventory("d.csv")
assert inv.moves("cup") == [2, 3]
assert inv.moves("plate") == []
assert inv.low_stock(1) == [("cup", 0)]
assert inv.total() == 0
''',
    solution=r'''
class Inventory:
    OPS = ("add", "remove", "adjust")

    def __init__(self, path):
        self._stock = {}
        self._moves = {}
        with open(path) as f:
            lines = f.read().splitlines()
        if not lines or [p.strip() for p in lines[0].split(",")] != ["op", "sku", "qty"]:
            raise ValueError("line 1: the header must be op,sku,qty")
        for number, line in enumerate(lines[1:], start=2):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            self._apply(number, [p.strip() for p in text.split(",")])

    def _apply(self, number, fields):
        if len(fields) != 3:
            raise ValueError(f"line {number}: expected 3 fields, got {len(fields)}")
        op, sku, qty = fields
        if op not in self.OPS:
            raise ValueError(f"line {number}: unknown op {op!r}")
        if not (qty.isascii() and qty.isdigit()):
            raise ValueError(f"line {number}: invalid quantity {qty!r}")
        amount = int(qty)
        current = self._stock.get(sku, 0)
        if op == "add":
            current += amount
        elif op == "remove":
            if amount > current:
                raise ValueError(f"line {number}: removing {amount} {sku} leaves negative stock")
            current -= amount
        else:
            current = amount
        self._stock[sku] = current
        self._moves.setdefault(sku, []).append(number)

    def stock(self, sku):
        return self._stock.get(sku, 0)

    def skus(self):
        return sorted(sku for sku, qty in self._stock.items() if qty > 0)

    def total(self):
        return sum(self._stock.values())

    def low_stock(self, threshold):
        low = [(sku, qty) for sku, qty in self._stock.items() if qty < threshold]
        return sorted(low, key=lambda item: (item[1], item[0]))

    def moves(self, sku):
        return list(self._moves.get(sku, []))
''',
    wrong=r'''
class Inventory:
    def __init__(self, path):
        self.data = {}
        self.lines = {}
        rows = []
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    rows.append(line)
        header = [p.strip() for p in rows[0].split(",")]
        if header != ["op", "sku", "qty"]:
            raise ValueError("line 1: bad header")
        for i, row in enumerate(rows[1:], start=2):
            parts = [p.strip() for p in row.split(",")]
            if len(parts) != 3:
                raise ValueError("line %d: wrong number of fields" % i)
            op, sku, qty = parts
            if not qty.isdigit():
                raise ValueError("line %d: bad qty" % i)
            n = int(qty)
            old = self.data.get(sku, 0)
            if op == "add":
                self.data[sku] = old + n
            elif op == "remove":
                if old - n < 0:
                    raise ValueError("line %d: negative stock" % i)
                self.data[sku] = old - n
            elif op == "adjust":
                self.data[sku] = n
            else:
                raise ValueError("line %d: unknown op" % i)
            self.lines.setdefault(sku, []).append(i)

    def stock(self, sku):
        return self.data.get(sku, 0)

    def skus(self):
        return sorted(k for k in self.data if self.data[k] > 0)

    def total(self):
        return sum(self.data.values())

    def low_stock(self, threshold):
        items = [(k, v) for k, v in self.data.items() if v < threshold]
        return sorted(items, key=lambda kv: kv[1])

    def moves(self, sku):
        return self.lines.get(sku, [])
''',
)

_LRU = ProgramTask(
    name="lru_cache_replay",
    bin=2,
    entry_point="LRUCache",
    spec="""Write a Python module that defines `class LRUCache`, a least-recently-used cache with statistics, and a
function `replay(path)` that runs a script of cache commands read from a file.

`LRUCache(capacity)`: `capacity` must be an int >= 1, otherwise raise `ValueError`.
- `get(key, default=None)`: if `key` is cached, return its value and make it the most recently used entry (a hit);
  otherwise return `default` (a miss).
- `put(key, value)`: if `key` is already cached, replace its value and make it the most recently used entry (this
  is not an eviction). Otherwise add it as the most recently used entry; if the cache then holds more than
  `capacity` entries, remove the least recently used one (an eviction).
- `peek(key)`: the cached value or None, without changing the order or the statistics.
- `key in cache` and `len(cache)` work and change neither the order nor the statistics.
- `keys()`: list of the cached keys from least to most recently used.
- `stats()`: dict `{"hits": int, "misses": int, "evictions": int, "size": int}` (size = entries cached now).

`replay(path)` reads a script such as:

```
# a tiny cache
capacity 2
put a 1
put b 2
get a
put c 3
get b
```

- Blank lines and lines starting with `#` are skipped.
- The first other line must be `capacity N` (N an int >= 1). After it, each line is `put KEY VALUE` or `get KEY`
  (words separated by whitespace; keys and values are strings).
- Any other line (unknown command, wrong number of words, a missing or invalid capacity line, a second capacity
  line) raises `ValueError` whose message contains `line N`, N the 1-based physical line number.
- It returns a tuple `(results, stats)`: `results` is the list of values returned by each `get`, in order (None for
  a miss), `stats` the cache's `stats()` at the end. For the sample: `(["1", None], {"hits": 1, "misses": 1,
  "evictions": 1, "size": 2})`.

Standard library only.""",
    visible=r'''
# eviction of the least recently used entry
c = LRUCache(2)
c.put("a", 1)
c.put("b", 2)
assert c.get("a") == 1
c.put("c", 3)
assert c.get("b") is None
assert c.get("b", "none") == "none"
assert c.keys() == ["a", "c"]
assert c.stats() == {"hits": 1, "misses": 2, "evictions": 1, "size": 2}

# replay a script file
open("ops.txt", "w").write("# a tiny cache\ncapacity 2\nput a 1\nput b 2\nget a\nput c 3\nget b\n")
assert replay("ops.txt") == (["1", None], {"hits": 1, "misses": 1, "evictions": 1, "size": 2})
''',
    hidden=r'''
def expect_error(text, line):
    open("s.txt", "w").write(text)
    try:
        replay("s.txt")
    except ValueError as e:
        assert ("line %d" % line) in str(e), str(e)
    else:
        raise AssertionError("expected ValueError for line %d" % line)

# 1. updating a cached key refreshes it and is not an eviction
c = LRUCache(2)
c.put("a", 1)
c.put("b", 2)
c.put("a", 10)
c.put("c", 3)
assert c.keys() == ["a", "c"]
assert c.get("a") == 10
assert c.stats() == {"hits": 1, "misses": 0, "evictions": 1, "size": 2}

# 2. peek, in and len change nothing
c = LRUCache(2)
c.put("x", 1)
c.put("y", 2)
assert c.peek("x") == 1
assert c.peek("zz") is None
assert "x" in c and "q" not in c
assert len(c) == 2
c.put("z", 3)
assert c.keys() == ["y", "z"]
assert c.stats() == {"hits": 0, "misses": 0, "evictions": 1, "size": 2}

# 3. capacity must be at least 1
for bad in (0, -3):
    try:
        LRUCache(bad)
    except ValueError:
        pass
    else:
        raise AssertionError("capacity %d accepted" % bad)

# 4. capacity 1 and falsy values
c = LRUCache(1)
c.put("k", 0)
assert c.get("k", "miss") == 0
c.put("j", None)
assert c.get("k", "miss") == "miss"
assert c.keys() == ["j"]
assert c.stats() == {"hits": 1, "misses": 1, "evictions": 1, "size": 1}

# 5. get refreshes order
c = LRUCache(3)
for k in "abc":
    c.put(k, k.upper())
c.get("a")
c.get("b")
c.put("d", "D")
assert c.keys() == ["a", "b", "d"]

# 6. replay with a put that updates a key
open("r.txt", "w").write("\ncapacity 2\n\nput a 1\nput b 2\nput a 9\nput c 3\nget a\nget b\nget c\n")
assert replay("r.txt") == (["9", None, "3"], {"hits": 2, "misses": 1, "evictions": 1, "size": 2})

# 7. replay errors name the physical line
expect_error("capacity 2\nput a 1\nfetch a\n", 3)
expect_error("# c\n\ncapacity 2\nput a\n", 4)
expect_error("capacity 2\nget a b\n", 2)
expect_error("put a 1\n", 1)
expect_error("# x\ncapacity zero\n", 2)
expect_error("capacity 0\n", 1)
expect_error("capacity 2\nput a 1\ncapacity 3\n", 3)
''',
    solution=r'''
from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity):
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError("capacity must be an int >= 1")
        self.capacity = capacity
        self._data = OrderedDict()
        self._hits = self._misses = self._evictions = 0

    def get(self, key, default=None):
        if key in self._data:
            self._data.move_to_end(key)
            self._hits += 1
            return self._data[key]
        self._misses += 1
        return default

    def put(self, key, value):
        if key in self._data:
            self._data.move_to_end(key)
            self._data[key] = value
            return
        self._data[key] = value
        if len(self._data) > self.capacity:
            self._data.popitem(last=False)
            self._evictions += 1

    def peek(self, key):
        return self._data.get(key)

    def __contains__(self, key):
        return key in self._data

    def __len__(self):
        return len(self._data)

    def keys(self):
        return list(self._data)

    def stats(self):
        return {"hits": self._hits, "misses": self._misses, "evictions": self._evictions, "size": len(self._data)}


def replay(path):
    cache = None
    results = []
    with open(path) as f:
        lines = f.read().splitlines()
    for number, line in enumerate(lines, start=1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if cache is None:
            if len(words) != 2 or words[0] != "capacity" or not words[1].isdigit() or int(words[1]) < 1:
                raise ValueError(f"line {number}: expected 'capacity N'")
            cache = LRUCache(int(words[1]))
        elif words[0] == "put" and len(words) == 3:
            cache.put(words[1], words[2])
        elif words[0] == "get" and len(words) == 2:
            results.append(cache.get(words[1]))
        else:
            raise ValueError(f"line {number}: cannot read {line.strip()!r}")
    if cache is None:
        raise ValueError("line 1: missing capacity line")
    return results, cache.stats()
''',
    wrong=r'''
from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity):
        if capacity < 0:
            raise ValueError("negative capacity")
        self.capacity = capacity
        self.data = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def get(self, key, default=None):
        if key in self.data:
            self.hits += 1
            self.data.move_to_end(key)
            return self.data[key]
        self.misses += 1
        return default

    def put(self, key, value):
        self.data[key] = value
        if len(self.data) > self.capacity:
            self.data.popitem(last=False)
            self.evictions += 1

    def peek(self, key):
        return self.data.get(key)

    def __contains__(self, key):
        return key in self.data

    def __len__(self):
        return len(self.data)

    def keys(self):
        return list(self.data.keys())

    def stats(self):
        return {"hits": self.hits, "misses": self.misses, "evictions": self.evictions, "size": len(self.data)}


def replay(path):
    cache = None
    out = []
    for n, line in enumerate(open(path), start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if parts[0] == "capacity":
            cache = LRUCache(int(parts[1]))
        elif parts[0] == "put":
            cache.put(parts[1], parts[2])
        elif parts[0] == "get":
            out.append(cache.get(parts[1]))
        else:
            raise ValueError("line %d: unknown command" % n)
    return out, cache.stats()
''',
)

_SESSIONS = ProgramTask(
    name="event_sessions",
    bin=2,
    entry_point="aggregate",
    spec="""Write a Python module that defines functions to aggregate a JSON-lines event log per user:
`read_events(path)`, `count_sessions(timestamps, gap=1800)`, `aggregate(path, gap=1800)` and
`top_users(path, n=3)`.

The file holds one JSON object per line:

```
{"user": "ann", "ts": 100, "page": "/"}
{"user": "bob", "ts": 150}
{"user": "ann", "ts": 1000}
not json
{"user": "ann", "ts": 5000}
```

- A valid line is a JSON object whose `"user"` is a non-empty string and whose `"ts"` is an integer >= 0 (seconds).
  A bool is not an integer and a float such as `1.5` or `100.0` is invalid. Other keys are ignored.
- Lines that are empty or only whitespace are skipped; they are not errors.
- Every other line is malformed (invalid JSON, not an object, missing or invalid user or ts): it is skipped and its
  line number (1-based, counting every physical line) is recorded.
- A valid event with the same user and ts as an earlier valid event is a duplicate: it is ignored (not counted,
  not an error).
- Lines are not necessarily in time order.

Functions:
- `read_events(path)` -> tuple `(events, errors)`: `events` is the list of `(user, ts)` tuples of the valid,
  non-duplicate lines in file order; `errors` the list of malformed line numbers in increasing order.
- `count_sessions(timestamps, gap=1800)` -> int: sort the timestamps; the first starts a session, and each next
  one starts a new session when it comes MORE than `gap` seconds after the previous timestamp (exactly `gap`
  seconds stays in the same session). An empty list has 0 sessions.
- `aggregate(path, gap=1800)` -> dict `{"users": {user: {"events": int, "sessions": int, "first": int,
  "last": int}}, "errors": [line numbers]}` where `first`/`last` are the user's smallest and largest ts.
  For the sample: ann has 3 events in 2 sessions (first 100, last 5000), bob 1 event in 1 session, errors `[4]`.
- `top_users(path, n=3)` -> list of up to `n` `(user, events)` tuples, most events first, ties by user name
  alphabetically.

Standard library only.""",
    visible=r'''
# the sample log
open("log.jsonl", "w").write(
    '{"user": "ann", "ts": 100, "page": "/"}\n{"user": "bob", "ts": 150}\n'
    '{"user": "ann", "ts": 1000}\nnot json\n{"user": "ann", "ts": 5000}\n'
)
assert aggregate("log.jsonl") == {
    "users": {
        "ann": {"events": 3, "sessions": 2, "first": 100, "last": 5000},
        "bob": {"events": 1, "sessions": 1, "first": 150, "last": 150},
    },
    "errors": [4],
}
assert read_events("log.jsonl") == ([("ann", 100), ("bob", 150), ("ann", 1000), ("ann", 5000)], [4])

# sessions and top users
assert count_sessions([0, 100, 5000, 5100, 9000]) == 3
assert top_users("log.jsonl", 1) == [("ann", 3)]
''',
    hidden=r'''
import json

def write(name, lines):
    open(name, "w").write("\n".join(lines) + "\n")

# 1. lines out of time order
write("a.jsonl", ['{"user": "ann", "ts": 5000}', '{"user": "ann", "ts": 100}', '{"user": "ann", "ts": 1000}'])
assert aggregate("a.jsonl") == {"users": {"ann": {"events": 3, "sessions": 2, "first": 100, "last": 5000}},
                                "errors": []}
assert read_events("a.jsonl") == ([("ann", 5000), ("ann", 100), ("ann", 1000)], [])

# 2. exactly gap seconds stays in the session
assert count_sessions([0, 1800]) == 1
assert count_sessions([0, 1801]) == 2
assert count_sessions([3600, 0, 1800]) == 1
assert count_sessions([]) == 0
assert count_sessions([7]) == 1
assert count_sessions([0, 10, 20], gap=5) == 3

# 3. malformed lines and blank lines
write("b.jsonl", [
    '{"user": "cy", "ts": 1}',
    '',
    '[1, 2]',
    '{"ts": 5}',
    '{"user": "", "ts": 5}',
    '{"user": 7, "ts": 5}',
    '   ',
    '{"user": "cy", "ts": "100"}',
    '{"user": "cy", "ts": 1.5}',
    '{"user": "cy", "ts": true}',
    '{"user": "cy", "ts": -1}',
    '{"user": "cy", "ts": 100.0}',
    '{"user": "cy"',
    '{"user": "cy", "ts": 2}',
])
events, errors = read_events("b.jsonl")
assert events == [("cy", 1), ("cy", 2)]
assert errors == [3, 4, 5, 6, 8, 9, 10, 11, 12, 13]

# 4. duplicates are ignored
write("c.jsonl", ['{"user": "dee", "ts": 10}', '{"user": "dee", "ts": 10, "page": "/x"}',
                  '{"user": "eve", "ts": 10}', '{"user": "dee", "ts": 4000}'])
assert aggregate("c.jsonl") == {"users": {"dee": {"events": 2, "sessions": 2, "first": 10, "last": 4000},
                                          "eve": {"events": 1, "sessions": 1, "first": 10, "last": 10}},
                                "errors": []}

# 5. a custom gap
write("d.jsonl", [json.dumps({"user": "fay", "ts": t}) for t in (0, 60, 130, 190)])
assert aggregate("d.jsonl", gap=60)["users"]["fay"]["sessions"] == 2
assert aggregate("d.jsonl", gap=70)["users"]["fay"]["sessions"] == 1
assert aggregate("d.jsonl")["users"]["fay"]["sessions"] == 1

# 6. top users: ties alphabetical, n larger than the user count
write("e.jsonl", [json.dumps({"user": u, "ts": t}) for u, t in
                  [("zed", 1), ("amy", 2), ("zed", 3), ("bo", 4), ("amy", 5), ("bo", 6), ("cat", 7)]])
assert top_users("e.jsonl") == [("amy", 2), ("bo", 2), ("zed", 2)]
assert top_users("e.jsonl", 10) == [("amy", 2), ("bo", 2), ("zed", 2), ("cat", 1)]
assert top_users("e.jsonl", 0) == []

# 7. an empty file and a file of only errors
open("f.jsonl", "w").write("")
assert aggregate("f.jsonl") == {"users": {}, "errors": []}
write("g.jsonl", ["oops", "", '"ann"'])
assert aggregate("g.jsonl") == {"users": {}, "errors": [1, 3]}
''',
    solution=r'''
import json


def parse_line(text):
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    user, ts = obj.get("user"), obj.get("ts")
    if not isinstance(user, str) or not user:
        return None
    if not isinstance(ts, int) or isinstance(ts, bool) or ts < 0:
        return None
    return user, ts


def read_events(path):
    events, errors, seen = [], [], set()
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            event = parse_line(line)
            if event is None:
                errors.append(number)
            elif event not in seen:
                seen.add(event)
                events.append(event)
    return events, errors


def count_sessions(timestamps, gap=1800):
    ordered = sorted(timestamps)
    if not ordered:
        return 0
    return 1 + sum(1 for prev, cur in zip(ordered, ordered[1:]) if cur - prev > gap)


def aggregate(path, gap=1800):
    events, errors = read_events(path)
    by_user = {}
    for user, ts in events:
        by_user.setdefault(user, []).append(ts)
    users = {
        user: {"events": len(times), "sessions": count_sessions(times, gap), "first": min(times), "last": max(times)}
        for user, times in by_user.items()
    }
    return {"users": users, "errors": errors}


def top_users(path, n=3):
    users = aggregate(path)["users"]
    ranked = sorted(users.items(), key=lambda item: (-item[1]["events"], item[0]))
    return [(user, info["events"]) for user, info in ranked[:n]]
''',
    wrong=r'''
import json


def read_events(path):
    events = []
    errors = []
    lineno = 0
    for line in open(path):
        lineno += 1
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            user = obj["user"]
            ts = obj["ts"]
        except Exception:
            errors.append(lineno)
            continue
        if not isinstance(user, str) or user == "" or not isinstance(ts, int) or ts < 0:
            errors.append(lineno)
            continue
        if (user, ts) not in events:
            events.append((user, ts))
    return events, errors


def count_sessions(timestamps, gap=1800):
    if not timestamps:
        return 0
    sessions = 1
    for i in range(1, len(timestamps)):
        if timestamps[i] - timestamps[i - 1] > gap:
            sessions += 1
    return sessions


def aggregate(path, gap=1800):
    events, errors = read_events(path)
    times = {}
    for user, ts in events:
        times.setdefault(user, []).append(ts)
    users = {}
    for user, ts_list in times.items():
        users[user] = {"events": len(ts_list), "sessions": count_sessions(ts_list, gap),
                       "first": min(ts_list), "last": max(ts_list)}
    return {"users": users, "errors": errors}


def top_users(path, n=3):
    users = aggregate(path)["users"]
    ranked = sorted(users, key=lambda u: (-users[u]["events"], u))
    return [(u, users[u]["events"]) for u in ranked[:n]]
''',
)

_TABLE = ProgramTask(
    name="text_table",
    bin=2,
    entry_point="format_table",
    spec="""Write a Python module that defines a plain-text table formatter: `format_cell(value)`,
`format_table(headers, rows, max_width=12)` and `table_from_csv(path, max_width=12)`.

`format_cell(value)` -> str: None gives `""`, a bool gives `"yes"` or `"no"`, a float is written with exactly two
decimals (`1.5` -> `"1.50"`), anything else with `str()`.

`format_table(headers, rows, max_width=12)` -> str:
- `headers` is a list of strings, `rows` a list of lists with one value per header. A row with a different number
  of values raises `ValueError`; so does `max_width` below 4.
- A column is numeric when it has at least one non-None value and all its non-None values are int or float
  (bools are NOT numbers). Numeric columns are right-aligned (header included); all others are left-aligned.
- A column's width is the length of the longest of its header and its formatted cells, but at most `max_width`.
- A header or cell text longer than its column's width is cut to `width - 3` characters followed by `...`.
- The first line holds the headers, the second one a rule made of `-` repeated to each column's width, the next
  ones the rows in order. Cells are joined with ` | `, rule parts with `-+-`. Trailing spaces are removed from
  every line; lines are joined with a newline and there is no newline at the end.

`table_from_csv(path, max_width=12)` -> str: read a CSV file (the `csv` module's default dialect) whose first row
holds the headers, skip rows that are empty (blank lines), strip surrounding spaces from every cell (header cells
too) and convert each data cell: an empty cell becomes None, an integer such as `12` or `-1` becomes an int, a
decimal such as `1.5` or `-0.25` (digits, a dot, digits, optional leading `-`) becomes a float, anything else
stays a string. Then return `format_table(headers, rows, max_width)`. Example, with `max_width=8`:

```
name,qty,price
apple,3,1.5
watermelon,12,
kiwi,-1,0.25
```

gives

```
name     | qty | price
---------+-----+------
apple    |   3 |  1.50
water... |  12 |
kiwi     |  -1 |  0.25
```

Standard library only.""",
    visible=r'''
# formatting and alignment
assert format_cell(None) == "" and format_cell(True) == "yes" and format_cell(2.0) == "2.00"
out = format_table(["item", "n"], [["tea", 2], ["coffee", 10]])
assert out == "item   |  n\n-------+---\ntea    |  2\ncoffee | 10", out

# truncation with an ellipsis
out = format_table(["city", "pop"], [["Amsterdam", 1.5], ["Rome", None]], max_width=6)
assert out == "city   |  pop\n-------+-----\nAms... | 1.50\nRome   |", out

# from a CSV file
open("t.csv", "w").write("name,qty\napple,3\n\npear,12\n")
assert table_from_csv("t.csv") == "name  | qty\n------+----\napple |   3\npear  |  12"
''',
    hidden=r'''
# 1. the sample from the spec, with negative numbers
open("s.csv", "w").write("name,qty,price\napple,3,1.5\nwatermelon,12,\nkiwi,-1,0.25\n")
expected = "\n".join([
    "name     | qty | price",
    "---------+-----+------",
    "apple    |   3 |  1.50",
    "water... |  12 |",
    "kiwi     |  -1 |  0.25",
])
assert table_from_csv("s.csv", max_width=8) == expected, table_from_csv("s.csv", max_width=8)

# 2. bools are not numbers
out = format_table(["flag", "ok"], [[True, 1], [False, 2]])
assert out == "flag | ok\n-----+---\nyes  |  1\nno   |  2", out

# 3. a mixed column is left-aligned, an all-None column is text
out = format_table(["a", "b", "c"], [[1, "x", None], ["two", 3, None]])
assert out == "a   | b | c\n----+---+--\n1   | x |\ntwo | 3 |", out

# 4. long headers are truncated too, numbers right-aligned under them
out = format_table(["description", "amount"], [["ok", 12345]], max_width=5)
assert out == "de... | am...\n------+------\nok    | 12345", out

# 5. a text exactly max_width long is not cut
out = format_table(["word"], [["abcdef"], ["abcdefg"]], max_width=6)
assert out == "word\n------\nabcdef\nabc...", out

# 6. errors
for bad in ([["x"]], [["x", 1, 2]]):
    try:
        format_table(["a", "b"], bad)
    except ValueError:
        pass
    else:
        raise AssertionError("row length not checked")
try:
    format_table(["a"], [["x"]], max_width=3)
except ValueError:
    pass
else:
    raise AssertionError("max_width 3 accepted")

# 7. no rows
assert format_table(["id", "name"], []) == "id | name\n---+-----"

# 8. CSV conversions: quoted commas, spaces, decimals, text that looks almost numeric
open("c.csv", "w").write('code, label ,value\n 7 ,"a, b", -0.50\n8,1.2.3,3.\n-,x, 4\n')
expected = "\n".join([
    "code | label | value",
    "-----+-------+------",
    "7    | a, b  | -0.50",
    "8    | 1.2.3 | 3.",
    "-    | x     | 4",
])
assert table_from_csv("c.csv") == expected, table_from_csv("c.csv")

# 9. format_cell on other values
assert format_cell(False) == "no"
assert format_cell(-0.5) == "-0.50"
assert format_cell(3.14159) == "3.14"
assert format_cell(7) == "7"
assert format_cell("x") == "x"
''',
    solution=r'''
import csv
import re

INT = re.compile(r"-?\d+")
DECIMAL = re.compile(r"-?\d+\.\d+")


def format_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def is_numeric(values):
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)


def _fit(text, width, right):
    if len(text) > width:
        text = text[: width - 3] + "..."
    return text.rjust(width) if right else text.ljust(width)


def format_table(headers, rows, max_width=12):
    if max_width < 4:
        raise ValueError("max_width must be at least 4")
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row {row!r} has {len(row)} values, expected {len(headers)}")
    cells = [[format_cell(v) for v in row] for row in rows]
    widths, right = [], []
    for i, header in enumerate(headers):
        longest = max([len(header)] + [len(row[i]) for row in cells])
        widths.append(min(longest, max_width))
        right.append(is_numeric([row[i] for row in rows]))
    lines = [[_fit(h, w, r) for h, w, r in zip(headers, widths, right)]]
    lines += [[_fit(c, w, r) for c, w, r in zip(row, widths, right)] for row in cells]
    text = [" | ".join(parts).rstrip() for parts in lines]
    text.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(text)


def _convert(cell):
    cell = cell.strip()
    if cell == "":
        return None
    if INT.fullmatch(cell):
        return int(cell)
    if DECIMAL.fullmatch(cell):
        return float(cell)
    return cell


def table_from_csv(path, max_width=12):
    with open(path, newline="") as f:
        rows = [row for row in csv.reader(f) if row]
    headers = [h.strip() for h in rows[0]]
    return format_table(headers, [[_convert(c) for c in row] for row in rows[1:]], max_width)
''',
    wrong=r'''
import csv


def format_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "%.2f" % value
    return str(value)


def format_table(headers, rows, max_width=12):
    if max_width < 4:
        raise ValueError("max_width too small")
    for row in rows:
        if len(row) != len(headers):
            raise ValueError("bad row")
    ncols = len(headers)
    widths = []
    numeric = []
    for i in range(ncols):
        w = len(headers[i])
        for row in rows:
            w = max(w, len(format_cell(row[i])))
        widths.append(min(w, max_width))
        vals = [row[i] for row in rows if row[i] is not None]
        numeric.append(len(vals) > 0 and all(isinstance(v, (int, float)) for v in vals))

    def cell(text, i):
        if len(text) > widths[i]:
            text = text[:widths[i] - 3] + "..."
        if numeric[i]:
            return text.rjust(widths[i])
        return text.ljust(widths[i])

    out = [" | ".join(cell(headers[i], i) for i in range(ncols)).rstrip()]
    out.append("-+-".join("-" * w for w in widths))
    for row in rows:
        out.append(" | ".join(cell(format_cell(row[i]), i) for i in range(ncols)).rstrip())
    return "\n".join(out)


def convert(cell):
    cell = cell.strip()
    if cell == "":
        return None
    if cell.isdigit():
        return int(cell)
    try:
        return float(cell)
    except ValueError:
        return cell


def table_from_csv(path, max_width=12):
    rows = [r for r in csv.reader(open(path)) if r]
    headers = [h.strip() for h in rows[0]]
    return format_table(headers, [[convert(c) for c in r] for r in rows[1:]], max_width)
''',
)

_TEMPLATE = ProgramTask(
    name="mini_template",
    bin=2,
    entry_point="render",
    spec="""Write a Python module that defines a tiny template engine: `render(template, context)`,
`render_file(path, context)` and `names(template)`.

Tags are written between `{{` and `}}`; spaces just inside the braces are allowed (`{{ name }}`):
- `{{name}}` is replaced by the value of `name` in the dict `context`, converted with `str()`; None renders as an
  empty string. A name is letters, digits and underscores, not starting with a digit, optionally dotted
  (`{{user.name}}` looks up `context["user"]["name"]`, nested dicts).
- If a name (or any part of a dotted name) is missing, or a dotted name goes through a value that is not a dict,
  `render` raises `KeyError` whose `args[0]` is the full name as written in the tag, e.g. `"user.name"`.
- `{{#if name}}...{{/if}}` renders its body only when the value of `name` is truthy; an optional `{{else}}` inside
  it separates the part rendered when the value is falsy. In `#if` a missing name counts as false (no error).
  Blocks may be nested to any depth. Tags in a branch that is not rendered are not looked up (no KeyError).
- Text outside tags is copied unchanged.
- Raise `ValueError` for a template with a `{{/if}}` or `{{else}}` outside any block, a second `{{else}}` in the
  same block, an `{{#if ...}}` without its `{{/if}}`, or a tag that is none of the forms above (for example
  `{{}}`, `{{#if}}` or `{{ 2x }}`). These errors are raised even when the faulty part would not be rendered.

`render_file(path, context)` renders the template stored in the file at `path`.

`names(template)` -> sorted list of the distinct names used in the template's tags (values and `#if`
conditions), e.g. `["user.admin", "user.name"]`; it raises `ValueError` for the same template errors as `render`.

Example template:

```
Hello {{ user.name }}!{{#if user.admin}} You are an admin.{{else}} Welcome.{{/if}}
```

Standard library only.""",
    visible=r'''
# values and dotted names
assert render("Hi {{ name }}, you owe {{amount}}.", {"name": "Ann", "amount": 5}) == "Hi Ann, you owe 5."
assert render("{{a.b}}/{{a.c}}", {"a": {"b": 1, "c": None}}) == "1/"

# if / else
t = "Hello {{ user }}!{{#if admin}} You are an admin.{{else}} Welcome.{{/if}}"
assert render(t, {"user": "Bo", "admin": True}) == "Hello Bo! You are an admin."
assert render(t, {"user": "Bo", "admin": 0}) == "Hello Bo! Welcome."

# a missing key
try:
    render("{{ nope }}", {})
except KeyError as e:
    assert e.args[0] == "nope"
else:
    raise AssertionError("expected KeyError")
''',
    hidden=r'''
def expect_value_error(template):
    try:
        render(template, {"x": 1})
    except ValueError:
        pass
    else:
        raise AssertionError("expected ValueError for %r" % template)

# 1. the sample template with dotted names in #if
t = "Hello {{ user.name }}!{{#if user.admin}} You are an admin.{{else}} Welcome.{{/if}}"
assert render(t, {"user": {"name": "Cy", "admin": True}}) == "Hello Cy! You are an admin."
assert render(t, {"user": {"name": "Cy"}}) == "Hello Cy! Welcome."
assert names(t) == ["user.admin", "user.name"]

# 2. nested blocks
t = "{{#if a}}A{{#if b}}B{{else}}b{{/if}}-{{else}}{{#if c}}C{{/if}}none{{/if}}."
assert render(t, {"a": 1, "b": 1}) == "AB-."
assert render(t, {"a": 1, "b": 0}) == "Ab-."
assert render(t, {"c": "yes"}) == "Cnone."
assert render(t, {}) == "none."

# 3. missing keys: full dotted name, and not raised in branches that are skipped
for ctx in ({}, {"user": {}}, {"user": "text"}):
    try:
        render("x {{ user.name }}", ctx)
    except KeyError as e:
        assert e.args[0] == "user.name", e.args
    else:
        raise AssertionError("expected KeyError")
assert render("{{#if show}}{{missing}}{{/if}}ok", {"show": False}) == "ok"
assert render("{{#if show}}{{/if}}{{#if show}}no{{else}}{{ y }}{{/if}}", {"y": 0}) == "0"

# 4. structural errors
expect_value_error("text {{/if}}")
expect_value_error("{{else}}")
expect_value_error("{{#if x}}a{{else}}b{{else}}c{{/if}}")
expect_value_error("{{#if x}}open")
expect_value_error("{{#if x}}{{#if x}}one{{/if}}")
expect_value_error("a {{}} b")
expect_value_error("{{#if}}a{{/if}}")
expect_value_error("{{ 2x }}")
expect_value_error("{{#if x}}a{{/if}}{{#if nope}}{{ bad tag }}{{/if}}")

# 5. text and spacing are kept
assert render("  {x} {{ a }}\n{{a}}  ", {"a": "v"}) == "  {x} v\nv  "
assert render("no tags at all", {}) == "no tags at all"
assert render("{{ #if flag }}on{{ /if }}", {"flag": [0]}) == "on"

# 6. names
assert names("{{#if a}}{{b}}{{else}}{{ b }}{{ c.d }}{{/if}}") == ["a", "b", "c.d"]
assert names("plain") == []

# 7. render_file
open("mail.txt", "w").write("Dear {{ who }},\n{{#if late}}Your book is late.\n{{/if}}Bye\n")
assert render_file("mail.txt", {"who": "Dee", "late": True}) == "Dear Dee,\nYour book is late.\nBye\n"
assert render_file("mail.txt", {"who": "Dee"}) == "Dear Dee,\nBye\n"
''',
    solution=r'''
import re

TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _tag(content):
    content = content.strip()
    if content == "else":
        return ("else", None)
    if content == "/if":
        return ("end", None)
    if content.startswith("#if ") and NAME.fullmatch(content[4:].strip()):
        return ("if", content[4:].strip())
    if NAME.fullmatch(content):
        return ("var", content)
    raise ValueError(f"bad tag {{{{{content}}}}}")


def tokenize(template):
    tokens, pos = [], 0
    for match in TAG.finditer(template):
        if match.start() > pos:
            tokens.append(("text", template[pos:match.start()]))
        tokens.append(_tag(match.group(1)))
        pos = match.end()
    if pos < len(template):
        tokens.append(("text", template[pos:]))
    return tokens


def parse(template):
    root = {"body": []}
    stack = [root]
    for kind, value in tokenize(template):
        top = stack[-1]
        if kind in ("text", "var"):
            top["body"].append((kind, value))
        elif kind == "if":
            block = {"name": value, "then": [], "else": None}
            block["body"] = block["then"]
            top["body"].append(("if", block))
            stack.append(block)
        elif kind == "else":
            if len(stack) == 1 or top["else"] is not None:
                raise ValueError("unexpected {{else}}")
            top["else"] = top["body"] = []
        else:
            if len(stack) == 1:
                raise ValueError("unexpected {{/if}}")
            stack.pop()
    if len(stack) > 1:
        raise ValueError("{{#if}} without {{/if}}")
    return root["body"]


def _lookup(context, name):
    value = context
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(name)
        value = value[part]
    return value


def _render(nodes, context):
    out = []
    for kind, value in nodes:
        if kind == "text":
            out.append(value)
        elif kind == "var":
            found = _lookup(context, value)
            out.append("" if found is None else str(found))
        else:
            try:
                truthy = bool(_lookup(context, value["name"]))
            except KeyError:
                truthy = False
            out.append(_render(value["then"] if truthy else value["else"] or [], context))
    return "".join(out)


def render(template, context):
    return _render(parse(template), context)


def render_file(path, context):
    with open(path) as f:
        return render(f.read(), context)


def names(template):
    parse(template)
    return sorted({value for kind, value in tokenize(template) if kind in ("var", "if")})
''',
    wrong=r'''
import re

IF_BLOCK = re.compile(r"\{\{#if (\w+)\}\}(.*?)(?:\{\{else\}\}(.*?))?\{\{/if\}\}", re.S)
VAR = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


def lookup(context, name):
    value = context
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(name)
        value = value[part]
    return value


def render(template, context):
    def do_if(m):
        if context.get(m.group(1)):
            return m.group(2)
        return m.group(3) or ""

    text = IF_BLOCK.sub(do_if, template)
    if "{{/if}}" in text or "{{else}}" in text:
        raise ValueError("unbalanced block")

    def do_var(m):
        value = lookup(context, m.group(1))
        return "" if value is None else str(value)

    return VAR.sub(do_var, text)


def render_file(path, context):
    return render(open(path).read(), context)


def names(template):
    found = set(re.findall(r"\{\{#if (\w+)\}\}", template))
    found |= set(VAR.findall(template))
    return sorted(found)
''',
)

_CALENDAR = ProgramTask(
    name="calendar_free_slots",
    bin=2,
    entry_point="free_slots",
    spec="""Write a Python module that defines functions to merge the busy intervals of a one-day calendar file and
find free slots: `to_minutes(text)`, `load(path)`, `merge(intervals)`, `busy_minutes(path)` and
`free_slots(path, day_start="09:00", day_end="17:00", min_minutes=1)`.

The file has one meeting per line, `HH:MM-HH:MM title`:

```
# Monday
09:00-10:00 standup
09:30-11:00 design review
13:00-14:00 lunch
14:00-15:30 interviews
```

- Whitespace around a line is ignored. Blank lines and lines starting with `#` are skipped.
- Times are written with exactly two digits for the hour and two for the minutes; hours go from 00 to 23 and
  minutes from 00 to 59, and `24:00` (the end of the day) is also valid. The title is separated from the range by
  whitespace and may be empty.
- A line that does not have this form, or whose end is not after its start, raises `ValueError` whose message
  contains `line N`, N the 1-based physical line number.

Functions:
- `to_minutes(text)` -> int minutes since midnight (`"09:30"` -> 570, `"24:00"` -> 1440); `ValueError` on a bad
  time.
- `load(path)` -> list of `(start, end, title)` tuples (minutes, minutes, str), sorted by start, then end, then
  title.
- `merge(intervals)` -> sorted list of `(start, end)` tuples: `intervals` is a list of tuples (any order) whose
  first two items are start and end minutes; overlapping intervals are merged, and so are intervals that touch
  (one ends exactly when the next starts: `(60, 120)` and `(120, 180)` become `(60, 180)`).
- `busy_minutes(path)` -> int, the total minutes covered by at least one meeting.
- `free_slots(path, day_start="09:00", day_end="17:00", min_minutes=1)` -> list of `("HH:MM", "HH:MM")` tuples:
  the gaps between `day_start` and `day_end` not covered by any meeting, in order, keeping only gaps of at least
  `min_minutes` minutes. Meetings that start before `day_start` or end after `day_end` only count for the part
  inside the window. Times are written with two-digit hours and minutes (`"24:00"` for 1440). Raise
  `ValueError` when `day_end` is not after `day_start`.

For the sample, `free_slots(path)` is `[("11:00", "13:00"), ("15:30", "17:00")]` and `busy_minutes(path)` is 270.

Standard library only.""",
    visible=r'''
# the sample day
open("day.txt", "w").write(
    "# Monday\n09:00-10:00 standup\n09:30-11:00 design review\n13:00-14:00 lunch\n14:00-15:30 interviews\n"
)
assert load("day.txt")[0] == (540, 600, "standup")
assert free_slots("day.txt") == [("11:00", "13:00"), ("15:30", "17:00")]
assert busy_minutes("day.txt") == 270

# merging overlaps
assert merge([(300, 400), (100, 200), (150, 250)]) == [(100, 250), (300, 400)]

# a bad line
open("bad.txt", "w").write("09:00-10:00 a\n10:00-09:30 b\n")
try:
    load("bad.txt")
except ValueError as e:
    assert "line 2" in str(e)
else:
    raise AssertionError("expected ValueError")
''',
    hidden=r'''
def expect_error(text, line):
    open("e.txt", "w").write(text)
    try:
        load("e.txt")
    except ValueError as e:
        assert ("line %d" % line) in str(e), str(e)
    else:
        raise AssertionError("expected ValueError for line %d" % line)

# 1. touching intervals merge
assert merge([(60, 120), (120, 180)]) == [(60, 180)]
assert merge([(600, 660, "b"), (540, 600, "a"), (700, 710, "c")]) == [(540, 660), (700, 710)]
assert merge([]) == []
assert merge([(10, 50), (20, 30)]) == [(10, 50)]

# 2. the sample: merged busy time
open("day.txt", "w").write(
    "# Monday\n09:00-10:00 standup\n09:30-11:00 design review\n13:00-14:00 lunch\n14:00-15:30 interviews\n"
)
assert merge(load("day.txt")) == [(540, 660), (780, 930)]
assert free_slots("day.txt", min_minutes=100) == [("11:00", "13:00")]
assert free_slots("day.txt", min_minutes=90) == [("11:00", "13:00"), ("15:30", "17:00")]
assert free_slots("day.txt", "08:00", "18:00") == [("08:00", "09:00"), ("11:00", "13:00"), ("15:30", "18:00")]

# 3. meetings crossing the window and 24:00
open("late.txt", "w").write("\n  # night shift\n22:00-24:00 deploy\n07:30-09:15 gym\n  16:45-17:30 call  \n")
assert load("late.txt") == [(450, 555, "gym"), (1005, 1050, "call"), (1320, 1440, "deploy")]
assert free_slots("late.txt") == [("09:15", "16:45")]
assert free_slots("late.txt", "17:00", "24:00") == [("17:30", "22:00")]
assert free_slots("late.txt", "09:00", "09:10") == []
assert busy_minutes("late.txt") == 270

# 4. sorting by start, end, then title; empty titles
open("s.txt", "w").write("10:00-11:00 zz\n10:00-10:30 b\n10:00-10:30 a\n08:00-08:05\n")
assert load("s.txt") == [(480, 485, ""), (600, 630, "a"), (600, 630, "b"), (600, 660, "zz")]

# 5. an empty calendar
open("empty.txt", "w").write("# nothing\n\n")
assert free_slots("empty.txt") == [("09:00", "17:00")]
assert busy_minutes("empty.txt") == 0
assert load("empty.txt") == []

# 6. bad lines name their line
expect_error("# c\n\n9:00-10:00 x\n", 3)
expect_error("09:00-10:00 a\n09:60-10:00 b\n", 2)
expect_error("09:00-10:00 a\n23:00-24:30 b\n", 2)
expect_error("09:00-09:00 a\n", 1)
expect_error("09:00 a\n", 1)
expect_error("09:00-10:00a\n", 1)
expect_error("\n24:00-24:00 a\n", 2)

# 7. to_minutes and the window check
assert to_minutes("00:00") == 0
assert to_minutes("24:00") == 1440
for bad in ("25:00", "7:00", "12:5", "24:01", "ab:cd"):
    try:
        to_minutes(bad)
    except ValueError:
        pass
    else:
        raise AssertionError("accepted %r" % bad)
try:
    free_slots("empty.txt", "10:00", "10:00")
except ValueError:
    pass
else:
    raise AssertionError("empty window accepted")

# 8. a gap between touching meetings does not exist
open("t.txt", "w").write("09:00-12:00 a\n12:00-17:00 b\n")
assert free_slots("t.txt") == []
assert free_slots("t.txt", "08:59", "17:01") == [("08:59", "09:00"), ("17:00", "17:01")]
''',
    solution=r'''
import re

TIME = re.compile(r"(\d\d):(\d\d)")
LINE = re.compile(r"(\d\d:\d\d)-(\d\d:\d\d)(?:\s+(.*))?")


def to_minutes(text):
    match = TIME.fullmatch(text)
    if not match:
        raise ValueError(f"bad time {text!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"bad time {text!r}")
    return hours * 60 + minutes


def to_text(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def load(path):
    events = []
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            match = LINE.fullmatch(text)
            try:
                if not match:
                    raise ValueError("expected 'HH:MM-HH:MM title'")
                start, end = to_minutes(match.group(1)), to_minutes(match.group(2))
                if end <= start:
                    raise ValueError("the meeting ends before it starts")
            except ValueError as e:
                raise ValueError(f"line {number}: {e}") from None
            events.append((start, end, (match.group(3) or "").strip()))
    return sorted(events)


def merge(intervals):
    merged = []
    for start, end in sorted((item[0], item[1]) for item in intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def busy_minutes(path):
    return sum(end - start for start, end in merge(load(path)))


def free_slots(path, day_start="09:00", day_end="17:00", min_minutes=1):
    first, last = to_minutes(day_start), to_minutes(day_end)
    if last <= first:
        raise ValueError("day_end must be after day_start")
    gaps, cursor = [], first
    for start, end in merge(load(path)):
        start, end = max(start, first), min(end, last)
        if end <= cursor:
            continue
        if start > cursor:
            gaps.append((cursor, start))
        cursor = end
    if cursor < last:
        gaps.append((cursor, last))
    return [(to_text(a), to_text(b)) for a, b in gaps if b - a >= min_minutes]
''',
    wrong=r'''
def to_minutes(text):
    parts = text.split(":")
    if len(parts) != 2 or len(parts[0]) != 2 or len(parts[1]) != 2:
        raise ValueError("bad time")
    h, m = int(parts[0]), int(parts[1])
    if h > 23 or m > 59:
        raise ValueError("bad time")
    return h * 60 + m


def fmt(minutes):
    return "%02d:%02d" % (minutes // 60, minutes % 60)


def load(path):
    events = []
    for n, line in enumerate(open(path), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            span, _, title = line.partition(" ")
            a, b = span.split("-")
            start, end = to_minutes(a), to_minutes(b)
        except ValueError:
            raise ValueError("line %d: bad line" % n)
        if end <= start:
            raise ValueError("line %d: end before start" % n)
        events.append((start, end, title.strip()))
    events.sort()
    return events


def merge(intervals):
    result = []
    for item in sorted(intervals):
        start, end = item[0], item[1]
        if result and start < result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def busy_minutes(path):
    return sum(e - s for s, e in merge(load(path)))


def free_slots(path, day_start="09:00", day_end="17:00", min_minutes=1):
    ds, de = to_minutes(day_start), to_minutes(day_end)
    if de <= ds:
        raise ValueError("bad window")
    free = []
    cur = ds
    for s, e in merge(load(path)):
        if s > cur and s <= de:
            free.append((cur, s))
        cur = max(cur, e)
    if cur < de:
        free.append((cur, de))
    return [(fmt(a), fmt(b)) for a, b in free if b - a >= min_minutes]
''',
)

_GRAPH = ProgramTask(
    name="graph_paths",
    bin=2,
    entry_point="Graph",
    spec="""Write a Python module that defines `class Graph`, an undirected graph read from an edge-list file, with
breadth-first shortest paths and connected components.

The file has one item per line:

```
# roads
amsterdam utrecht
utrecht arnhem
amsterdam haarlem
texel
```

- `A B` (two words separated by whitespace) is an undirected edge between nodes A and B; a line with one word
  is a node with no edges (yet). Node names are the words as written (case-sensitive).
- Blank lines and lines whose first word starts with `#` are skipped.
- A line with more than two words raises `ValueError` whose message contains `line N`, N the 1-based physical
  line number.
- A repeated edge (in either direction) is stored once. A self-loop `A A` only adds the node A (no edge).

Methods:
- `Graph()` makes an empty graph; `add_edge(a, b)` and `add_node(name)` change it (same rules as the file).
- `Graph.from_file(path)` (a classmethod) -> a Graph built from the file.
- `nodes()` -> sorted list of all node names.
- `neighbors(node)` -> sorted list of the node's neighbours; `KeyError` for an unknown node.
- `shortest_path(start, goal)` -> list of node names from `start` to `goal` with the fewest edges (`[start]` when
  they are equal, None when `goal` cannot be reached). When several shortest paths exist, return the one whose
  list of names is smallest in Python's list ordering (compare the second names, then the third, ...).
  `KeyError` when `start` or `goal` is not a node.
- `distance(start, goal)` -> int number of edges on a shortest path, -1 when unreachable (`KeyError` as above).
- `components()` -> list of connected components, each a sorted list of names; larger components first, ties
  ordered by their smallest name.

Standard library only.""",
    visible=r'''
# the sample file
open("roads.txt", "w").write("# roads\namsterdam utrecht\nutrecht arnhem\namsterdam haarlem\ntexel\n")
g = Graph.from_file("roads.txt")
assert g.nodes() == ["amsterdam", "arnhem", "haarlem", "texel", "utrecht"]
assert g.neighbors("amsterdam") == ["haarlem", "utrecht"]

# shortest paths and components
assert g.shortest_path("haarlem", "arnhem") == ["haarlem", "amsterdam", "utrecht", "arnhem"]
assert g.distance("arnhem", "texel") == -1
assert g.shortest_path("texel", "arnhem") is None
assert g.components() == [["amsterdam", "arnhem", "haarlem", "utrecht"], ["texel"]]
''',
    hidden=r'''
# 1. ties between shortest paths: the smallest list wins
open("t.txt", "w").write("a d\na b\nd e\nb e\ne z\nc z\n")
g = Graph.from_file("t.txt")
assert g.shortest_path("a", "e") == ["a", "b", "e"]
assert g.shortest_path("a", "z") == ["a", "b", "e", "z"]
assert g.shortest_path("z", "a") == ["z", "e", "b", "a"]
assert g.distance("c", "a") == 4

# 2. a deeper tie decided by the third name
g = Graph()
for a, b in [("s", "x"), ("s", "y"), ("x", "q"), ("y", "p"), ("q", "t"), ("p", "t")]:
    g.add_edge(a, b)
assert g.shortest_path("s", "t") == ["s", "x", "q", "t"]
g.add_edge("s", "w")
g.add_edge("w", "t")
assert g.shortest_path("s", "t") == ["s", "w", "t"]

# 3. self-loops, repeated edges, blank lines and comments
open("u.txt", "w").write("\nx x\n  # note\nx y\ny x\n\nx y\n#z q\n")
g = Graph.from_file("u.txt")
assert g.nodes() == ["x", "y"]
assert g.neighbors("x") == ["y"]
assert g.shortest_path("x", "x") == ["x"]
assert g.distance("y", "y") == 0

# 4. unknown nodes raise KeyError
for call in (lambda: g.neighbors("q"), lambda: g.shortest_path("x", "q"), lambda: g.distance("q", "x"),
             lambda: g.shortest_path("q", "q")):
    try:
        call()
    except KeyError:
        pass
    else:
        raise AssertionError("expected KeyError")

# 5. too many words names the line
open("bad.txt", "w").write("a b\n# fine\n\nb c d\n")
try:
    Graph.from_file("bad.txt")
except ValueError as e:
    assert "line 4" in str(e), str(e)
else:
    raise AssertionError("expected ValueError")

# 6. components: size first, then smallest name
open("c.txt", "w").write("m n\nk\nb c\nc d\nz y\ny x\na\nq r\n")
g = Graph.from_file("c.txt")
assert g.components() == [["b", "c", "d"], ["x", "y", "z"], ["m", "n"], ["q", "r"], ["a"], ["k"]]
assert Graph().components() == []
assert Graph().nodes() == []

# 7. case-sensitive names and add_node
g = Graph()
g.add_node("A")
g.add_edge("a", "B")
g.add_node("a")
assert g.nodes() == ["A", "B", "a"]
assert g.neighbors("a") == ["B"]
assert g.neighbors("A") == []
assert g.shortest_path("A", "a") is None
''',
    solution=r'''
from collections import deque


class Graph:
    def __init__(self):
        self._adj = {}

    def add_node(self, name):
        self._adj.setdefault(name, set())

    def add_edge(self, a, b):
        self.add_node(a)
        self.add_node(b)
        if a != b:
            self._adj[a].add(b)
            self._adj[b].add(a)

    @classmethod
    def from_file(cls, path):
        graph = cls()
        with open(path) as f:
            for number, line in enumerate(f, start=1):
                words = line.split()
                if not words or words[0].startswith("#"):
                    continue
                if len(words) > 2:
                    raise ValueError(f"line {number}: expected 'A B' or 'A', got {line.strip()!r}")
                if len(words) == 1:
                    graph.add_node(words[0])
                else:
                    graph.add_edge(words[0], words[1])
        return graph

    def nodes(self):
        return sorted(self._adj)

    def neighbors(self, node):
        if node not in self._adj:
            raise KeyError(node)
        return sorted(self._adj[node])

    def shortest_path(self, start, goal):
        for node in (start, goal):
            if node not in self._adj:
                raise KeyError(node)
        parent = {start: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                path = []
                while node is not None:
                    path.append(node)
                    node = parent[node]
                return path[::-1]
            for nxt in sorted(self._adj[node]):
                if nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        return None

    def distance(self, start, goal):
        path = self.shortest_path(start, goal)
        return -1 if path is None else len(path) - 1

    def components(self):
        seen, groups = set(), []
        for node in sorted(self._adj):
            if node in seen:
                continue
            seen.add(node)
            group, stack = [], [node]
            while stack:
                current = stack.pop()
                group.append(current)
                for nxt in self._adj[current]:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            groups.append(sorted(group))
        return sorted(groups, key=lambda group: (-len(group), group[0]))
''',
    wrong=r'''
from collections import deque


class Graph:
    def __init__(self):
        self.adj = {}

    def add_node(self, name):
        if name not in self.adj:
            self.adj[name] = []

    def add_edge(self, a, b):
        self.add_node(a)
        self.add_node(b)
        if b not in self.adj[a]:
            self.adj[a].append(b)
        if a not in self.adj[b]:
            self.adj[b].append(a)

    @classmethod
    def from_file(cls, path):
        g = cls()
        for n, line in enumerate(open(path), start=1):
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            if len(parts) == 1:
                g.add_node(parts[0])
            elif len(parts) == 2:
                g.add_edge(parts[0], parts[1])
            else:
                raise ValueError("line %d: too many words" % n)
        return g

    def nodes(self):
        return sorted(self.adj)

    def neighbors(self, node):
        return sorted(self.adj[node])

    def shortest_path(self, start, goal):
        if start not in self.adj or goal not in self.adj:
            raise KeyError(start)
        prev = {start: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                break
            for nxt in self.adj[node]:
                if nxt not in prev:
                    prev[nxt] = node
                    queue.append(nxt)
        if goal not in prev:
            return None
        path = [goal]
        while prev[path[-1]] is not None:
            path.append(prev[path[-1]])
        return path[::-1]

    def distance(self, start, goal):
        path = self.shortest_path(start, goal)
        return -1 if path is None else len(path) - 1

    def components(self):
        seen = set()
        comps = []
        for node in self.adj:
            if node in seen:
                continue
            comp = []
            stack = [node]
            seen.add(node)
            while stack:
                cur = stack.pop()
                comp.append(cur)
                for nxt in self.adj[cur]:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            comps.append(sorted(comp))
        comps.sort(key=len, reverse=True)
        return comps
''',
)

_RECIPE = ProgramTask(
    name="recipe_scaler",
    bin=2,
    entry_point="scale",
    spec="""Write a Python module that defines a recipe scaler with unit conversion: `parse_quantity(text)`,
`load_recipe(path)`, `normalise(family, amount)` and `scale(path, servings)`.

A recipe file looks like this:

```
serves 4
# dry
500 g flour
1/2 tsp salt
2 tbsp olive oil
300 ml milk
3 pc eggs
```

- Whitespace around a line is ignored. Blank lines and lines starting with `#` are skipped.
- The first other line must be `serves N`, N a whole number >= 1.
- Each next line is `QUANTITY UNIT NAME`, separated by whitespace; NAME is the rest of the line with surrounding
  spaces removed (it may contain spaces). QUANTITY is digits with an optional decimal part (`2`, `1.5`) or a
  fraction of two whole numbers (`1/2`); it must be greater than 0.
- Units and their family: `g`, `kg` (mass, 1 kg = 1000 g); `ml`, `l`, `tsp`, `tbsp` (volume, 1 l = 1000 ml,
  1 tsp = 5 ml, 1 tbsp = 15 ml); `pc` (count, pieces).
- Raise `ValueError` whose message contains `line N` (N the 1-based physical line number) for a missing or bad
  `serves` line, a bad or non-positive quantity (including `1/0`), an unknown unit, or a line without a name.

Functions:
- `parse_quantity(text)` -> float (`"1/2"` -> 0.5); `ValueError` when invalid as described above.
- `load_recipe(path)` -> tuple `(serves, items)`: `serves` an int, `items` a list of `(quantity, unit, name)`
  tuples in file order, quantity a float.
- `normalise(family, amount)` -> tuple `(amount, unit)` for an amount in the family's base unit (g, ml or pc):
  - mass: below 1000 g -> grams rounded to a whole number (int); 1000 g or more -> kg rounded to 2 decimals.
  - volume: below 15 ml -> tsp; from 15 ml to below 60 ml -> tbsp; from 60 ml to below 1000 ml -> ml as a whole
    number (int); 1000 ml or more -> l. tsp, tbsp and l are rounded to 2 decimals.
  - count: always rounded UP to a whole number of pieces (int): you cannot buy 1.5 eggs.
  Rounding uses Python's `round()`; the thresholds apply to the amount before rounding.
- `scale(path, servings)` -> list of `(name, amount, unit)` tuples: every quantity is converted to its family's
  base unit and multiplied by `servings / serves`. Lines with the same name (exact, case-sensitive) are added
  together into one entry at the position of the first one; if they belong to different families raise
  `ValueError`. Then each total is normalised. `servings` must be an int >= 1, otherwise raise `ValueError`.

For the sample, `scale(path, 2)` is
`[("flour", 250, "g"), ("salt", 0.25, "tsp"), ("olive oil", 1.0, "tbsp"), ("milk", 150, "ml"), ("eggs", 2, "pc")]`.

Standard library only.""",
    visible=r'''
SAMPLE = "serves 4\n# dry\n500 g flour\n1/2 tsp salt\n2 tbsp olive oil\n300 ml milk\n3 pc eggs\n"
open("pancakes.txt", "w").write(SAMPLE)

# halving the sample
assert scale("pancakes.txt", 2) == [
    ("flour", 250, "g"), ("salt", 0.25, "tsp"), ("olive oil", 1.0, "tbsp"), ("milk", 150, "ml"), ("eggs", 2, "pc"),
]

# loading and quantities
serves, items = load_recipe("pancakes.txt")
assert serves == 4 and items[1] == (0.5, "tsp", "salt") and items[2] == (2.0, "tbsp", "olive oil")
assert parse_quantity("1.5") == 1.5 and parse_quantity("3/4") == 0.75
assert normalise("mass", 12.4) == (12, "g")
''',
    hidden=r'''
SAMPLE = "serves 4\n# dry\n500 g flour\n1/2 tsp salt\n2 tbsp olive oil\n300 ml milk\n3 pc eggs\n"
open("pancakes.txt", "w").write(SAMPLE)

def expect_error(text, line):
    open("bad.txt", "w").write(text)
    try:
        load_recipe("bad.txt")
    except ValueError as e:
        assert ("line %d" % line) in str(e), str(e)
    else:
        raise AssertionError("expected ValueError for line %d" % line)

# 1. doubling the sample crosses the thresholds exactly
assert scale("pancakes.txt", 8) == [
    ("flour", 1.0, "kg"), ("salt", 1.0, "tsp"), ("olive oil", 60, "ml"), ("milk", 600, "ml"), ("eggs", 6, "pc"),
]

# 2. pieces are always rounded up
assert scale("pancakes.txt", 6)[4] == ("eggs", 5, "pc")
assert scale("pancakes.txt", 1)[4] == ("eggs", 1, "pc")
assert scale("pancakes.txt", 6)[:4] == [
    ("flour", 750, "g"), ("salt", 0.75, "tsp"), ("olive oil", 3.0, "tbsp"), ("milk", 450, "ml"),
]

# 3. normalise boundaries
assert normalise("mass", 999.4) == (999, "g")
assert normalise("mass", 1000) == (1.0, "kg")
assert normalise("mass", 2340) == (2.34, "kg")
assert normalise("volume", 14.9) == (2.98, "tsp")
assert normalise("volume", 15) == (1.0, "tbsp")
assert normalise("volume", 59.9) == (3.99, "tbsp")
assert normalise("volume", 999.6) == (1000, "ml")
assert normalise("volume", 1000) == (1.0, "l")
assert normalise("count", 2.01) == (3, "pc")
assert normalise("count", 2) == (2, "pc")

# 4. duplicates are combined across units of a family
open("d.txt", "w").write("serves 2\n200 g flour\n1 tbsp oil\n0.3 kg flour\n2 tsp oil\n1 l   water\n")
assert scale("d.txt", 2) == [("flour", 500, "g"), ("oil", 1.67, "tbsp"), ("water", 1.0, "l")]
assert scale("d.txt", 4) == [("flour", 1.0, "kg"), ("oil", 3.33, "tbsp"), ("water", 2.0, "l")]

# 5. same name in two families, bad servings
open("c.txt", "w").write("serves 2\n2 pc lemon\n30 ml lemon\n")
for call in (lambda: scale("c.txt", 2), lambda: scale("pancakes.txt", 0), lambda: scale("pancakes.txt", 1.5)):
    try:
        call()
    except ValueError:
        pass
    else:
        raise AssertionError("expected ValueError")

# 6. names keep inner spaces; blank lines and indented comments
open("n.txt", "w").write("\n  # header\nserves 1\n\n2 tbsp   extra virgin olive oil  \n  # more\n1.5 kg potatoes\n")
assert load_recipe("n.txt") == (1, [(2.0, "tbsp", "extra virgin olive oil"), (1.5, "kg", "potatoes")])
assert scale("n.txt", 3) == [("extra virgin olive oil", 90, "ml"), ("potatoes", 4.5, "kg")]

# 7. errors name the line
expect_error("serves four\n1 g salt\n", 1)
expect_error("# x\nserves 0\n", 2)
expect_error("1 g salt\n", 1)
expect_error("serves 2\n\nabc g salt\n", 3)
expect_error("serves 2\n0 g salt\n", 2)
expect_error("serves 2\n1/0 g salt\n", 2)
expect_error("serves 2\n1 cup rice\n", 2)
expect_error("serves 2\n# c\n200 g\n", 3)
expect_error("serves 2\n-1 g salt\n", 2)

# 8. parse_quantity
assert parse_quantity("2") == 2.0
assert parse_quantity("10/4") == 2.5
for bad in ("", "1/2/3", "a/2", "0", "0/3", "1,5", "-2", "1/0", ".5"):
    try:
        parse_quantity(bad)
    except ValueError:
        pass
    else:
        raise AssertionError("accepted %r" % bad)
''',
    solution=r'''
import math
import re

UNITS = {"g": ("mass", 1), "kg": ("mass", 1000), "ml": ("volume", 1), "l": ("volume", 1000),
         "tsp": ("volume", 5), "tbsp": ("volume", 15), "pc": ("count", 1)}
DECIMAL = re.compile(r"\d+(\.\d+)?")
FRACTION = re.compile(r"(\d+)/(\d+)")


def parse_quantity(text):
    fraction = FRACTION.fullmatch(text)
    if fraction and int(fraction.group(2)) != 0:
        value = int(fraction.group(1)) / int(fraction.group(2))
    elif DECIMAL.fullmatch(text):
        value = float(text)
    else:
        raise ValueError(f"bad quantity {text!r}")
    if value <= 0:
        raise ValueError(f"quantity {text!r} must be greater than 0")
    return value


def load_recipe(path):
    serves, items = None, []
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parts = text.split(None, 2)
            if serves is None:
                if len(parts) != 2 or parts[0] != "serves" or not parts[1].isdigit() or int(parts[1]) < 1:
                    raise ValueError(f"line {number}: expected 'serves N'")
                serves = int(parts[1])
                continue
            if len(parts) < 3:
                raise ValueError(f"line {number}: expected 'QUANTITY UNIT NAME'")
            if parts[1] not in UNITS:
                raise ValueError(f"line {number}: unknown unit {parts[1]!r}")
            try:
                quantity = parse_quantity(parts[0])
            except ValueError as e:
                raise ValueError(f"line {number}: {e}") from None
            items.append((quantity, parts[1], parts[2].strip()))
    if serves is None:
        raise ValueError("line 1: missing 'serves N'")
    return serves, items


def normalise(family, amount):
    if family == "count":
        return math.ceil(round(amount, 9)), "pc"
    if family == "mass":
        return (round(amount), "g") if amount < 1000 else (round(amount / 1000, 2), "kg")
    if amount < 15:
        return round(amount / 5, 2), "tsp"
    if amount < 60:
        return round(amount / 15, 2), "tbsp"
    if amount < 1000:
        return round(amount), "ml"
    return round(amount / 1000, 2), "l"


def scale(path, servings):
    if not isinstance(servings, int) or isinstance(servings, bool) or servings < 1:
        raise ValueError("servings must be an int >= 1")
    serves, items = load_recipe(path)
    factor = servings / serves
    totals = {}
    for quantity, unit, name in items:
        family, size = UNITS[unit]
        if name in totals and totals[name][0] != family:
            raise ValueError(f"{name!r} is used with units of different kinds")
        previous = totals.get(name, (family, 0))[1]
        totals[name] = (family, previous + quantity * size * factor)
    return [(name, *normalise(family, amount)) for name, (family, amount) in totals.items()]
''',
    wrong=r'''
TO_BASE = {"g": 1, "kg": 1000, "ml": 1, "l": 1000, "tsp": 5, "tbsp": 15, "pc": 1}
FAMILY = {"g": "mass", "kg": "mass", "ml": "volume", "l": "volume", "tsp": "volume", "tbsp": "volume",
          "pc": "count"}


def parse_quantity(text):
    try:
        if "/" in text:
            a, b = text.split("/")
            value = int(a) / int(b)
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError("bad quantity")
    if value <= 0:
        raise ValueError("quantity must be positive")
    return value


def load_recipe(path):
    serves = None
    items = []
    for n, line in enumerate(open(path), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if serves is None:
            if len(parts) != 2 or parts[0] != "serves":
                raise ValueError("line %d: expected serves" % n)
            try:
                serves = int(parts[1])
            except ValueError:
                raise ValueError("line %d: bad serves" % n)
            if serves < 1:
                raise ValueError("line %d: bad serves" % n)
            continue
        if len(parts) < 3 or parts[1] not in TO_BASE:
            raise ValueError("line %d: bad line" % n)
        try:
            q = parse_quantity(parts[0])
        except ValueError:
            raise ValueError("line %d: bad quantity" % n)
        items.append((q, parts[1], parts[2].strip()))
    if serves is None:
        raise ValueError("line 1: no serves line")
    return serves, items


def normalise(family, amount):
    if family == "count":
        return round(amount), "pc"
    if family == "mass":
        if amount > 1000:
            return round(amount / 1000, 2), "kg"
        return round(amount), "g"
    if amount < 15:
        return round(amount / 5, 2), "tsp"
    if amount < 60:
        return round(amount / 15, 2), "tbsp"
    if amount > 1000:
        return round(amount / 1000, 2), "l"
    return round(amount), "ml"


def scale(path, servings):
    if servings < 1:
        raise ValueError("servings must be positive")
    serves, items = load_recipe(path)
    totals = {}
    for q, unit, name in items:
        fam = FAMILY[unit]
        if name in totals and totals[name][0] != fam:
            raise ValueError("mixed units for " + name)
        old = totals[name][1] if name in totals else 0
        totals[name] = (fam, old + q * TO_BASE[unit] * servings / serves)
    return [(name, *normalise(fam, amt)) for name, (fam, amt) in totals.items()]
''',
)

_LIBRARY = ProgramTask(
    name="library_checkout",
    bin=2,
    entry_point="Library",
    spec="""Write a Python module that defines `class Library`, a small library checkout system with due dates and
fines.

`Library(loan_days=14, fine_per_day=0.25, max_fine=5.0)` starts with an empty catalog. Dates are ISO strings
(`"2024-03-01"`); use `datetime.date`.

`load_catalog(path)` reads a catalog file:

```
isbn,title,copies
111,Dune,2
# donated
222,Emma,1
111,Dune,1
```

- The first line is the header and is skipped. Blank lines and lines starting with `#` are skipped too.
- Each other line is `isbn,title,copies` (fields stripped of surrounding spaces; titles contain no commas).
  A line without exactly three fields, with an empty isbn, or whose copies is not a whole number >= 1 raises
  `ValueError` whose message contains `line N` (N the 1-based physical line number, header included).
- An isbn seen again adds its copies to the earlier ones (the first title is kept). In the sample, 111 has 3
  copies.

Methods (an isbn not in the catalog raises `KeyError` in `title`, `available` and `checkout`):
- `title(isbn)` -> str; `available(isbn)` -> int, copies not on loan.
- `checkout(member, isbn, date)` -> the due date (`date` + `loan_days` days) as an ISO string. Raise
  `ValueError` when no copy is available, the member already has this isbn on loan, the member already has 3
  books on loan, or the member owes any fine (owed > 0).
- `return_book(member, isbn, date)` -> the fine for this return, a float rounded to 2 decimals: `fine_per_day`
  for each day after the due date (returning on the due date costs nothing), but never more than `max_fine` for
  one book. The fine is added to what the member owes. Raise `ValueError` when the member does not have this
  isbn on loan.
- `owed(member)` -> float, what the member owes (0.0 for anyone unknown).
- `pay(member, amount)` -> the amount still owed after paying. Raise `ValueError` when `amount` is not greater
  than 0 or is more than what is owed.
- `loans(member)` -> sorted list of `(isbn, due_date)` tuples of the member's current loans (`[]` when none).
- `overdue(date)` -> list of `(member, isbn, days_late)` tuples for the loans whose due date is before `date`,
  most days late first, ties by member then isbn.

Standard library only.""",
    visible=r'''
# catalog and a checkout
open("cat.csv", "w").write("isbn,title,copies\n111,Dune,2\n# donated\n222,Emma,1\n111,Dune,1\n")
lib = Library()
lib.load_catalog("cat.csv")
assert lib.title("111") == "Dune"
assert lib.available("111") == 3
assert lib.checkout("ann", "111", "2024-03-01") == "2024-03-15"
assert lib.available("111") == 2
assert lib.loans("ann") == [("111", "2024-03-15")]

# a late return and paying the fine
assert lib.return_book("ann", "111", "2024-03-19") == 1.0
assert lib.owed("ann") == 1.0
assert lib.pay("ann", 0.5) == 0.5
assert lib.available("111") == 3
''',
    hidden=r'''
def fresh(**kw):
    open("cat.csv", "w").write("isbn,title,copies\n111,Dune,2\n# donated\n222,Emma,1\n111,Dune,1\n333,Ulysses,5\n"
                               "444,Beloved,1\n")
    lib = Library(**kw)
    lib.load_catalog("cat.csv")
    return lib

def expect(exc, call):
    try:
        call()
    except exc:
        pass
    else:
        raise AssertionError("expected " + exc.__name__)

# 1. the fine is capped per book
lib = fresh()
lib.checkout("bo", "222", "2024-01-01")
assert lib.return_book("bo", "222", "2024-02-14") == 5.0
assert lib.owed("bo") == 5.0

# 2. returning on the due date is free, one day late costs one day
lib = fresh()
lib.checkout("cy", "111", "2024-02-20")
assert lib.loans("cy") == [("111", "2024-03-05")]
assert lib.return_book("cy", "111", "2024-03-05") == 0.0
lib.checkout("cy", "111", "2024-02-20")
assert lib.return_book("cy", "111", "2024-03-06") == 0.25

# 3. owing a fine blocks checkouts until paid
lib = fresh()
lib.checkout("dee", "333", "2024-01-01")
assert lib.return_book("dee", "333", "2024-01-20") == 1.25
expect(ValueError, lambda: lib.checkout("dee", "111", "2024-01-21"))
assert lib.pay("dee", 1.0) == 0.25
expect(ValueError, lambda: lib.checkout("dee", "111", "2024-01-21"))
assert lib.pay("dee", 0.25) == 0.0
assert lib.checkout("dee", "111", "2024-01-21") == "2024-02-04"

# 4. bad payments
lib = fresh()
lib.checkout("eve", "444", "2024-01-01")
lib.return_book("eve", "444", "2024-01-17")
assert lib.owed("eve") == 0.5
for amount in (0, -1, 0.75):
    expect(ValueError, lambda: lib.pay("eve", amount))
expect(ValueError, lambda: lib.pay("nobody", 1))
assert lib.owed("nobody") == 0.0

# 5. loan limits
lib = fresh()
lib.checkout("fay", "111", "2024-05-01")
expect(ValueError, lambda: lib.checkout("fay", "111", "2024-05-02"))
lib.checkout("fay", "222", "2024-05-01")
lib.checkout("fay", "333", "2024-05-01")
expect(ValueError, lambda: lib.checkout("fay", "444", "2024-05-01"))
expect(ValueError, lambda: lib.checkout("gus", "222", "2024-05-01"))
assert lib.available("222") == 0
assert lib.loans("fay") == [("111", "2024-05-15"), ("222", "2024-05-15"), ("333", "2024-05-15")]
assert lib.loans("gus") == []

# 6. unknown isbn and returns of books not on loan
lib = fresh()
expect(KeyError, lambda: lib.title("999"))
expect(KeyError, lambda: lib.available("999"))
expect(KeyError, lambda: lib.checkout("hal", "999", "2024-01-01"))
expect(ValueError, lambda: lib.return_book("hal", "111", "2024-01-01"))
lib.checkout("hal", "111", "2024-01-01")
expect(ValueError, lambda: lib.return_book("ivy", "111", "2024-01-02"))

# 7. overdue ordering
lib = fresh()
lib.checkout("zoe", "333", "2024-01-01")
lib.checkout("amy", "444", "2024-01-03")
lib.checkout("amy", "333", "2024-01-01")
lib.checkout("bob", "111", "2024-01-03")
lib.checkout("cal", "222", "2024-01-10")
assert lib.overdue("2024-01-25") == [("amy", "333", 10), ("zoe", "333", 10), ("amy", "444", 8), ("bob", "111", 8),
                                     ("cal", "222", 1)]
assert lib.overdue("2024-01-15") == []

# 8. custom rules
lib = fresh(loan_days=7, fine_per_day=0.5, max_fine=2.0)
assert lib.checkout("jo", "111", "2023-12-28") == "2024-01-04"
assert lib.return_book("jo", "111", "2024-01-07") == 1.5
lib2 = fresh(loan_days=7, fine_per_day=0.5, max_fine=2.0)
lib2.checkout("jo", "111", "2023-12-28")
assert lib2.return_book("jo", "111", "2024-01-30") == 2.0

# 9. catalog errors name the line
for text, line in [("isbn,title,copies\n111,Dune,0\n", 2), ("isbn,title,copies\n\n# c\n111,Dune\n", 4),
                   ("isbn,title,copies\n111,Dune,2\n222,Emma,x\n", 3), ("isbn,title,copies\n,Dune,2\n", 2),
                   ("isbn,title,copies\n111,Dune,2,extra\n", 2)]:
    open("bad.csv", "w").write(text)
    try:
        Library().load_catalog("bad.csv")
    except ValueError as e:
        assert ("line %d" % line) in str(e), str(e)
    else:
        raise AssertionError("expected ValueError for line %d" % line)
''',
    solution=r'''
from datetime import date, timedelta

MAX_LOANS = 3


class Library:
    def __init__(self, loan_days=14, fine_per_day=0.25, max_fine=5.0):
        self.loan_days = loan_days
        self.fine_per_day = fine_per_day
        self.max_fine = max_fine
        self._titles = {}
        self._copies = {}
        self._loans = {}
        self._owed = {}

    def load_catalog(self, path):
        with open(path) as f:
            lines = f.read().splitlines()
        for number, line in enumerate(lines[1:], start=2):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            fields = [part.strip() for part in text.split(",")]
            if len(fields) != 3 or not fields[0] or not fields[2].isdigit() or int(fields[2]) < 1:
                raise ValueError(f"line {number}: expected 'isbn,title,copies', got {text!r}")
            isbn, title, copies = fields
            self._titles.setdefault(isbn, title)
            self._copies[isbn] = self._copies.get(isbn, 0) + int(copies)

    def _known(self, isbn):
        if isbn not in self._copies:
            raise KeyError(isbn)

    def title(self, isbn):
        self._known(isbn)
        return self._titles[isbn]

    def available(self, isbn):
        self._known(isbn)
        return self._copies[isbn] - sum(1 for _, loaned in self._loans if loaned == isbn)

    def checkout(self, member, isbn, day):
        self._known(isbn)
        if self.owed(member) > 0:
            raise ValueError(f"{member} owes {self.owed(member):.2f}")
        if (member, isbn) in self._loans:
            raise ValueError(f"{member} already has {isbn}")
        if len(self.loans(member)) >= MAX_LOANS:
            raise ValueError(f"{member} already has {MAX_LOANS} books")
        if self.available(isbn) == 0:
            raise ValueError(f"no copy of {isbn} is available")
        due = date.fromisoformat(day) + timedelta(days=self.loan_days)
        self._loans[(member, isbn)] = due
        return due.isoformat()

    def return_book(self, member, isbn, day):
        if (member, isbn) not in self._loans:
            raise ValueError(f"{member} does not have {isbn}")
        due = self._loans.pop((member, isbn))
        late = max((date.fromisoformat(day) - due).days, 0)
        fine = round(min(late * self.fine_per_day, self.max_fine), 2)
        self._owed[member] = round(self.owed(member) + fine, 2)
        return fine

    def owed(self, member):
        return self._owed.get(member, 0.0)

    def pay(self, member, amount):
        owed = self.owed(member)
        if amount <= 0 or amount > owed:
            raise ValueError(f"cannot pay {amount} of {owed}")
        self._owed[member] = round(owed - amount, 2)
        return self._owed[member]

    def loans(self, member):
        return sorted((isbn, due.isoformat()) for (who, isbn), due in self._loans.items() if who == member)

    def overdue(self, day):
        today = date.fromisoformat(day)
        late = [(who, isbn, (today - due).days) for (who, isbn), due in self._loans.items() if due < today]
        return sorted(late, key=lambda row: (-row[2], row[0], row[1]))
''',
    wrong=r'''
import datetime


class Library:
    def __init__(self, loan_days=14, fine_per_day=0.25, max_fine=5.0):
        self.loan_days = loan_days
        self.fine_per_day = fine_per_day
        self.max_fine = max_fine
        self.books = {}
        self.loaned = {}
        self.fines = {}

    def load_catalog(self, path):
        for n, line in enumerate(open(path), start=1):
            line = line.strip()
            if n == 1 or not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 3 or not parts[0] or not parts[2].isdigit() or int(parts[2]) < 1:
                raise ValueError("line %d: bad catalog line" % n)
            if parts[0] in self.books:
                self.books[parts[0]][1] += int(parts[2])
            else:
                self.books[parts[0]] = [parts[1], int(parts[2])]

    def title(self, isbn):
        return self.books[isbn][0]

    def available(self, isbn):
        total = self.books[isbn][1]
        return total - len([k for k in self.loaned if k[1] == isbn])

    def checkout(self, member, isbn, day):
        if self.available(isbn) < 1:
            raise ValueError("not available")
        if (member, isbn) in self.loaned:
            raise ValueError("already borrowed")
        if len(self.loans(member)) >= 3:
            raise ValueError("too many loans")
        due = datetime.date.fromisoformat(day) + datetime.timedelta(days=self.loan_days)
        self.loaned[(member, isbn)] = due
        return due.isoformat()

    def return_book(self, member, isbn, day):
        if (member, isbn) not in self.loaned:
            raise ValueError("not borrowed")
        due = self.loaned.pop((member, isbn))
        days = (datetime.date.fromisoformat(day) - due).days
        fine = round(days * self.fine_per_day, 2) if days > 0 else 0.0
        self.fines[member] = self.fines.get(member, 0.0) + fine
        return fine

    def owed(self, member):
        return self.fines.get(member, 0.0)

    def pay(self, member, amount):
        if amount <= 0 or amount > self.owed(member):
            raise ValueError("bad amount")
        self.fines[member] = round(self.fines[member] - amount, 2)
        return self.fines[member]

    def loans(self, member):
        return sorted((k[1], v.isoformat()) for k, v in self.loaned.items() if k[0] == member)

    def overdue(self, day):
        today = datetime.date.fromisoformat(day)
        rows = [(k[0], k[1], (today - v).days) for k, v in self.loaned.items() if v < today]
        rows.sort(key=lambda r: (-r[2], r[0], r[1]))
        return rows
''',
)

_JOIN = ProgramTask(
    name="csv_join",
    bin=2,
    entry_point="join",
    spec="""Write a Python module that defines functions to join two CSV files on a key column:
`read_table(path)`, `join(left_path, right_path, key, how="inner")` and `unmatched(left_path, right_path, key)`.

Both files are CSV (the `csv` module's default dialect) with a header row:

```
id,name,city
1,Ann,Oslo
2,Bob,
3,Cy,Rome
```

```
id,total
1,30
3,12
3,8
4,99
```

- Blank lines are skipped. Every cell (header cells too) is stripped of surrounding spaces; an empty cell becomes
  None.
- A row whose number of cells differs from the header's raises `ValueError` whose message contains `line N`
  (N the 1-based physical line number in that file).

Functions:
- `read_table(path)` -> tuple `(header, rows)`: `header` the list of column names, `rows` a list of dicts
  (column name -> str or None) in file order.
- `join(left_path, right_path, key, how="inner")` -> list of dicts:
  - `how` is `"inner"` (only rows with a match) or `"left"` (every left row, unmatched ones with None in every
    right column); anything else raises `ValueError`. A `key` missing from either header raises `ValueError`.
  - A left row matches every right row with the same key value (keys compare as stripped strings). A row whose
    key is empty (None) never matches anything (in a left join it is kept, unmatched).
  - Duplicate keys give every matching pair. Output order: left rows in file order, and for each left row its
    matching right rows in file order.
  - Each output dict has the left columns (in left header order) followed by the right columns except the key
    (in right header order). A right column whose name is also a left column is renamed `NAME_right`.
- `unmatched(left_path, right_path, key)` -> sorted list of the distinct non-empty right keys that match no left
  row.

For the sample, `join("people.csv", "orders.csv", "id")` is
`[{"id": "1", "name": "Ann", "city": "Oslo", "total": "30"}, {"id": "3", "name": "Cy", "city": "Rome",
"total": "12"}, {"id": "3", "name": "Cy", "city": "Rome", "total": "8"}]` and `unmatched(...)` is `["4"]`.

Standard library only.""",
    visible=r'''
open("people.csv", "w").write("id,name,city\n1,Ann,Oslo\n2,Bob,\n4,Dee,Kyiv\n")
open("orders.csv", "w").write("id,total\n1,30\n4,12\n5,99\n")

# inner join
assert join("people.csv", "orders.csv", "id") == [
    {"id": "1", "name": "Ann", "city": "Oslo", "total": "30"},
    {"id": "4", "name": "Dee", "city": "Kyiv", "total": "12"},
]

# left join keeps unmatched left rows
assert join("people.csv", "orders.csv", "id", how="left")[1] == {"id": "2", "name": "Bob", "city": None,
                                                                 "total": None}
assert unmatched("people.csv", "orders.csv", "id") == ["5"]
assert read_table("orders.csv") == (["id", "total"], [{"id": "1", "total": "30"}, {"id": "4", "total": "12"},
                                                      {"id": "5", "total": "99"}])
''',
    hidden=r'''
def expect_error(call, text=None):
    try:
        call()
    except ValueError as e:
        assert text is None or text in str(e), str(e)
    else:
        raise AssertionError("expected ValueError")

# 1. duplicate keys on the right give every pair, in order
open("people.csv", "w").write("id,name,city\n1,Ann,Oslo\n2,Bob,\n3,Cy,Rome\n")
open("orders.csv", "w").write("id,total\n1,30\n3,12\n3,8\n4,99\n")
assert join("people.csv", "orders.csv", "id") == [
    {"id": "1", "name": "Ann", "city": "Oslo", "total": "30"},
    {"id": "3", "name": "Cy", "city": "Rome", "total": "12"},
    {"id": "3", "name": "Cy", "city": "Rome", "total": "8"},
]
assert [r["total"] for r in join("people.csv", "orders.csv", "id", "left")] == ["30", None, "12", "8"]
assert unmatched("people.csv", "orders.csv", "id") == ["4"]

# 2. duplicate keys on both sides
open("l.csv", "w").write("k,a\nx,1\nx,2\ny,3\n")
open("r.csv", "w").write("k,b\nx,p\nx,q\n")
assert [(r["a"], r["b"]) for r in join("l.csv", "r.csv", "k")] == [("1", "p"), ("1", "q"), ("2", "p"), ("2", "q")]

# 3. colliding column names and column order
open("l.csv", "w").write("id,name,note\n7,Lamp,old\n")
open("r.csv", "w").write("note,id,name,price\nnew,7,Light,5\n")
rows = join("l.csv", "r.csv", "id")
assert rows == [{"id": "7", "name": "Lamp", "note": "old", "note_right": "new", "name_right": "Light", "price": "5"}]
assert list(rows[0]) == ["id", "name", "note", "note_right", "name_right", "price"]
rows = join("l.csv", "r.csv", "id", how="left")
assert list(rows[0]) == ["id", "name", "note", "note_right", "name_right", "price"]

# 4. empty keys never match; spaces are stripped
open("l.csv", "w").write("code , qty\n A1 , 3\n,4\n\nB2,\n")
open("r.csv", "w").write("code,label\nA1 ,alpha\n,nothing\nC3,gamma\n")
assert join("l.csv", "r.csv", "code") == [{"code": "A1", "qty": "3", "label": "alpha"}]
assert join("l.csv", "r.csv", "code", "left") == [
    {"code": "A1", "qty": "3", "label": "alpha"},
    {"code": None, "qty": "4", "label": None},
    {"code": "B2", "qty": None, "label": None},
]
assert unmatched("l.csv", "r.csv", "code") == ["C3"]

# 5. quoted cells and blank lines
open("l.csv", "w").write('id,name\n\n1,"Smith, J"\n\n2,"Lee"\n')
open("r.csv", "w").write('id,city\n2,"New York, NY"\n2,Boston\n1,Paris\n')
assert join("l.csv", "r.csv", "id") == [
    {"id": "1", "name": "Smith, J", "city": "Paris"},
    {"id": "2", "name": "Lee", "city": "New York, NY"},
    {"id": "2", "name": "Lee", "city": "Boston"},
]

# 6. errors
open("l.csv", "w").write("id,name\n1,Ann\n")
open("r.csv", "w").write("key,total\n1,5\n")
expect_error(lambda: join("l.csv", "r.csv", "id"))
expect_error(lambda: join("l.csv", "l.csv", "id", how="outer"))
expect_error(lambda: join("l.csv", "l.csv", "nope"))
open("bad.csv", "w").write("id,name\n1,Ann\n\n2,Bob,extra\n")
expect_error(lambda: read_table("bad.csv"), "line 4")
expect_error(lambda: join("l.csv", "bad.csv", "id"), "line 4")
open("bad.csv", "w").write("id,name\n1\n")
expect_error(lambda: read_table("bad.csv"), "line 2")

# 7. nothing in common
open("l.csv", "w").write("id,v\n1,a\n")
open("r.csv", "w").write("id,w\n2,b\n2,c\n3,d\n")
assert join("l.csv", "r.csv", "id") == []
assert join("l.csv", "r.csv", "id", "left") == [{"id": "1", "v": "a", "w": None}]
assert unmatched("l.csv", "r.csv", "id") == ["2", "3"]
assert unmatched("r.csv", "r.csv", "id") == []
''',
    solution=r'''
import csv

HOWS = ("inner", "left")


def read_table(path):
    header, rows = None, []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        for row in reader:
            if not row:
                continue
            cells = [cell.strip() for cell in row]
            if header is None:
                header = cells
                continue
            if len(cells) != len(header):
                raise ValueError(f"{path} line {reader.line_num}: {len(cells)} cells, expected {len(header)}")
            rows.append({name: cell or None for name, cell in zip(header, cells)})
    if header is None:
        raise ValueError(f"{path} line 1: missing header")
    return header, rows


def _index(rows, key):
    index = {}
    for row in rows:
        if row[key] is not None:
            index.setdefault(row[key], []).append(row)
    return index


def join(left_path, right_path, key, how="inner"):
    if how not in HOWS:
        raise ValueError(f"how must be one of {HOWS}, not {how!r}")
    left_header, left_rows = read_table(left_path)
    right_header, right_rows = read_table(right_path)
    if key not in left_header or key not in right_header:
        raise ValueError(f"both files need a {key!r} column")
    renamed = [(name, f"{name}_right" if name in left_header else name) for name in right_header if name != key]
    index = _index(right_rows, key)
    joined = []
    for row in left_rows:
        matches = index.get(row[key], []) if row[key] is not None else []
        for match in matches:
            joined.append({**row, **{new: match[old] for old, new in renamed}})
        if not matches and how == "left":
            joined.append({**row, **{new: None for _, new in renamed}})
    return joined


def unmatched(left_path, right_path, key):
    _, left_rows = read_table(left_path)
    _, right_rows = read_table(right_path)
    left_keys = {row[key] for row in left_rows}
    return sorted(k for k in _index(right_rows, key) if k not in left_keys)
''',
    wrong=r'''
import csv


def read_table(path):
    with open(path, newline="") as f:
        lines = [row for row in csv.reader(f)]
    header = [h.strip() for h in lines[0]]
    rows = []
    for n, row in enumerate(lines[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise ValueError("line %d: wrong number of cells" % n)
        rows.append({h: (c.strip() or None) for h, c in zip(header, row)})
    return header, rows


def join(left_path, right_path, key, how="inner"):
    if how not in ("inner", "left"):
        raise ValueError("bad how")
    lh, left = read_table(left_path)
    rh, right = read_table(right_path)
    if key not in lh or key not in rh:
        raise ValueError("missing key column")
    lookup = {}
    for row in right:
        lookup[row[key]] = row
    out = []
    for row in left:
        match = lookup.get(row[key])
        if match is not None:
            merged = dict(row)
            for col in rh:
                if col != key:
                    merged[col] = match[col]
            out.append(merged)
        elif how == "left":
            merged = dict(row)
            for col in rh:
                if col != key:
                    merged[col] = None
            out.append(merged)
    return out


def unmatched(left_path, right_path, key):
    _, left = read_table(left_path)
    _, right = read_table(right_path)
    keys = set(r[key] for r in left)
    return sorted(set(r[key] for r in right if r[key] is not None and r[key] not in keys))
''',
)

_TOC = ProgramTask(
    name="markdown_toc",
    bin=2,
    entry_point="toc",
    spec="""Write a Python module that defines a markdown table-of-contents generator: `slugify(text)`,
`headings(path)`, `toc(path, max_level=3)` and `broken_links(path)`.

Example document:

````
# Guide
Intro text, see [usage](#usage).
## Install
## Usage
### Options
```bash
# a shell comment, not a heading
```
## Usage
#hashtag is not a heading
````

Rules:
- A heading is a line that starts (no leading spaces) with 1 to 6 `#` followed by a space and then its text.
  `#hashtag` and `####### seven` are not headings.
- An optional closing sequence is removed: a run of `#` at the end of the text that is preceded by whitespace
  (or is the whole text), so `## Title ##` has the text `Title` but `# C#` keeps `C#`. The text is then stripped
  of surrounding spaces; if it is empty the line is not a heading.
- Code fences: a line whose stripped text starts with three backticks opens a fenced block and the next such line
  closes it. Lines inside a fenced block (and the fence lines themselves) are never headings or links.
- `slugify(text)` -> str: lowercase the text, remove every character that is not an ASCII letter, digit, space,
  hyphen or underscore, then replace each space with a hyphen (no collapsing: `"A - B"` -> `"a---b"`).
- Repeated slugs: the first heading with a given slug keeps it, the next ones get `-1`, `-2`, ... appended, in
  document order, counting every heading of the document (whatever its level).

Functions:
- `headings(path)` -> list of `(level, text, slug)` tuples in document order, slugs already made unique.
- `toc(path, max_level=3)` -> str: one line per heading whose level is at most `max_level`, in order, written
  `- [text](#slug)` and indented by two spaces for each level below the smallest level among those listed
  headings; lines joined with a newline, no newline at the end; `""` when there is no such heading.
- `broken_links(path)` -> sorted list of the distinct anchors of internal links written `[label](#anchor)`
  (outside fenced blocks) that match no heading slug of the document.

For the example, `toc(path)` is:

```
- [Guide](#guide)
  - [Install](#install)
  - [Usage](#usage)
    - [Options](#options)
  - [Usage](#usage-1)
```

Standard library only.""",
    visible=r'''
open("doc.md", "w").write(
    "# Guide\nIntro text, see [usage](#usage).\n## Install\n## Usage\n### Options\n## Usage\n"
    "#hashtag is not a heading\n"
)

# the table of contents
assert toc("doc.md") == ("- [Guide](#guide)\n  - [Install](#install)\n  - [Usage](#usage)\n"
                         "    - [Options](#options)\n  - [Usage](#usage-1)")
assert toc("doc.md", max_level=1) == "- [Guide](#guide)"

# headings and slugs
assert headings("doc.md")[-1] == (2, "Usage", "usage-1")
assert slugify("Hello, World!") == "hello-world"
assert broken_links("doc.md") == []
''',
    hidden=r'''
FENCE = "`" * 3

# 1. fenced code blocks hide headings and links
open("f.md", "w").write("\n".join([
    "# Guide", FENCE + "bash", "# not a heading", "[x](#nowhere)", FENCE, "## Usage", "  " + FENCE,
    "## Hidden", FENCE, "## After",
]) + "\n")
assert headings("f.md") == [(1, "Guide", "guide"), (2, "Usage", "usage"), (2, "After", "after")]
assert broken_links("f.md") == []

# 2. closing sequences
open("c.md", "w").write("# C#\n## Title ##\n### F# and C# ###\n## ##\n# \n#\n##  Spaced   \n")
assert headings("c.md") == [(1, "C#", "c"), (2, "Title", "title"), (3, "F# and C#", "f-and-c"),
                            (2, "Spaced", "spaced")]

# 3. what is not a heading
open("n.md", "w").write("#tag\n####### seven\n ## indented\n###### six\ntext # not\n")
assert headings("n.md") == [(6, "six", "six")]

# 4. slug rules
assert slugify("A - B") == "a---b"
assert slugify("Q&A: tips_and-tricks (v2.0)") == "qa-tips_and-tricks-v20"
assert slugify("  ") == "--"
assert slugify("Cafe\u00e9 Menu") == "cafe-menu"

# 5. repeated slugs count every heading, even those left out of the toc
open("r.md", "w").write("## Setup\n#### Setup\n## Setup\n## setup!\n# Other\n")
assert [h[2] for h in headings("r.md")] == ["setup", "setup-1", "setup-2", "setup-3", "other"]
assert toc("r.md", max_level=2) == ("  - [Setup](#setup)\n  - [Setup](#setup-2)\n  - [setup!](#setup-3)\n"
                                    "- [Other](#other)")

# 6. indentation relative to the smallest listed level
open("l.md", "w").write("### Deep\n## Mid\n### Deep2\n##### Five\n")
assert toc("l.md") == "  - [Deep](#deep)\n- [Mid](#mid)\n  - [Deep2](#deep2)"
assert toc("l.md", max_level=6) == "  - [Deep](#deep)\n- [Mid](#mid)\n  - [Deep2](#deep2)\n      - [Five](#five)"
assert toc("l.md", max_level=1) == ""

# 7. broken links
open("b.md", "w").write("\n".join([
    "# Intro", "See [a](#intro), [b](#missing) and [c](#setup-1).", "## Setup", "## Setup",
    "[again](#missing) [ext](http://x.org) [z](#zz)", FENCE, "[hidden](#ghost)", FENCE,
]) + "\n")
assert broken_links("b.md") == ["missing", "zz"]

# 8. an empty document
open("e.md", "w").write("")
assert headings("e.md") == [] and toc("e.md") == "" and broken_links("e.md") == []
''',
    solution=r'''
import re

HEADING = re.compile(r"(#{1,6}) (.*)")
CLOSING = re.compile(r"(^|\s)#+\s*$")
LINK = re.compile(r"\[[^\]]*\]\(#([^)\s]+)\)")
FENCE = "`" * 3


def slugify(text):
    return re.sub(r"[^a-z0-9 _-]", "", text.lower()).replace(" ", "-")


def _lines(path):
    """The lines outside fenced code blocks."""
    fenced = False
    with open(path) as f:
        for line in f.read().splitlines():
            if line.strip().startswith(FENCE):
                fenced = not fenced
            elif not fenced:
                yield line


def headings(path):
    found, seen = [], {}
    for line in _lines(path):
        match = HEADING.match(line)
        if not match:
            continue
        text = CLOSING.sub("", match.group(2)).strip()
        if not text:
            continue
        base = slugify(text)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.append((len(match.group(1)), text, base if count == 0 else f"{base}-{count}"))
    return found


def toc(path, max_level=3):
    listed = [h for h in headings(path) if h[0] <= max_level]
    if not listed:
        return ""
    top = min(level for level, _, _ in listed)
    return "\n".join(f"{'  ' * (level - top)}- [{text}](#{slug})" for level, text, slug in listed)


def broken_links(path):
    slugs = {slug for _, _, slug in headings(path)}
    anchors = {anchor for line in _lines(path) for anchor in LINK.findall(line)}
    return sorted(anchors - slugs)
''',
    wrong=r'''
import re


def slugify(text):
    text = text.lower()
    out = ""
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch in " -_"):
            out += ch
    return out.replace(" ", "-")


def headings(path):
    result = []
    counts = {}
    for line in open(path).read().splitlines():
        m = re.match(r"(#{1,6}) (.*)", line)
        if not m:
            continue
        text = m.group(2).rstrip("#").strip()
        if not text:
            continue
        slug = slugify(text)
        if slug in counts:
            counts[slug] += 1
            slug = "%s-%d" % (slug, counts[slug])
        else:
            counts[slug] = 0
        result.append((len(m.group(1)), text, slug))
    return result


def toc(path, max_level=3):
    items = [h for h in headings(path) if h[0] <= max_level]
    if not items:
        return ""
    base = min(h[0] for h in items)
    return "\n".join("  " * (lvl - base) + "- [%s](#%s)" % (text, slug) for lvl, text, slug in items)


def broken_links(path):
    slugs = set(h[2] for h in headings(path))
    anchors = set(re.findall(r"\[[^\]]*\]\(#([^)\s]+)\)", open(path).read()))
    return sorted(anchors - slugs)
''',
)

_SCHEDULER = ProgramTask(
    name="task_scheduler",
    bin=2,
    entry_point="schedule",
    spec="""Write a Python module that defines a priority task scheduler with dependencies read from a file:
`load_tasks(path)`, `schedule(path)`, `ready(path, done)` and `dependencies(path, name)`.

Each line of the file is `NAME PRIORITY DEP1 DEP2 ...`, words separated by whitespace:

```
# name priority depends-on...
compile 5
test 3 compile
lint 4
package 1 test lint
```

- Blank lines and lines whose first word starts with `#` are skipped.
- PRIORITY is an integer (it may be negative); a higher number is more urgent. A task may have no dependencies.
- Raise `ValueError` whose message contains `line N` (N the 1-based physical line number) for a line with fewer
  than two words, a priority that is not an integer, or a task name already defined on an earlier line.

Functions:
- `load_tasks(path)` -> dict mapping each name to a tuple `(priority, deps)`, `deps` the list of dependency
  names as written.
- `schedule(path)` -> list of all task names in execution order: at each step, among the tasks not yet run whose
  dependencies have all run, run the one with the highest priority; ties go to the alphabetically smallest name.
  Raise `ValueError` whose message contains the missing name when a task depends on a task that is not defined,
  and `ValueError` whose message contains the word `cycle` when the tasks cannot all run because of a dependency
  cycle (a task depending on itself is a cycle).
- `ready(path, done)` -> list of the tasks not in `done` (a collection of names) whose dependencies are all in
  `done`, ordered by priority (highest first), ties by name.
- `dependencies(path, name)` -> sorted list of every task `name` depends on, directly or indirectly (not `name`
  itself); `KeyError` when `name` is not defined.

For the sample, `schedule(path)` is `["compile", "lint", "test", "package"]`.

Standard library only.""",
    visible=r'''
open("tasks.txt", "w").write("# name priority depends-on...\ncompile 5\ntest 3 compile\nlint 4\npackage 1 test lint\n")

# the sample schedule
assert schedule("tasks.txt") == ["compile", "lint", "test", "package"]
assert load_tasks("tasks.txt")["package"] == (1, ["test", "lint"])

# ready tasks and dependencies
assert ready("tasks.txt", set()) == ["compile", "lint"]
assert ready("tasks.txt", {"compile"}) == ["lint", "test"]
assert dependencies("tasks.txt", "package") == ["compile", "lint", "test"]
''',
    hidden=r'''
def expect_error(text, *fragments):
    open("bad.txt", "w").write(text)
    try:
        schedule("bad.txt")
    except ValueError as e:
        for fragment in fragments:
            assert fragment in str(e), str(e)
    else:
        raise AssertionError("expected ValueError")

# 1. a task unlocked later can jump ahead of waiting ones
open("a.txt", "w").write("a 1\nb 1\nc 9 a\n")
assert schedule("a.txt") == ["a", "c", "b"]
open("b.txt", "w").write("setup 2\ndocs 1\nbuild 5 setup\ndeploy 10 build\nclean 3\n")
assert schedule("b.txt") == ["clean", "setup", "build", "deploy", "docs"]

# 2. ties are alphabetical, negative priorities
open("t.txt", "w").write("zeta 0\nalpha 0\nmid -1\nlow -5 alpha\nbeta 0 zeta\n")
assert schedule("t.txt") == ["alpha", "zeta", "beta", "mid", "low"]
assert load_tasks("t.txt")["low"] == (-5, ["alpha"])

# 3. comments, blank lines, spacing
open("c.txt", "w").write("\n  # setup\n\tone   2\n\ntwo 1   one\n  #three 9\n")
assert load_tasks("c.txt") == {"one": (2, []), "two": (1, ["one"])}
assert schedule("c.txt") == ["one", "two"]

# 4. undefined dependencies and cycles
expect_error("a 1 ghost\nb 2\n", "ghost")
expect_error("a 1 b\nb 1 c\nc 1 a\nd 5\n", "cycle")
expect_error("a 1 a\n", "cycle")
expect_error("x 1\ny 2 x z\nz 3 y\n", "cycle")

# 5. line errors
expect_error("a 1\n\n# c\nb\n", "line 4")
expect_error("a 1\nb high\n", "line 2")
expect_error("a 1\nb 2.5\n", "line 2")
expect_error("a 1\n\nb 2\na 3\n", "line 4")

# 6. ready
open("tasks.txt", "w").write("compile 5\ntest 3 compile\nlint 4\npackage 1 test lint\n")
assert ready("tasks.txt", ["compile", "lint", "test"]) == ["package"]
assert ready("tasks.txt", {"compile", "lint", "test", "package"}) == []
assert ready("t.txt", {"alpha"}) == ["zeta", "mid", "low"]

# 7. dependencies
open("d.txt", "w").write("a 1\nb 1 a\nc 1 b\nd 1 c a\ne 1\n")
assert dependencies("d.txt", "d") == ["a", "b", "c"]
assert dependencies("d.txt", "a") == []
assert dependencies("d.txt", "e") == []
try:
    dependencies("d.txt", "zz")
except KeyError:
    pass
else:
    raise AssertionError("expected KeyError")
''',
    solution=r'''
import heapq
import re

INTEGER = re.compile(r"-?\d+")


def load_tasks(path):
    tasks = {}
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if len(words) < 2 or not INTEGER.fullmatch(words[1]):
                raise ValueError(f"line {number}: expected 'NAME PRIORITY DEPS...'")
            if words[0] in tasks:
                raise ValueError(f"line {number}: task {words[0]!r} is defined twice")
            tasks[words[0]] = (int(words[1]), words[2:])
    return tasks


def _checked(path):
    tasks = load_tasks(path)
    for name, (_, deps) in tasks.items():
        for dep in deps:
            if dep not in tasks:
                raise ValueError(f"task {name!r} depends on {dep!r}, which is not defined")
    return tasks


def schedule(path):
    tasks = _checked(path)
    waiting = {name: set(deps) for name, (_, deps) in tasks.items()}
    dependents = {}
    for name, deps in waiting.items():
        for dep in deps:
            dependents.setdefault(dep, []).append(name)
    heap = [(-tasks[name][0], name) for name, deps in waiting.items() if not deps]
    heapq.heapify(heap)
    order = []
    while heap:
        _, name = heapq.heappop(heap)
        order.append(name)
        for nxt in dependents.get(name, []):
            waiting[nxt].discard(name)
            if not waiting[nxt]:
                heapq.heappush(heap, (-tasks[nxt][0], nxt))
    if len(order) < len(tasks):
        stuck = sorted(set(tasks) - set(order))
        raise ValueError(f"dependency cycle among {', '.join(stuck)}")
    return order


def ready(path, done):
    done = set(done)
    tasks = load_tasks(path)
    free = [name for name, (_, deps) in tasks.items() if name not in done and set(deps) <= done]
    return sorted(free, key=lambda name: (-tasks[name][0], name))


def dependencies(path, name):
    tasks = _checked(path)
    if name not in tasks:
        raise KeyError(name)
    found, stack = set(), list(tasks[name][1])
    while stack:
        dep = stack.pop()
        if dep not in found:
            found.add(dep)
            stack.extend(tasks[dep][1])
    found.discard(name)
    return sorted(found)
''',
    wrong=r'''
from collections import deque


def load_tasks(path):
    tasks = {}
    for n, line in enumerate(open(path), start=1):
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if len(parts) < 2:
            raise ValueError("line %d: missing priority" % n)
        try:
            prio = int(parts[1])
        except ValueError:
            raise ValueError("line %d: bad priority" % n)
        tasks[parts[0]] = (prio, parts[2:])
    return tasks


def schedule(path):
    tasks = load_tasks(path)
    for name, (_, deps) in tasks.items():
        for d in deps:
            if d not in tasks:
                raise ValueError("unknown dependency " + d)
    remaining = {name: set(deps) for name, (_, deps) in tasks.items()}
    start = sorted([n for n in tasks if not remaining[n]], key=lambda n: (-tasks[n][0], n))
    queue = deque(start)
    order = []
    while queue:
        name = queue.popleft()
        order.append(name)
        for other in sorted(tasks, key=lambda n: (-tasks[n][0], n)):
            if name in remaining[other]:
                remaining[other].discard(name)
                if not remaining[other]:
                    queue.append(other)
    if len(order) != len(tasks):
        raise ValueError("dependency cycle detected")
    return order


def ready(path, done):
    tasks = load_tasks(path)
    names = [n for n in tasks if n not in done and all(d in done for d in tasks[n][1])]
    return sorted(names, key=lambda n: (-tasks[n][0], n))


def dependencies(path, name):
    tasks = load_tasks(path)
    result = set()
    todo = list(tasks[name][1])
    while todo:
        d = todo.pop()
        if d not in result:
            result.add(d)
            todo.extend(tasks[d][1])
    return sorted(result)
''',
)

_BANK = ProgramTask(
    name="bank_account",
    bin=2,
    entry_point="Account",
    spec="""Write a Python module that defines `class Account`, a bank account with an overdraft limit, overdraft
fees and a statement.

`Account(owner, overdraft_limit=0, fee=5.0)`: the balance starts at 0. Keep money in whole cents internally so
that depositing 0.10 three times gives a balance of exactly 0.3. Dates are `"YYYY-MM-DD"` strings.

- `deposit(date, amount)` and `withdraw(date, amount)` return the new balance (a float). `amount` must be an int
  or float greater than 0 (not a bool, not a string), with at most two decimals; otherwise raise `ValueError`.
  A `date` earlier than the date of the previous entry raises `ValueError` (the same date is fine).
- A withdrawal that would take the balance below `-overdraft_limit` raises `ValueError` and changes nothing.
  Taking the balance to exactly `-overdraft_limit` is allowed.
- After every successful withdrawal that leaves the balance below zero, an overdraft fee of `fee` is charged at
  once (a separate `fee` entry, same date) - also when the balance was already negative before the withdrawal.
  The fee is charged even if it takes the balance below `-overdraft_limit`. No fee when the balance is exactly 0.
- `balance` is a read-only property: the balance as a float.
- `statement()` -> list of strings, one per entry in order, written `"DATE KIND AMOUNT BALANCE"`: KIND is
  `deposit`, `withdraw` or `fee`; AMOUNT is signed with two decimals (`+100.00`, `-30.00`); BALANCE is the
  balance after the entry with two decimals (`-5.00`). Example: `"2024-01-05 withdraw -30.00 -10.00"`.
- `monthly_fees()` -> dict mapping `"YYYY-MM"` to the total fees charged that month as a positive float, only for
  months with fees.
- `load(path)` applies the transactions of a file, one per line, `date,kind,amount` with kind `deposit` or
  `withdraw` (fields stripped of surrounding spaces; amount written as digits with an optional dot and one or two
  decimals):

```
# January
2024-01-02,deposit,100
2024-01-05,withdraw,120.50
```

  Blank lines and lines starting with `#` are skipped. A malformed line, or a transaction the account refuses
  (as above), raises `ValueError` whose message contains `line N` (N the 1-based physical line number);
  the lines before it stay applied.

Standard library only.""",
    visible=r'''
# deposits, a withdrawal into the overdraft, and its fee
acct = Account("ann", overdraft_limit=100)
assert acct.deposit("2024-01-02", 20) == 20.0
assert acct.withdraw("2024-01-05", 30) == -15.0
assert acct.balance == -15.0
assert acct.statement() == [
    "2024-01-02 deposit +20.00 20.00",
    "2024-01-05 withdraw -30.00 -10.00",
    "2024-01-05 fee -5.00 -15.00",
]

# a refused withdrawal changes nothing
try:
    acct.withdraw("2024-01-06", 200)
except ValueError:
    pass
else:
    raise AssertionError("expected ValueError")
assert acct.balance == -15.0 and len(acct.statement()) == 3

# loading a file
open("tx.csv", "w").write("# January\n2024-01-02,deposit,100\n2024-01-05,withdraw,40.50\n")
acct = Account("bo")
acct.load("tx.csv")
assert acct.balance == 59.5
''',
    hidden=r'''
def expect_error(call):
    try:
        call()
    except ValueError:
        pass
    else:
        raise AssertionError("expected ValueError")

# 1. a fee on every withdrawal that leaves the balance negative
acct = Account("cy", overdraft_limit=100, fee=2.5)
acct.withdraw("2024-02-01", 10)
acct.withdraw("2024-02-03", 10)
assert acct.balance == -25.0
assert acct.statement() == [
    "2024-02-01 withdraw -10.00 -10.00",
    "2024-02-01 fee -2.50 -12.50",
    "2024-02-03 withdraw -10.00 -22.50",
    "2024-02-03 fee -2.50 -25.00",
]

# 2. exactly the limit is allowed, and the fee may pass it
acct = Account("dee", overdraft_limit=50)
assert acct.withdraw("2024-01-01", 50) == -55.0
expect_error(lambda: acct.withdraw("2024-01-01", 0.01))
assert acct.deposit("2024-01-02", 55) == 0.0
assert acct.withdraw("2024-01-03", 50) == -55.0

# 3. no fee at exactly zero, no overdraft by default
acct = Account("eve")
acct.deposit("2024-01-01", 25.5)
assert acct.withdraw("2024-01-02", 25.5) == 0.0
assert len(acct.statement()) == 2
expect_error(lambda: acct.withdraw("2024-01-02", 1))
assert acct.monthly_fees() == {}

# 4. dates may not go backwards
acct = Account("fay")
acct.deposit("2024-03-10", 5)
acct.deposit("2024-03-10", 5)
expect_error(lambda: acct.deposit("2024-03-09", 5))
expect_error(lambda: acct.withdraw("2024-02-28", 1))
assert acct.balance == 10.0

# 5. invalid amounts
acct = Account("gus", overdraft_limit=10)
for amount in (0, -5, True, "10"):
    expect_error(lambda: acct.deposit("2024-01-01", amount))
    expect_error(lambda: acct.withdraw("2024-01-01", amount))
assert acct.statement() == []

# 6. whole cents
acct = Account("hal")
for _ in range(3):
    acct.deposit("2024-01-01", 0.1)
assert acct.balance == 0.3
acct.withdraw("2024-01-02", 0.2)
assert acct.balance == 0.1
assert acct.statement()[-1] == "2024-01-02 withdraw -0.20 0.10"

# 7. monthly fees
acct = Account("ivy", overdraft_limit=500, fee=7.25)
acct.withdraw("2024-01-30", 10)
acct.withdraw("2024-01-31", 10)
acct.deposit("2024-02-01", 100)
acct.withdraw("2024-02-15", 40)
acct.withdraw("2024-03-01", 50)
assert acct.monthly_fees() == {"2024-01": 14.5, "2024-03": 7.25}

# 8. load: skipped lines and errors name their line
open("tx.csv", "w").write("\n# Jan\n 2024-01-02 , deposit , 100 \n\n2024-01-05,withdraw,120.50\n")
acct = Account("jo", overdraft_limit=50)
acct.load("tx.csv")
assert acct.balance == -25.5
assert acct.statement()[-1] == "2024-01-05 fee -5.00 -25.50"
for text, line in [("2024-01-01,deposit,10\n2024-01-02,withdraw,11\n", 2),
                   ("2024-01-01,deposit,10\n\n2024-01-02,transfer,1\n", 3),
                   ("# x\n2024-01-01,deposit\n", 2), ("2024-01-01,deposit,1.234\n", 1),
                   ("2024-01-01,deposit,-4\n", 1), ("2024-01-05,deposit,1\n2024-01-04,deposit,1\n", 2),
                   ("2024-01-01,deposit,abc\n", 1)]:
    open("bad.csv", "w").write(text)
    acct = Account("kim")
    try:
        acct.load("bad.csv")
    except ValueError as e:
        assert ("line %d" % line) in str(e), str(e)
    else:
        raise AssertionError("expected ValueError for line %d" % line)
open("bad.csv", "w").write("2024-01-01,deposit,10\n2024-01-02,withdraw,11\n")
acct = Account("kim")
try:
    acct.load("bad.csv")
except ValueError:
    pass
assert acct.balance == 10.0

# 9. balance is read-only
acct = Account("lee")
try:
    acct.balance = 100
except AttributeError:
    pass
else:
    raise AssertionError("balance should be read-only")
''',
    solution=r'''
import re

AMOUNT = re.compile(r"\d+(\.\d{1,2})?")


class Account:
    def __init__(self, owner, overdraft_limit=0, fee=5.0):
        self.owner = owner
        self._limit = round(overdraft_limit * 100)
        self._fee = round(fee * 100)
        self._cents = 0
        self._entries = []

    @property
    def balance(self):
        return self._cents / 100

    def _cents_of(self, day, amount):
        if self._entries and day < self._entries[-1][0]:
            raise ValueError(f"{day} is before the previous entry")
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
            raise ValueError(f"amount must be a number greater than 0, not {amount!r}")
        cents = round(amount * 100)
        if abs(cents - amount * 100) > 1e-6:
            raise ValueError(f"amount {amount} has more than two decimals")
        return cents

    def _record(self, day, kind, cents):
        self._cents += cents
        self._entries.append((day, kind, cents, self._cents))

    def deposit(self, day, amount):
        self._record(day, "deposit", self._cents_of(day, amount))
        return self.balance

    def withdraw(self, day, amount):
        cents = self._cents_of(day, amount)
        if self._cents - cents < -self._limit:
            raise ValueError("insufficient funds")
        self._record(day, "withdraw", -cents)
        if self._cents < 0:
            self._record(day, "fee", -self._fee)
        return self.balance

    def statement(self):
        return [f"{day} {kind} {cents / 100:+.2f} {after / 100:.2f}" for day, kind, cents, after in self._entries]

    def monthly_fees(self):
        fees = {}
        for day, kind, cents, _ in self._entries:
            if kind == "fee":
                fees[day[:7]] = fees.get(day[:7], 0) - cents
        return {month: cents / 100 for month, cents in fees.items()}

    def load(self, path):
        with open(path) as f:
            for number, line in enumerate(f, start=1):
                text = line.strip()
                if not text or text.startswith("#"):
                    continue
                parts = [part.strip() for part in text.split(",")]
                try:
                    if len(parts) != 3 or parts[1] not in ("deposit", "withdraw"):
                        raise ValueError("expected 'date,deposit|withdraw,amount'")
                    if not AMOUNT.fullmatch(parts[2]):
                        raise ValueError(f"bad amount {parts[2]!r}")
                    getattr(self, parts[1])(parts[0], float(parts[2]))
                except ValueError as e:
                    raise ValueError(f"line {number}: {e}") from None
''',
    wrong=r'''
class Account:
    def __init__(self, owner, overdraft_limit=0, fee=5.0):
        self.owner = owner
        self.limit = overdraft_limit
        self.fee = fee
        self._balance = 0.0
        self.entries = []

    @property
    def balance(self):
        return round(self._balance, 2)

    def _check(self, amount):
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
            raise ValueError("bad amount")

    def deposit(self, date, amount):
        self._check(amount)
        self._balance += amount
        self.entries.append((date, "deposit", amount, self._balance))
        return self.balance

    def withdraw(self, date, amount):
        self._check(amount)
        if self._balance - amount < -self.limit:
            raise ValueError("insufficient funds")
        before = self._balance
        self._balance -= amount
        self.entries.append((date, "withdraw", -amount, self._balance))
        if before >= 0 and self._balance < 0:
            self._balance -= self.fee
            self.entries.append((date, "fee", -self.fee, self._balance))
        return self.balance

    def statement(self):
        return ["%s %s %+.2f %.2f" % e for e in self.entries]

    def monthly_fees(self):
        out = {}
        for date, kind, amount, _ in self.entries:
            if kind == "fee":
                out[date[:7]] = out.get(date[:7], 0) - amount
        return out

    def load(self, path):
        for n, line in enumerate(open(path), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split(",")]
            try:
                date, kind, amount = parts
                amount = float(amount)
                if kind == "deposit":
                    self.deposit(date, amount)
                elif kind == "withdraw":
                    self.withdraw(date, amount)
                else:
                    raise ValueError("bad kind")
            except ValueError as e:
                raise ValueError("line %d: %s" % (n, e))
''',
)

_TESTLOG = ProgramTask(
    name="test_log_summary",
    bin=2,
    entry_point="summarize",
    spec="""Write a Python module that defines functions to summarise a test-runner log per module:
`parse_log(path)`, `summarize(path)`, `failures(path)`, `flaky(path)`, `pass_rate(path)` and `report(path)`.

A log looks like this:

```
============ test session starts ============
tests/test_io.py::test_read PASSED                 [ 20%]
tests/test_io.py::test_write FAILED                [ 40%]
tests/test_net.py::TestClient::test_get SKIPPED    [ 60%]
tests/test_net.py::test_post ERROR                 [ 80%]
tests/test_io.py::test_write PASSED                [100%]
FAILED tests/test_io.py::test_write - AssertionError
========= 1 failed, 3 passed in 0.12s =========
```

- After stripping surrounding whitespace, a result line is exactly: a test id (no spaces, containing `::`),
  whitespace, a status (`PASSED`, `FAILED`, `SKIPPED` or `ERROR`, upper case), and optionally whitespace and a
  progress marker such as `[ 20%]` or `[100%]` (square brackets around optional spaces, digits and `%`).
- Every other line is ignored: headers, tracebacks, the `FAILED tests/...` summary lines, lower-case statuses,
  lines with anything else after the status.
- The module of a test is the part of its id before the first `::` (e.g. `tests/test_net.py`).
- A test id can appear more than once (reruns): its LAST result is the one that counts.

Functions:
- `parse_log(path)` -> dict mapping each test id to its final status in lower case (`"passed"`, `"failed"`,
  `"skipped"`, `"error"`), ids in order of first appearance.
- `summarize(path)` -> dict mapping each module to `{"passed": n, "failed": n, "skipped": n, "error": n}`
  (all four keys always present), counting final statuses.
- `failures(path)` -> sorted list of the test ids whose final status is failed or error.
- `flaky(path)` -> sorted list of the test ids that have at least one PASSED and at least one FAILED or ERROR
  result anywhere in the log.
- `pass_rate(path)` -> passed / (passed + failed + error) over final statuses, rounded to 3 decimals; skipped
  tests do not count; None when that denominator is 0.
- `report(path)` -> str: one line per module in sorted order, `"MODULE: P passed, F failed, S skipped, E error"`,
  then a last line `"TOTAL: P passed, F failed, S skipped, E error"`; lines joined with a newline, no newline at
  the end.

For the sample, `summarize(path)` is `{"tests/test_io.py": {"passed": 2, "failed": 0, "skipped": 0, "error": 0},
"tests/test_net.py": {"passed": 0, "failed": 0, "skipped": 1, "error": 1}}`.

Standard library only.""",
    visible=r'''
LOG = """tests/test_a.py::test_one PASSED [ 33%]
tests/test_a.py::test_two FAILED [ 66%]
tests/test_b.py::test_three SKIPPED [100%]
FAILED tests/test_a.py::test_two - assert 1 == 2
"""
open("run.log", "w").write(LOG)

# per-module summary
assert summarize("run.log") == {
    "tests/test_a.py": {"passed": 1, "failed": 1, "skipped": 0, "error": 0},
    "tests/test_b.py": {"passed": 0, "failed": 0, "skipped": 1, "error": 0},
}
assert parse_log("run.log") == {"tests/test_a.py::test_one": "passed", "tests/test_a.py::test_two": "failed",
                                "tests/test_b.py::test_three": "skipped"}

# failures and the report
assert failures("run.log") == ["tests/test_a.py::test_two"]
assert report("run.log") == ("tests/test_a.py: 1 passed, 1 failed, 0 skipped, 0 error\n"
                             "tests/test_b.py: 0 passed, 0 failed, 1 skipped, 0 error\n"
                             "TOTAL: 1 passed, 1 failed, 1 skipped, 0 error")
''',
    hidden=r'''
SAMPLE = """============ test session starts ============
tests/test_io.py::test_read PASSED                 [ 20%]
tests/test_io.py::test_write FAILED                [ 40%]
tests/test_net.py::TestClient::test_get SKIPPED    [ 60%]
tests/test_net.py::test_post ERROR                 [ 80%]
tests/test_io.py::test_write PASSED                [100%]
FAILED tests/test_io.py::test_write - AssertionError
========= 1 failed, 3 passed in 0.12s =========
"""
open("s.log", "w").write(SAMPLE)

# 1. reruns: the last result counts
assert summarize("s.log") == {"tests/test_io.py": {"passed": 2, "failed": 0, "skipped": 0, "error": 0},
                              "tests/test_net.py": {"passed": 0, "failed": 0, "skipped": 1, "error": 1}}
assert parse_log("s.log") == {"tests/test_io.py::test_read": "passed", "tests/test_io.py::test_write": "passed",
                              "tests/test_net.py::TestClient::test_get": "skipped",
                              "tests/test_net.py::test_post": "error"}
assert list(parse_log("s.log")) == ["tests/test_io.py::test_read", "tests/test_io.py::test_write",
                                    "tests/test_net.py::TestClient::test_get", "tests/test_net.py::test_post"]

# 2. failures and flaky tests
assert failures("s.log") == ["tests/test_net.py::test_post"]
assert flaky("s.log") == ["tests/test_io.py::test_write"]
open("f.log", "w").write("m.py::a PASSED\nm.py::b ERROR\nm.py::a FAILED\nm.py::b PASSED\nm.py::c FAILED\n"
                         "m.py::c FAILED\nm.py::d SKIPPED\nm.py::d PASSED\n")
assert failures("f.log") == ["m.py::a", "m.py::c"]
assert flaky("f.log") == ["m.py::a", "m.py::b"]

# 3. pass rate ignores skipped tests
assert pass_rate("s.log") == 0.667
open("p.log", "w").write("x.py::t1 PASSED\nx.py::t2 SKIPPED\nx.py::t3 SKIPPED\nx.py::t4 FAILED\n")
assert pass_rate("p.log") == 0.5
open("q.log", "w").write("x.py::t1 SKIPPED\n")
assert pass_rate("q.log") is None

# 4. the report
assert report("s.log") == ("tests/test_io.py: 2 passed, 0 failed, 0 skipped, 0 error\n"
                           "tests/test_net.py: 0 passed, 0 failed, 1 skipped, 1 error\n"
                           "TOTAL: 2 passed, 0 failed, 1 skipped, 1 error")

# 5. lines that are not results
open("n.log", "w").write("\n".join([
    "FAILED tests/a.py::t1 - boom",
    "ERROR tests/a.py::t2",
    "tests/a.py::t3 passed",
    "tests/a.py::t4 PASSED extra",
    "tests/a.py PASSED",
    "tests/a.py::t5 XFAIL",
    "tests/a.py::t6 PASSED [ 5%] [10%]",
    "tests/a.py::t7 PASSED [50]",
    "    tests/a.py::t8 PASSED    [  7%]   ",
    "tests/a.py::t9\tFAILED",
    "tests/a.py::t10 PASSED[100%]",
]) + "\n")
assert parse_log("n.log") == {"tests/a.py::t8": "passed", "tests/a.py::t9": "failed"}

# 6. an empty log
open("e.log", "w").write("no tests ran\n")
assert summarize("e.log") == {}
assert failures("e.log") == [] and flaky("e.log") == []
assert pass_rate("e.log") is None
assert report("e.log") == "TOTAL: 0 passed, 0 failed, 0 skipped, 0 error"

# 7. modules are sorted in the report, ids may hold brackets
open("m.log", "w").write("zeta/test_z.py::test_p[1-2] PASSED [ 50%]\nalpha/test_a.py::T::test_q[x] ERROR [100%]\n")
assert report("m.log") == ("alpha/test_a.py: 0 passed, 0 failed, 0 skipped, 1 error\n"
                           "zeta/test_z.py: 1 passed, 0 failed, 0 skipped, 0 error\n"
                           "TOTAL: 1 passed, 0 failed, 0 skipped, 1 error")
assert failures("m.log") == ["alpha/test_a.py::T::test_q[x]"]
''',
    solution=r'''
import re

RESULT = re.compile(r"(\S*::\S*)\s+(PASSED|FAILED|SKIPPED|ERROR)(\s+\[\s*\d+%\])?")
KINDS = ("passed", "failed", "skipped", "error")


def _results(path):
    """Every (test id, status) result line of the log, in order."""
    with open(path) as f:
        for line in f:
            match = RESULT.fullmatch(line.strip())
            if match:
                yield match.group(1), match.group(2).lower()


def parse_log(path):
    final = {}
    for test_id, status in _results(path):
        final[test_id] = status
    return final


def summarize(path):
    summary = {}
    for test_id, status in parse_log(path).items():
        module = test_id.split("::", 1)[0]
        summary.setdefault(module, dict.fromkeys(KINDS, 0))[status] += 1
    return summary


def failures(path):
    return sorted(test_id for test_id, status in parse_log(path).items() if status in ("failed", "error"))


def flaky(path):
    seen = {}
    for test_id, status in _results(path):
        seen.setdefault(test_id, set()).add(status)
    return sorted(t for t, statuses in seen.items() if "passed" in statuses and statuses & {"failed", "error"})


def _totals(summary):
    return {kind: sum(counts[kind] for counts in summary.values()) for kind in KINDS}


def pass_rate(path):
    totals = _totals(summarize(path))
    ran = totals["passed"] + totals["failed"] + totals["error"]
    return round(totals["passed"] / ran, 3) if ran else None


def _line(label, counts):
    return f"{label}: " + ", ".join(f"{counts[kind]} {kind}" for kind in KINDS)


def report(path):
    summary = summarize(path)
    lines = [_line(module, summary[module]) for module in sorted(summary)]
    lines.append(_line("TOTAL", _totals(summary)))
    return "\n".join(lines)
''',
    wrong=r'''
import re

STATUSES = ["PASSED", "FAILED", "SKIPPED", "ERROR"]


def _lines(path):
    out = []
    for line in open(path):
        parts = line.split()
        if len(parts) >= 2 and "::" in parts[0] and parts[1] in STATUSES:
            rest = " ".join(parts[2:])
            if rest == "" or re.fullmatch(r"\[\s*\d+%\]", rest):
                out.append((parts[0], parts[1].lower()))
    return out


def parse_log(path):
    result = {}
    for test_id, status in _lines(path):
        result[test_id] = status
    return result


def summarize(path):
    summary = {}
    for test_id, status in _lines(path):
        module = test_id.split("::")[0]
        if module not in summary:
            summary[module] = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
        summary[module][status] += 1
    return summary


def failures(path):
    return sorted(t for t, s in parse_log(path).items() if s in ("failed", "error"))


def flaky(path):
    passed = set()
    bad = set()
    for test_id, status in _lines(path):
        if status == "passed":
            passed.add(test_id)
        elif status in ("failed", "error"):
            bad.add(test_id)
    return sorted(passed & bad)


def pass_rate(path):
    statuses = list(parse_log(path).values())
    if not statuses:
        return None
    return round(statuses.count("passed") / len(statuses), 3)


def report(path):
    summary = summarize(path)
    lines = []
    total = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    for module in sorted(summary):
        c = summary[module]
        lines.append("%s: %d passed, %d failed, %d skipped, %d error"
                     % (module, c["passed"], c["failed"], c["skipped"], c["error"]))
        for k in total:
            total[k] += c[k]
    lines.append("TOTAL: %d passed, %d failed, %d skipped, %d error"
                 % (total["passed"], total["failed"], total["skipped"], total["error"]))
    return "\n".join(lines)
''',
)

TASKS: list[ProgramTask] = [_INVENTORY, _LRU, _SESSIONS, _TABLE, _TEMPLATE, _CALENDAR, _GRAPH, _RECIPE, _LIBRARY,
                            _JOIN, _TOC, _SCHEDULER, _BANK, _TESTLOG]
