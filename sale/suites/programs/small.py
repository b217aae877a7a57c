"""The ``programs`` suite, bin 1 (small): two or three functions, a reference of about 20-50 lines, reading a small
text, CSV or INI-like file. Written by hand (issue 29); every task passes ``self_check``.

Strings are raw (``r'''...'''``) so that ``\\n`` in the tests reaches the sandbox as written.
"""

from __future__ import annotations

from sale.suites.programs.task import ProgramTask

WORD_FREQUENCY = ProgramTask(
    name="word_frequency",
    bin=1,
    entry_point="top_words",
    spec=r"""
Write a Python module that defines `count_words(path)`, `top_words(path, n, stopwords=())` and `report(path, n)`:
a word frequency report for a UTF-8 text file.

```
The cat sat. The cat ran!
A dog? The DOG.
```

- `count_words(path)` returns a dict mapping each word to how many times it occurs. Split the whole text on
  whitespace; from each token strip the characters of `string.punctuation` at both ends only (inner punctuation
  stays: `don't` and `e-mail` are words), then lowercase it. Tokens that become empty (such as `--`) are dropped.
  For the sample: `{"the": 3, "cat": 2, "sat": 1, "ran": 1, "a": 1, "dog": 2}`.
- `top_words(path, n, stopwords=())` returns a list of at most `n` tuples `(word, count)`, most frequent first;
  words with the same count are ordered alphabetically. Words in `stopwords` (compared after lowercasing the
  stopword) are left out. If there are fewer than `n` distinct words, all of them are returned; an empty file
  gives `[]`. If `n` is less than 1, raise `ValueError`.
- `report(path, n)` returns the lines `"word count"` (one space between) for `top_words(path, n)`, joined with
  `"\n"`, with no trailing newline; `""` if there are no words.

Standard library only.
""",
    visible=r'''
open("t.txt", "w").write("The cat sat. The cat ran!\nA dog? The DOG.\n")
assert count_words("t.txt") == {"the": 3, "cat": 2, "sat": 1, "ran": 1, "a": 1, "dog": 2}
assert top_words("t.txt", 2) == [("the", 3), ("cat", 2)]
assert report("t.txt", 1) == "the 3"
''',
    hidden=r'''
open("ties.txt", "w").write("pear apple pear apple fig fig banana\n")
assert top_words("ties.txt", 3) == [("apple", 2), ("fig", 2), ("pear", 2)]
assert top_words("ties.txt", 10) == [("apple", 2), ("fig", 2), ("pear", 2), ("banana", 1)]
assert report("ties.txt", 2) == "apple 2\nfig 2"
open("p.txt", "w").write("Don't stop -- don't! \"Quoted\" e-mail, (e-mail) ...\n'quoted'\n")
assert count_words("p.txt") == {"don't": 2, "stop": 1, "quoted": 2, "e-mail": 2}
assert top_words("p.txt", 2) == [("don't", 2), ("e-mail", 2)]
open("s.txt", "w").write("the a the a of zebra zebra zebra\n")
assert top_words("s.txt", 2, stopwords=("The", "a")) == [("zebra", 3), ("of", 1)]
open("empty.txt", "w").write("")
assert count_words("empty.txt") == {}
assert top_words("empty.txt", 3) == []
assert report("empty.txt", 3) == ""
for bad in (0, -2):
    try:
        top_words("ties.txt", bad)
    except ValueError:
        pass
    else:
        raise AssertionError("n < 1 must raise ValueError")
''',
    solution=r'''
import string


def count_words(path):
    counts = {}
    with open(path, encoding="utf-8") as f:
        for token in f.read().split():
            word = token.strip(string.punctuation).lower()
            if word:
                counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(path, n, stopwords=()):
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    skip = {word.lower() for word in stopwords}
    counts = {word: count for word, count in count_words(path).items() if word not in skip}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]


def report(path, n):
    return "\n".join(f"{word} {count}" for word, count in top_words(path, n))
''',
    wrong=r'''
import string
from collections import Counter


def count_words(path):
    counts = Counter()
    with open(path, encoding="utf-8") as f:
        for token in f.read().split():
            word = token.strip(string.punctuation).lower()
            if word:
                counts[word] += 1
    return dict(counts)


def top_words(path, n, stopwords=()):
    counts = Counter(count_words(path))
    for word in stopwords:
        counts.pop(word.lower(), None)
    return counts.most_common(n)


def report(path, n):
    return "\n".join(f"{word} {count}" for word, count in top_words(path, n))
''',
)

KEY_VALUE_CONFIG = ProgramTask(
    name="key_value_config",
    bin=1,
    entry_point="read_config",
    spec=r"""
Write a Python module that defines `read_config(path)`, `get_int(config, key, default=None)` and
`get_bool(config, key, default=None)`: a reader for simple `key = value` configuration files.

```
# server settings
host = example.org
port=8080
greeting = "Hello, world # not a comment"

debug = yes
```

`read_config(path)` returns a dict of str to str (for the sample: `{"host": "example.org", "port": "8080",
"greeting": "Hello, world # not a comment", "debug": "yes"}`). Rules:

- Blank lines (empty or only whitespace) and lines whose first non-whitespace character is `#` are ignored. There
  are no inline comments: a `#` later in a line is part of the value.
- Every other line is split at its first `=`: the key is the part before it, the value the part after it (a value
  may itself contain `=`), both stripped of surrounding whitespace. An empty value is allowed.
- If the stripped value is at least two characters long and starts and ends with a double quote `"`, those two
  quotes are removed and the text between them is kept exactly as written, spaces included.
- A line with no `=`, or with an empty key, raises `ValueError` whose message contains `line N`, where N is the
  1-based line number in the file.
- If a key appears more than once, the last value wins.

`get_int(config, key, default=None)` returns `int(config[key])`; if the value is not an integer the `ValueError`
of `int()` propagates. `get_bool(config, key, default=None)` returns `True` for `true`, `yes`, `on`, `1` and
`False` for `false`, `no`, `off`, `0` (compared case-insensitively); any other value raises `ValueError`. In both
functions a missing key returns `default` when `default` is not None, and raises `KeyError` when it is None.

Standard library only.
""",
    visible=r'''
open("app.conf", "w").write(
    "# server settings\nhost = example.org\nport=8080\ngreeting = \"Hello, world # not a comment\"\n\ndebug = yes\n"
)
cfg = read_config("app.conf")
assert cfg == {"host": "example.org", "port": "8080", "greeting": "Hello, world # not a comment", "debug": "yes"}
assert get_int(cfg, "port") == 8080
assert get_bool(cfg, "debug") is True
''',
    hidden=r'''
def expect_error(kind, fn, *args, text=None):
    try:
        fn(*args)
    except kind as e:
        if text is not None:
            assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected {kind.__name__} from {fn.__name__}{args}")


open("a.conf", "w").write(
    "  # indented comment\n\t\n"
    "url = http://x.org/?a=1&b=2\n"
    "pad = \"  two spaces  \"\n"
    "empty =\n"
    "quote = \"\n"
    "name = first\n"
    "name = second\n"
    "  spaced key   =   v  \n"
)
cfg = read_config("a.conf")
assert cfg == {"url": "http://x.org/?a=1&b=2", "pad": "  two spaces  ", "empty": "", "quote": "\"",
               "name": "second", "spaced key": "v"}, cfg
open("bad1.conf", "w").write("a = 1\n\n# ok\njust some words\n")
expect_error(ValueError, read_config, "bad1.conf", text="line 4")
open("bad2.conf", "w").write("a = 1\n = 2\n")
expect_error(ValueError, read_config, "bad2.conf", text="line 2")
cfg = {"n": " 42 ", "neg": "-7", "word": "many", "t1": "TRUE", "t2": "On", "t3": "1", "f1": "no", "f2": "OFF",
       "f3": "0", "odd": "maybe"}
assert get_int(cfg, "neg") == -7
assert get_int(cfg, "missing", 5) == 5
expect_error(KeyError, get_int, cfg, "missing")
expect_error(ValueError, get_int, cfg, "word")
assert [get_bool(cfg, k) for k in ("t1", "t2", "t3", "f1", "f2", "f3")] == [True, True, True, False, False, False]
expect_error(ValueError, get_bool, cfg, "odd")
assert get_bool(cfg, "missing", False) is False
expect_error(KeyError, get_bool, cfg, "missing")
''',
    solution=r'''
TRUE_WORDS = {"true", "yes", "on", "1"}
FALSE_WORDS = {"false", "no", "off", "0"}


def read_config(path):
    config = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if "=" not in stripped:
                raise ValueError(f"line {number}: expected key = value")
            key, value = stripped.split("=", 1)
            key, value = key.strip(), value.strip()
            if not key:
                raise ValueError(f"line {number}: empty key")
            if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            config[key] = value
    return config


def _lookup(config, key, default):
    if key in config:
        return config[key]
    if default is None:
        raise KeyError(key)
    return default


def get_int(config, key, default=None):
    if key not in config:
        return _lookup(config, key, default)
    return int(config[key])


def get_bool(config, key, default=None):
    if key not in config:
        return _lookup(config, key, default)
    word = config[key].strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{key}: not a boolean: {config[key]!r}")
''',
    wrong=r'''
def read_config(path):
    config = {}
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" not in line:
                raise ValueError(f"line {number}: expected key = value")
            key, value = line.split("=")
            value = value.strip().strip('"')
            config[key.strip()] = value
    return config


def get_int(config, key, default=None):
    if key not in config:
        if default is None:
            raise KeyError(key)
        return default
    return int(config[key])


def get_bool(config, key, default=None):
    if key not in config:
        if default is None:
            raise KeyError(key)
        return default
    value = config[key].lower()
    if value in ("true", "yes"):
        return True
    if value in ("false", "no"):
        return False
    raise ValueError(f"{key}: not a boolean")
''',
)

