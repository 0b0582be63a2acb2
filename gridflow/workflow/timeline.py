"""The timeline of a case: a hash chain over its events, and the time spent per level and state.

Each event's hash covers its own content and the previous event's hash, so changing, removing or
reordering any stored event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
FIELDS = (
    "case_id",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "event",
    "from_state",
    "to_state",
    "from_level",
    "to_level",
    "reason",
    "data",
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def content(event: Any) -> dict[str, Any]:
    """What an event's hash covers (works on ORM rows and plain objects alike)."""
    out = {f: getattr(event, f) for f in FIELDS}
    out["at"] = event.at.isoformat(timespec="microseconds")
    return out


def event_hash(prev_hash: str, event: Any) -> str:
    return hashlib.sha256((prev_hash + canonical_json(content(event))).encode("utf-8")).hexdigest()


@dataclass
class ChainCheck:
    valid: bool
    broken_at: int | None = None  # seq of the first event that does not check out
    reason: str | None = None


def verify_chain(events: Sequence[Any]) -> ChainCheck:
    prev = GENESIS
    for expected_seq, e in enumerate(events, start=1):
        if e.seq != expected_seq:
            return ChainCheck(False, e.seq, f"sequence gap: expected {expected_seq}")
        if e.prev_hash != prev:
            return ChainCheck(False, e.seq, "previous hash does not match")
        if event_hash(prev, e) != e.hash:
            return ChainCheck(False, e.seq, "content does not match its hash")
        prev = e.hash
    return ChainCheck(True)


def durations(events: Sequence[Any], now: datetime, terminal: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Seconds spent at each level and in each state, from the events (up to `now` if still running)."""
    levels: dict[str, float] = {}
    states: dict[str, float] = {}
    for e, nxt in zip(events, list(events[1:]) + [None]):
        if nxt is None and e.to_state in terminal:
            break
        end = nxt.at if nxt is not None else now
        seconds = max(0.0, (end - e.at).total_seconds())
        levels[e.to_level] = levels.get(e.to_level, 0.0) + seconds
        states[e.to_state] = states.get(e.to_state, 0.0) + seconds
    return {"levels": levels, "states": states}
