"""The timeline of a case as stored: appending hash-chained events, reading and verifying them."""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.orm import Session

from gridflow.cases.view import load_visible
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import NotFound
from gridflow.models import Case, CaseEvent
from gridflow.schemas.cases import Timeline, TimelineCase, TimelineEvent
from gridflow.workflow import table
from gridflow.workflow.rules import Actor
from gridflow.workflow.timeline import GENESIS, durations, event_hash, verify_chain


# -- the timeline -----------------------------------------------------------------------------
def event_row(
    session: Session | Connection,
    case,
    actor: Actor,
    event: str,
    from_state: str | None,
    from_level: str | None,
    reason: str | None,
    data: dict,
    now: datetime,
    to_state: str | None = None,
    to_level: str | None = None,
) -> dict:
    """The next timeline entry of `case` (a stored Case, or a new case being written) as column
    values, hash-chained to the one before it; the case remembers it as its chain tail (so several
    events in one transaction chain up)."""
    last = case.__dict__.get("_chain_tail")  # (seq, hash) of the last event, if already known
    if last is None:
        last = load_chain_tails(session, [case])[case.id]
    row = {
        "case_id": case.id,
        "seq": last[0] + 1,
        "at": now,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "event": event,
        "from_state": from_state,
        "to_state": to_state or case.state,
        "from_level": from_level,
        "to_level": to_level or case.level,
        "reason": reason,
        "data": json.dumps(data, ensure_ascii=False, sort_keys=True, default=str),
        "prev_hash": last[1],
    }
    row["hash"] = event_hash(row["prev_hash"], SimpleNamespace(**row))
    case.__dict__["_chain_tail"] = (row["seq"], row["hash"])
    return row


def append_event(
    session: Session,
    case: Case,
    actor: Actor,
    event: str,
    from_state: str | None,
    from_level: str | None,
    reason: str | None,
    data: dict,
    now: datetime,
) -> CaseEvent:
    """Add the next timeline entry to the session (flushed with the case change it records)."""
    entry = CaseEvent(**event_row(session, case, actor, event, from_state, from_level, reason, data, now))
    session.add(entry)
    return entry


def load_chain_tails(session: Session | Connection, cases: list[Case]) -> dict[int, tuple[int, str]]:
    """(seq, hash) of the last event of each case, (0, GENESIS) for none: one query for a batch."""
    ids = [c.id for c in cases]
    last = (
        select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
        .where(CaseEvent.case_id.in_(ids))
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.hash).join(
            last, and_(CaseEvent.case_id == last.c.case_id, CaseEvent.seq == last.c.seq)
        )
    ).all()
    tails = {case_id: (0, GENESIS) for case_id in ids} | {r.case_id: (r.seq, r.hash) for r in rows}
    for case in cases:
        case.__dict__["_chain_tail"] = tails[case.id]
    return tails


# -- reading --------------------------------------------------------------------------------------
def timeline(db: Database, actor: Actor, case_id: int) -> Timeline:
    """A case's events, the time spent per level and state, and whether its chain holds."""
    now = utcnow()
    with db.session() as s:
        case = load_visible(s, actor, case_id)
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
        check = verify_chain(events)
        return Timeline(
            case=TimelineCase(id=case.id, number=case.number, state=case.state, level=case.level),
            events=[
                TimelineEvent(
                    seq=e.seq,
                    at=e.at,
                    actor=e.actor_name,
                    event=e.event,
                    from_state=e.from_state,
                    to_state=e.to_state,
                    from_level=e.from_level,
                    to_level=e.to_level,
                    reason=e.reason,
                    data=json.loads(e.data),
                    hash=e.hash,
                )
                for e in events
            ],
            durations=durations(events, now, table.TERMINAL),
            chain_valid=check.valid,
            chain_broken_at=check.broken_at,
        )


def verify(db: Database, case_id: int) -> tuple[bool, int | None, str | None]:
    with db.session() as s:
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)))
        if not events:
            raise NotFound(f"no case {case_id}")
        check = verify_chain(events)
        return check.valid, check.broken_at, check.reason