CSV_COLUMN_STATS = ProgramTask(
    name="csv_column_stats",
    bin=1,
    entry_point="column_stats",
    spec=r"""
Write a Python module that defines `read_column(path, column)` and `column_stats(path, column)`: statistics of one
numeric column of a CSV file.

```
city,population,area
Oslo,709037,454
"Bergen, Vestland",291940,
Tromso,,2521
```

- The file is CSV as read by the `csv` module (fields may be quoted and contain commas). The first row is the
  header; header names are stripped of surrounding whitespace before matching `column` exactly. A file with no
  header row (an empty file) raises `ValueError`.
- `read_column(path, column)` returns the column's values as a list of floats, in file order. Each cell is
  stripped; empty cells are skipped, and so are missing cells of rows shorter than the header. A non-empty cell
  that `float()` cannot read raises `ValueError` whose message contains `line N`, where N is the file line number
  (the header is line 1; no field spans two lines).
- If `column` is not in the header, raise `KeyError` (with the column name as its argument).
- `column_stats(path, column)` returns `{"count": int, "min": float, "max": float, "mean": float}` over the
  non-empty cells, with `mean` rounded to 2 decimals (`round(x, 2)`); min and max are not rounded. If the column
  has no non-empty cell, raise `ValueError`.

For the sample, `column_stats(path, "area")` is `{"count": 2, "min": 454.0, "max": 2521.0, "mean": 1487.5}`.
Standard library only.
""",
    visible=r'''
open("cities.csv", "w").write(
    "city,population,area\nOslo,709037,454\n\"Bergen, Vestland\",291940,\nTromso,,2521\n"
)
assert read_column("cities.csv", "population") == [709037.0, 291940.0]
assert column_stats("cities.csv", "area") == {"count": 2, "min": 454.0, "max": 2521.0, "mean": 1487.5}
assert column_stats("cities.csv", "population")["mean"] == 500488.5
''',
    hidden=r'''
def expect_error(kind, fn, *args, text=None):
    try:
        fn(*args)
    except kind as e:
        if text is not None:
            assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected {kind.__name__} from {fn.__name__}{args}")


open("m.csv", "w").write(
    "name , score ,note\n"
    "a, 1.5 ,x\n"
    "b,,y\n"
    "c\n"
    "d,  ,z\n"
    "e,-2,\"q, r\"\n"
    "f,3.333,w\n"
)
assert read_column("m.csv", "score") == [1.5, -2.0, 3.333]
assert column_stats("m.csv", "score") == {"count": 3, "min": -2.0, "max": 3.333, "mean": 0.94}
expect_error(KeyError, column_stats, "m.csv", "Score")
expect_error(KeyError, read_column, "m.csv", "missing")
expect_error(ValueError, column_stats, "m.csv", "note", text="line 2")
open("n.csv", "w").write("k,v\n1,\n2, \n")
expect_error(ValueError, column_stats, "n.csv", "v")
assert column_stats("n.csv", "k") == {"count": 2, "min": 1.0, "max": 2.0, "mean": 1.5}
open("bad.csv", "w").write("k,v\n1,2\n3,4\n5,n/a\n")
expect_error(ValueError, read_column, "bad.csv", "v", text="line 4")
open("empty.csv", "w").write("")
expect_error(ValueError, read_column, "empty.csv", "v")
open("one.csv", "w").write("v\n7\n")
assert column_stats("one.csv", "v") == {"count": 1, "min": 7.0, "max": 7.0, "mean": 7.0}
''',
    solution=r'''
import csv


def read_column(path, column):
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if header is None:
            raise ValueError(f"{path}: no header row")
        names = [name.strip() for name in header]
        if column not in names:
            raise KeyError(column)
        index = names.index(column)
        values = []
        for number, row in enumerate(rows, start=2):
            cell = row[index].strip() if index < len(row) else ""
            if not cell:
                continue
            try:
                values.append(float(cell))
            except ValueError:
                raise ValueError(f"line {number}: not a number: {cell!r}") from None
    return values


def column_stats(path, column):
    values = read_column(path, column)
    if not values:
        raise ValueError(f"column {column!r} has no values")
    return {"count": len(values), "min": min(values), "max": max(values),
            "mean": round(sum(values) / len(values), 2)}
''',
    wrong=r'''
import csv


def read_column(path, column):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError("empty file")
    index = [name.strip() for name in rows[0]].index(column)
    values = []
    for number, row in enumerate(rows[1:], start=2):
        cell = row[index].strip()
        if cell:
            try:
                values.append(float(cell))
            except ValueError:
                raise ValueError(f"line {number}: not a number: {cell!r}") from None
    return values


def column_stats(path, column):
    values = read_column(path, column)
    if not values:
        raise ValueError("no values")
    return {"count": len(values), "min": min(values), "max": max(values),
            "mean": round(sum(values) / len(values), 2)}
''',
)

LOG_LEVEL_COUNTS = ProgramTask(
    name="log_level_counts",
    bin=1,
    entry_point="count_levels",
    spec=r"""
Write a Python module that defines `parse_line(line)` and `count_levels(path, start=None, end=None)`: counts of
log lines per level in a time window.

```
2024-03-01 12:00:05 INFO server started
2024-03-01 12:00:09 WARNING disk at 85%
2024-03-01 12:01:00 ERROR disk full
```

- `parse_line(line)` returns a tuple `(timestamp, level, message)` or `None`. A line is valid when its first two
  whitespace-separated fields form a real date and time in the format `YYYY-MM-DD HH:MM:SS` (as
  `datetime.strptime(..., "%Y-%m-%d %H:%M:%S")` accepts them; `2024-02-30 10:00:00` is not valid) and its third
  field is exactly one of `DEBUG`, `INFO`, `WARNING`, `ERROR` (upper case only). `timestamp` is the two fields
  joined by one space, `message` is the rest of the line stripped (possibly `""`). Any other line (blank,
  truncated, unknown or lower-case level, bad date) gives `None`.
- `count_levels(path, start=None, end=None)` reads the file and returns a dict with exactly the four keys
  `"DEBUG"`, `"INFO"`, `"WARNING"`, `"ERROR"` (in that order) and the number of valid lines of each level (0 when
  there is none). Invalid lines are skipped silently. `start` and `end` are timestamps written like the log's;
  when given, only lines with `start <= timestamp < end` are counted (start inclusive, end exclusive); `None`
  means no bound on that side.

Standard library only.
""",
    visible=r'''
open("app.log", "w").write(
    "2024-03-01 12:00:05 INFO server started\n"
    "2024-03-01 12:00:09 WARNING disk at 85%\n"
    "2024-03-01 12:01:00 ERROR disk full\n"
)
assert parse_line("2024-03-01 12:01:00 ERROR disk full\n") == ("2024-03-01 12:01:00", "ERROR", "disk full")
assert count_levels("app.log") == {"DEBUG": 0, "INFO": 1, "WARNING": 1, "ERROR": 1}
assert count_levels("app.log", start="2024-03-01 12:00:06") == {"DEBUG": 0, "INFO": 0, "WARNING": 1, "ERROR": 1}
''',
    hidden=r'''
assert parse_line("2024-03-01 12:00:00 DEBUG") == ("2024-03-01 12:00:00", "DEBUG", "")
assert parse_line("2024-03-01 12:00:00 INFO   spaced   out  \n") == ("2024-03-01 12:00:00", "INFO", "spaced   out")
for bad in ("", "\n", "garbage", "2024-03-01 12:00:00", "2024-03-01 12:00:00 info lower",
            "2024-03-01 12:00:00 FATAL boom", "2024-02-30 10:00:00 ERROR no such day",
            "2024-03-01 25:00:00 ERROR no such hour", "03/01/2024 12:00:00 ERROR us date"):
    assert parse_line(bad) is None, bad
open("w.log", "w").write(
    "2024-03-01 09:59:59 DEBUG before\n"
    "2024-03-01 10:00:00 INFO at start\n"
    "not a log line\n"
    "\n"
    "2024-03-01 10:30:00 error lower case\n"
    "2024-03-01 10:30:00 ERROR real\n"
    "2024-02-30 10:40:00 ERROR bad date\n"
    "2024-03-01 10:59:59 WARNING late\n"
    "2024-03-01 11:00:00 ERROR at end\n"
    "2024-03-01 11:00:01 DEBUG after\n"
)
assert list(count_levels("w.log")) == ["DEBUG", "INFO", "WARNING", "ERROR"]
assert count_levels("w.log") == {"DEBUG": 2, "INFO": 1, "WARNING": 1, "ERROR": 2}
assert count_levels("w.log", "2024-03-01 10:00:00", "2024-03-01 11:00:00") == {
    "DEBUG": 0, "INFO": 1, "WARNING": 1, "ERROR": 1}
assert count_levels("w.log", end="2024-03-01 10:00:00") == {"DEBUG": 1, "INFO": 0, "WARNING": 0, "ERROR": 0}
assert count_levels("w.log", start="2024-03-01 11:00:00") == {"DEBUG": 1, "INFO": 0, "WARNING": 0, "ERROR": 1}
open("e.log", "w").write("")
assert count_levels("e.log") == {"DEBUG": 0, "INFO": 0, "WARNING": 0, "ERROR": 0}
''',
    solution=r'''
from datetime import datetime

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def parse_line(line):
    parts = line.split(None, 3)
    if len(parts) < 3:
        return None
    timestamp = f"{parts[0]} {parts[1]}"
    try:
        datetime.strptime(timestamp, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    if parts[2] not in LEVELS:
        return None
    message = parts[3].strip() if len(parts) == 4 else ""
    return timestamp, parts[2], message


def count_levels(path, start=None, end=None):
    counts = dict.fromkeys(LEVELS, 0)
    with open(path, encoding="utf-8") as f:
        for line in f:
            parsed = parse_line(line)
            if parsed is None:
                continue
            timestamp, level, _ = parsed
            if start is not None and timestamp < start:
                continue
            if end is not None and timestamp >= end:
                continue
            counts[level] += 1
    return counts
''',
    wrong=r'''
from datetime import datetime

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def parse_line(line):
    parts = line.split(None, 3)
    if len(parts) < 3:
        return None
    timestamp = parts[0] + " " + parts[1]
    try:
        datetime.strptime(timestamp, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    level = parts[2].upper()
    if level not in LEVELS:
        return None
    return timestamp, level, parts[3].strip() if len(parts) == 4 else ""


def count_levels(path, start=None, end=None):
    counts = {level: 0 for level in LEVELS}
    for line in open(path):
        parsed = parse_line(line)
        if parsed:
            timestamp, level, _ = parsed
            if (start is None or timestamp >= start) and (end is None or timestamp <= end):
                counts[level] += 1
    return counts
''',
)

