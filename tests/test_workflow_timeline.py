"""The timeline's hash chain and durations (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from gridflow.workflow.timeline import GENESIS, durations, event_hash, verify_chain

T0 = datetime(2026, 11, 23, 1, 0)


@dataclass(frozen=True)
class Event:
    case_id: int
    seq: int
    at: datetime
    actor_id: int | None
    actor_name: str
    event: str
    from_state: str | None
    to_state: str
    from_level: str | None
    to_level: str
    reason: str | None
    data: str
    prev_hash: str = ""
    hash: str = ""


def chain(*steps) -> list[Event]:
    events, prev = [], GENESIS
    for seq, (hours, name, state, level) in enumerate(steps, start=1):
        e = Event(1, seq, T0 + timedelta(hours=hours), 7, "张三", name, None, state, None, level, None, "{}")
        e = replace(e, prev_hash=prev)
        e = replace(e, hash=event_hash(prev, e))
        events.append(e)
        prev = e.hash
    return events


EVENTS = chain(
    (0, "report", "reported", "community"),
    (1, "file", "open", "community"),
    (3, "claim", "handling", "community"),
    (10, "escalate", "open", "street"),
    (12, "claim", "handling", "street"),
    (20, "resolve", "resolved", "street"),
    (30, "verify", "closed", "street"),
)


def test_time_is_attributed_to_the_level_and_state_between_events():
    d = durations(EVENTS, now=T0 + timedelta(hours=100), terminal=("closed",))
    hour = 3600.0
    assert d["levels"] == {"community": 10 * hour, "street": 20 * hour}
    assert d["states"] == {"reported": 1 * hour, "open": 4 * hour, "handling": 15 * hour, "resolved": 10 * hour}


def test_an_unfinished_case_counts_up_to_now():
    d = durations(EVENTS[:4], now=T0 + timedelta(hours=15), terminal=("closed",))
    assert d["levels"]["street"] == 5 * 3600.0 and d["states"]["open"] == (2 + 5) * 3600.0


def test_the_chain_detects_changes_reordering_and_gaps():
    assert verify_chain(EVENTS).valid
    changed = EVENTS[:3] + [replace(EVENTS[3], reason="nothing happened")] + EVENTS[4:]
    assert verify_chain(changed).broken_at == 4
    swapped = [EVENTS[0], EVENTS[2], EVENTS[1], *EVENTS[3:]]
    assert not verify_chain(swapped).valid
    assert verify_chain(EVENTS[:2] + EVENTS[3:]).reason.startswith("sequence gap")
    rehashed = replace(changed[3], hash=event_hash(changed[3].prev_hash, changed[3]))  # forger recomputes one hash
    assert verify_chain(EVENTS[:3] + [rehashed] + EVENTS[4:]).broken_at == 5  # the next link gives it away
