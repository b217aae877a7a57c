"""Grouped index writes: the background flush embeds what waits without the store's lock and writes exactly that;
an entry that arrives meanwhile waits for the next round instead of being embedded with the lock held."""

import threading
import time

import pytest

from memory_store import index_batch
from memory_store.index_batch import WaitingEntries


def test_an_entry_that_arrives_during_the_embedding_is_written_in_the_next_round(monkeypatch):
    monkeypatch.setattr(index_batch, "FLUSH_DELAY_S", 0.01)
    lock = threading.Lock()
    prepared: list[str] = []
    applied: list[list[str]] = []
    entries: WaitingEntries

    def prepare(tasks):
        assert not lock.locked(), "a forward pass ran with the store's lock held"
        if "first" in tasks and not prepared:
            with lock:
                entries.put({"auction_id": "b", "task": "second"}, 2)  # a record logged during the pass
        prepared.extend(tasks)

    def apply(records):
        assert lock.locked()
        applied.append([r["task"] for r in records])
        assert all(r["task"] in prepared for r in records), f"{records} written before it was embedded"

    entries = WaitingEntries(lock, prepare, apply)
    with lock:
        entries.put({"auction_id": "a", "task": "first"}, 1)
    deadline = time.monotonic() + 10
    while len(applied) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    entries.stop()
    assert applied == [["first"], ["second"]]
    assert len(entries) == 0


@pytest.mark.filterwarnings("ignore:the background index flush failed:RuntimeWarning")
def test_a_failed_flush_does_not_end_the_flusher(monkeypatch):
    monkeypatch.setattr(index_batch, "FLUSH_DELAY_S", 0.01)
    lock, applied, failures = threading.Lock(), [], []

    def prepare(tasks):
        if not failures:
            failures.append(tasks)
            raise RuntimeError("the embedding model is not readable")

    entries = WaitingEntries(lock, prepare, lambda records: applied.append([r["task"] for r in records]))
    with lock:
        entries.put({"auction_id": "a", "task": "first"}, 1)
    deadline = time.monotonic() + 10
    while not failures and time.monotonic() < deadline:
        time.sleep(0.01)
    with lock:
        entries.put({"auction_id": "b", "task": "second"}, 2)
    while not applied and time.monotonic() < deadline:
        time.sleep(0.01)
    entries.stop()
    assert failures == [["first"]] and applied == [["first", "second"]]
