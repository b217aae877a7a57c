"""The embedding cache: a text being embedded is embedded once, whoever else asks for it meanwhile; a prefetch
computes it in the background; a failed computation leaves the text to the next caller."""

import sys
import threading
import time

import pytest

from memory_store.embedding_cache import EmbeddingCache


class Gated:
    """A fake embedder whose forward pass waits for ``release``; counts its passes and their texts."""

    def __init__(self, fail_first: bool = False) -> None:
        self.passes: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_first = fail_first

    def embed(self, texts):
        self.passes.append(list(texts))
        self.entered.set()
        assert self.release.wait(10), "the test never released the forward pass"
        if self.fail_first and len(self.passes) == 1:
            raise RuntimeError("forward pass failed")
        return [[float(len(t)), 1.0] for t in texts]


def in_thread(fn, *args):
    out: dict = {}

    def run():
        try:
            out["value"] = fn(*args)
        except Exception as exc:
            out["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def waiting_for_another(thread: threading.Thread) -> bool:
    """True once the thread waits in the cache for a vector another caller computes (not in a pass of its own)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        frame, names = sys._current_frames().get(thread.ident), []
        while frame is not None:
            names.append(frame.f_code.co_name)
            frame = frame.f_back
        if "vectors" in names and "wait" in names and "embed" not in names:
            return True
        time.sleep(0.01)
    return False


def test_a_second_caller_waits_for_the_first_callers_vector():
    fake = Gated()
    cache = EmbeddingCache(fake)
    first, a = in_thread(cache.vector, "sort a list")
    assert fake.entered.wait(5)
    second, b = in_thread(cache.vectors, ["sort a list", "sort a list"])
    assert waiting_for_another(second)
    fake.release.set()
    first.join(5), second.join(5)
    assert a["value"] == [11.0, 1.0] and b["value"] == [[11.0, 1.0], [11.0, 1.0]]
    assert fake.passes == [["sort a list"]]


def test_prefetch_computes_in_the_background_and_the_caller_finds_it():
    fake = Gated()
    cache = EmbeddingCache(fake)
    cache.prefetch("reverse a string")
    assert fake.entered.wait(5), "prefetch started no computation"
    cache.prefetch("reverse a string")  # being computed: nothing more
    caller, out = in_thread(cache.vector, "reverse a string")
    assert waiting_for_another(caller)
    fake.release.set()
    caller.join(5)
    assert out["value"] == [16.0, 1.0] and fake.passes == [["reverse a string"]]
    cache.prefetch("reverse a string")  # kept: nothing to do
    assert cache.vector("reverse a string") == [16.0, 1.0] and len(fake.passes) == 1
    cache.close()
    cache.prefetch("another text")  # closed: no more prefetches
    assert len(fake.passes) == 1


def test_a_failed_computation_is_left_to_the_caller_that_waited():
    fake = Gated(fail_first=True)
    cache = EmbeddingCache(fake)
    first, a = in_thread(cache.vector, "parse a date")
    assert fake.entered.wait(5)
    second, b = in_thread(cache.vector, "parse a date")
    assert waiting_for_another(second)
    fake.release.set()
    first.join(5), second.join(5)
    assert isinstance(a.get("error"), RuntimeError)
    assert b["value"] == [12.0, 1.0] and len(fake.passes) == 2


def test_a_failing_prefetch_is_reported_to_the_caller_that_needs_the_vector():
    class Broken:
        calls = 0

        def embed(self, texts):
            Broken.calls += 1
            raise RuntimeError("model file unreadable")

    cache = EmbeddingCache(Broken())
    cache.prefetch("x")
    cache.close()  # waits for the prefetch
    assert Broken.calls == 1, "the prefetch computed nothing"
    with pytest.raises(RuntimeError, match="model file unreadable"):
        cache.vector("x")
    assert Broken.calls == 2


def test_a_prefetch_with_no_thread_to_spare_leaves_the_text_to_its_caller(monkeypatch):
    def refuse(self):
        raise RuntimeError("can't start new thread")

    fake = Gated()
    fake.release.set()
    cache = EmbeddingCache(fake)
    monkeypatch.setattr(threading.Thread, "start", refuse)
    cache.prefetch("merge two dicts")
    monkeypatch.undo()
    assert cache.vector("merge two dicts") == [15.0, 1.0] and len(fake.passes) == 1
    cache.close()


def test_a_cache_that_keeps_nothing_still_answers():
    fake = Gated()
    fake.release.set()
    cache = EmbeddingCache(fake, size=0)
    assert cache.vectors(["a", "a", "bb"]) == [[1.0, 1.0], [1.0, 1.0], [2.0, 1.0]]
