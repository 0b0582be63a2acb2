"""The timeline of a case as stored: each event joins the case's keyed hash chain, and the chain's
anchor on the case row moves with it, in the same transaction as the change it records."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gridflow.cases.office import Office
from gridflow.cases.policy import Policy
from gridflow.cases.verify import check_case, load_record
from gridflow.cases.view import load_visible
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import Conflict
from gridflow.hashchain import Anchor, KeyRing
from gridflow.models import Case, CaseEvent
from gridflow.schemas.cases import Durations, LevelStay, Timeline, TimelineCase, TimelineEvent
from gridflow.workflow import table
from gridflow.workflow.rules import Actor
from gridflow.workflow.timeline import content, durations, level_stays, scope


# -- the timeline -----------------------------------------------------------------------------
def event_row(
    case,
    actor: Actor,
    event: str,
    from_state: str | None,
    from_level: str | None,
    reason: str | None,
    data: dict,
    now: datetime,
    keys: KeyRing,
    to_state: str | None = None,
    to_level: str | None = None,
) -> dict:
    """The next timeline entry of `case` (a stored Case, or a new case being written) as column
    values, chained to the case's anchor; the anchor moves to it (several events in one transaction
    chain up).  Seal the anchor (`seal`) after the transaction's last event."""
    if keys is None:
        raise RuntimeError("no chain keys: build the Policy from the app's configuration (Policy.from_config)")
    row = {
        "case_id": case.id,
        "seq": case.chain_length + 1,
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
    }
    link = keys.link(Anchor(case.chain_length, case.chain_head), content(SimpleNamespace(**row)))
    row.update(prev_hash=link.prev_hash, hash=link.hash, key_id=link.key_id)
    case.chain_length, case.chain_head, case.chain_seal = link.seq, link.hash, None
    return row


def seal(case, keys: KeyRing) -> None:
    """Seal the case's anchor (its chain's length and head): written with the case."""
    case.chain_seal = keys.seal(scope(case.id), case.chain_length, case.chain_head).seal


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
    keys: KeyRing,
    client_id: str | None = None,
) -> CaseEvent:
    """Add the next timeline entry to the session (flushed with the case change it records, which
    carries the moved anchor)."""
    entry = CaseEvent(**event_row(case, actor, event, from_state, from_level, reason, data, now, keys))
    entry.client_id = client_id
    seal(case, keys)
    session.add(entry)
    return entry


_ANCHOR_COLUMNS = ("chain_length", "chain_head", "chain_seal")


def append_side_event(
    session: Session,
    case: Case,
    actor: Actor,
    event: str,
    data: dict,
    now: datetime,
    keys: KeyRing,
    client_id: str | None = None,
) -> CaseEvent:
    """Append an event that changes neither the state, the level nor the version of the case
    (`attach`, `merge_in`: see the workflow table's SIDE_DOORS), and move the anchor with it.

    The anchor moves by a statement of its own, conditional on the chain length read (the case row is
    locked by the caller; the condition makes a lost lock a 409, never a forked chain); the loaded
    case learns its new anchor without becoming dirty (no version bump).  Flushed: the entry has its id."""
    tail = SimpleNamespace(
        id=case.id, chain_length=case.chain_length, chain_head=case.chain_head, state=case.state, level=case.level
    )
    entry = CaseEvent(**event_row(tail, actor, event, case.state, case.level, None, data, now, keys))
    entry.client_id = client_id
    seal(tail, keys)
    session.add(entry)
    moved = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.chain_length == case.chain_length)
        .values({name: getattr(tail, name) for name in _ANCHOR_COLUMNS})
        .execution_options(synchronize_session=False)  # the loaded case learns it below, without a version bump
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult
        raise Conflict("the case changed meanwhile: send again", field="id")
    for name in _ANCHOR_COLUMNS:
        set_committed_value(case, name, getattr(tail, name))
    session.flush()
    return entry


def event_by_client_id(session: Session, actor: Actor, client_id: str) -> CaseEvent | None:
    """The event this actor already sent with this client id, if any (exactly-once events)."""
    return session.scalars(
        select(CaseEvent).where(CaseEvent.actor_id == actor.id, CaseEvent.client_id == client_id)
    ).first()


# -- reading --------------------------------------------------------------------------------------
def _stays(case: Case, events: list[CaseEvent], office: Office, now: datetime) -> list[LevelStay]:
    category, calendar = office.category_of(case), office.calendar
    stays = level_stays(events, category.limit, calendar, ended=case.state in table.TERMINAL) if events else []
    if stays and case.state in table.ACTIVE and stays[-1].level == case.level:
        stays[-1] = replace(stays[-1], deadline=case.deadline)  # the stored one: exact whatever changed since
    return [
        LevelStay(
            level=st.level,
            entered_at=st.entered_at,
            left_at=st.left_at,
            deadline=st.deadline,
            overdue=st.deadline is not None and (st.left_at or now) > st.deadline,
        )
        for st in stays
    ]


def timeline(db: Database, actor: Actor, case_id: int, policy: Policy) -> Timeline:
    """A case's events, the time spent per level and state, the levels it went through with their
    deadlines (counted in its category version's limits and the working calendar as the office keeps
    it), and whether its chain holds."""
    keys = policy.keys()
    now = utcnow()
    with db.session() as s:
        case = load_visible(s, actor, case_id)
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))
        check = check_case(keys, case, events, *load_record(s, case.id))
        office = Office.load(s, db, policy, [case])
        natural = durations(events, now, table.TERMINAL)
        working = durations(events, now, table.TERMINAL, office.calendar.office_seconds_between)
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
                    key_id=e.key_id,
                )
                for e in events
            ],
            durations=Durations(
                **natural,
                working_levels=working["levels"],
                working_states=working["states"],
                office_seconds_per_day=office.calendar.office_seconds_per_day(),
            ),
            stays=_stays(case, events, office, now),
            chain_valid=check.valid,
            chain_broken_at=check.broken_at,
            chain_problem=check.reason,
        )