LINE_RUN_LENGTH = ProgramTask(
    name="line_run_length",
    bin=1,
    entry_point="rle_encode",
    spec=r"""
Write a Python module that defines `rle_encode(path)`, `rle_write(runs, path)` and `rle_decode(path)`: run-length
encoding of the lines of a text file, and its inverse.

A text file such as

```
a
a
a
b
a
```

encodes to the runs `[(3, "a"), (1, "b"), (1, "a")]` and is stored as

```
3<TAB>a
1<TAB>b
1<TAB>a
```

where `<TAB>` is one tab character.

- `rle_encode(path)` returns a list of `(count, text)` tuples, one per run of consecutive equal lines. A line's
  text is the line without its trailing `"\n"`; nothing else is removed (spaces and tabs are significant, so
  `"a "` differs from `"a"`). A last line without a final newline counts the same as with one. An empty file
  gives `[]`. Empty lines are lines like any other (`"\n\n"` gives `[(2, "")]`).
- `rle_write(runs, path)` writes one line `f"{count}\t{text}\n"` per run (an empty list writes an empty file).
- `rle_decode(path)` reads such a file and returns the expanded list of line texts (strings without `"\n"`). Each
  line is split at its FIRST tab only: the text after it may contain further tabs and may be empty. The count
  must be one or more ASCII digits with a value of at least 1. A line with no tab, a bad count or a count of 0
  raises `ValueError` whose message contains `line N` (N is the 1-based line number). An empty file gives `[]`.

Standard library only.
""",
    visible=r'''
open("in.txt", "w").write("a\na\na\nb\na\n")
runs = rle_encode("in.txt")
assert runs == [(3, "a"), (1, "b"), (1, "a")]
rle_write(runs, "out.rle")
assert open("out.rle").read() == "3\ta\n1\tb\n1\ta\n"
assert rle_decode("out.rle") == ["a", "a", "a", "b", "a"]
''',
    hidden=r'''
def expect_value_error(path, text):
    try:
        rle_decode(path)
    except ValueError as e:
        assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected ValueError for {path}")


open("ws.txt", "w").write("a \na \na\n\n\n\tx\ty\n\tx\ty")
runs = rle_encode("ws.txt")
assert runs == [(2, "a "), (1, "a"), (2, ""), (2, "\tx\ty")], runs
rle_write(runs, "ws.rle")
assert open("ws.rle").read() == "2\ta \n1\ta\n2\t\n2\t\tx\ty\n"
assert rle_decode("ws.rle") == ["a ", "a ", "a", "", "", "\tx\ty", "\tx\ty"]
open("e.txt", "w").write("")
assert rle_encode("e.txt") == []
rle_write([], "e.rle")
assert open("e.rle").read() == ""
assert rle_decode("e.rle") == []
open("big.rle", "w").write("12\tk\n1\tz\n")
assert rle_decode("big.rle") == ["k"] * 12 + ["z"]
open("notab.rle", "w").write("2\ta\n3 b\n")
expect_value_error("notab.rle", "line 2")
open("zero.rle", "w").write("1\ta\n1\tb\n0\tc\n")
expect_value_error("zero.rle", "line 3")
open("word.rle", "w").write("two\ta\n")
expect_value_error("word.rle", "line 1")
open("neg.rle", "w").write("1\ta\n-1\tb\n")
expect_value_error("neg.rle", "line 2")
''',
    solution=r'''
import re


def rle_encode(path):
    runs = []
    with open(path, encoding="utf-8", newline="") as f:
        for line in f:
            text = line[:-1] if line.endswith("\n") else line
            if runs and runs[-1][1] == text:
                runs[-1] = (runs[-1][0] + 1, text)
            else:
                runs.append((1, text))
    return runs


def rle_write(runs, path):
    with open(path, "w", encoding="utf-8", newline="") as f:
        for count, text in runs:
            f.write(f"{count}\t{text}\n")


def rle_decode(path):
    lines = []
    with open(path, encoding="utf-8", newline="") as f:
        for number, line in enumerate(f, start=1):
            line = line[:-1] if line.endswith("\n") else line
            if "\t" not in line:
                raise ValueError(f"line {number}: no tab")
            count, text = line.split("\t", 1)
            if not re.fullmatch(r"[0-9]+", count) or int(count) < 1:
                raise ValueError(f"line {number}: bad count {count!r}")
            lines.extend([text] * int(count))
    return lines
''',
    wrong=r'''
def rle_encode(path):
    runs = []
    with open(path) as f:
        for line in f:
            text = line.rstrip()
            if runs and runs[-1][1] == text:
                runs[-1] = (runs[-1][0] + 1, text)
            else:
                runs.append((1, text))
    return runs


def rle_write(runs, path):
    with open(path, "w") as f:
        for count, text in runs:
            f.write(f"{count}\t{text}\n")


def rle_decode(path):
    lines = []
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2 or not parts[0].isdigit():
                raise ValueError(f"line {number}: bad run")
            lines.extend([parts[1]] * int(parts[0]))
    return lines
''',
)

