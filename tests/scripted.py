"""Scripted chat models for unit tests of single nodes and of the graph's wiring (no network).

A script maps the kind of call (found from the system prompt) to a reply. Bids come with synthetic top-k
logprobs whose spread is set per agent, so the entropy term is exercised with known values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from sale.core.pool import AgentSpec, Pool


def kind_of(messages: list[BaseMessage]) -> str:
    """A call with no system prompt is a direct answer (a cascade's draft, or a bench's ``direct:NAME``)."""
    if messages[0].type != "system":
        return "answer"
    return kind_of_system_prompt(str(messages[0].content))


def kind_of_system_prompt(system: str) -> str:
    """Which auction step a system prompt belongs to: bid, jury, rebid, draft or execute."""
    if "strict judge" in system:
        return "jury"
    if "bidding again" in system:
        return "rebid"
    if "you have no tools for it" in system:
        return "draft"
    if "You won an auction" in system:
        return "execute"
    return "bid"


def synthetic_logprobs(text: str, top_k: int = 5, spread: float = 1.0) -> list[dict[str, Any]]:
    """One entry per whitespace token; the top-k alternatives are spaced ``spread`` nats apart."""
    out = []
    for token in text.split():
        alts = [{"token": f"{token}{i}", "logprob": -spread * i - 0.1} for i in range(top_k)]
        out.append({"token": token, "logprob": alts[0]["logprob"], "top_logprobs": alts})
    return out


def expected_entropy(top_k: int, spread: float) -> float:
    weights = [math.exp(-spread * i) for i in range(top_k)]
    total = sum(weights)
    return -sum((w / total) * math.log(w / total) for w in weights)


Reply = str | Callable[[list[BaseMessage], dict[str, Any]], str]


@dataclass
class Script:
    """Replies for one agent. ``jury`` may be a function of the bid text being judged."""

    bid: Reply = "Step 1: read the task. Step 2: compute carefully. Step 3: check the result."
    rebid: Reply = "Refined: decompose, compute with Python, verify against the examples."
    jury: Reply = '{"score": 3}'
    execute: Reply = "Working...\nFinal answer: 42"
    draft: Reply = ""
    """The executor's one-call draft (coding tasks): empty by default, so the ReAct loop runs as scripted."""
    answer: Reply = ""
    """A direct answer: the task as the only message (a cascade's draft; its redraft adds the failed draft and
    what its check found)."""
    spread: float = 1.0
    logprobs: bool = True
    log: list[tuple[str, list[BaseMessage], dict[str, Any]]] = field(default_factory=list)

    def reply(self, kind: str, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        self.log.append((kind, messages, kwargs))
        value = getattr(self, kind)
        return value(messages, kwargs) if callable(value) else value


class ScriptedChatModel(BaseChatModel):
    script: Any
    agent: str = "scripted"

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _batch_jury(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        """A batched jury call answered bid by bid with the script's single-bid jury replies."""
        import json
        import re

        from nodes.jury import parse_score

        user = str(messages[1].content)
        task = user.removeprefix("Task:\n").rsplit("\n\nStrategies to rate:\n", 1)[0]
        blocks = re.findall(r"<strategy>\n.*?\n</strategy>", user, re.DOTALL)
        self.script.log.append(("jury", messages, kwargs))
        value = self.script.jury
        replies = [value(_single_jury_messages(task, b), kwargs) if callable(value) else value for b in blocks]
        scores = [parse_score(r) for r in replies]
        return json.dumps({"scores": scores}) if None not in scores else replies[0]

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        kind = kind_of(messages)
        if kind == "jury" and "\n\nStrategies to rate:\n" in str(messages[1].content):
            text = self._batch_jury(messages, kwargs)
        else:
            text = self.script.reply(kind, messages, kwargs)
        meta: dict[str, Any] = {"finish_reason": "stop"}
        if kwargs.get("logprobs") and self.script.logprobs:
            meta["logprobs"] = {"content": synthetic_logprobs(text, kwargs.get("top_logprobs") or 5,
                                                              self.script.spread)}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text, response_metadata=meta))])


def _single_jury_messages(task: str, bid_block: str) -> list[BaseMessage]:
    from langchain_core.messages import HumanMessage, SystemMessage

    from sale.core.prompts import JURY_REPLY_SCORE, JURY_SYSTEM, JURY_USER

    return [SystemMessage(JURY_SYSTEM.format(reply_format=JURY_REPLY_SCORE)),
            HumanMessage(JURY_USER.format(task=task, bid_block=bid_block, reply_format=JURY_REPLY_SCORE))]


def scripted_pool(prices: dict[str, float]) -> Pool:
    return Pool.of(*[AgentSpec(name=n, model=n, base_url=f"http://127.0.0.1:9/{n}/v1", price_per_mtok=p)
                     for n, p in prices.items()])


def factory_for(scripts: dict[str, Script]) -> Callable[[AgentSpec], BaseChatModel]:
    return lambda spec: ScriptedChatModel(script=scripts[spec.name], agent=spec.name)
