"""Memory retention: how the auction memory stays bounded as the stream grows (the paper's open problem).

Four knobs, combinable, all off by default (the paper's unbounded memory):

* ``max_entries``: keep at most N auctions; the oldest are dropped from the log and the index on write.
* ``window``: retrieval sees only the last W auctions (by sequence number); older ones stay stored.
* ``half_life``: age decay in retrieval: a past auction's similarity is multiplied by 0.5 ** (age / half_life),
  age counted in auctions, and the top k are re-ranked (``DECAY_POOL`` x k candidates are fetched first).
* ``digest_after``: auctions older than D are summarised into compact strategy digests: the record keeps the task,
  the winning strategy and the best losing strategy, each cut to ``DIGEST_WORDS`` words, and drops the rest (all
  other bids, scores, usage). Retrieval still returns (losing, winning) pairs from digests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from memory_store.provenance import retrievable, sign

if TYPE_CHECKING:
    from memory_store.index import TaskIndex
    from memory_store.log import AuctionLog

DECAY_POOL = 4
DIGEST_WORDS = 40


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class RetentionPolicy:
    max_entries: int = 0
    window: int = 0
    half_life: float = 0.0
    digest_after: int = 0

    def __post_init__(self) -> None:
        for name in ("max_entries", "window", "digest_after"):
            if getattr(self, name) < 0:
                raise PolicyError(f"retention {name} must be >= 0 (0 = off)")
        if not self.half_life >= 0:
            raise PolicyError("retention half_life must be >= 0 (0 = off)")

    @property
    def name(self) -> str:
        parts = [f"{k}={v:g}" for k, v in self.__dict__.items() if v]
        return ",".join(parts) or "unbounded"

    @classmethod
    def parse(cls, text: str) -> RetentionPolicy:
        """``"max_entries=1000,half_life=200"`` (or ``unbounded``)."""
        if text.strip() in ("", "unbounded"):
            return cls()
        values: dict[str, Any] = {}
        for part in text.split(","):
            key, _, raw = part.partition("=")
            key = key.strip()
            if key not in cls.__dataclass_fields__:
                raise PolicyError(f"unknown retention setting {key!r} (max_entries, window, half_life, digest_after)")
            try:
                values[key] = float(raw) if key == "half_life" else int(raw)
            except ValueError:
                raise PolicyError(f"retention {key}: {raw!r} is not a number") from None
        return cls(**values)

    def decay(self, age: int) -> float:
        return 0.5 ** (age / self.half_life) if self.half_life else 1.0

    def retain(self, log: AuctionLog, key: bytes, newest: int, full: bool = False) -> list[str]:
        """Apply ``max_entries`` and ``digest_after`` to the log after a write (``full``: on open, over the whole
        log). Returns the dropped auction ids, for the index to forget."""
        dropped = log.drop_beyond(self.max_entries) if self.max_entries and log.count() > self.max_entries else []
        if self.digest_after:
            cutoff = newest - self.digest_after
            for record in log.undigested_before(cutoff, since=0 if full else cutoff - 8):
                if retrievable(record, key):
                    log.replace_record(record["auction_id"], sign(digest(record), key))
        return dropped

    def query(self, index: TaskIndex, embedding: list[float], k: int, max_seq: int, bidder: str | None = None
              ) -> list[tuple[str, float]]:
        """Top-k (auction id, similarity) among auctions <= ``max_seq`` within the ``window``, age-decayed by
        ``half_life``."""
        min_seq = max_seq - self.window + 1 if self.window else 0
        found = index.query(embedding, k * DECAY_POOL if self.half_life else k, max_seq, bidder=bidder,
                            min_seq=min_seq)
        if not self.half_life:
            return found
        seqs = index.seqs([a for a, _ in found])
        rescored = [(a, s * self.decay(max_seq - seqs.get(a, max_seq))) for a, s in found]
        return sorted(rescored, key=lambda x: -x[1])[:k]


def digest(record: dict[str, Any]) -> dict[str, Any]:
    """The compact form of an old auction: the task and its winning and best losing strategies, cut short."""
    ranked = [b for b in record.get("bids", []) if b.get("label") in ("win", "loss")]
    winner = next((b for b in ranked if b["label"] == "win"), None)
    losers = sorted((b for b in ranked if b["label"] == "loss"), key=lambda b: b.get("score", 0.0))
    keep = [b for b in (winner, losers[0] if losers else None) if b is not None]

    def cut(text: str) -> str:
        words = text.split()
        return " ".join(words[:DIGEST_WORDS]) + (" ..." if len(words) > DIGEST_WORDS else "")

    return {
        "auction_id": record["auction_id"], "created_at": record["created_at"], "task": record["task"],
        "winner_agent": record["winner_agent"], "digest": True,
        "bids": [{"agent": b["agent"], "label": b["label"], "round": b.get("round", 0), "score": b.get("score", 0.0),
                  "text": cut(b["text"])} for b in keep],
    }
