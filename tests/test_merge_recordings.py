"""scripts/merge_recordings.py: a stopped continuation's calls folded into the recording it continued."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def row(key, reply=None, error=None):
    return {"key": key, "agent": "a", **({"error": error} if error else {"reply": {"content": reply}})}


def write(path: Path, rows, packed=False):
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    path.mkdir(parents=True, exist_ok=True)
    if packed:
        (path / "calls.jsonl.gz").write_bytes(gzip.compress(data))
    else:
        (path / "calls.jsonl").write_bytes(data)


def test_a_continuation_replaces_failures_appends_new_calls_and_keeps_what_it_never_reached(tmp_path):
    timeout = {"kind": "exception", "type": "OpenAITimeoutError"}
    old = [row("k1", "one"), row("k2", error=timeout), row("k3", "three"), row("k4", error=timeout)]
    new = [row("k1", "one"), row("k2", "two"), row("k5", "five"), row("k5", "five again")]  # stopped before k3, k4
    write(tmp_path / "old", old, packed=True)
    write(tmp_path / "new", new)
    with open(tmp_path / "new" / "calls.jsonl", "a") as cut:
        cut.write('{"key": "k6", "agent": "a", "rep')  # killed while writing its last call
    (tmp_path / "old" / "run.json").write_text('{"pool": "p", "seed": 0, "settings": "the first run\'s"}')
    (tmp_path / "new" / "run.json").write_text('{"pool": "p", "seed": 0, "settings": "the continuation\'s"}')
    (tmp_path / "new" / "suite.jsonl").write_text('{"id": "t1"}\n')
    script = [sys.executable, str(ROOT / "scripts" / "merge_recordings.py"), str(tmp_path / "old"),
              str(tmp_path / "new")]
    for _ in range(2):  # merging again changes nothing
        out = subprocess.run(script, capture_output=True, text=True, check=True).stdout
        merged = [json.loads(line) for line in gzip.decompress(
            (tmp_path / "old" / "calls.jsonl.gz").read_bytes()).decode().splitlines()]
        assert merged == [old[0], new[1], old[2], old[3], new[2], new[3]]
    assert "1 recorded failures left" in out
    assert json.loads((tmp_path / "old" / "run.json").read_text())["settings"] == "the continuation's"
    assert (tmp_path / "old" / "suite.jsonl").read_text() == '{"id": "t1"}\n', "a replay reads the tasks from it"
    assert not (tmp_path / "old" / "calls.jsonl").exists()


def test_a_run_that_does_not_continue_the_recording_is_refused_and_nothing_changes(tmp_path):
    write(tmp_path / "old", [row("k1", "one")])
    write(tmp_path / "new", [row("k2", "two")])
    (tmp_path / "old" / "run.json").write_text('{"pool": "p", "seed": 0}')
    (tmp_path / "new" / "run.json").write_text('{"pool": "p", "seed": 1}')
    before = (tmp_path / "old" / "calls.jsonl").read_bytes()
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "merge_recordings.py"), str(tmp_path / "old"),
                           str(tmp_path / "new")], capture_output=True, text=True)
    assert done.returncode != 0 and "does not continue" in done.stderr and "seed" in done.stderr
    assert (tmp_path / "old" / "calls.jsonl").read_bytes() == before
    assert json.loads((tmp_path / "old" / "run.json").read_text())["seed"] == 0