GRADEBOOK = ProgramTask(
    name="gradebook",
    bin=1,
    entry_point="gradebook",
    spec=r"""
Write a Python module that defines `read_scores(path)`, `letter(score)` and `gradebook(path)`: average scores and
letter grades from a file of `name,score` rows.

```
name,score
alice,91
bob, 78.5
alice,85
```

- `read_scores(path)` returns a dict mapping each name to the average of all its scores, rounded to 1 decimal
  with `round(x, 1)` (for the sample: `{"alice": 88.0, "bob": 78.5}`). Names and scores are stripped of
  surrounding whitespace; names are case-sensitive. Blank lines are ignored. If the first non-blank line is the
  header `name,score` (compared after stripping, case-insensitively) it is skipped; the header is optional.
- A row must have exactly two comma-separated fields, a non-empty name and a score that `float()` accepts, between
  0 and 100 inclusive. Otherwise raise `ValueError` whose message contains `line N` (N is the 1-based line number
  in the file, counting blank lines and the header).
- `letter(score)` returns `"A"` for a score of 90 or more, `"B"` for 80 or more, `"C"` for 70 or more, `"D"` for
  60 or more and `"F"` below 60 (so 90 exactly is an A and 89.9 a B).
- `gradebook(path)` returns a list of `(name, average, letter)` tuples sorted by name, where `average` is the
  rounded average from `read_scores` and the letter is computed from that rounded average.

Standard library only.
""",
    visible=r'''
open("scores.csv", "w").write("name,score\nalice,91\nbob, 78.5\nalice,85\n")
assert read_scores("scores.csv") == {"alice": 88.0, "bob": 78.5}
assert letter(95) == "A" and letter(42) == "F"
assert gradebook("scores.csv") == [("alice", 88.0, "B"), ("bob", 78.5, "C")]
''',
    hidden=r'''
def expect_value_error(path, text):
    try:
        read_scores(path)
    except ValueError as e:
        assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected ValueError for {path}")


assert [letter(s) for s in (100, 90, 89.9, 80, 79.99, 70, 60, 59.9, 0)] == [
    "A", "A", "B", "B", "C", "C", "D", "F", "F"]
open("g.csv", "w").write("\n  Name,Score \n zoe , 70\nAl,60\nzoe,80\n\nal,100\nzoe,91\nAl,59\n")
assert read_scores("g.csv") == {"zoe": 80.3, "Al": 59.5, "al": 100.0}
assert gradebook("g.csv") == [("Al", 59.5, "F"), ("al", 100.0, "A"), ("zoe", 80.3, "B")]
open("r.csv", "w").write("kim,89.96\nkim,90\n")
assert gradebook("r.csv") == [("kim", 90.0, "A")]
open("nohead.csv", "w").write("x,1\n")
assert read_scores("nohead.csv") == {"x": 1.0}
open("empty.csv", "w").write("name,score\n")
assert gradebook("empty.csv") == []
open("high.csv", "w").write("name,score\na,100\nb,100.5\n")
expect_value_error("high.csv", "line 3")
open("neg.csv", "w").write("a,-1\n")
expect_value_error("neg.csv", "line 1")
open("text.csv", "w").write("name,score\n\na,ten\n")
expect_value_error("text.csv", "line 3")
open("three.csv", "w").write("a,1\nb,2,3\n")
expect_value_error("three.csv", "line 2")
open("noname.csv", "w").write("a,1\n ,2\n")
expect_value_error("noname.csv", "line 2")
''',
    solution=r'''
def read_scores(path):
    totals = {}
    seen_first = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            stripped = line.strip()
            if not stripped:
                continue
            first, seen_first = not seen_first, True
            if first and stripped.lower() == "name,score":
                continue
            fields = [field.strip() for field in stripped.split(",")]
            if len(fields) != 2 or not fields[0]:
                raise ValueError(f"line {number}: expected name,score")
            try:
                score = float(fields[1])
            except ValueError:
                raise ValueError(f"line {number}: bad score {fields[1]!r}") from None
            if not 0 <= score <= 100:
                raise ValueError(f"line {number}: score out of range: {score}")
            totals.setdefault(fields[0], []).append(score)
    return {name: round(sum(scores) / len(scores), 1) for name, scores in totals.items()}


def letter(score):
    for bound, grade in ((90, "A"), (80, "B"), (70, "C"), (60, "D")):
        if score >= bound:
            return grade
    return "F"


def gradebook(path):
    averages = read_scores(path)
    return [(name, averages[name], letter(averages[name])) for name in sorted(averages)]
''',
    wrong=r'''
def read_scores(path):
    totals = {}
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line.lower() == "name,score":
                continue
            parts = line.split(",")
            if len(parts) != 2:
                raise ValueError(f"line {number}: expected name,score")
            try:
                score = float(parts[1])
            except ValueError:
                raise ValueError(f"line {number}: bad score") from None
            totals.setdefault(parts[0].strip(), []).append(score)
    return {name: round(sum(s) / len(s), 1) for name, s in totals.items()}


def letter(score):
    if score > 90:
        return "A"
    if score > 80:
        return "B"
    if score > 70:
        return "C"
    if score > 60:
        return "D"
    return "F"


def gradebook(path):
    scores = read_scores(path)
    return [(name, scores[name], letter(scores[name])) for name in sorted(scores)]
''',
)

DEDUPE_LINES = ProgramTask(
    name="dedupe_lines",
    bin=1,
    entry_point="dedupe_lines",
    spec=r"""
Write a Python module that defines `dedupe_lines(path, ignore_case=False)` and
`dedupe_file(src, dst, ignore_case=False)`: remove duplicate lines from a text file, keeping the first occurrence.

```
apple
Banana
apple
banana
```

- `dedupe_lines(path, ignore_case=False)` returns the lines of the file (as strings without the trailing `"\n"`)
  with every line that repeats an earlier line removed, in the order of their first occurrence. For the sample it
  returns `["apple", "Banana", "banana"]`.
- Lines are compared exactly as written apart from the newline: leading and trailing spaces are significant
  (`"a "` and `"a"` are different lines). A last line without a final newline counts the same as with one.
  Empty lines are lines like any other: only the first empty line is kept.
- With `ignore_case=True`, two lines are duplicates when their `.lower()` forms are equal, and the kept line is
  the first occurrence exactly as it was written (for the sample: `["apple", "Banana"]`).
- `dedupe_file(src, dst, ignore_case=False)` writes the kept lines to `dst`, each followed by `"\n"` (an empty
  source gives an empty file), and returns the number of lines removed as an int.

Standard library only.
""",
    visible=r'''
open("fruit.txt", "w").write("apple\nBanana\napple\nbanana\n")
assert dedupe_lines("fruit.txt") == ["apple", "Banana", "banana"]
assert dedupe_file("fruit.txt", "out.txt") == 1
assert open("out.txt").read() == "apple\nBanana\nbanana\n"
''',
    hidden=r'''
open("fruit.txt", "w").write("apple\nBanana\napple\nbanana\n")
assert dedupe_lines("fruit.txt", ignore_case=True) == ["apple", "Banana"]
assert dedupe_file("fruit.txt", "o1.txt", ignore_case=True) == 2
assert open("o1.txt").read() == "apple\nBanana\n"
open("ws.txt", "w").write("a \na\n a\na \n\n\nb\n\na")
assert dedupe_lines("ws.txt") == ["a ", "a", " a", "", "b"]
assert dedupe_file("ws.txt", "o2.txt") == 4
assert open("o2.txt").read() == "a \na\n a\n\nb\n"
open("mixed.txt", "w").write("Hello World\nHELLO world\nhello world\nBye\nbye \n")
assert dedupe_lines("mixed.txt", True) == ["Hello World", "Bye", "bye "]
assert dedupe_lines("mixed.txt") == ["Hello World", "HELLO world", "hello world", "Bye", "bye "]
open("empty.txt", "w").write("")
assert dedupe_lines("empty.txt") == []
assert dedupe_file("empty.txt", "o3.txt") == 0
assert open("o3.txt").read() == ""
open("last.txt", "w").write("x\ny\nx")
assert dedupe_file("last.txt", "o4.txt") == 1
assert open("o4.txt").read() == "x\ny\n"
''',
    solution=r'''
def _read_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        return [line[:-1] if line.endswith("\n") else line for line in f]


def dedupe_lines(path, ignore_case=False):
    seen = set()
    kept = []
    for line in _read_lines(path):
        key = line.lower() if ignore_case else line
        if key not in seen:
            seen.add(key)
            kept.append(line)
    return kept


def dedupe_file(src, dst, ignore_case=False):
    total = len(_read_lines(src))
    kept = dedupe_lines(src, ignore_case)
    with open(dst, "w", encoding="utf-8", newline="") as f:
        f.writelines(line + "\n" for line in kept)
    return total - len(kept)
''',
    wrong=r'''
def dedupe_lines(path, ignore_case=False):
    seen = set()
    kept = []
    with open(path) as f:
        for line in f:
            line = line.rstrip()
            if ignore_case:
                line = line.lower()
            if line not in seen:
                seen.add(line)
                kept.append(line)
    return kept


def dedupe_file(src, dst, ignore_case=False):
    with open(src) as f:
        total = len(f.readlines())
    kept = dedupe_lines(src, ignore_case)
    with open(dst, "w") as f:
        for line in kept:
            f.write(line + "\n")
    return total - len(kept)
''',
)

