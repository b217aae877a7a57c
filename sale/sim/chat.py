"""One simulated agent as a LangChain chat model, so the real graph and executor call it like any other.

Its usage reports prefix-cache hits as OpenAI does (``prompt_tokens_details.cached_tokens``), from the world's
deterministic cache model (:mod:`sale.sim.cache`)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from sale.core.tokens import estimate_message_tokens, estimate_tokens


class SimChatModel(BaseChatModel):
    """One simulated agent; all the behaviour lives in its :class:`sale.sim.world.SimWorld`."""

    world: Any
    agent: str

    @property
    def _llm_type(self) -> str:
        return "sale-simulated"

    def _result(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> ChatResult:
        message = self.world.reply(self.agent, messages, kwargs)
        limit = (kwargs.get("extra_body") or {}).get("max_tokens")
        if limit and not message.tool_calls and estimate_tokens(str(message.content)) > limit:
            words = str(message.content).split()[:limit]
            message = AIMessage(content=" ".join(words), response_metadata={
                **message.response_metadata, "finish_reason": "length"})
        prompt = estimate_message_tokens(messages)
        completion = estimate_tokens(str(message.content))
        message.response_metadata["token_usage"] = {
            "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": self.world.cache.lookup(self.agent, messages)}}
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        if self.world.params.latency_s:
            time.sleep(self.world.params.latency_s)
        return self._result(messages, kwargs)

    async def _agenerate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        if self.world.params.latency_s:
            await asyncio.sleep(self.world.params.latency_s)
        return self._result(messages, kwargs)
