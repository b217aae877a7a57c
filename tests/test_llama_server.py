"""The embedded llama.cpp server: fast top-k logprobs identical to llama-cpp-python's own, and no orphans."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from sale.llama_server import _sorted, _zip, install_fast_top_logprobs


def test_fast_ranking_matches_sorted_on_ties_and_order():
    rng = np.random.default_rng(0)
    row = rng.normal(size=5000).astype(np.float32)
    row[10] = row[20] = row[30] = row.max() + 1  # ties: sorted(reverse=True) orders them by index, descending
    fast = _sorted(_zip(row, range(len(row))), reverse=True)[:20]
    slow = sorted(zip(row, range(len(row)), strict=True), reverse=True)[:20]
    assert fast == slow
    assert _sorted([3, 1, 2]) == [1, 2, 3] and list(_zip("ab", "cd")) == [("a", "c"), ("b", "d")]


@pytest.mark.embedded
def test_top_logprobs_identical_to_upstream_on_the_bundled_model():
    import llama_cpp.llama as upstream
    from llama_cpp import Llama

    from sale.local_pool import smollm2_path

    model = Llama(model_path=str(smollm2_path()), logits_all=True, n_ctx=512, verbose=False)
    messages = [{"role": "user", "content": "Name one prime number."}]

    def run():
        model.reset()
        out = model.create_chat_completion(messages, max_tokens=12, temperature=0, logprobs=True, top_logprobs=5)
        return out["choices"][0]["logprobs"]

    original = run()
    saved = (upstream.__dict__.get("zip"), upstream.__dict__.get("sorted"))
    install_fast_top_logprobs(upstream)
    try:
        patched = run()
    finally:
        for name, value in zip(("zip", "sorted"), saved, strict=True):
            if value is None:
                upstream.__dict__.pop(name, None)
            else:
                setattr(upstream, name, value)
    assert patched == original and len(original["content"]) > 0


@pytest.mark.embedded
def test_server_exits_when_its_parent_is_killed(tmp_path):
    from sale.local_pool import free_port

    port = free_port()
    pid_file = tmp_path / "pid"
    launcher = (
        "import pathlib, time\n"
        "from sale.local_pool import SMOLLM2, LocalServer, smollm2_path\n"
        f"server = LocalServer(SMOLLM2, smollm2_path(), {port})\n"
        f"server.start(pathlib.Path({str(tmp_path)!r}))\n"
        f"open({str(pid_file)!r}, 'w').write(str(server.process.pid))\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", launcher])
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the llama.cpp server outlived its parent")
