"""Run llama-cpp-python's OpenAI-compatible server for one bundled model: ``python -m sale.llama_server``.

Why not ``python -m llama_cpp.server``: with ``logprobs`` requested, llama-cpp-python 0.3.36 ranks the whole
vocabulary in pure Python for every generated token (``sorted(zip(row, range(n_vocab)))``), which makes a bid
from a 151k-vocabulary model 4x slower. :func:`install_fast_top_logprobs` replaces that ranking, inside the
``llama_cpp.llama`` module only, by ``numpy.argpartition`` over the same row; the returned top-k entries are
identical (``tests/test_llama_server.py`` checks it against the original on the bundled model).
"""

from __future__ import annotations

import argparse
import builtins
import os
from types import ModuleType
from typing import Any

import numpy as np

TOP_CANDIDATES = 64  # the OpenAI API caps top_logprobs at 20; only ranked[:top_logprobs] is read


class _RankedRow:
    """What ``zip(row, range(len(row)))`` becomes for a vocabulary row: iterable as before, rankable fast."""

    def __init__(self, row: np.ndarray, indices: range) -> None:
        self.row = row
        self.indices = indices

    def __iter__(self):
        return builtins.zip(self.row, self.indices)  # noqa: B905 - same call as the one it stands in for


def _zip(*iterables: Any, **kwargs: Any):
    if (len(iterables) == 2 and not kwargs and isinstance(iterables[0], np.ndarray) and iterables[0].ndim == 1
            and isinstance(iterables[1], range) and len(iterables[1]) == len(iterables[0]) > TOP_CANDIDATES):
        return _RankedRow(iterables[0], iterables[1])
    return builtins.zip(*iterables, **kwargs)  # noqa: B905 - transparent stand-in for zip


def _sorted(iterable: Any, /, *, key: Any = None, reverse: bool = False) -> list:
    if isinstance(iterable, _RankedRow) and reverse and key is None and iterable.indices == range(len(iterable.row)):
        row = iterable.row
        top = np.argpartition(row, -TOP_CANDIDATES)[-TOP_CANDIDATES:]
        # Same order as sorted(..., reverse=True) on (value, index) tuples: value desc, then index desc.
        order = sorted(((row[i], int(i)) for i in top), reverse=True)
        return order
    return builtins.sorted(iterable, key=key, reverse=reverse)


def install_fast_top_logprobs(module: ModuleType) -> None:
    """Shadow ``zip``/``sorted`` in ``llama_cpp.llama``'s namespace with the rank-only-the-top versions."""
    module.zip = _zip
    module.sorted = _sorted


def exit_with_parent(parent: int, poll_s: float = 1.0) -> None:
    """Exit when ``parent`` (the process that started us) is gone, even after kill -9: no server outlives its
    owner. The pid comes from the command line, so a parent that dies while we are still importing counts."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sale.llama_server", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="path to a GGUF file")
    parser.add_argument("--alias", required=True, help="model name clients send")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--n-threads", type=int, default=1)
    parser.add_argument("--chat-format", default=None)
    parser.add_argument("--parent-pid", type=int, default=None, help="exit when this process is gone")
    args = parser.parse_args(argv)

    import llama_cpp.llama
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    exit_with_parent(args.parent_pid or os.getppid())
    install_fast_top_logprobs(llama_cpp.llama)
    settings = ModelSettings(
        model=args.model, model_alias=args.alias, n_ctx=args.n_ctx, n_threads=args.n_threads,
        n_threads_batch=args.n_threads, logits_all=True, chat_format=args.chat_format, verbose=False,
    )
    app = create_app(server_settings=ServerSettings(host=args.host, port=args.port), model_settings=[settings])
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
