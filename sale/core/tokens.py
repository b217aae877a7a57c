"""Local token counting: the auction's ledger never trusts a server's ``usage`` field.

A bid's length |s| is the number of generated tokens the endpoint streamed back with logprobs (one entry per
token, the model's own tokenizer). Without logprobs, and for prompts, we estimate with a tokenizer-free rule:
one token per word piece (a run of letters/digits, or one punctuation mark), which tracks BPE counts of
English and code within a small factor. The server's ``usage`` is kept beside it for cross-checking only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_PIECE = re.compile(r"[A-Za-z]{1,8}|\d{1,3}|[^\sA-Za-z\d]")


def word_pieces(text: str) -> list[str]:
    """The pieces :func:`estimate_tokens` counts (the simulator's prefix cache compares them)."""
    return _PIECE.findall(text)


def estimate_tokens(text: str) -> int:
    """Tokenizer-free token estimate (long words count once per 8 letters, numbers once per 3 digits)."""
    return len(word_pieces(text))


def estimate_message_tokens(messages: Sequence[Any]) -> int:
    """Estimate for a chat prompt: each message's text plus a small per-message framing overhead."""
    total = 0
    for message in messages:
        content = getattr(message, "content", message)
        total += estimate_tokens(content if isinstance(content, str) else str(content)) + 4
    return total


def completion_tokens(text: str, logprob_tokens: Sequence[Any] | None) -> tuple[int, str]:
    """Length of a completion and how it was counted: ``"logprobs"`` (exact) or ``"estimate"``."""
    if logprob_tokens:
        return len(logprob_tokens), "logprobs"
    return estimate_tokens(text), "estimate"