MATRIX_FILE = ProgramTask(
    name="matrix_file",
    bin=1,
    entry_point="read_matrix",
    spec=r"""
Write a Python module that defines `read_matrix(path)`, `transpose(matrix)` and `row_sums(matrix)`: a reader for
a matrix stored as whitespace-separated numbers, one row per line.

```
1 2 3
4.5 -1 0
```

- `read_matrix(path)` returns a list of rows, each a list of floats (`[[1.0, 2.0, 3.0], [4.5, -1.0, 0.0]]` for
  the sample). Numbers are separated by any whitespace (spaces or tabs, possibly several); every token must be
  accepted by `float()`. Blank lines (empty or only whitespace) are ignored. A file with no rows gives `[]`.
- Errors, as `ValueError` whose message contains `line N` (N is the 1-based line number in the file, blank lines
  counted): a token `float()` rejects; a row whose number of values differs from the first row's (a ragged
  matrix), reported at the first such row.
- `transpose(matrix)` returns a new list of lists (row i of the result is column i of the input) and does not
  change its argument; `transpose([])` is `[]`. If the rows do not all have the same length it raises
  `ValueError`.
- `row_sums(matrix)` returns the list of the rows' sums, each rounded to 6 decimals with `round(x, 6)`.

Standard library only.
""",
    visible=r'''
open("m.txt", "w").write("1 2 3\n4.5 -1 0\n")
m = read_matrix("m.txt")
assert m == [[1.0, 2.0, 3.0], [4.5, -1.0, 0.0]]
assert transpose(m) == [[1.0, 4.5], [2.0, -1.0], [3.0, 0.0]]
assert row_sums(m) == [6.0, 3.5]
''',
    hidden=r'''
def expect_value_error(fn, arg, text=None):
    try:
        fn(arg)
    except ValueError as e:
        if text is not None:
            assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected ValueError from {fn.__name__}")


open("ws.txt", "w").write("\n  0.1\t 0.2   0.3 \n\n   \n1e2 -2 +3\n")
m = read_matrix("ws.txt")
assert m == [[0.1, 0.2, 0.3], [100.0, -2.0, 3.0]]
assert row_sums(m) == [0.6, 101.0]
assert transpose(m) == [[0.1, 100.0], [0.2, -2.0], [0.3, 3.0]]
assert m == [[0.1, 0.2, 0.3], [100.0, -2.0, 3.0]]
open("rag.txt", "w").write("1 2 3\n4 5 6\n\n7 8\n9 10 11\n")
expect_value_error(read_matrix, "rag.txt", "line 4")
open("long.txt", "w").write("1 2\n3 4 5\n")
expect_value_error(read_matrix, "long.txt", "line 2")
open("word.txt", "w").write("1 2\n3 x\n")
expect_value_error(read_matrix, "word.txt", "line 2")
expect_value_error(transpose, [[1.0, 2.0], [3.0]])
open("empty.txt", "w").write("\n \n")
assert read_matrix("empty.txt") == []
assert transpose([]) == []
assert row_sums([]) == []
open("col.txt", "w").write("5\n6\n")
assert transpose(read_matrix("col.txt")) == [[5.0, 6.0]]
''',
    solution=r'''
def read_matrix(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            tokens = line.split()
            if not tokens:
                continue
            try:
                row = [float(token) for token in tokens]
            except ValueError:
                raise ValueError(f"line {number}: not a number in {line.strip()!r}") from None
            if rows and len(row) != len(rows[0]):
                raise ValueError(f"line {number}: {len(row)} values, expected {len(rows[0])}")
            rows.append(row)
    return rows


def transpose(matrix):
    if not matrix:
        return []
    width = len(matrix[0])
    if any(len(row) != width for row in matrix):
        raise ValueError("ragged matrix")
    return [[row[i] for row in matrix] for i in range(width)]


def row_sums(matrix):
    return [round(sum(row), 6) for row in matrix]
''',
    wrong=r'''
def read_matrix(path):
    rows = []
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                rows.append([float(x) for x in line.split()])
            except ValueError:
                raise ValueError(f"line {number}: not a number") from None
    return rows


def transpose(matrix):
    return [list(column) for column in zip(*matrix)]


def row_sums(matrix):
    return [round(sum(row), 6) for row in matrix]
''',
)

BANK_STATEMENT = ProgramTask(
    name="bank_statement",
    bin=1,
    entry_point="running_balance",
    spec=r"""
Write a Python module that defines `running_balance(path, opening=0.0)` and `summary(path, opening=0.0)`: the
running balance of a bank statement file.

```
date,amount
2024-01-02,-42.10
2024-01-03,+1500.00
2024-01-03,-200
```

- The first line must be the header `date,amount` (after stripping); otherwise raise `ValueError` whose message
  contains `line 1`. After it, blank lines are ignored and every other line is a row `date,amount`: exactly two
  comma-separated fields, each stripped. The date must be a real calendar date written `YYYY-MM-DD`
  (`2024-02-30` is invalid); the amount is anything `float()` accepts (positive is a deposit, negative a
  withdrawal). Dates must not go backwards: a row dated earlier than the row before it is an error (equal dates are
  fine). Every bad row raises `ValueError` whose message contains `line N` (N is the 1-based line number in the
  file).
- `running_balance(path, opening=0.0)` returns a list of `(date, balance)` tuples, one per row in file order, where
  the balance starts at `opening` and is rounded to 2 decimals with `round(x, 2)` after each row. For the sample:
  `[("2024-01-02", -42.1), ("2024-01-03", 1457.9), ("2024-01-03", 1257.9)]`.
- `summary(path, opening=0.0)` returns a dict `{"rows": int, "deposits": float, "withdrawals": float,
  "closing": float, "lowest": float}`: the number of rows, the sum of the positive amounts, the sum of the
  negative amounts as a positive number, the final balance, and the lowest balance reached counting the opening
  balance itself; deposits and withdrawals are rounded to 2 decimals. With no rows, closing and lowest equal
  `opening`.

Standard library only.
""",
    visible=r'''
open("st.csv", "w").write("date,amount\n2024-01-02,-42.10\n2024-01-03,+1500.00\n2024-01-03,-200\n")
assert running_balance("st.csv") == [("2024-01-02", -42.1), ("2024-01-03", 1457.9), ("2024-01-03", 1257.9)]
assert running_balance("st.csv", opening=100) == [
    ("2024-01-02", 57.9), ("2024-01-03", 1557.9), ("2024-01-03", 1357.9)]
assert summary("st.csv", 100.0) == {"rows": 3, "deposits": 1500.0, "withdrawals": 242.1, "closing": 1357.9,
                                    "lowest": 57.9}
''',
    hidden=r'''
def expect_value_error(path, text):
    try:
        running_balance(path)
    except ValueError as e:
        assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected ValueError for {path}")


open("a.csv", "w").write("date,amount\n\n2024-03-01, 0.1\n2024-03-01,0.2 \n\n2024-03-05,-10\n2024-03-09,+4.75\n")
assert running_balance("a.csv") == [("2024-03-01", 0.1), ("2024-03-01", 0.3), ("2024-03-05", -9.7),
                                     ("2024-03-09", -4.95)]
assert summary("a.csv") == {"rows": 4, "deposits": 5.05, "withdrawals": 10.0, "closing": -4.95, "lowest": -9.7}
assert summary("a.csv", 20) == {"rows": 4, "deposits": 5.05, "withdrawals": 10.0, "closing": 15.05,
                                "lowest": 10.3}
open("up.csv", "w").write("date,amount\n2024-01-01,10\n2024-01-02,5\n")
assert summary("up.csv", 3.5)["lowest"] == 3.5
open("none.csv", "w").write("date,amount\n")
assert running_balance("none.csv") == []
assert summary("none.csv", 12.5) == {"rows": 0, "deposits": 0.0, "withdrawals": 0.0, "closing": 12.5,
                                     "lowest": 12.5}
open("order.csv", "w").write("date,amount\n2024-01-05,1\n2024-01-05,1\n2024-01-04,1\n")
expect_value_error("order.csv", "line 4")
open("head.csv", "w").write("2024-01-05,1\n")
expect_value_error("head.csv", "line 1")
open("day.csv", "w").write("date,amount\n2024-02-28,1\n2024-02-30,1\n")
expect_value_error("day.csv", "line 3")
open("amt.csv", "w").write("date,amount\n2024-02-28,1\n\n2024-02-29,lots\n")
expect_value_error("amt.csv", "line 4")
open("fields.csv", "w").write("date,amount\n2024-02-28,1,2\n")
expect_value_error("fields.csv", "line 2")
''',
    solution=r'''
from datetime import datetime


def _rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines[0].strip() != "date,amount":
        raise ValueError("line 1: expected the header date,amount")
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split(",")]
        try:
            if len(fields) != 2:
                raise ValueError("expected date,amount")
            if datetime.strptime(fields[0], "%Y-%m-%d").strftime("%Y-%m-%d") != fields[0]:
                raise ValueError(f"date not written YYYY-MM-DD: {fields[0]!r}")
            amount = float(fields[1])
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None
        if rows and fields[0] < rows[-1][0]:
            raise ValueError(f"line {number}: date goes backwards")
        rows.append((fields[0], amount))
    return rows


def running_balance(path, opening=0.0):
    balance = opening
    result = []
    for date, amount in _rows(path):
        balance = round(balance + amount, 2)
        result.append((date, balance))
    return result


def summary(path, opening=0.0):
    amounts = [amount for _, amount in _rows(path)]
    balances = [balance for _, balance in running_balance(path, opening)]
    return {"rows": len(amounts), "deposits": round(sum(a for a in amounts if a > 0), 2),
            "withdrawals": round(-sum(a for a in amounts if a < 0), 2),
            "closing": balances[-1] if balances else opening, "lowest": min([opening, *balances])}
''',
    wrong=r'''
from datetime import datetime


def running_balance(path, opening=0.0):
    with open(path) as f:
        lines = f.read().splitlines()
    if not lines or lines[0].strip() != "date,amount":
        raise ValueError("line 1: missing header")
    balance = opening
    result = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            date, amount = [x.strip() for x in line.split(",")]
            datetime.strptime(date, "%Y-%m-%d")
            balance = round(balance + float(amount), 2)
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None
        result.append((date, balance))
    return result


def summary(path, opening=0.0):
    rows = running_balance(path, opening)
    balances = [b for _, b in rows]
    previous = [opening, *balances[:-1]]
    changes = [b - p for b, p in zip(balances, previous)]
    return {"rows": len(rows), "deposits": round(sum(c for c in changes if c > 0), 2),
            "withdrawals": round(-sum(c for c in changes if c < 0), 2),
            "closing": balances[-1] if balances else opening,
            "lowest": min(balances) if balances else opening}
''',
)

