"""The embedded local runtime: bundled GGUF models served by prebuilt llama.cpp servers on loopback."""

from sale.local.models import (
    LADDER,
    QWEN_CODER_05B,
    QWEN_CODER_15B,
    SMOLLM2,
    BundledModel,
    EmbeddedPoolError,
    cache_dir,
    gguf_path,
)
from sale.local.pool import LocalServer, RuntimeSettings, embedded_pool, free_port

__all__ = ["LADDER", "QWEN_CODER_05B", "QWEN_CODER_15B", "SMOLLM2", "BundledModel", "EmbeddedPoolError",
           "LocalServer", "RuntimeSettings", "cache_dir", "embedded_pool", "free_port", "gguf_path"]
