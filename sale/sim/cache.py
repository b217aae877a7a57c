"""The simulated endpoints' prefix cache: how many prompt tokens a provider would bill at the cached-input price.

A call's cached tokens are the longest prefix of its prompt, in whole blocks of ``BLOCK`` tokens, that an earlier
call to the same agent also sent (one cache per agent and run, nothing evicted). Tokens are the local estimator's
word pieces, each message opening with the same 4-token framing :func:`sale.core.tokens.estimate_message_tokens`
counts, so cached tokens never exceed the prompt count the ledger bills. ``BLOCK`` = 16 is vLLM's KV-cache block;
llama.cpp's server matches token by token, OpenAI caches in 128-token steps from 1,024 tokens and DeepSeek in
64-token units, so shorter prompts (a jury call is a few hundred tokens) may hit less there than here. The total
over a run does not depend on the order concurrent calls arrive in (each block is new exactly once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sale.core.tokens import word_pieces

BLOCK = 16
FRAMING = 4


def prompt_pieces(messages: Sequence[Any]) -> list[str]:
    pieces: list[str] = []
    for message in messages:
        content = getattr(message, "content", message)
        pieces += [f"\x00{getattr(message, 'type', 'message')}"] * FRAMING
        pieces += word_pieces(content if isinstance(content, str) else str(content))
    return pieces


class PrefixCache:
    """Per-agent sets of block-chain keys: a block is cached when the same blocks led up to it before."""

    def __init__(self, block: int = BLOCK) -> None:
        self.block = block
        self._seen: dict[str, set[int]] = {}

    def lookup(self, agent: str, messages: Sequence[Any]) -> int:
        """Cached tokens of this call, then remember its prompt for later calls."""
        seen = self._seen.setdefault(agent, set())
        pieces = prompt_pieces(messages)
        key, cached, hitting = 0, 0, True
        for start in range(0, len(pieces) - self.block + 1, self.block):
            key = hash((key, tuple(pieces[start:start + self.block])))
            if hitting and key in seen:
                cached += self.block
            else:
                hitting = False
                seen.add(key)
        return cached
