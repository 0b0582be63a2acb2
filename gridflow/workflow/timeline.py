"""The timeline of a case: what its keyed hash chain covers, whether the mediation record matches it,
and the time spent per level and state.

The chain itself (keyed hashes, anchor, verification) is generic: `gridflow.hashchain`.  Each event's
hash covers the fields below; its `data` holds what the event recorded (agreement, mediation session,
follow-up visit, referral, …), so the mediation record kept beside the timeline can be checked
against it (`records_check`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gridflow.hashchain import ChainCheck
from gridflow.workflow.calendar import WorkCalendar
from gridflow.workflow.categories import Limit
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


FILE_EVENTS = ("attach", "merge_in")  # the events that record attachments (their SHA-256s)


def attachments_check(events: Sequence[Any], attachments: Sequence[Any]) -> ChainCheck:
    """Do the stored attachments say what the (verified) timeline says?  Each `attach` event recorded
    its stage and its files' SHA-256s, each `merge_in` the SHA-256s it carried over; the rows that
    name the event (`event_id`, in id order) must be exactly those.  A row no event recorded, or one
    whose hash was changed to point at other bytes, shows."""
    by_event: dict[Any, list[Any]] = {}
    for row in attachments:
        by_event.setdefault(row.event_id, []).append(row)
    recorded = {e.id for e in events if e.event in FILE_EVENTS}
    for e in events:
        if e.event not in FILE_EVENTS:
            continue
        told = json.loads(e.data)
        files = told.get("files", [])
        hashes = [f["sha256"] if isinstance(f, dict) else f for f in files]
        rows = sorted(by_event.get(e.id, []), key=lambda r: r.id)
        if [r.sha256 for r in rows] != hashes:
            return ChainCheck(False, e.seq, "the stored attachments differ from what the timeline recorded")
        if e.event == "attach" and any(r.stage != told.get("stage") for r in rows):
            return ChainCheck(False, e.seq, "a stored attachment's stage differs from what the timeline recorded")
    if any(event_id not in recorded for event_id in by_event):
        return ChainCheck(False, None, "a stored attachment that no timeline event recorded")
    return ChainCheck(True)


def _same_session(e: Any, told: dict[str, Any], row: Any) -> bool:
    """A session is held when it is recorded, unless the event says when (ISO 8601 with its offset)."""
    held_at = _naive_utc(told["held_at"]) if told.get("held_at") else e.at
    return (row.held_at, row.mediator_id, row.summary, row.participants, getattr(row, "place", None)) == (
        held_at,
        e.actor_id,
        told["summary"],
        told.get("participants"),
        told.get("place"),
    )


def _naive_utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC).replace(tzinfo=None)


def _same_visit(e: Any, told: dict[str, Any], row: Any) -> bool:
    return (row.visited_at, row.visitor_id, row.notes, row.performed, getattr(row, "satisfied", None)) == (
        e.at,
        e.actor_id,
        told["notes"],
        told.get("performed"),
        told.get("satisfied"),
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


def durations(
    events: Sequence[Any],
    now: datetime,
    terminal: tuple[str, ...],
    measure: Callable[[datetime, datetime], float] | None = None,
) -> dict[str, dict[str, float]]:
    """Seconds spent at each level and in each state, from the events (up to `now` if still running);
    `measure(start, end)`: how a stretch is counted (default natural time; working time:
    `WorkCalendar.office_seconds_between`)."""
    levels: dict[str, float] = {}
    states: dict[str, float] = {}
    for e, nxt in zip(events, list(events[1:]) + [None]):
        if nxt is None and e.to_state in terminal:
            break
        end = nxt.at if nxt is not None else now
        seconds = max(0.0, measure(e.at, end) if measure and end > e.at else (end - e.at).total_seconds())
        levels[e.to_level] = levels.get(e.to_level, 0.0) + seconds
        states[e.to_state] = states.get(e.to_state, 0.0) + seconds
    return {"levels": levels, "states": states}


@dataclass(frozen=True)
class Stay:
    """A case's time at one level: from the event that brought it there to the one that took it away
    (None: still there), and the deadline it had there (None: no clock ran, e.g. waiting to be filed)."""

    level: str
    entered_at: datetime
    left_at: datetime | None
    deadline: datetime | None


def deadlines(events: Sequence[Any], limit_at: Callable[[str], Limit], calendar: WorkCalendar) -> list[datetime | None]:
    """The case's deadline after each event, as the workflow set it: the level's limit counted from
    the moment the clock started there (filing, or arriving from another level), moved by each
    extension there (`extend_by` in the level's own unit); None while no clock ran."""
    out: list[datetime | None] = []
    level: str | None = None
    deadline: datetime | None = None
    for e in events:
        data = json.loads(e.data) if isinstance(e.data, str) else e.data
        moved = e.to_level != level
        if moved:
            level, deadline = e.to_level, None
        if (moved and e.from_state is not None) or e.event == "file":  # the level's clock starts
            deadline = calendar.deadline(e.at, limit_at(e.to_level))
        if e.event == "extend" and deadline is not None and data.get("extend_by"):
            deadline = calendar.extend(deadline, float(data["extend_by"]), limit_at(e.to_level).unit)
        out.append(deadline)
    return out


def level_stays(
    events: Sequence[Any],
    limit_at: Callable[[str], Limit],
    calendar: WorkCalendar,
    ended: bool,
) -> list[Stay]:
    """The levels a case went through, in order, each with its deadline as the workflow set it (see
    `deadlines`).  `ended`: the last event closed the case (its stay ends then)."""
    stays: list[Stay] = []
    level: str | None = None
    entered: datetime | None = None
    deadline: datetime | None = None
    for e, after in zip(events, deadlines(events, limit_at, calendar)):
        if e.to_level != level:
            if level is not None and entered is not None:
                stays.append(Stay(level, entered, e.at, deadline))
            level, entered = e.to_level, e.at
        deadline = after
    if level is not None and entered is not None:
        stays.append(Stay(level, entered, events[-1].at if ended else None, deadline))
    return stays