ROMAN_FILE = ProgramTask(
    name="roman_file",
    bin=1,
    entry_point="convert_file",
    spec=r"""
Write a Python module that defines `to_roman(n)`, `from_roman(s)` and `convert_file(path)`: a Roman numeral
converter working in both directions on the lines of a file.

```
1994
XLII
mmxxiv
```

- `to_roman(n)` returns the standard Roman numeral of an int `n` from 1 to 3999, in upper case, using the
  subtractive forms IV, IX, XL, XC, CD, CM (`to_roman(1994) == "MCMXCIV"`). Any other `n` (0, negative, 4000 or
  more) raises `ValueError`.
- `from_roman(s)` returns the int value of a numeral. Letters may be upper or lower case. Only canonical numerals
  are accepted, that is, exactly the strings `to_roman` produces (compared in upper case): `"IIII"`, `"VV"`,
  `"IC"`, `"XM"`, `"MMMM"`, `""` and anything with other characters raise `ValueError`.
- `convert_file(path)` reads the file and returns a list of strings, one per non-blank line (lines are stripped;
  blank lines are skipped): a line made only of the digits 0-9 is converted with `to_roman`, any other line with
  `from_roman` and its value is returned as a decimal string. For the sample: `["MCMXCIV", "42", "2024"]`. If a
  line cannot be converted, raise `ValueError` whose message contains `line N` (N is the 1-based line number in
  the file, blank lines counted).

Standard library only.
""",
    visible=r'''
assert to_roman(1994) == "MCMXCIV"
assert from_roman("XLII") == 42
open("nums.txt", "w").write("1994\nXLII\nmmxxiv\n")
assert convert_file("nums.txt") == ["MCMXCIV", "42", "2024"]
''',
    hidden=r'''
def expect_value_error(fn, arg, text=None):
    try:
        fn(arg)
    except ValueError as e:
        if text is not None:
            assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected ValueError from {fn.__name__}({arg!r})")


assert [to_roman(n) for n in (1, 4, 9, 14, 40, 90, 400, 444, 999, 3999)] == [
    "I", "IV", "IX", "XIV", "XL", "XC", "CD", "CDXLIV", "CMXCIX", "MMMCMXCIX"]
for n in (0, -5, 4000):
    expect_value_error(to_roman, n)
assert all(from_roman(to_roman(n)) == n for n in range(1, 4000))
assert from_roman("mcmxciv") == 1994 and from_roman("McMxCiV") == 1994
for bad in ("IIII", "VV", "IC", "XM", "MMMM", "", "VX", "IIX", "XIIII", "ABC", "X I", "LL", "DCD"):
    expect_value_error(from_roman, bad)
open("mix.txt", "w").write("\n  7  \n\nix\n3999\n")
assert convert_file("mix.txt") == ["VII", "9", "MMMCMXCIX"]
open("bad.txt", "w").write("XII\n\nIIII\n")
expect_value_error(convert_file, "bad.txt", "line 3")
open("big.txt", "w").write("5\n4000\n")
expect_value_error(convert_file, "big.txt", "line 2")
open("zero.txt", "w").write("0\n")
expect_value_error(convert_file, "zero.txt", "line 1")
open("empty.txt", "w").write("")
assert convert_file("empty.txt") == []
''',
    solution=r'''
NUMERALS = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def to_roman(n):
    if not 1 <= n <= 3999:
        raise ValueError(f"out of range: {n}")
    parts = []
    for value, numeral in NUMERALS:
        count, n = divmod(n, value)
        parts.append(numeral * count)
    return "".join(parts)


def from_roman(s):
    text = s.upper()
    if not text or any(ch not in VALUES for ch in text):
        raise ValueError(f"not a Roman numeral: {s!r}")
    total = 0
    for i, ch in enumerate(text):
        value = VALUES[ch]
        total += -value if i + 1 < len(text) and VALUES[text[i + 1]] > value else value
    if not 1 <= total <= 3999 or to_roman(total) != text:
        raise ValueError(f"not a canonical Roman numeral: {s!r}")
    return total


def convert_file(path):
    results = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                if text.isascii() and text.isdigit():
                    results.append(to_roman(int(text)))
                else:
                    results.append(str(from_roman(text)))
            except ValueError as e:
                raise ValueError(f"line {number}: {e}") from None
    return results
''',
    wrong=r'''
NUMERALS = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def to_roman(n):
    if n < 1 or n > 3999:
        raise ValueError("out of range")
    result = ""
    for value, numeral in NUMERALS:
        while n >= value:
            result += numeral
            n -= value
    return result


def from_roman(s):
    s = s.upper()
    if not s:
        raise ValueError("empty")
    total = 0
    for i, ch in enumerate(s):
        if ch not in VALUES:
            raise ValueError(f"bad letter {ch}")
        if i + 1 < len(s) and VALUES[s[i + 1]] > VALUES[ch]:
            total -= VALUES[ch]
        else:
            total += VALUES[ch]
    return total


def convert_file(path):
    results = []
    for number, line in enumerate(open(path), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            results.append(to_roman(int(line)) if line.isdigit() else str(from_roman(line)))
        except ValueError as e:
            raise ValueError(f"line {number}: {e}") from None
    return results
''',
)

INI_SECTIONS = ProgramTask(
    name="ini_sections",
    bin=1,
    entry_point="read_ini",
    spec=r"""
Write a Python module that defines `read_ini(path)` and `get_value(ini, section, key, default=None)`: a reader for
simple INI files that returns nested dicts.

```
; database settings
[database]
host = db.local
port = 5432

[paths]
data = /var/data
```

- `read_ini(path)` returns a dict mapping each section name to a dict of its keys and values (all str). For the
  sample: `{"database": {"host": "db.local", "port": "5432"}, "paths": {"data": "/var/data"}}`.
- Blank lines and lines whose first non-whitespace character is `;` or `#` are ignored.
- A section header is a line that, stripped, starts with `[` and ends with `]`; the name is the text between them,
  stripped, and kept with its case. An empty name raises an error (see below). A section with no keys still
  appears, with an empty dict.
- Any other line is `key = value`, split at the first `=`: the key is stripped and lower-cased, the value is
  stripped (it may contain `=` and may be empty). Within a section a repeated key takes the last value.
- If the same section header appears again later, its keys are merged into the existing section (it is not
  replaced).
- Errors, as `ValueError` whose message contains `line N` (N is the 1-based line number): a key line before any
  section header, a line that is neither a header nor contains `=`, an empty key, an empty section name.
- `get_value(ini, section, key, default=None)` returns the value of `key` (looked up lower-cased) in `section`
  (exact name), or `default` when the section or the key is missing.

Standard library only.
""",
    visible=r'''
open("app.ini", "w").write(
    "; database settings\n[database]\nhost = db.local\nport = 5432\n\n[paths]\ndata = /var/data\n"
)
ini = read_ini("app.ini")
assert ini == {"database": {"host": "db.local", "port": "5432"}, "paths": {"data": "/var/data"}}
assert get_value(ini, "database", "port") == "5432"
assert get_value(ini, "paths", "logs", "none") == "none"
''',
    hidden=r'''
def expect_value_error(path, text):
    try:
        read_ini(path)
    except ValueError as e:
        assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected ValueError for {path}")


open("m.ini", "w").write(
    "# top comment\n"
    "[ Server ]\n"
    "Host = a.example\n"
    "  ; indented comment\n"
    "query = x=1&y=2\n"
    "empty =\n"
    "[Empty]\n"
    "[other]\n"
    "k = 1\n"
    "[ Server ]\n"
    "PORT = 80\n"
    "host = b.example\n"
)
ini = read_ini("m.ini")
assert ini == {"Server": {"host": "b.example", "query": "x=1&y=2", "empty": "", "port": "80"},
               "Empty": {}, "other": {"k": "1"}}, ini
assert get_value(ini, "Server", "HOST") == "b.example"
assert get_value(ini, "server", "host") is None
assert get_value(ini, "Empty", "k", "d") == "d"
assert get_value(ini, "nope", "k") is None
open("early.ini", "w").write("; c\nkey = 1\n[s]\n")
expect_value_error("early.ini", "line 2")
open("junk.ini", "w").write("[s]\na = 1\n\njust words\n")
expect_value_error("junk.ini", "line 4")
open("nokey.ini", "w").write("[s]\n = 1\n")
expect_value_error("nokey.ini", "line 2")
open("noname.ini", "w").write("[s]\na = 1\n[  ]\n")
expect_value_error("noname.ini", "line 3")
open("empty.ini", "w").write("")
assert read_ini("empty.ini") == {}
''',
    solution=r'''
def read_ini(path):
    ini = {}
    section = None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            stripped = line.strip()
            if not stripped or stripped[0] in ";#":
                continue
            if stripped.startswith("[") and stripped.endswith("]"):
                name = stripped[1:-1].strip()
                if not name:
                    raise ValueError(f"line {number}: empty section name")
                section = ini.setdefault(name, {})
                continue
            if "=" not in stripped:
                raise ValueError(f"line {number}: expected [section] or key = value")
            if section is None:
                raise ValueError(f"line {number}: key before any section")
            key, value = stripped.split("=", 1)
            key = key.strip().lower()
            if not key:
                raise ValueError(f"line {number}: empty key")
            section[key] = value.strip()
    return ini


def get_value(ini, section, key, default=None):
    return ini.get(section, {}).get(key.lower(), default)
''',
    wrong=r'''
def read_ini(path):
    ini = {}
    current = None
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line.startswith(";") or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                current = line[1:-1].strip()
                ini[current] = {}
            elif "=" in line:
                if current is None:
                    raise ValueError(f"line {number}: key outside a section")
                key, value = line.split("=", 1)
                ini[current][key.strip()] = value.strip()
            else:
                raise ValueError(f"line {number}: bad line")
    return ini


def get_value(ini, section, key, default=None):
    return ini.get(section, {}).get(key, default)
''',
)

