"""The auction log, the source of truth: one row per auction, writes idempotent by auction id.

SQLite in the memory directory by default; :class:`PostgresAuctionLog` keeps the same table in PostgreSQL so that
several orchestrator processes (hosts, LangGraph Server replicas) share one memory.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS auctions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    auction_id TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL,
    task       TEXT    NOT NULL,
    winner     TEXT    NOT NULL,
    record     TEXT    NOT NULL,
    outcome    TEXT
);
CREATE TABLE IF NOT EXISTS failed_auctions (
    auction_id TEXT    PRIMARY KEY,
    created_at TEXT    NOT NULL,
    record     TEXT    NOT NULL
);
"""


INSERT = ("INSERT INTO auctions (auction_id, created_at, task, winner, record) VALUES (?,?,?,?,?) "
          "ON CONFLICT (auction_id) DO NOTHING")


class AuctionLog:
    """SQLite log. Statements use ``?`` placeholders and syntax both SQLite and PostgreSQL accept."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: Any = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:  # refused, never recreated: whatever is readable stays there
            self._db.close()
            raise sqlite3.DatabaseError(f"memory log {path} cannot be opened ({exc}): move it aside (mv {path} "
                                        f"{path}.damaged) and run again") from None

    def _tx(self) -> contextlib.AbstractContextManager[Any]:
        return self._db

    def _run(self, sql: str, params: tuple | list = ()) -> Any:
        return self._db.execute(sql, params)

    def _run_many(self, sql: str, rows: list[tuple]) -> None:
        self._db.executemany(sql, rows)

    def add(self, record: dict[str, Any]) -> tuple[int, bool]:
        """Insert the record unless its auction id is already logged. Returns (seq, inserted)."""
        with self._tx():
            cur = self._run(
                INSERT, (record["auction_id"], record["created_at"], record["task"], record["winner_agent"],
                 json.dumps(record, sort_keys=True)),
            )
            inserted = cur.rowcount == 1
        return self.seq_of(record["auction_id"]), inserted

    def add_many(self, records: list[dict[str, Any]]) -> list[int]:
        """Bulk form of :meth:`add` in one transaction (bulk loads, benchmarks); returns the sequence numbers."""
        with self._tx():
            self._run_many(
                INSERT, [(r["auction_id"], r["created_at"], r["task"], r["winner_agent"], json.dumps(r, sort_keys=True))
                 for r in records])
        return [self.seq_of(r["auction_id"]) for r in records]

    def add_failure(self, auction_id: str, created_at: str, record: dict[str, Any]) -> None:
        """Keep a failed auction for inspection; it never enters the auctions table or the index."""
        with self._tx():
            self._run("INSERT INTO failed_auctions (auction_id, created_at, record) VALUES (?,?,?) "
                      "ON CONFLICT (auction_id) DO NOTHING",
                             (auction_id, created_at, json.dumps(record, sort_keys=True)))

    def failures(self) -> list[dict[str, Any]]:
        rows = self._run("SELECT record FROM failed_auctions ORDER BY created_at").fetchall()
        return [json.loads(r[0]) for r in rows]

    def set_outcome(self, auction_id: str, outcome: dict[str, Any]) -> bool:
        """Merge ``outcome`` into the auction's stored outcome (fields it does not name are kept: the executor's
        answer and a verifier's later verdict arrive separately). False if no such auction is logged."""
        with self._tx():
            row = self._run("SELECT outcome FROM auctions WHERE auction_id = ?", (auction_id,)).fetchone()
            if row is None:
                return False
            merged = {**(json.loads(row[0]) if row[0] else {}), **outcome}
            self._run("UPDATE auctions SET outcome = ? WHERE auction_id = ?",
                      (json.dumps(merged, sort_keys=True), auction_id))
        return True

    def seq_of(self, auction_id: str) -> int:
        row = self._run("SELECT seq FROM auctions WHERE auction_id = ?", (auction_id,)).fetchone()
        if row is None:
            raise KeyError(auction_id)
        return int(row[0])

    def get(self, auction_id: str) -> dict[str, Any] | None:
        row = self._run(
            "SELECT seq, record, outcome FROM auctions WHERE auction_id = ?", (auction_id,)
        ).fetchone()
        return _decode(row) if row else None

    def all(self) -> list[dict[str, Any]]:
        rows = self._run("SELECT seq, record, outcome FROM auctions ORDER BY seq").fetchall()
        return [_decode(r) for r in rows]

    def recent(self, n: int) -> list[dict[str, Any]]:
        """The n newest auctions, newest first."""
        rows = self._run("SELECT seq, record, outcome FROM auctions ORDER BY seq DESC LIMIT ?", (n,)).fetchall()
        return [_decode(r) for r in rows]

    def count(self) -> int:
        return int(self._run("SELECT COUNT(*) FROM auctions").fetchone()[0])

    def max_seq(self) -> int:
        return int(self._run("SELECT COALESCE(MAX(seq), 0) FROM auctions").fetchone()[0])

    def drop_beyond(self, max_entries: int) -> list[str]:
        """Delete the oldest auctions beyond ``max_entries`` (retention), counted inside the write transaction;
        returns their ids."""
        with self._tx():
            excess = self.count() - max_entries
            if excess <= 0:
                return []
            rows = self._run("SELECT auction_id FROM auctions ORDER BY seq LIMIT ?", (excess,)).fetchall()
            ids = [r[0] for r in rows]
            self._run_many("DELETE FROM auctions WHERE auction_id = ?", [(i,) for i in ids])
        return ids

    def undigested_before(self, seq: int, since: int = 0) -> list[dict[str, Any]]:
        """Auctions with since < seq' <= seq whose record is not a digest yet."""
        rows = self._run(
            "SELECT seq, record, outcome FROM auctions WHERE seq <= ? AND seq > ? "
            "AND record NOT LIKE '%\"digest\": true%' ORDER BY seq", (seq, since)).fetchall()
        return [_decode(r) for r in rows]

    def replace_record(self, auction_id: str, record: dict[str, Any]) -> None:
        body = {k: v for k, v in record.items() if k not in ("seq", "outcome")}
        with self._tx():
            self._run("UPDATE auctions SET record = ? WHERE auction_id = ?",
                             (json.dumps(body, sort_keys=True), auction_id))

    def close(self) -> None:
        self._db.close()


