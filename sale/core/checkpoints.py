"""Checkpointers: SQLite by default, PostgreSQL for processes that share auctions; never running code from a blob.

LangGraph's default ``JsonPlusSerializer`` revives any ``module.name`` a checkpoint blob names, with a warning:
a tampered row in the checkpoint database can make it call ``os.system``. ``strict_serializer()`` allows only
LangGraph's built-in list of safe types (plain data, LangChain messages, ...), so a tampered blob yields inert
data instead. The CLI always uses it; pass it to your own checkpointer (``serde=strict_serializer()``), and set
``LANGGRAPH_STRICT_MSGPACK=true`` for LangGraph Server deployments.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

SETUP_LOCK = 0x5A1E_C4EC  # pg advisory lock id: one process at a time runs the checkpoint migrations


def strict_serializer() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=None)


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


@contextlib.asynccontextmanager
async def open_checkpointer(target: str) -> AsyncIterator[Any]:
    """An async checkpointer with the strict serializer: ``target`` is a SQLite file or a ``postgresql://`` URL
    (tables created on first use; concurrent first uses wait for each other instead of racing the migrations)."""
    if not is_postgres_url(target):
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        async with aiosqlite.connect(target) as conn:
            yield AsyncSqliteSaver(conn, serde=strict_serializer())
        return
    import psycopg
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row

    try:
        conn = await psycopg.AsyncConnection.connect(target, autocommit=True, prepare_threshold=0,
                                                     row_factory=dict_row)
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConnectionError(f"cannot connect to the checkpoint database: {first}") from None
    async with conn:
        saver = AsyncPostgresSaver(conn, serde=strict_serializer())
        while not (await (await conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (SETUP_LOCK,))).fetchone())["ok"]:
            await asyncio.sleep(0.2)  # not a blocking lock: CREATE INDEX CONCURRENTLY waits for waiting sessions
        try:
            await saver.setup()
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
        yield saver
