"""Memory provenance: records are signed by the orchestrator that wrote them, and strategies that carry
instructions are quarantined at write, so nothing planted in the memory reaches a rebid prompt.

* Signing: HMAC-SHA256 over the record's canonical JSON with a per-memory key (``signing.key`` in the memory
  directory, mode 0600, created on first open; ``SALE_MEMORY_KEY_FILE`` puts it elsewhere, e.g. outside a
  directory other processes can write). A row inserted around the orchestrator (straight into SQLite, or edited
  afterwards) has no valid signature and is never indexed or retrieved.
* Quarantine: a record whose strategies look like instructions to a model (prompt-injection phrasing, forged data
  tags, score demands) is stored with ``quarantine`` set and kept out of the index; ``sale memory quarantine ID``
  does the same by hand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

KEY_FILE = "signing.key"
SIGNATURE = "signature"
UNSIGNED_FIELDS = (SIGNATURE, "seq", "outcome")

_INJECTION = [re.compile(p, re.IGNORECASE) for p in (
    r"\bignore\b.{0,40}\b(instructions?|prompt|rules|above|previous)\b",
    r"\b(disregard|forget)\b.{0,40}\b(instructions?|rules|above|previous)\b",
    r"\byou are now\b|\bnew instructions?\b|\bsystem prompt\b",
    r"^\s*(system|assistant|developer)\s*:",
    r"</?\s*(strategy|task|data|search_results|observation)\b[^>]*>",
    r"\b(score|rate|give)\b.{0,30}\b(this|me|it|my)\b.{0,30}\b(5|five|10|max(imum)?|highest)\b",
    r"\{\s*\"score\"\s*:",
    r"\bjudges?\b.{0,40}\bmust\b",
)]


def load_key(directory: Path) -> bytes:
    """The memory's key, created on first use. Creation is atomic (written aside, then linked into place), so
    processes opening a shared memory at once all read the one key that won."""
    path = Path(os.environ.get("SALE_MEMORY_KEY_FILE") or directory / KEY_FILE)
    if not path.exists():
        aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ValueError(f"memory signing key {path} is not a hex key of at least 16 bytes")
    return key


def _canonical(record: dict[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k not in UNSIGNED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(record: dict[str, Any], key: bytes) -> dict[str, Any]:
    return {**record, SIGNATURE: hmac.new(key, _canonical(record), hashlib.sha256).hexdigest()}


def verified(record: dict[str, Any] | None, key: bytes) -> bool:
    if not record or not isinstance(record.get(SIGNATURE), str):
        return False
    expected = hmac.new(key, _canonical(record), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, record[SIGNATURE])


def injection_reason(text: str) -> str | None:
    """Why a strategy looks like instructions to a model rather than a plan (None if it does not)."""
    for pattern in _INJECTION:
        found = pattern.search(text)
        if found:
            return f"strategy text looks like instructions: {found.group(0)[:60]!r}"
    return None


def screen(record: dict[str, Any]) -> str | None:
    """A quarantine reason for a record, from any of its strategies."""
    for bid in record.get("bids", []):
        reason = injection_reason(str(bid.get("text", "")))
        if reason:
            return f"{bid.get('agent')}: {reason}"
    return None


def sign_outcome(auction_id: str, passed: bool, key: bytes) -> str:
    """The signature of a verifier's verdict: the outcome column is not covered by the record's signature, so
    write access to the log must not be enough to turn a failure into a pass."""
    return hmac.new(key, f"outcome:{auction_id}:{passed}".encode(), hashlib.sha256).hexdigest()


def outcome_passed(record: dict[str, Any], key: bytes) -> bool | None:
    """The auction's verified verdict: True or False, or None when unknown (never recorded, or unsigned)."""
    outcome = record.get("outcome") or {}
    passed, signature = outcome.get("passed"), outcome.get("passed_signature")
    if not isinstance(passed, bool) or not isinstance(signature, str):
        return None
    expected = sign_outcome(record["auction_id"], passed, key)
    return passed if hmac.compare_digest(expected, signature) else None


def retrievable(record: dict[str, Any] | None, key: bytes) -> bool:
    return bool(record) and verified(record, key) and not record.get("quarantine")
