"""The embedding cache: a text being embedded is embedded once, whoever else asks for it meanwhile; a prefetch
computes it in the background; a failed computation leaves the text to the next caller."""

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


def test_a_second_caller_waits_for_the_first_callers_vector():
    fake = Gated()
    cache = EmbeddingCache(fake)
    first, a = in_thread(cache.vector, "sort a list")
    assert fake.entered.wait(5)
    second, b = in_thread(cache.vectors, ["sort a list", "sort a list"])
    time.sleep(0.2)
    assert second.is_alive(), "the second caller did not wait for the computation under way"
    fake.release.set()
    first.join(5), second.join(5)
    assert a["value"] == [11.0, 1.0] and b["value"] == [[11.0, 1.0], [11.0, 1.0]]
    assert fake.passes == [["sort a list"]]


def test_prefetch_computes_in_the_background_and_the_caller_finds_it():
    fake = Gated()
    cache = EmbeddingCache(fake)
    cache.prefetch("reverse a string")
    assert fake.entered.wait(5), "prefetch started no computation"
    caller, out = in_thread(cache.vector, "reverse a string")
    time.sleep(0.1)
    fake.release.set()
    caller.join(5)
    assert out["value"] == [16.0, 1.0] and fake.passes == [["reverse a string"]]
    cache.prefetch("reverse a string")  # kept: nothing to do
    assert cache.vector("reverse a string") == [16.0, 1.0] and len(fake.passes) == 1


def test_a_failed_computation_is_left_to_the_next_caller():
    fake = Gated(fail_first=True)
    cache = EmbeddingCache(fake)
    first, a = in_thread(cache.vector, "parse a date")
    assert fake.entered.wait(5)
    second, b = in_thread(cache.vector, "parse a date")
    time.sleep(0.2)
    fake.release.set()
    first.join(5), second.join(5)
    assert isinstance(a.get("error"), RuntimeError)
    assert b["value"] == [12.0, 1.0] and len(fake.passes) == 2


def test_a_failing_prefetch_is_reported_to_the_caller_that_needs_the_vector():
    class Broken:
        def embed(self, texts):
            raise RuntimeError("model file unreadable")

    cache = EmbeddingCache(Broken())
    cache.prefetch("x")
    with pytest.raises(RuntimeError, match="model file unreadable"):
        cache.vector("x")