DAILY_TEMPERATURES = ProgramTask(
    name="daily_temperatures",
    bin=1,
    entry_point="daily_extremes",
    spec=r"""
Write a Python module that defines `daily_extremes(path)` and `hottest_day(path, city)`: daily minimum and maximum
temperatures per city from a CSV file of readings.

```
time,city,celsius
2024-01-05T06:00,Oslo,-3.5
2024-01-05T14:00,Oslo,1.0
2024-01-05T14:00,Rome,12
2024-01-06T14:00,Oslo,NA
```

- The first line is always the header `time,city,celsius` and is skipped. Blank lines are ignored. Every other
  line has exactly three comma-separated fields, each stripped of surrounding whitespace; the date of a reading is
  the part of `time` before the `T` (`2024-01-05`). City names are kept with their case.
- A reading whose `celsius` field is empty or `NA` is skipped (it is missing data, not an error). Any other value
  that `float()` cannot read, or a line without exactly three fields, raises `ValueError` whose message contains
  `line N` (N is the 1-based line number in the file).
- `daily_extremes(path)` returns `{city: {date: (minimum, maximum)}}` with the two temperatures as floats; a city
  or a date whose readings were all skipped does not appear. For the sample:
  `{"Oslo": {"2024-01-05": (-3.5, 1.0)}, "Rome": {"2024-01-05": (12.0, 12.0)}}`.
- `hottest_day(path, city)` returns `(date, maximum)` for the city's date with the highest daily maximum; when
  several dates share it, the earliest date wins. A city with no readings raises `KeyError`.

Standard library only.
""",
    visible=r'''
open("t.csv", "w").write(
    "time,city,celsius\n"
    "2024-01-05T06:00,Oslo,-3.5\n"
    "2024-01-05T14:00,Oslo,1.0\n"
    "2024-01-05T14:00,Rome,12\n"
    "2024-01-06T14:00,Oslo,2.5\n"
)
assert daily_extremes("t.csv") == {"Oslo": {"2024-01-05": (-3.5, 1.0), "2024-01-06": (2.5, 2.5)},
                                   "Rome": {"2024-01-05": (12.0, 12.0)}}
assert hottest_day("t.csv", "Oslo") == ("2024-01-06", 2.5)
''',
    hidden=r'''
def expect_error(kind, fn, *args, text=None):
    try:
        fn(*args)
    except kind as e:
        if text is not None:
            assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected {kind.__name__} from {fn.__name__}{args}")


open("h.csv", "w").write(
    "time,city,celsius\n"
    "\n"
    "2024-07-01T09:00, Rome ,25\n"
    "2024-07-01T15:00,Rome,31.5\n"
    "2024-07-02T15:00,Rome,NA\n"
    "2024-07-02T16:00,Rome,\n"
    "2024-07-02T17:00,Rome,31.5\n"
    "2024-07-03T03:00,Rome,18\n"
    "2024-07-03T13:00,Rome,31.5\n"
    "2024-07-01T12:00,rome,40\n"
    "  \n"
    "2024-07-04T12:00,Nuuk,NA\n"
)
assert daily_extremes("h.csv") == {
    "Rome": {"2024-07-01": (25.0, 31.5), "2024-07-02": (31.5, 31.5), "2024-07-03": (18.0, 31.5)},
    "rome": {"2024-07-01": (40.0, 40.0)},
}
assert hottest_day("h.csv", "Rome") == ("2024-07-01", 31.5)
assert hottest_day("h.csv", "rome") == ("2024-07-01", 40.0)
expect_error(KeyError, hottest_day, "h.csv", "Nuuk")
expect_error(KeyError, hottest_day, "h.csv", "Paris")
open("late.csv", "w").write("time,city,celsius\n2024-02-03T10:00,Kiev,-1\n2024-02-01T10:00,Kiev,-1\n")
assert hottest_day("late.csv", "Kiev") == ("2024-02-01", -1.0)
open("bad.csv", "w").write("time,city,celsius\n2024-01-01T00:00,A,1\n2024-01-01T01:00,A,warm\n")
expect_error(ValueError, daily_extremes, "bad.csv", text="line 3")
open("short.csv", "w").write("time,city,celsius\n\n2024-01-01T00:00,A\n")
expect_error(ValueError, daily_extremes, "short.csv", text="line 3")
open("head.csv", "w").write("time,city,celsius\n")
assert daily_extremes("head.csv") == {}
''',
    solution=r'''
def daily_extremes(path):
    result = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != 3:
            raise ValueError(f"line {number}: expected time,city,celsius")
        time, city, celsius = fields
        if celsius in ("", "NA"):
            continue
        try:
            value = float(celsius)
        except ValueError:
            raise ValueError(f"line {number}: bad temperature {celsius!r}") from None
        date = time.split("T")[0]
        days = result.setdefault(city, {})
        low, high = days.get(date, (value, value))
        days[date] = (min(low, value), max(high, value))
    return result


def hottest_day(path, city):
    days = daily_extremes(path)[city]
    return min(((date, high) for date, (_, high) in days.items()), key=lambda item: (-item[1], item[0]))
''',
    wrong=r'''
def daily_extremes(path):
    result = {}
    with open(path) as f:
        next(f)
        for number, line in enumerate(f, start=2):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) != 3:
                raise ValueError(f"line {number}: bad line")
            time, city, celsius = parts
            if not celsius:
                continue
            try:
                value = float(celsius)
            except ValueError:
                raise ValueError(f"line {number}: bad value") from None
            date = time[:10]
            day = result.setdefault(city, {})
            if date in day:
                day[date] = (min(day[date][0], value), max(day[date][1], value))
            else:
                day[date] = (value, value)
    return result


def hottest_day(path, city):
    days = daily_extremes(path)[city]
    best = None
    for date in sorted(days):
        if best is None or days[date][1] >= best[1]:
            best = (date, days[date][1])
    return best
''',
)

PHONE_BOOK_MERGE = ProgramTask(
    name="phone_book_merge",
    bin=1,
    entry_point="merge_books",
    spec=r"""
Write a Python module that defines `normalise(number)`, `read_book(path)` and `merge_books(path_a, path_b)`: merge
two phone book files, the second one winning.

```
# friends
Ann Lee: +47 912 34 567
Bob: (555) 123-4567
```

- `normalise(number)` strips the string, removes every space, `-`, `.`, `(` and `)`, and returns the remaining
  digits, with a leading `+` kept if the stripped string started with `+` (`"+47 912 34 567"` gives
  `"+4791234567"`, `"(555) 123-4567"` gives `"5551234567"`). If anything else is left (letters, a `+` elsewhere)
  or the number of digits is not between 7 and 15 inclusive, raise `ValueError`.
- `read_book(path)` returns a list of `(name, number)` tuples in file order, with numbers normalised. Blank lines
  and lines whose first non-whitespace character is `#` are ignored. Every other line is `name: number`, split at
  the first `:`; the name is stripped and must not be empty. A line without `:`, with an empty name or with a bad
  number raises `ValueError` whose message contains `line N` (N is the 1-based line number).
- `merge_books(path_a, path_b)` returns the merged book as a list of `(name, number)` tuples sorted by
  `name.lower()`. Names are compared case-insensitively (`"ann lee"` and `"Ann Lee"` are the same person). Entries
  are applied in order, all of file A and then all of file B, and a later entry for the same person replaces the
  earlier one entirely, including the spelling of the name.

Standard library only.
""",
    visible=r'''
open("a.txt", "w").write("# friends\nAnn Lee: +47 912 34 567\nBob: (555) 123-4567\n")
open("b.txt", "w").write("Carl: 555.987.6543\nBob: 555 000 1111\n")
assert normalise("(555) 123-4567") == "5551234567"
assert read_book("a.txt") == [("Ann Lee", "+4791234567"), ("Bob", "5551234567")]
assert merge_books("a.txt", "b.txt") == [("Ann Lee", "+4791234567"), ("Bob", "5550001111"), ("Carl", "5559876543")]
''',
    hidden=r'''
def expect_value_error(fn, arg, text=None):
    try:
        fn(arg)
    except ValueError as e:
        if text is not None:
            assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected ValueError from {fn.__name__}({arg!r})")


assert normalise("  +1 (800) 555-0000 ") == "+18005550000"
assert normalise("1234567") == "1234567"
assert normalise("123456789012345") == "123456789012345"
for bad in ("123456", "1234567890123456", "555-CALL-NOW", "12+3456789", "++1234567", "", "+"):
    expect_value_error(normalise, bad)
open("a.txt", "w").write("ann lee: 111 1111\n  # old\nzed: 999 9999\nbeth: 222 2222\nBeth: 333 3333\n")
assert read_book("a.txt") == [("ann lee", "1111111"), ("zed", "9999999"), ("beth", "2222222"), ("Beth", "3333333")]
open("b.txt", "w").write("# update\nAnn Lee : +44 20 7946 0000\nAdam: 444-4444\n\n")
assert merge_books("a.txt", "b.txt") == [("Adam", "4444444"), ("Ann Lee", "+442079460000"), ("Beth", "3333333"),
                                         ("zed", "9999999")]
assert merge_books("b.txt", "a.txt") == [("Adam", "4444444"), ("ann lee", "1111111"), ("Beth", "3333333"),
                                         ("zed", "9999999")]
open("t.txt", "w").write("Dr. Who: time: 1234567\n")
expect_value_error(read_book, "t.txt", "line 1")
open("c.txt", "w").write("x: 1234567\nno colon here\n")
expect_value_error(read_book, "c.txt", "line 2")
open("d.txt", "w").write("x: 1234567\n : 7654321\n")
expect_value_error(read_book, "d.txt", "line 2")
open("e.txt", "w").write("")
assert merge_books("e.txt", "e.txt") == []
''',
    solution=r'''
def normalise(number):
    text = number.strip()
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    for ch in " -.()":
        digits = digits.replace(ch, "")
    if not (digits.isascii() and digits.isdigit()) or not 7 <= len(digits) <= 15:
        raise ValueError(f"bad phone number: {number!r}")
    return "+" + digits if plus else digits


def read_book(path):
    entries = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if ":" not in stripped:
                raise ValueError(f"line {number}: expected name: number")
            name, phone = stripped.split(":", 1)
            name = name.strip()
            if not name:
                raise ValueError(f"line {number}: empty name")
            try:
                entries.append((name, normalise(phone)))
            except ValueError as e:
                raise ValueError(f"line {number}: {e}") from None
    return entries


def merge_books(path_a, path_b):
    merged = {}
    for name, phone in read_book(path_a) + read_book(path_b):
        merged[name.lower()] = (name, phone)
    return [merged[key] for key in sorted(merged)]
''',
    wrong=r'''
def normalise(number):
    number = number.strip()
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) < 7 or len(digits) > 15:
        raise ValueError(f"bad phone number: {number!r}")
    return "+" + digits if number.startswith("+") else digits


def read_book(path):
    entries = []
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if ":" not in line:
                raise ValueError(f"line {number}: expected name: number")
            name, phone = line.split(":", 1)
            try:
                entries.append((name.strip(), normalise(phone)))
            except ValueError as e:
                raise ValueError(f"line {number}: {e}") from None
    return entries


def merge_books(path_a, path_b):
    book = {}
    for name, phone in read_book(path_a) + read_book(path_b):
        book[name] = phone
    return sorted(book.items(), key=lambda item: item[0].lower())
''',
)

