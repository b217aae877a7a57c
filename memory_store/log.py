"""The auction log: SQLite, the source of truth. One row per auction; writes are idempotent by auction id."""

from __future__ import annotations

import json
import sqlite3
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


class AuctionLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def add(self, record: dict[str, Any]) -> tuple[int, bool]:
        """Insert the record unless its auction id is already logged. Returns (seq, inserted)."""
        with self._db:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO auctions (auction_id, created_at, task, winner, record) VALUES (?,?,?,?,?)",
                (record["auction_id"], record["created_at"], record["task"], record["winner_agent"],
                 json.dumps(record, sort_keys=True)),
            )
            inserted = cur.rowcount == 1
        return self.seq_of(record["auction_id"]), inserted

    def add_many(self, records: list[dict[str, Any]]) -> list[int]:
        """Bulk form of :meth:`add` in one transaction (bulk loads, benchmarks); returns the sequence numbers."""
        with self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO auctions (auction_id, created_at, task, winner, record) VALUES (?,?,?,?,?)",
                [(r["auction_id"], r["created_at"], r["task"], r["winner_agent"], json.dumps(r, sort_keys=True))
                 for r in records])
        return [self.seq_of(r["auction_id"]) for r in records]

    def add_failure(self, auction_id: str, created_at: str, record: dict[str, Any]) -> None:
        """Keep a failed auction for inspection; it never enters the auctions table or the index."""
        with self._db:
            self._db.execute("INSERT OR IGNORE INTO failed_auctions (auction_id, created_at, record) VALUES (?,?,?)",
                             (auction_id, created_at, json.dumps(record, sort_keys=True)))

    def failures(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT record FROM failed_auctions ORDER BY created_at").fetchall()
        return [json.loads(r[0]) for r in rows]

    def set_outcome(self, auction_id: str, outcome: dict[str, Any]) -> None:
        with self._db:
            self._db.execute("UPDATE auctions SET outcome = ? WHERE auction_id = ?",
                             (json.dumps(outcome, sort_keys=True), auction_id))

    def seq_of(self, auction_id: str) -> int:
        row = self._db.execute("SELECT seq FROM auctions WHERE auction_id = ?", (auction_id,)).fetchone()
        if row is None:
            raise KeyError(auction_id)
        return int(row[0])

    def get(self, auction_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT seq, record, outcome FROM auctions WHERE auction_id = ?", (auction_id,)
        ).fetchone()
        return _decode(row) if row else None

    def all(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT seq, record, outcome FROM auctions ORDER BY seq").fetchall()
        return [_decode(r) for r in rows]

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM auctions").fetchone()[0])

    def max_seq(self) -> int:
        return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM auctions").fetchone()[0])

    def drop_oldest(self, n: int) -> list[str]:
        """Delete the n oldest auctions (retention); returns their ids."""
        with self._db:
            rows = self._db.execute("SELECT auction_id FROM auctions ORDER BY seq LIMIT ?", (n,)).fetchall()
            ids = [r[0] for r in rows]
            self._db.executemany("DELETE FROM auctions WHERE auction_id = ?", [(i,) for i in ids])
        return ids

    def undigested_before(self, seq: int, since: int = 0) -> list[dict[str, Any]]:
        """Auctions with since < seq' <= seq whose record is not a digest yet."""
        rows = self._db.execute(
            "SELECT seq, record, outcome FROM auctions WHERE seq <= ? AND seq > ? "
            "AND record NOT LIKE '%\"digest\": true%' ORDER BY seq", (seq, since)).fetchall()
        return [_decode(r) for r in rows]

    def replace_record(self, auction_id: str, record: dict[str, Any]) -> None:
        body = {k: v for k, v in record.items() if k not in ("seq", "outcome")}
        with self._db:
            self._db.execute("UPDATE auctions SET record = ? WHERE auction_id = ?",
                             (json.dumps(body, sort_keys=True), auction_id))

    def close(self) -> None:
        self._db.close()


def _decode(row: tuple) -> dict[str, Any]:
    record = json.loads(row[1])
    record["seq"] = int(row[0])
    record["outcome"] = json.loads(row[2]) if row[2] else None
    return record
