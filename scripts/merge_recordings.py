"""Fold the recording of a stopped continuation into the recording it continued, so the next one reuses both.

    .venv/bin/python scripts/merge_recordings.py OLD NEW

A benchmark longer than a session goes on with ``sale bench ... --reuse OLD --out NEW``. NEW's ``calls.jsonl``
holds every call the continuation made (served from OLD or asked anew), but not OLD's calls that it had not
reached when it was stopped. The merge keeps OLD's rows in order, puts NEW's reply in place of a failure OLD
recorded for the same request (``--reuse`` asks failed calls again), and appends the requests OLD lacks. OLD's
``calls.jsonl`` (or ``calls.jsonl.gz``) is replaced atomically in its own format, and NEW's ``run.json`` (the
settings the continuation ran with, which ``--reuse`` checked against OLD's) and ``suite.jsonl`` (the tasks it
ran, which ``--replay`` reads) are copied over OLD's.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sale.bench.replay import recorded_rows

SAME_RUN = ("pool", "seed", "simulated")


def read_rows(directory: Path) -> tuple[list[dict], Path]:
    """The recorded calls; a last line cut short (the run was killed while writing it) is left out."""
    plain = directory / "calls.jsonl"
    try:
        rows, cut = recorded_rows(plain)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(str(exc)) from None
    path = plain if plain.is_file() else directory / "calls.jsonl.gz"
    if cut:
        print(f"{path}: its last line was cut short (the run was stopped while writing it); left out")
    return rows, path


def check_same_run(old_dir: Path, new_dir: Path) -> None:
    """NEW must continue OLD: the same pool, seed and kind (as ``--reuse`` checked when NEW started)."""
    old, new = (json.loads((d / "run.json").read_text()) for d in (old_dir, new_dir))
    differ = [k for k in SAME_RUN if old.get(k) != new.get(k)]
    if differ:
        raise SystemExit(f"{new_dir} does not continue {old_dir}: their {', '.join(differ)} differ")


def merge(old: list[dict], new: list[dict]) -> tuple[list[dict], dict[str, int]]:
    """OLD's rows with NEW's replies in place of OLD's failures, then the requests (and repeats) OLD lacks."""
    replies: dict[str, list[dict]] = defaultdict(list)
    for row in new:
        if "error" not in row:
            replies[row["key"]].append(row)
    merged, used = [], defaultdict(int)
    counts = {"kept": 0, "failures_replaced": 0, "appended": 0}
    for row in old:
        key = row["key"]
        if "error" in row and used[key] < len(replies[key]):
            merged.append(replies[key][used[key]])
            counts["failures_replaced"] += 1
        else:
            merged.append(row)
            counts["kept"] += 1
        used[key] += 1
    seen = defaultdict(int)
    for row in new:
        seen[row["key"]] += 1
        if seen[row["key"]] > used[row["key"]]:
            merged.append(row)
            counts["appended"] += 1
    return merged, counts


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    old_dir, new_dir = Path(sys.argv[1]), Path(sys.argv[2])
    check_same_run(old_dir, new_dir)
    old, target = read_rows(old_dir)
    new, _ = read_rows(new_dir)
    merged, counts = merge(old, new)
    data = "".join(json.dumps(row) + "\n" for row in merged).encode()
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(gzip.compress(data, mtime=0) if target.suffix == ".gz" else data)
    os.replace(tmp, target)
    for name in ("run.json", "suite.jsonl"):
        if (new_dir / name).is_file():
            shutil.copyfile(new_dir / name, old_dir / name)
    failures = sum("error" in row for row in merged)
    print(f"{target}: {len(merged)} calls ({counts['kept']} kept, {counts['failures_replaced']} failures replaced "
          f"by a reply, {counts['appended']} appended; {failures} recorded failures left, which --reuse asks again)")


if __name__ == "__main__":
    main()
