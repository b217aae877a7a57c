"""Checkpoint serialisation that never runs code from a checkpoint.

LangGraph's default ``JsonPlusSerializer`` revives any ``module.name`` a checkpoint blob names, with a warning:
a tampered row in the checkpoint database can make it call ``os.system``. ``strict_serializer()`` allows only
LangGraph's built-in list of safe types (plain data, LangChain messages, ...), so a tampered blob yields inert
data instead. The CLI always uses it; pass it to your own checkpointer (``serde=strict_serializer()``), and set
``LANGGRAPH_STRICT_MSGPACK=true`` for LangGraph Server deployments.
"""

from __future__ import annotations

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer


def strict_serializer() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=None)
