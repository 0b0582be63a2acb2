"""The timeline of a case: what its keyed hash chain covers, whether the mediation record matches it,
and the time spent per level and state.

The chain itself (keyed hashes, anchor, verification) is generic: `gridflow.hashchain`.  Each event's
hash covers the fields below; its `data` holds what the event recorded (agreement, mediation session,
follow-up visit, referral, …), so the mediation record kept beside the timeline can be checked
against it (`records_check`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gridflow.hashchain import ChainCheck
from gridflow.workflow.rules import confirmation_deadline

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


def scope(case_id: int) -> str:
    """The name of a case's chain (sealed into its anchor)."""
    return f"case:{case_id}"


def content(event: Any) -> dict[str, Any]:
    """What an event's hash covers (works on ORM rows and plain objects alike)."""
    out = {f: getattr(event, f) for f in FIELDS}
    out["at"] = event.at.isoformat(timespec="microseconds")
    return out


def records_check(
    events: Sequence[Any], sessions: Sequence[Any], follow_ups: Sequence[Any], agreement: Any
) -> ChainCheck:
    """Does the stored mediation record say what the (verified) timeline says?  Sessions pair with
    `record` events and visits with `follow_up` events, in order; the agreement is the last one a
    `resolve` event recorded.  Events from before sessions entered the chain carry none: skipped."""
    said = [(e, json.loads(e.data)) for e in events]
    for kind, rows, key, same in (
        ("record", sessions, "session", _same_session),
        ("follow_up", follow_ups, "visit", _same_visit),
    ):
        told = [(e, d.get(key)) for e, d in said if e.event == kind]
        for (e, recorded), row in zip(told, rows):
            if recorded is not None and not same(e, recorded, row):
                return ChainCheck(False, e.seq, f"the stored {key} differs from what the timeline recorded")
        if len(told) > len(rows):
            return ChainCheck(False, told[len(rows)][0].seq, f"the {key} this event recorded is not stored")
        if len(rows) > len(told):
            return ChainCheck(False, None, f"a stored {key} that no timeline event recorded")
    resolved = [(e, d["agreement"]) for e, d in said if e.event == "resolve" and d.get("agreement")]
    if not resolved:
        return ChainCheck(agreement is None, None, None if agreement is None else "an agreement the timeline lacks")
    e, told = resolved[-1]
    if agreement is None or not _same_agreement(e, told, agreement):
        return ChainCheck(False, e.seq, "the stored agreement differs from what the timeline recorded")
    return ChainCheck(True)


def _same_session(e: Any, told: dict[str, Any], row: Any) -> bool:
    return (row.held_at, row.mediator_id, row.summary, row.participants) == (
        e.at,
        e.actor_id,
        told["summary"],
        told.get("participants"),
    )


def _same_visit(e: Any, told: dict[str, Any], row: Any) -> bool:
    return (row.visited_at, row.visitor_id, row.notes, row.performed) == (
        e.at,
        e.actor_id,
        told["notes"],
        told.get("performed"),
    )


def _same_agreement(e: Any, told: dict[str, Any], row: Any) -> bool:
    deadline = row.performance_deadline.isoformat() if row.performance_deadline else None
    return (row.form, row.terms, deadline, row.signed_at, row.confirmation_deadline) == (
        told["form"],
        told["terms"],
        told.get("performance_deadline"),
        e.at,
        confirmation_deadline(told["form"], e.at),
    )


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