TODO_REPORT = ProgramTask(
    name="todo_report",
    bin=1,
    entry_point="todo_report",
    spec=r"""
Write a Python module that defines `read_todos(path)` and `todo_report(path, today)`: a report on a tab-separated
todo list.

Each line has three fields separated by tab characters (shown here as `<TAB>`): a status, a due date and a title.

```
x<TAB>2024-05-01<TAB>pay rent
-<TAB>2024-05-10<TAB>renew passport
-<TAB><TAB>read a book
```

- The status is `x` (done) or `-` (not done). The due date is empty (no due date) or a real calendar date written
  `YYYY-MM-DD`. The title is stripped of surrounding whitespace and must not be empty. Blank lines and lines
  starting with `#` are ignored.
- `read_todos(path)` returns a list of dicts `{"done": bool, "due": str or None, "title": str}` in file order
  (`"due"` is `None` when the field is empty).
- A line that does not split into exactly three fields at its tabs, or has another status, a bad date or an empty
  title raises `ValueError` whose message contains `line N` (N is the 1-based line number in the file).
- `todo_report(path, today)` takes today's date as a `YYYY-MM-DD` string and returns
  `{"done": int, "undone": int, "overdue": list}`: the number of done and not-done items, and the titles of the
  overdue items, which are the not-done items whose due date is strictly before `today` (an item due today is not
  overdue; done items and items without a due date never are). The overdue titles are sorted by due date, then by
  title.

Standard library only.
""",
    visible=r'''
open("todo.tsv", "w").write("x\t2024-05-01\tpay rent\n-\t2024-05-10\trenew passport\n-\t\tread a book\n")
assert read_todos("todo.tsv") == [
    {"done": True, "due": "2024-05-01", "title": "pay rent"},
    {"done": False, "due": "2024-05-10", "title": "renew passport"},
    {"done": False, "due": None, "title": "read a book"},
]
assert todo_report("todo.tsv", "2024-05-20") == {"done": 1, "undone": 2, "overdue": ["renew passport"]}
''',
    hidden=r'''
def expect_value_error(path, text):
    try:
        read_todos(path)
    except ValueError as e:
        assert text in str(e), (text, str(e))
    else:
        raise AssertionError(f"expected ValueError for {path}")


open("t.tsv", "w").write(
    "# my list\n"
    "-\t2024-06-03\t  water plants  \n"
    "\n"
    "x\t2024-05-01\tdone long ago\n"
    "-\t2024-06-01\tcall mum\n"
    "-\t2024-06-01\tbuy milk\n"
    "-\t2024-06-02\tdue today\n"
    "-\t\tsomeday\n"
    "x\t2024-06-05\tfuture done\n"
)
todos = read_todos("t.tsv")
assert todos[0] == {"done": False, "due": "2024-06-03", "title": "water plants"}
assert len(todos) == 7
assert todo_report("t.tsv", "2024-06-02") == {"done": 2, "undone": 5, "overdue": ["buy milk", "call mum"]}
assert todo_report("t.tsv", "2024-06-04") == {
    "done": 2, "undone": 5, "overdue": ["buy milk", "call mum", "due today", "water plants"]}
assert todo_report("t.tsv", "2024-01-01") == {"done": 2, "undone": 5, "overdue": []}
open("e.tsv", "w").write("")
assert read_todos("e.tsv") == []
assert todo_report("e.tsv", "2024-01-01") == {"done": 0, "undone": 0, "overdue": []}
open("status.tsv", "w").write("x\t\ta\nX\t\tb\n")
expect_value_error("status.tsv", "line 2")
open("date.tsv", "w").write("-\t2024-02-30\tleap\n")
expect_value_error("date.tsv", "line 1")
open("fields.tsv", "w").write("-\t\tok\n\n-\t2024-01-01\ttoo\tmany\n")
expect_value_error("fields.tsv", "line 3")
open("two.tsv", "w").write("-\t2024-01-01 no second tab\n")
expect_value_error("two.tsv", "line 1")
open("title.tsv", "w").write("x\t\tfine\n-\t2024-01-01\t   \n")
expect_value_error("title.tsv", "line 2")
''',
    solution=r'''
from datetime import datetime


def read_todos(path):
    todos = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 3:
                raise ValueError(f"line {number}: expected 3 tab-separated fields")
            status, due, title = fields[0].strip(), fields[1].strip(), fields[2].strip()
            if status not in ("x", "-"):
                raise ValueError(f"line {number}: bad status {status!r}")
            if due:
                try:
                    datetime.strptime(due, "%Y-%m-%d")
                except ValueError:
                    raise ValueError(f"line {number}: bad date {due!r}") from None
            if not title:
                raise ValueError(f"line {number}: empty title")
            todos.append({"done": status == "x", "due": due or None, "title": title})
    return todos


def todo_report(path, today):
    todos = read_todos(path)
    done = sum(1 for todo in todos if todo["done"])
    overdue = sorted((todo["due"], todo["title"]) for todo in todos
                     if not todo["done"] and todo["due"] is not None and todo["due"] < today)
    return {"done": done, "undone": len(todos) - done, "overdue": [title for _, title in overdue]}
''',
    wrong=r'''
from datetime import datetime


def read_todos(path):
    todos = []
    with open(path) as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3 or parts[0] not in ("x", "-"):
                raise ValueError(f"line {number}: bad line")
            status, due, title = parts
            if due:
                try:
                    datetime.strptime(due, "%Y-%m-%d")
                except ValueError:
                    raise ValueError(f"line {number}: bad date") from None
            todos.append({"done": status == "x", "due": due or None, "title": title.strip()})
    return todos


def todo_report(path, today):
    todos = read_todos(path)
    done = len([t for t in todos if t["done"]])
    overdue = [t for t in todos if not t["done"] and t["due"] and t["due"] <= today]
    overdue.sort(key=lambda t: t["due"])
    return {"done": done, "undone": len(todos) - done, "overdue": [t["title"] for t in overdue]}
''',
)

TASKS: list[ProgramTask] = [
    WORD_FREQUENCY,
    KEY_VALUE_CONFIG,
    CSV_COLUMN_STATS,
    LOG_LEVEL_COUNTS,
    LINE_RUN_LENGTH,
    GRADEBOOK,
    DEDUPE_LINES,
    MATRIX_FILE,
    BANK_STATEMENT,
    ROMAN_FILE,
    INI_SECTIONS,
    DAILY_TEMPERATURES,
    PHONE_BOOK_MERGE,
    TODO_REPORT,
]