PG_SCHEMA = SCHEMA.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
WRITER_LOCK = 0x5A1E_A0C7  # pg advisory lock id: one writing transaction at a time, across processes


class PostgresAuctionLog(AuctionLog):
    """The same log in PostgreSQL, shared by every process given the same URL (``postgresql://...``; add
    ``?options=-csearch_path%3Dname`` to keep it in its own schema). Write transactions take one advisory lock, so
    they are serialised across processes as SQLite serialises its writers: sequence numbers follow commit order
    and retention never races."""

    def __init__(self, url: str) -> None:
        self.path = None
        self.url = url
        self._db = self._connect()
        with self._tx():
            self._db.execute(PG_SCHEMA)

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise ConnectionError(f"cannot connect to the memory log database: {_first_line(exc)}") from None

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
            yield

    def _run(self, sql: str, params: tuple | list = ()) -> Any:
        return self._db.execute(_pg(sql), params)

    def _run_many(self, sql: str, rows: list[tuple]) -> None:
        with self._db.cursor() as cur:
            cur.executemany(_pg(sql), rows)


def _reconnecting(method):
    """Run a log operation; if the connection was lost (database restart, failover, idle timeout), reconnect and
    run it once more. Every operation is idempotent (inserts ignore existing ids), so a retry cannot duplicate."""
    import functools

    @functools.wraps(method)
    def wrapper(self: PostgresAuctionLog, *args: Any, **kwargs: Any) -> Any:
        import psycopg

        try:
            return method(self, *args, **kwargs)
        except psycopg.OperationalError:
            if not (self._db.closed or self._db.broken):
                raise
            self._db.close()
            self._db = self._connect()
            return method(self, *args, **kwargs)

    return wrapper


for _name in ("add", "add_many", "add_failure", "failures", "set_outcome", "seq_of", "get", "all", "recent", "count",
              "max_seq", "drop_beyond", "undigested_before", "replace_record"):
    setattr(PostgresAuctionLog, _name, _reconnecting(getattr(AuctionLog, _name)))


def _pg(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _decode(row: tuple) -> dict[str, Any]:
    record = json.loads(row[1])
    record["seq"] = int(row[0])
    record["outcome"] = json.loads(row[2]) if row[2] else None
    return record
